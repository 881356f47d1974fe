// Secret hygiene: AWS error messages that echo a password are scrubbed before anything is shown, and the
// suite-wide check (test/support/hygiene.ts) finds a secret in an output when there is one.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsError } from '../../sandbox/core/errors.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION } from '../../sandbox/scenario/constants.ts';
import { secretsOf } from '../../sandbox/services/secretsmanager/store.ts';
import { explain } from '../../src/cli/errors.ts';
import * as create from '../../src/commands/create.ts';
import { redact, rememberSecret } from '../../src/core/redact.ts';
import { hygieneProblems } from '../support/hygiene.ts';
import { rejection, startCli, type TestCli } from './support.ts';

let cli: TestCli;
beforeAll(async () => {
  cli = await startCli();
});
afterAll(async () => {
  await cli?.close();
});

/** The password snapclone stored for the clone `name` (the newest version of its secret). */
function storedPassword(name: string): string {
  const secret = secretsOf(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION).get(name)!;
  const newest = [...secret.versions.values()].at(-1)!;
  return (JSON.parse(newest.secretString!) as { password: string }).password;
}

describe('AWS error messages that echo secrets', () => {
  it('are scrubbed: the clone password AWS quotes back never reaches the message, the hint or the reporter', async () => {
    const name = 'snapclone-hyg-echo';
    let echoed = '';
    cli.sb.world.observer = (call) => {
      if (call.action !== 'rds:ModifyDBInstance') return;
      echoed = storedPassword(name);
      throw new AwsError('InvalidParameterValue', `The parameter MasterUserPassword is not a valid password: ${echoed} (length 32)`, 400);
    };
    let error: Error;
    let text: string;
    try {
      const { ctx, reporter } = cli.context();
      error = await rejection(create.run({ sources: ['orders-db'], date: cli.day(2), name, wait: true }, ctx), Error);
      text = reporter.text;
    } finally {
      cli.sb.world.observer = undefined;
    }
    expect(echoed).toHaveLength(32);
    const shown = explain(error);
    expect(shown.message).toContain('The parameter MasterUserPassword is not a valid password: *** (length 32)');
    expect(`${shown.message}${shown.hint ?? ''}${text}`).not.toContain(echoed);
  });

  it('redacts password-like parameters AWS quotes, and any secret the run knows, wherever they appear', () => {
    expect(redact('Invalid MasterUserPassword: hunter2hunter2; AuthToken="abc"')).toBe('Invalid MasterUserPassword: ***; AuthToken="***"');
    rememberSecret('s3cr3t-session-token-value');
    expect(redact('token s3cr3t-session-token-value rejected')).toBe('token *** rejected');
    expect(redact('short ones like 1234 stay')).toBe('short ones like 1234 stay');
  });
});

describe('the suite-wide secret check', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'snapclone-hygiene-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports an output that contains an issued secret (without printing it), except that of credentials', () => {
    const secret = 'Zq8vN2kLp4Rt7Wx9Yb3Cd5Fg';
    writeFileSync(join(dir, 'a.secrets.json'), JSON.stringify([secret]));
    writeFileSync(join(dir, 'b.output.json'), JSON.stringify({ args: ['show', 'x'], text: `password ${secret}` }));
    writeFileSync(join(dir, 'c.output.json'), JSON.stringify({ args: ['credentials', 'x'], text: `password ${secret}` }));
    writeFileSync(join(dir, 'd.output.json'), JSON.stringify({ args: ['list'], text: 'nothing secret' }));
    const { problems, outputs, secrets } = hygieneProblems(dir);
    expect({ outputs, secrets }).toEqual({ outputs: 3, secrets: 1 });
    expect(problems).toEqual(['a secret (24 characters) in the output of: snapclone show x']);
  });
});
