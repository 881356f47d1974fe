// The real snapclone binary, run as a process against the sandbox: what a user types and sees.
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeScenarioConfig } from '../../sandbox/scenario/config.ts';
import { saveCalledActions } from '../support/actions.ts';
import { buildCli, runCli, type Run } from '../support/cli-process.ts';
import { cliEnv, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
let dir: string;
let bin: string;
let env: NodeJS.ProcessEnv;
const outputs: string[] = [];

function snapclone(args: string[], extraEnv: NodeJS.ProcessEnv = {}, input?: string): Promise<Run> {
  return runCli(bin, args, { ...env, ...extraEnv }, undefined, input).then((run) => {
    if (args[0] !== 'credentials') outputs.push(run.stdout, run.stderr);
    return run;
  });
}

async function instanceIds(): Promise<string[]> {
  const rds = new RDSClient(sb.config());
  const out = await rds.send(new DescribeDBInstancesCommand({}));
  return (out.DBInstances ?? []).map((i) => i.DBInstanceIdentifier ?? '').sort();
}

const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Asia/Tokyo' });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'snapclone-process-'));
  bin = await buildCli(dir);
  // Fast enough that a restore takes a second or two of wall time while the CLI polls for real.
  sb = await startTestSandbox({ speed: 3000 });
  const config = writeScenarioConfig(dir);
  env = cliEnv(sb, dir, config, 'tester');

});

afterAll(async () => {
  if (sb) saveCalledActions(sb.world);
  await sb?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('snapclone as a process', () => {
  it('prints help and version, and exits 2 on unknown commands and options', async () => {
    const help = await snapclone(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['points', 'create', 'list', 'show', 'credentials', 'extend', 'delete', 'janitor', 'iam', 'doctor']) {
      expect(help.stdout).toContain(command);
    }
    expect((await snapclone(['--version'])).stdout.trim()).toBe('0.0.0-test');
    expect((await snapclone(['frobnicate'])).code).toBe(2);
    expect((await snapclone(['list', '--bogus'])).code).toBe(2);
    expect((await snapclone(['list', '--output', 'yaml'])).code).toBe(2);
  });

  it('doctor passes against the sandbox (exit 0), and iam prints the kit with its formats (exit 2 on a wrong one)', async () => {
    const doctor = await snapclone(['doctor', '--output', 'json']);
    expect(doctor.code).toBe(0);
    expect(JSON.parse(doctor.stdout)).toMatchObject({ ok: true });
    const policy = await snapclone(['iam', 'policy', '--format', 'yaml']);
    expect(policy.code).toBe(0);
    expect(policy.stdout).toMatch(/^snapclone-dev-1:\n {2}Version: "2012-10-17"\n {2}Statement:/);
    expect(policy.stderr).toMatch(/snapclone-dev-1: \d+ of 6144 characters/);
    expect(policy.stdout).toContain('Sid: DenyWritesToSources');
    const template = await snapclone(['iam', 'template']);
    expect(template.stdout).toContain('Type: AWS::IAM::Role');
    const wrong = await snapclone(['iam', 'template', '--format', 'yaml']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--format yaml does not apply to iam template');
    expect((await snapclone(['iam', 'passwords'])).code).toBe(2);
    const janitor = await snapclone(['janitor', '--dry-run', '--output', 'json']);
    expect(janitor.code).toBe(0);
    expect(JSON.parse(janitor.stdout)).toMatchObject({ dryRun: true, failed: 0 });
    expect((await snapclone(['janitor', '--concurrency', '0'])).code).toBe(2);
    expect((await snapclone(['extend', 'snapclone-nothing'])).code).toBe(2); // --ttl is required
  });

  it('reads the options of create from SNAPCLONE_* environment variables (for any CI)', async () => {
    const name = 'snapclone-from-env';
    const made = await snapclone(['create', 'orders-db', '--no-wait'], {
      SNAPCLONE_DATE: daysAgo(9),
      SNAPCLONE_TTL: '2h',
      SNAPCLONE_NAME: name,
      SNAPCLONE_OUTPUT: 'json',
    });
    expect(made.code).toBe(0);
    const clone = JSON.parse(made.stdout).clones[0];
    expect(clone.name).toBe(name);
    expect(new Date(clone.point.time).toLocaleDateString('en-CA', { timeZone: 'Asia/Tokyo' })).toBe(daysAgo(9));
    expect(Date.parse(clone.expiresAt) - Date.parse(clone.createdAt)).toBe(2 * 3_600_000);
    // A flag on the command line wins over the environment.
    const shown = await snapclone(['show', name, '--output', 'table'], { SNAPCLONE_OUTPUT: 'json' });
    expect(shown.stdout).toMatch(/^FIELD\s+VALUE/);
    expect((await snapclone(['delete', name, '--yes'])).code).toBe(0);
    // Empty variables, as CI systems pass unused ones, are not set.
    const empty = await snapclone(['points', 'orders-db', '--output', 'json'], { SNAPCLONE_TARGET: '', SNAPCLONE_DATE: '', SNAPCLONE_OUTPUT: '' });
    expect(empty.code, empty.stderr).toBe(0);
  });

  it('exits 2 naming the key path of a malformed config, and creates nothing', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'targets:\n  dev:\n    account: "12"\n    region: ap-northeast-1\nsources: {}\n');
    const before = await instanceIds();
    const run = await snapclone(['create', 'orders-db', '--latest', '--config', bad]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('targets.dev.account');
    expect(run.stderr).toContain(bad);
    expect(await instanceIds()).toEqual(before);
  });

  it('runs points → create → list → show → credentials → delete, printing a password only in credentials', async () => {
    const points = await snapclone(['points', 'orders-db', '--output', 'json']);
    expect(points.code).toBe(0);
    const kinds = new Set(JSON.parse(points.stdout).points.map((p: { kind: string }) => p.kind));
    expect(kinds).toEqual(new Set(['backup', 'automated-snapshot', 'snapshot', 'point-in-time']));

    const create = await snapclone(['create', 'orders-db', '--date', daysAgo(7), '--ttl', '2h', '--output', 'json', '--verbose']);
    expect(create.stderr).not.toContain('error');
    expect(create.code).toBe(0);
    const clone = JSON.parse(create.stdout).clones[0];
    expect(clone.name).toBe(`snapclone-orders-db-${daysAgo(7).replaceAll('-', '')}-tester`);
    expect(clone).toMatchObject({ ready: true, status: 'available', owner: 'tester', credentials: 'generated' });
    expect(await instanceIds()).toContain(clone.name);

    const list = await snapclone(['list', '--mine', '--output', 'json']);
    expect(JSON.parse(list.stdout).clones.map((c: { name: string }) => c.name)).toEqual([clone.name]);
    const table = await snapclone(['list', '--wide']);
    expect(table.stdout).toMatch(new RegExp(`${clone.name}\\s+dev\\s+orders-db\\s+tester\\s+available`));
    const compact = await snapclone(['list']);
    expect(compact.stdout).toMatch(new RegExp(`${clone.name}\\s+available\\s+tester\\s+in \\d`));

    const show = await snapclone(['show', clone.name, '--output', 'markdown']);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`| publiclyAccessible | false |`);

    const credentials = await snapclone(['credentials', clone.name, '--output', 'json']);
    expect(credentials.code).toBe(0);
    const details = JSON.parse(credentials.stdout);
    // In the sandbox a clone is served on a loopback port of its own (sandbox/services/rds/data-plane.ts).
    expect(details).toMatchObject({ clone: clone.name, username: 'admin', host: '127.0.0.1', port: expect.any(Number) });
    expect(details.password.length).toBeGreaterThanOrEqual(16);

    const del = await snapclone(['delete', clone.name, '--yes', '--output', 'json']);
    expect(del.code).toBe(0);
    expect(JSON.parse(del.stdout).deleted[0]).toMatchObject({ name: clone.name, status: 'deleted' });
    expect(await instanceIds()).not.toContain(clone.name);

    // Secrets never appear in any output but `credentials`: not the clone's password, not the CI key.
    const everything = outputs.join('\n');
    expect(everything).not.toContain(details.password);
    expect(everything).not.toContain(sb.scenario.ci.secretAccessKey);
    // Nothing is written to ~/.aws (HOME is the test's folder).
    expect(existsSync(join(dir, '.aws'))).toBe(false);
  });

  it('refuses to delete a production instance by name or ARN (exit 3) and it still exists', async () => {
    for (const ref of ['orders-prod', 'arn:aws:rds:ap-northeast-1:123456789012:db:orders-prod']) {
      const run = await snapclone(['delete', ref, '--yes']);
      expect(run.code).toBe(3);
      expect(run.stderr).toContain('orders-prod');
    }
    expect(await instanceIds()).toContain('orders-prod');
  });

  it('exits 2 on bad input and creates nothing', async () => {
    const before = await instanceIds();
    const future = await snapclone(['create', 'orders-db', '--date', daysAgo(-3)]);
    expect(future.code).toBe(2);
    const unknown = await snapclone(['create', 'nope-db', '--latest']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('orders-db');
    const ttl = await snapclone(['create', 'orders-db', '--latest', '--ttl', '30d']);
    expect(ttl.code).toBe(2);
    const noPoint = await snapclone(['create', 'orders-db']);
    expect(noPoint.code).toBe(2);
    expect(await instanceIds()).toEqual(before);
  });

  it('does not delete without --yes when there is no terminal', async () => {
    // billing-db restores from RDS snapshots, which tag the clone at creation.
    const create = await snapclone(['create', 'billing-db', '--latest', '--no-wait', '--name', 'snapclone-billing-noyes', '--output', 'json']);
    expect(create.code).toBe(0);
    expect(JSON.parse(create.stdout).clones[0]).toMatchObject({ name: 'snapclone-billing-noyes', ready: false });
    const run = await snapclone(['delete', 'snapclone-billing-noyes']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--yes');
    expect(await instanceIds()).toContain('snapclone-billing-noyes');
    expect((await snapclone(['delete', 'snapclone-billing-noyes', '--yes'])).code).toBe(0);
    expect(await instanceIds()).not.toContain('snapclone-billing-noyes');
  });

  it('assumes the role with MFA: --mfa-code without a terminal, exit 2 without it', async () => {
    const { scenarioConfigText } = await import('../../sandbox/scenario/config.ts');
    const { totp } = await import('../../sandbox/core/totp.ts');
    const mfaConfig = join(dir, 'mfa.yaml');
    writeFileSync(
      mfaConfig,
      scenarioConfigText().replace(
        /^(\s*)externalId:.*$/m,
        `$1mfaSerial: ${sb.scenario.mfa.serialNumber}`,
      ),
    );
    // Each run asks for its code (--no-session-cache): a cached session would let the later ones through without one.
    const alice = {
      AWS_ACCESS_KEY_ID: sb.scenario.mfa.accessKeyId,
      AWS_SECRET_ACCESS_KEY: sb.scenario.mfa.secretAccessKey,
      SNAPCLONE_OWNER: 'alice',
    };
    const without = await snapclone(['points', 'orders-db', '--config', mfaConfig, '--no-session-cache'], alice);
    expect(without.code).toBe(2);
    expect(without.stderr).toContain('--mfa-code');
    const code = totp(sb.scenario.mfa.totpSecret, sb.world.clock.nowMs());
    const withCode = await snapclone(['points', 'orders-db', '--config', mfaConfig, '--no-session-cache', '--mfa-code', code], alice);
    expect(withCode.stderr).toBe('');
    expect(withCode.code).toBe(0);
    // Also from the environment, or piped to `--mfa-code -`: not in the process list for anyone to see.
    sb.world.clock.advance(30_000);
    const fromEnv = await snapclone(['points', 'orders-db', '--config', mfaConfig, '--no-session-cache'], { ...alice, SNAPCLONE_MFA_CODE: totp(sb.scenario.mfa.totpSecret, sb.world.clock.nowMs()) });
    expect(fromEnv.code).toBe(0);
    sb.world.clock.advance(30_000);
    const piped = await snapclone(['points', 'orders-db', '--config', mfaConfig, '--no-session-cache', '--mfa-code', '-'], alice, `${totp(sb.scenario.mfa.totpSecret, sb.world.clock.nowMs())}\n`);
    expect(piped.stderr).toBe('');
    expect(piped.code).toBe(0);
    const nothing = await snapclone(['points', 'orders-db', '--config', mfaConfig, '--no-session-cache', '--mfa-code', '-'], alice, '');
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('reads the MFA code from standard input, which gave none');
    // The session says who acted: session name and SourceIdentity both carry the person.
    const sessions = [...sb.world.credentials.values()].map((c) => c.principal);
    expect(sessions).toContainEqual(
      expect.objectContaining({ sessionName: 'snapclone-alice', sourceIdentity: 'snapclone-alice' }),
    );
  });

  it('names the missing permission with exit 2 when IAM refuses a call', async () => {
    // Without the role, the CI user's own rights apply: it may only assume the operator role.
    const direct = join(dir, 'direct.yaml');
    const { scenarioConfigText } = await import('../../sandbox/scenario/config.ts');
    writeFileSync(direct, scenarioConfigText().replace(/^\s*roleArn:.*\n/m, '').replace(/^\s*externalId:.*\n/m, ''));
    sb.world.enforceIam = true;
    try {
      const run = await snapclone(['points', 'orders-db', '--config', direct]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/Missing permission: (backup|rds):\w+/);
    } finally {
      sb.world.enforceIam = false;
    }
  });
});
