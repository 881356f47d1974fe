import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateReplicationGroupCommand, ElastiCacheClient, type CreateReplicationGroupCommandInput } from '@aws-sdk/client-elasticache';
import { RDSClient, RestoreDBClusterFromSnapshotCommand, RestoreDBInstanceFromDBSnapshotCommand } from '@aws-sdk/client-rds';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPermission } from '../../sandbox/core/authorize.ts';
import { createRole } from '../../sandbox/core/iam-state.ts';
import type { PolicyDocument, PolicyStatement } from '../../sandbox/core/iam.ts';
import { allowedKeys, resourceTypeOf, sarActionOrUndefined } from '../../sandbox/core/sar.ts';
import type { RequestContext } from '../../sandbox/core/service.ts';
import { generatedOperatorPolicies } from '../../sandbox/scenario/iam.ts';
import {
  COMPANY_ACCOUNT,
  COMPANY_REGION,
  DEV_CACHE_SUBNET_GROUP,
  DEV_SECURITY_GROUP,
  DEV_SUBNET_GROUP,
  PROD_CLUSTERS,
  PROD_DATABASES,
} from '../../sandbox/scenario/index.ts';
import { services } from '../../sandbox/services/index.ts';
import { elasticacheState } from '../../sandbox/services/elasticache/state.ts';
import { rdsState } from '../../sandbox/services/rds/state.ts';
import { errorOf } from '../support/errors.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
beforeAll(async () => {
  sb = await startTestSandbox({ enforceIam: true });
});
afterAll(() => sb.close());

const policy = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });
const arn = (service: string, resource: string) => `arn:aws:${service}:${COMPANY_REGION}:${COMPANY_ACCOUNT}:${resource}`;
// What every create carries under the generated policy (security M2/H4): the owner is the session (snapclone-sar),
// with a clone name and an expiry (the policy requires them present; their values are the janitor's to judge).
const MANAGED = [
  { Key: 'snapclone:managed', Value: 'true' },
  { Key: 'snapclone:owner', Value: 'sar' },
  { Key: 'snapclone:clone', Value: 'snapclone-sar' },
  { Key: 'snapclone:expires-at', Value: '2099-01-01T00:00:00.000Z' },
];

/** SDK client config of a fresh role with exactly these policies (trusted through the account root, assumed by the admin). */
let roles = 0;
async function as(...policies: PolicyDocument[]) {
  const role = createRole(sb.world, COMPANY_ACCOUNT, `sar-test-${++roles}`, policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${COMPANY_ACCOUNT}:root` }, Action: 'sts:AssumeRole' }), policies);
  const out = await new STSClient(sb.config()).send(new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'snapclone-sar' }));
  const c = out.Credentials!;
  return { ...sb.config(), credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken } };
}

describe("every action the sandbox authorizes is in AWS's Service Authorization Reference", () => {
  it('each implemented operation, as <iamPrefix>:<Operation> or the action it names (S3: ListObjectsV2 is s3:ListBucket)', () => {
    const actions = Object.values(services).flatMap((s) => Object.entries(s.operations).map(([op, def]) => def.action ?? `${s.iamPrefix}:${op}`));
    expect(actions.length).toBeGreaterThan(60);
    expect(actions.filter((a) => !sarActionOrUndefined(a))).toEqual([]);
  });

  it("each action handlers check besides their own (checkPermission(…, 'svc:Action', …)) and the OpenSearch data plane's", () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
    const source = files('sandbox').map((f) => readFileSync(f, 'utf8')).join('\n');
    const checked = [...source.matchAll(/checkPermission\(\s*[\w.]+,\s*'([\w-]+:\w+)'/g)].map((m) => m[1]);
    const dataPlane = [...source.matchAll(/^\s+[A-Z]+: '(ESHttp\w+)'/gm)].map((m) => `es:${m[1]}`);
    expect(checked).toContain('kms:DescribeKey');
    expect(dataPlane).toContain('es:ESHttpPut');
    expect([...checked, ...dataPlane, 'kms:CreateGrant'].filter((a) => !sarActionOrUndefined(a))).toEqual([]);
  });

  it('an action the data does not know fails loudly (InternalFailure 500), never a silent allow', () => {
    const ctx = { world: sb.world, principal: { kind: 'user', arn: 'x', accountId: COMPANY_ACCOUNT, userId: 'x' }, region: COMPANY_REGION } as unknown as RequestContext;
    expect(() => checkPermission(ctx, 'rds:RestoreEverything', ['*'])).toThrow(/Sandbox bug: rds:RestoreEverything is not in AWS's Service Authorization Reference/);
  });

  it('types ARNs by the data and supplies each resource only the keys listed for it', () => {
    const create = 'elasticache:CreateReplicationGroup';
    expect(resourceTypeOf(create, arn('elasticache', 'parametergroup:default.valkey8'))).toBe('parametergroup');
    expect(resourceTypeOf('rds:DeleteDBCluster', arn('rds', 'cluster-snapshot:x'))).toBe('cluster-snapshot');
    // AWS Backup's recovery points of RDS are RDS snapshot ARNs: the data's pattern says so.
    expect(resourceTypeOf('backup:StartRestoreJob', arn('rds', 'snapshot:awsbackup:job-1'))).toBe('recoveryPoint');
    const onGroup = allowedKeys(create, 'replicationgroup');
    const onParams = allowedKeys(create, 'parametergroup');
    expect(['aws:RequestTag/snapclone:managed', 'aws:TagKeys', 'elasticache:CacheNodeType'].map(onGroup)).toEqual([true, true, true]);
    expect(['aws:RequestTag/snapclone:managed', 'aws:TagKeys', 'elasticache:CacheNodeType'].map(onParams)).toEqual([false, false, false]);
    expect(onParams('aws:ResourceTag/x')).toBe(true); // action-level for CreateReplicationGroup
    expect(onParams('aws:PrincipalArn')).toBe(true); // global
    // RDS restores list the request tags at action level: every resource of the request sees them.
    expect(allowedKeys('rds:RestoreDBInstanceFromDBSnapshot', 'og')('aws:RequestTag/snapclone:managed')).toBe(true);
  });
});

describe('F1: ElastiCache CreateReplicationGroup under per-resource condition keys', () => {
  const input = (id: string): CreateReplicationGroupCommandInput => ({
    ReplicationGroupId: id,
    ReplicationGroupDescription: 'F1',
    SnapshotName: 'sessions-prod-before-migration',
    Engine: 'valkey',
    CacheNodeType: 'cache.t4g.micro',
    NumCacheClusters: 1,
    CacheSubnetGroupName: DEV_CACHE_SUBNET_GROUP,
    SecurityGroupIds: [DEV_SECURITY_GROUP],
    TransitEncryptionEnabled: true,
    AuthToken: 'a-token-of-at-least-sixteen-characters',
    AtRestEncryptionEnabled: true,
    Tags: MANAGED,
  });
  const generated = () => generatedOperatorPolicies();
  const tagOnCreate = policy({ Effect: 'Allow', Action: 'elasticache:AddTagsToResource', Resource: arn('elasticache', 'replicationgroup:snapclone-*') });
  // The statement main generated before F1 was fixed: request-tag conditions over every resource of the call.
  const joint = policy({
    Sid: 'CreateCloneRestoreInputPlacementElasticache',
    Effect: 'Allow',
    Action: 'elasticache:CreateReplicationGroup',
    Resource: [
      arn('elasticache', 'replicationgroup:snapclone-*'),
      arn('elasticache', 'cluster:snapclone-*'),
      arn('elasticache', 'snapshot:*'),
      arn('elasticache', 'parametergroup:*'),
      arn('elasticache', `subnetgroup:${DEV_CACHE_SUBNET_GROUP}`),
    ],
    Condition: {
      StringEquals: { 'aws:RequestTag/snapclone:managed': 'true' },
      'ForAllValues:StringLike': { 'aws:TagKeys': ['snapclone:*'] },
      StringLikeIfExists: { 'elasticache:CacheNodeType': ['cache.t4g.micro'] },
    },
  });

  it('the statement main generated is denied: AWS supplies no request tags for the parameter group', async () => {
    const denied = await errorOf(new ElastiCacheClient(await as(joint, tagOnCreate)).send(new CreateReplicationGroupCommand(input('snapclone-f1-a'))));
    expect(denied).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(denied.message).toContain('elasticache:CreateReplicationGroup');
    const rest = policy({
      Effect: 'Allow',
      Action: 'elasticache:CreateReplicationGroup',
      Resource: [arn('elasticache', 'cluster:snapclone-*'), arn('elasticache', 'snapshot:*'), arn('elasticache', `subnetgroup:${DEV_CACHE_SUBNET_GROUP}`)],
    });
    const params = await errorOf(new ElastiCacheClient(await as(joint, tagOnCreate, rest)).send(new CreateReplicationGroupCommand(input('snapclone-f1-b'))));
    expect(params.message).toContain(`elasticache:CreateReplicationGroup on resource: ${arn('elasticache', 'parametergroup:default.valkey8')}`);
  });

  it('the generated policy, split as AWS\'s examples do (tag conditions on the replication group only), is allowed and still binds the node type', async () => {
    const docs = generated();
    const creates = docs.flatMap((d) => d.Statement).filter((st) => [st.Action].flat().includes('elasticache:CreateReplicationGroup'));
    expect(creates.length).toBeGreaterThan(1);
    for (const st of creates) {
      const tagged = JSON.stringify(st.Condition ?? {}).includes('aws:RequestTag');
      const resources = [st.Resource ?? []].flat();
      if (tagged) expect(resources.every((r) => r.includes(':replicationgroup:'))).toBe(true);
    }
    const client = new ElastiCacheClient(await as(...docs));
    const out = await client.send(new CreateReplicationGroupCommand(input('snapclone-f1-c')));
    expect(out.ReplicationGroup?.Status).toBe('creating');
    const big = await errorOf(client.send(new CreateReplicationGroupCommand({ ...input('snapclone-f1-d'), CacheNodeType: 'cache.r7g.large' })));
    expect(big.message).toContain('elasticache:CreateReplicationGroup');
  });
});

describe('restores of storage under a customer-managed key need kms:CreateGrant and kms:DescribeKey on it (F4)', () => {
  const cmk = arn('kms', 'key/0c0ffee0-cafe-4bad-8bad-000000000001');
  const kms = policy({ Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:DescribeKey'], Resource: cmk });

  it('RDS: a snapshot encrypted with a CMK (test-only seeding) needs both; one under aws/rds needs neither', async () => {
    const state = rdsState(sb.world, COMPANY_ACCOUNT, COMPANY_REGION);
    const [plain, encrypted] = [...state.snapshots.values()].filter((s) => s.instanceId === PROD_DATABASES[0].id && s.type === 'automated');
    encrypted.config = { ...encrypted.config, kmsKeyId: cmk };
    const restore = policy({ Effect: 'Allow', Action: ['rds:RestoreDBInstanceFromDBSnapshot', 'rds:AddTagsToResource'], Resource: '*' });
    const input = (id: string, snapshot: string) => ({
      DBInstanceIdentifier: id,
      DBSnapshotIdentifier: snapshot,
      DBSubnetGroupName: DEV_SUBNET_GROUP,
      VpcSecurityGroupIds: [DEV_SECURITY_GROUP],
      Tags: MANAGED,
    });
    const without = new RDSClient(await as(restore));
    const denied = await errorOf(without.send(new RestoreDBInstanceFromDBSnapshotCommand(input('snapclone-kms-a', encrypted.id))));
    expect(denied).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(denied.message).toContain(`kms:DescribeKey on resource: ${cmk}`);
    const grantOnly = new RDSClient(await as(restore, policy({ Effect: 'Allow', Action: 'kms:DescribeKey', Resource: cmk })));
    expect((await errorOf(grantOnly.send(new RestoreDBInstanceFromDBSnapshotCommand(input('snapclone-kms-b', encrypted.id))))).message).toContain(
      `kms:CreateGrant on resource: ${cmk}`,
    );
    const withKms = new RDSClient(await as(restore, kms));
    expect((await withKms.send(new RestoreDBInstanceFromDBSnapshotCommand(input('snapclone-kms-c', encrypted.id)))).DBInstance?.DBInstanceStatus).toBe('creating');
    expect((await without.send(new RestoreDBInstanceFromDBSnapshotCommand(input('snapclone-kms-d', plain.id)))).DBInstance?.DBInstanceStatus).toBe('creating');
  });

  it('Aurora: a cluster snapshot under a CMK needs both', async () => {
    const state = rdsState(sb.world, COMPANY_ACCOUNT, COMPANY_REGION);
    const snapshot = [...state.clusterSnapshots.values()].find((s) => s.clusterId === PROD_CLUSTERS[0].id)!;
    snapshot.config = { ...snapshot.config, kmsKeyId: cmk };
    const restore = policy({ Effect: 'Allow', Action: ['rds:RestoreDBClusterFromSnapshot', 'rds:AddTagsToResource'], Resource: '*' });
    const input = (id: string) => ({
      DBClusterIdentifier: id,
      SnapshotIdentifier: snapshot.id,
      Engine: PROD_CLUSTERS[0].engine,
      DBSubnetGroupName: DEV_SUBNET_GROUP,
      VpcSecurityGroupIds: [DEV_SECURITY_GROUP],
      Tags: MANAGED,
    });
    const denied = await errorOf(new RDSClient(await as(restore)).send(new RestoreDBClusterFromSnapshotCommand(input('snapclone-kms-e'))));
    expect(denied.message).toContain(`on resource: ${cmk}`);
    expect((await new RDSClient(await as(restore, kms)).send(new RestoreDBClusterFromSnapshotCommand(input('snapclone-kms-f')))).DBCluster?.Status).toBe('creating');
  });

  it('ElastiCache: a snapshot under a CMK needs both', async () => {
    const state = elasticacheState(sb.world, COMPANY_ACCOUNT, COMPANY_REGION);
    const snapshot = state.snapshots.get('sessions-prod-before-migration')!;
    const saved = snapshot.config;
    snapshot.config = { ...saved, atRestEncryptionEnabled: true, kmsKeyId: cmk };
    try {
      const create = policy({ Effect: 'Allow', Action: ['elasticache:CreateReplicationGroup', 'elasticache:AddTagsToResource'], Resource: '*' });
      const input = (id: string) => ({
        ReplicationGroupId: id,
        ReplicationGroupDescription: 'kms',
        SnapshotName: snapshot.name,
        CacheNodeType: 'cache.t4g.micro',
        CacheSubnetGroupName: DEV_CACHE_SUBNET_GROUP,
        Tags: MANAGED,
      });
      const denied = await errorOf(new ElastiCacheClient(await as(create)).send(new CreateReplicationGroupCommand(input('snapclone-kms-g'))));
      expect(denied.message).toContain(`on resource: ${cmk}`);
      const out = await new ElastiCacheClient(await as(create, kms)).send(new CreateReplicationGroupCommand(input('snapclone-kms-h')));
      expect(out.ReplicationGroup?.Status).toBe('creating');
    } finally {
      snapshot.config = saved;
    }
  });
});
