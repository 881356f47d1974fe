import { CreateDomainCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import {
  AddTagsToResourceCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { CreateSecretCommand, DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.ts';
import { policiesFor } from '../../src/iam/split.ts';
import { createRole } from '../../sandbox/core/iam-state.ts';
import type { PolicyDocument } from '../../sandbox/core/iam.ts';
import { scenarioConfig, SCENARIO_TARGET } from '../../sandbox/scenario/config.ts';
import { COMPANY_ACCOUNT, DEV_CACHE_SUBNET_GROUP, DEV_SECURITY_GROUP, DEV_SUBNET_GROUP, EXTERNAL_ID, PROD_CACHES } from '../../sandbox/scenario/constants.ts';
import { errorOf } from '../support/errors.ts';
import { hasAwsCli, runAwsCli, type CliKey } from '../support/awscli.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

/**
 * Security review C2, H1, H3, H4, M1, M2, as someone holding snapclone's role would try them: the real aws CLI as a
 * session of the seeded operator role (exactly the generated policy) against the enforcing sandbox.
 */
const SESSION = 'snapclone-mallory';
let sb: TestSandbox;
let mallory: CliKey;
const role = (args: string[]) => runAwsCli(sb.url, args, mallory);
const refused = (out: { code: number; stderr: string }, action: string) => {
  expect(out.code, out.stderr).not.toBe(0);
  expect(out.stderr).toMatch(/AccessDenied/);
  expect(out.stderr).toContain(`perform: ${action}`);
};

beforeAll(async () => {
  sb = await startTestSandbox();
  const out = await new STSClient(sb.config(sb.scenario.ci)).send(
    new AssumeRoleCommand({ RoleArn: sb.scenario.roles.operator, RoleSessionName: SESSION, SourceIdentity: SESSION, ExternalId: EXTERNAL_ID }),
  );
  const c = out.Credentials!;
  mallory = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
});
afterAll(() => sb?.close());

const tags = (owner: string, extra: string[] = []) => [
  '--tags',
  'Key=snapclone:managed,Value=true',
  'Key=snapclone:clone,Value=snapclone-bounds',
  `Key=snapclone:owner,Value=${owner}`,
  'Key=snapclone:expires-at,Value=2099-01-01T00:00:00.000Z',
  ...extra,
];

describe.skipIf(!hasAwsCli)('what the role alone refuses (aws CLI as the operator role)', () => {
  it('C2: no point-in-time restore through a retained automated backup (only through a configured source instance)', async () => {
    const backups = await new RDSClient(sb.config()).send(new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: 'orders-prod' }));
    const backupArn = backups.DBInstanceAutomatedBackups![0].DBInstanceAutomatedBackupsArn!;
    const out = await role([
      'rds', 'restore-db-instance-to-point-in-time', '--source-db-instance-automated-backups-arn', backupArn,
      '--target-db-instance-identifier', 'snapclone-ab-copy', '--use-latest-restorable-time', '--db-subnet-group-name', 'snapclone-dev',
      '--db-instance-class', 'db.t4g.micro', '--no-publicly-accessible', ...tags('mallory'),
    ]);
    refused(out, 'rds:RestoreDBInstanceToPointInTime');
    expect(out.stderr).toContain(backupArn);
  });

  it('H1: no deletion of a domain named with the prefix that is not a clone (managed=false, or untagged)', async () => {
    const admin = new OpenSearchClient(sb.config());
    const domain = { EngineVersion: 'OpenSearch_2.17', ClusterConfig: { InstanceType: 't3.small.search' as const, InstanceCount: 1 }, EBSOptions: { EBSEnabled: true, VolumeSize: 10 } };
    await admin.send(new CreateDomainCommand({ DomainName: 'snapclone-keep', ...domain, TagList: [{ Key: 'snapclone:managed', Value: 'false' }] }));
    await admin.send(new CreateDomainCommand({ DomainName: 'snapclone-metrics', ...domain, TagList: [{ Key: 'team', Value: 'observability' }] }));
    for (const name of ['snapclone-keep', 'snapclone-metrics']) refused(await role(['opensearch', 'delete-domain', '--domain-name', name]), 'es:DeleteDomain');
  });

  it("H3: production's RDS-managed master-password secret cannot be re-tagged, tied to a clone, read or deleted", async () => {
    const admin = new RDSClient(sb.config());
    await admin.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'orders-prod', ManageMasterUserPassword: true, ApplyImmediately: true }));
    const [prod] = (await admin.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders-prod' }))).DBInstances!;
    const secret = prod.MasterUserSecret!.SecretArn!;
    expect(secret).toContain(':secret:rds!db-');
    const clone = prod.DBInstanceArn!.replace(':db:orders-prod', ':db:snapclone-bounds');
    refused(await role(['secretsmanager', 'tag-resource', '--secret-id', secret, '--tags', 'Key=env,Value=dev']), 'secretsmanager:TagResource');
    // Re-pointing RDS's own tag at a clone: Secrets Manager reserves aws: keys to AWS before IAM is asked.
    const repoint = await role(['secretsmanager', 'tag-resource', '--secret-id', secret, '--tags', `Key=aws:rds:primaryDBInstanceArn,Value=${clone}`]);
    expect(repoint.code).not.toBe(0);
    expect(repoint.stderr).toMatch(/AccessDenied|reserved for AWS use/);
    refused(await role(['secretsmanager', 'get-secret-value', '--secret-id', secret]), 'secretsmanager:GetSecretValue');
    refused(await role(['secretsmanager', 'delete-secret', '--secret-id', secret, '--force-delete-without-recovery']), 'secretsmanager:DeleteSecret');
    // As the admin sees it: still RDS's own tag naming production, nothing added.
    const after = await new SecretsManagerClient(sb.config()).send(new DescribeSecretCommand({ SecretId: secret }));
    expect(after.Tags).toEqual([{ Key: 'aws:rds:primaryDBInstanceArn', Value: prod.DBInstanceArn }]);
    expect(after.DeletedDate).toBeUndefined();
  });

  it('H4: no cache without the placement node type (omitted or other), without TLS or without AUTH', async () => {
    const base = [
      'elasticache', 'create-replication-group', '--replication-group-id', 'snapclone-cachebounds', '--replication-group-description', 'x',
      '--snapshot-name', `automatic.${PROD_CACHES[0].id}-x`, '--cache-subnet-group-name', DEV_CACHE_SUBNET_GROUP, '--engine', 'redis',
    ];
    const secure = ['--transit-encryption-enabled', '--auth-token', 'a-long-enough-auth-token-1234'];
    for (const unsafe of [[...secure], ['--cache-node-type', 'cache.r7g.large', ...secure], ['--cache-node-type', 'cache.t4g.micro', '--auth-token', 'a-long-enough-auth-token-1234'], ['--cache-node-type', 'cache.t4g.micro', '--transit-encryption-enabled']]) {
      refused(await role([...base, ...unsafe, ...tags('mallory')]), 'elasticache:CreateReplicationGroup');
    }
  });

  it('H4/M2: every create records its name, an expiry and the session as owner', async () => {
    const create = (owner: string, extra: string[] = []) =>
      role(['secretsmanager', 'create-secret', '--name', `snapclone-bounds-${owner}`, '--secret-string', 'x', ...(extra.length ? extra : tags(owner))]);
    refused(await create('alice'), 'secretsmanager:CreateSecret');
    const noExpiry = ['--tags', 'Key=snapclone:managed,Value=true', 'Key=snapclone:clone,Value=snapclone-bounds', 'Key=snapclone:owner,Value=mallory'];
    refused(await create('mallory', noExpiry), 'secretsmanager:CreateSecret');
    const made = await create('mallory');
    expect(made.code, made.stderr).toBe(0);
  });

  it('M2: the owner of a clone cannot be rewritten; M1: an untagged <prefix>-* secret cannot be tagged into a clone piecemeal', async () => {
    const made = await role(['secretsmanager', 'create-secret', '--name', 'snapclone-owned', '--secret-string', 'x', ...tags('mallory')]);
    expect(made.code, made.stderr).toBe(0);
    const arn = (JSON.parse(made.stdout) as { ARN: string }).ARN;
    refused(await role(['secretsmanager', 'tag-resource', '--secret-id', arn, '--tags', 'Key=snapclone:managed,Value=true', 'Key=snapclone:owner,Value=alice']), 'secretsmanager:TagResource');
    const extend = await role(['secretsmanager', 'tag-resource', '--secret-id', arn, '--tags', 'Key=snapclone:managed,Value=true', 'Key=snapclone:expires-at,Value=2099-02-01T00:00:00.000Z']);
    expect(extend.code, extend.stderr).toBe(0);

    const other = await new SecretsManagerClient(sb.config()).send(new CreateSecretCommand({ Name: 'snapclone-slack-webhook', SecretString: 'xoxb-not-yours' }));
    refused(await role(['secretsmanager', 'tag-resource', '--secret-id', other.ARN!, '--tags', 'Key=snapclone:managed,Value=true']), 'secretsmanager:TagResource');
  });
});

describe('C2 with sources.<s>.backupTag: only snapshots carrying the source tag are restorable (SDK, a role under that config\'s policies)', () => {
  it('restores a manual snapshot tagged as the source\'s, and not an untagged one of the same database', async () => {
    const raw = scenarioConfig();
    for (const [name, s] of Object.entries(raw.sources)) (s as Record<string, unknown>).backupTag = { key: 'backup-of', value: name };
    const policies = policiesFor(ConfigSchema.parse(raw), SCENARIO_TARGET).map((p) => p.document as PolicyDocument);
    const trust: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${COMPANY_ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] };
    const tagged = createRole(sb.world, COMPANY_ACCOUNT, 'snapclone-backuptag', trust, policies);
    const out = await new STSClient(sb.config()).send(new AssumeRoleCommand({ RoleArn: tagged.arn, RoleSessionName: SESSION }));
    const c = out.Credentials!;
    const rds = new RDSClient({ ...sb.config(), credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken } });

    const admin = new RDSClient(sb.config());
    const manual = (await admin.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'orders-prod', SnapshotType: 'manual' }))).DBSnapshots!.filter((s) => s.Status === 'available');
    expect(manual.length).toBeGreaterThanOrEqual(2);
    const [mine, unmarked] = manual;
    await admin.send(new AddTagsToResourceCommand({ ResourceName: mine.DBSnapshotArn!, Tags: [{ Key: 'backup-of', Value: 'orders-db' }] }));
    const restore = (id: string, snapshot: string) =>
      rds.send(
        new RestoreDBInstanceFromDBSnapshotCommand({
          DBInstanceIdentifier: id,
          DBSnapshotIdentifier: snapshot,
          DBSubnetGroupName: DEV_SUBNET_GROUP,
          VpcSecurityGroupIds: [DEV_SECURITY_GROUP],
          DBInstanceClass: 'db.t4g.micro',
          PubliclyAccessible: false,
          Tags: [
            { Key: 'snapclone:managed', Value: 'true' },
            { Key: 'snapclone:clone', Value: id },
            { Key: 'snapclone:owner', Value: 'mallory' },
            { Key: 'snapclone:expires-at', Value: '2099-01-01T00:00:00.000Z' },
          ],
        }),
      );
    const denied = await errorOf(restore('snapclone-bt-unmarked', unmarked.DBSnapshotIdentifier!));
    expect(denied).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(denied.message).toContain(`rds:RestoreDBInstanceFromDBSnapshot on resource: ${unmarked.DBSnapshotArn}`);
    const made = await restore('snapclone-bt-mine', mine.DBSnapshotIdentifier!);
    expect(made.DBInstance?.DBInstanceIdentifier).toBe('snapclone-bt-mine');
  });
});
