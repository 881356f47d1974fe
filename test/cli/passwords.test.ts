// A clone's master password is its own only when AWS's answer proves it (issue 19, audit F2/F3/F27): restores
// are sent without ManageMasterUserPassword, the password is replaced afterwards, and until the proof the clone
// is pending. The sources here have passwords RDS manages, so their copies report the source's secret.
import { DescribeDBInstancesCommand, DescribeDBClustersCommand, ModifyDBClusterCommand, ModifyDBInstanceCommand } from '@aws-sdk/client-rds';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import * as credentials from '../../src/commands/credentials.ts';
import * as del from '../../src/commands/delete.ts';
import * as list from '../../src/commands/list.ts';
import * as show from '../../src/commands/show.ts';
import type { Config } from '../../src/config/schema.ts';
import { ExitCode, SnapcloneError } from '../../src/core/errors.ts';
import { PASSWORD_NOT_REPLACED } from '../../src/core/finish.ts';
import { TAG } from '../../src/core/tags.ts';
import { policyFor } from '../../src/iam/policy.ts';
import type { PolicyDocument } from '../../sandbox/core/iam.ts';
import { clusterMasterPasswordOf, rdsState } from '../../sandbox/services/rds/state.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION } from '../../sandbox/scenario/index.ts';
import { createdClones, everything, rejection, startCli, type TestCli } from './support.ts';

const MINUTE = 60_000;
let cli: TestCli;
let ordersSecret: string;
let catalogSecret: string;

const state = () => rdsState(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION);
const managedMode = (c: Config) => {
  c.targets.dev.rds!.password = 'managed';
  c.targets.dev.aurora!.password = 'managed';
  return c;
};
const ownerOf = async (secretArn: string, key: string) =>
  (await cli.admin.secrets.send(new DescribeSecretCommand({ SecretId: secretArn }))).Tags?.find((t) => t.Key === key)?.Value;
/** The latest restorable time of a source, in the sandbox clock, a minute back (a point-in-time restore). */
const recent = () => new Date(cli.sb.world.clock.nowMs() - 10 * MINUTE).toISOString();

beforeAll(async () => {
  cli = await startCli();
  // The role's policy as snapclone generates it for a config with both password modes 'managed'.
  cli.sb.world.roles.get(cli.sb.scenario.roles.operator)!.policies = [policyFor(managedMode(structuredClone(cli.config)), 'dev') as PolicyDocument];
  // Production's passwords are managed by RDS: their secrets are what a copy inherits in its metadata.
  const rds = await cli.admin.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'orders-prod', ManageMasterUserPassword: true, ApplyImmediately: true }));
  ordersSecret = rds.DBInstance!.MasterUserSecret!.SecretArn!;
  const aurora = await cli.admin.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'catalog-prod', ManageMasterUserPassword: true, ApplyImmediately: true }));
  catalogSecret = aurora.DBCluster!.MasterUserSecret!.SecretArn!;
  cli.sb.world.clock.advance(20 * MINUTE);
});
afterAll(() => cli?.close());

describe("RDS: password 'managed' from a source whose password RDS manages", () => {
  it("is done only with a secret of the clone's own, tied to it; credentials give that one", async () => {
    const { ctx, reporter } = cli.context({ config: managedMode });
    const result = await create.run({ sources: ['orders-db'], at: recent(), name: 'snapclone-pw-managed', wait: true }, ctx);
    const entry = createdClones(result.json)[0];
    expect(entry).toMatchObject({ ready: true, credentials: 'managed' });
    const instance = (await cli.admin.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: entry.name }))).DBInstances![0];
    const secret = instance.MasterUserSecret!.SecretArn!;
    expect(secret).not.toBe(ordersSecret);
    expect(await ownerOf(secret, 'aws:rds:primaryDBInstanceArn')).toBe(instance.DBInstanceArn);
    const password = cli.masterPassword(entry.name)!;
    expect(password).not.toBe(cli.masterPassword('orders-prod'));
    expect(everything(result, reporter)).not.toContain(password);
    const creds = (await credentials.run({ clone: entry.name }, cli.context({ config: managedMode }).ctx)).json as { password: string };
    expect(creds.password).toBe(password);
    // The source keeps its own secret.
    expect(await ownerOf(ordersSecret, 'aws:rds:primaryDBInstanceArn')).toBe(state().instances.get('orders-prod')!.arn);
    await del.run({ clones: [entry.name], yes: true, wait: true }, cli.context({ config: managedMode }).ctx);
  }, 60_000);

  it('tells an inherited secret from its own also where the role may describe the source\'s (IAM not enforced)', async () => {
    cli.sb.world.enforceIam = false;
    try {
      const result = await create.run({ sources: ['orders-db'], at: recent(), name: 'snapclone-pw-open', wait: true }, cli.context({ config: managedMode }).ctx);
      const entry = createdClones(result.json)[0];
      expect(entry.credentials).toBe('managed');
      expect(entry.details.secret).not.toBe(ordersSecret);
      expect(cli.masterPassword(entry.name)).not.toBe(cli.masterPassword('orders-prod'));
      await del.run({ clones: [entry.name], yes: true, wait: true }, cli.context().ctx);
    } finally {
      cli.sb.world.enforceIam = true;
    }
  }, 60_000);
});

describe("RDS: password 'generated' from a source whose password RDS manages", () => {
  it('sets a new password without turning off a management RDS does not do (it would refuse)', async () => {
    const { ctx } = cli.context();
    const result = await create.run({ sources: ['orders-db'], at: recent(), name: 'snapclone-pw-generated', wait: true }, ctx);
    const entry = createdClones(result.json)[0];
    expect(entry).toMatchObject({ ready: true, credentials: 'generated' });
    const creds = (await credentials.run({ clone: entry.name }, cli.context().ctx)).json as { password: string };
    expect(creds.password).toBe(cli.masterPassword(entry.name));
    expect(creds.password).not.toBe(cli.masterPassword('orders-prod'));
    await del.run({ clones: [entry.name], yes: true, wait: true }, cli.context().ctx);
  }, 60_000);
});

describe('a clone whose password is not proven replaced is pending', () => {
  it('credentials refuse it (exit 1, nothing leaked), show and list say so, and create finishes it', async () => {
    const name = 'snapclone-pw-pending';
    // Started without waiting: the restore is under way, its password still the source's.
    const at = recent();
    const startedRun = cli.context({ config: managedMode });
    const started = await create.run({ sources: ['orders-db'], at, name, wait: false }, startedRun.ctx);
    expect(createdClones(started.json)[0]).toMatchObject({ ready: false, credentials: 'pending' });
    // One truth, said the same way by create, show and credentials, with the exact command that finishes it
    // (its --at read back from the clone's tags), and no claim of a new password before there is one.
    const finish = `snapclone create orders-db --name ${name} --at ${at}`;
    const said = `${started.lines!.join('\n')}\n${startedRun.reporter.text}`;
    expect(said).toContain(`${PASSWORD_NOT_REPLACED}. Finish it (this resumes the create and waits):\n    ${finish}\n`);
    expect(said).not.toMatch(/new managed master password|with a new .*password/);
    cli.sb.world.clock.advance(60 * MINUTE);
    expect(state().instances.get(name)!.tags.get(TAG.password)).toBeUndefined();
    const sourcePassword = cli.masterPassword('orders-prod')!;
    expect(cli.masterPassword(name)).toBe(sourcePassword);

    const { ctx, reporter } = cli.context({ config: managedMode });
    const refused = await rejection(credentials.run({ clone: name }, ctx), SnapcloneError);
    expect(refused.exitCode).toBe(ExitCode.failed);
    expect(refused.message).toBe(`${name}: ${PASSWORD_NOT_REPLACED}, so snapclone does not hand it out.`);
    expect(refused.hint).toBe(`Finish it (this resumes the create and waits): ${finish}`);
    expect(`${refused.message} ${refused.hint ?? ''} ${reporter.text}`).not.toContain(sourcePassword);
    const shown = await show.run({ clone: name }, cli.context().ctx);
    expect(shown.table!.rows).toContainEqual(['password', `${PASSWORD_NOT_REPLACED}; finish it: ${finish}`]);
    const listed = await list.run({ wide: true }, cli.context().ctx);
    expect(JSON.stringify(listed.table)).toContain('available (password pending)');
    expect(JSON.stringify(listed.json)).toContain('"credentials":"pending"');

    // The command as printed, parsed back: it resumes the clone rather than refusing a different point.
    const args = finish.split(' ');
    expect(args.slice(0, 6)).toEqual(['snapclone', 'create', 'orders-db', '--name', name, '--at']);
    const again = await create.run({ sources: [args[2]], at: args[6], name: args[4], wait: true }, cli.context({ config: managedMode }).ctx);
    expect(createdClones(again.json)[0]).toMatchObject({ resumed: true, ready: true, credentials: 'managed' });
    const creds = (await credentials.run({ clone: name }, cli.context({ config: managedMode }).ctx)).json as { password: string };
    expect(creds.password).not.toBe(sourcePassword);
    expect(creds.password).toBe(cli.masterPassword(name));
    await del.run({ clones: [name], yes: true, wait: true }, cli.context().ctx);
  }, 60_000);
});

describe('Aurora from a source cluster whose password RDS manages', () => {
  it.each(['managed', 'generated'] as const)("password '%s': the clone's own, proven from AWS's answer", async (mode) => {
    const config = (c: Config) => {
      c.targets.dev.aurora!.password = mode;
      return c;
    };
    const name = `snapclone-catalog-${mode}`;
    const result = await create.run({ sources: ['catalog-db'], latest: true, name, wait: true }, cli.context({ config }).ctx);
    expect(createdClones(result.json)[0]).toMatchObject({ ready: true, credentials: mode });
    const cluster = (await cli.admin.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: name }))).DBClusters![0];
    if (mode === 'managed') {
      expect(cluster.MasterUserSecret!.SecretArn).not.toBe(catalogSecret);
      expect(await ownerOf(cluster.MasterUserSecret!.SecretArn!, 'aws:rds:primaryDBClusterArn')).toBe(cluster.DBClusterArn);
    }
    const password = clusterMasterPasswordOf(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION, name);
    expect(password).not.toBe(clusterMasterPasswordOf(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION, 'catalog-prod'));
    const creds = (await credentials.run({ clone: name }, cli.context({ config }).ctx)).json as { password: string };
    expect(creds.password).toBe(password);
    await del.run({ clones: [name], yes: true, wait: true }, cli.context({ config }).ctx);
  }, 60_000);
});
