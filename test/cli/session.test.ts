// Short-lived access: the role session is refreshed when a long wait outlives it.
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { fromTokenFile } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { githubOidcCredentials } from '../../src/action/oidc-credentials.ts';
import { createClients } from '../../src/aws/session.ts';
import { mintGithubToken } from '../../sandbox/core/oidc.ts';
import { GITHUB_REPO } from '../../sandbox/scenario/index.ts';
import { explain } from '../../src/cli/errors.ts';
import { ExitCode } from '../../src/core/errors.ts';
import { startCli, type TestCli } from './support.ts';

let cli: TestCli;
beforeAll(async () => {
  cli = await startCli();
});
afterAll(() => cli.close());
afterEach(() => vi.useRealTimers());

const sessionsOf = (cli: TestCli) =>
  [...cli.sb.world.credentials.values()].filter((c) => c.principal.sessionName === 'snapclone-bob');

describe('role sessions', () => {
  it('assumes the role again when the session has expired, instead of failing with ExpiredToken', async () => {
    // Only Date is faked: the SDK's expiry check and the sandbox's clock both read it, as real clocks agree.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const target = { ...cli.config.targets.dev, access: { ...cli.config.targets.dev.access, durationSeconds: 900 } };
    const rds = createClients(target, { person: 'bob', endpoint: cli.sb.url, credentials: cli.sb.scenario.ci }).of(RDSClient);

    await rds.send(new DescribeDBInstancesCommand({}));
    expect(sessionsOf(cli)).toHaveLength(1);
    const [first] = sessionsOf(cli);

    vi.setSystemTime(Date.now() + 20 * 60_000); // past the 15-minute session
    expect(first.expiration!.getTime()).toBeLessThan(cli.sb.world.clock.nowMs());
    const out = await rds.send(new DescribeDBInstancesCommand({}));
    expect(out.DBInstances?.length).toBeGreaterThan(0);
    expect(sessionsOf(cli)).toHaveLength(2);
    expect(sessionsOf(cli)[1].principal).toMatchObject({ sourceIdentity: 'snapclone-bob' });
  });
});

describe('GitHub OIDC sessions (5-minute ID tokens, 1-hour role sessions)', () => {
  const HOUR = 3_600_000;
  /** Two calls an hour and a minute apart on the sandbox's clock, through a session from `credentials`. */
  async function callsAnHourApart(credentials: AwsCredentialIdentityProvider): Promise<unknown> {
    const target = { ...cli.config.targets.dev, access: { ...cli.config.targets.dev.access } };
    const rds = createClients(target, { person: 'octocat', endpoint: cli.sb.url, roleAssumed: cli.sb.scenario.roles.github, credentials }).of(RDSClient);
    await rds.send(new DescribeDBInstancesCommand({}));
    cli.sb.world.clock.advance(HOUR + 60_000);
    try {
      return await rds.send(new DescribeDBInstancesCommand({})).then((out) => out.DBInstances?.length, (error: unknown) => error);
    } finally {
      cli.sb.world.clock.advance(-(HOUR + 60_000));
    }
  }
  const mint = () => mintGithubToken(cli.sb.world, { repository: GITHUB_REPO, environment: 'snapclone', ttlSeconds: 300 });
  const session = () => ({ roleArn: cli.sb.scenario.roles.github, roleSessionName: 'snapclone-octocat', clientConfig: { endpoint: cli.sb.url } });

  it('the token written once to a file (the Action before F9) is re-read expired when the session is renewed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapclone-oidc-'));
    const file = join(dir, 'token');
    writeFileSync(file, mint(), { mode: 0o600 });
    const outcome = await callsAnHourApart(fromTokenFile({ ...session(), webIdentityTokenFile: file })).finally(() => rmSync(dir, { recursive: true }));
    expect(outcome).toMatchObject({ name: 'ExpiredTokenException', message: expect.stringMatching(/^Token expired/) });
  });

  it('a fresh token from GitHub for each session (the Action now) renews the session', async () => {
    let tokens = 0;
    const credentials = githubOidcCredentials({
      roleArn: session().roleArn,
      sessionName: session().roleSessionName,
      endpoint: cli.sb.url,
      idToken: async () => {
        tokens++;
        return mint();
      },
    });
    expect(await callsAnHourApart(credentials)).toBeGreaterThan(0);
    expect(tokens).toBe(2);
  });
});

describe('refused credentials', () => {
  it('a wrong secret key is explained as refused credentials by JSON services too (InvalidSignatureException)', async () => {
    // A target without a role: the first call may go to a JSON service, which names the refusal its own way.
    const target = { ...cli.config.targets.dev, access: { ...cli.config.targets.dev.access, roleArn: undefined } };
    const wrong = { ...cli.sb.scenario.ci, secretAccessKey: 'x'.repeat(40) };
    const secrets = createClients(target, { person: 'bob', endpoint: cli.sb.url, credentials: wrong }).of(SecretsManagerClient);
    const error = await secrets.send(new ListSecretsCommand({})).catch((e: unknown) => e);
    expect(explain(error)).toMatchObject({
      message: expect.stringMatching(/^AWS rejected the credentials \(InvalidSignatureException\): The request signature/),
      exitCode: ExitCode.usage,
    });
  });
});
