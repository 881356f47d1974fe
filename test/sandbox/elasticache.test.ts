import { Readable } from 'node:stream';
import {
  AddTagsToResourceCommand,
  CopySnapshotCommand,
  CreateReplicationGroupCommand,
  DeleteReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeCacheSubnetGroupsCommand,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  ElastiCacheClient,
  ListTagsForResourceCommand,
  ModifyReplicationGroupCommand,
  paginateDescribeSnapshots,
  RemoveTagsFromResourceCommand,
  type CreateReplicationGroupCommandInput,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { DeserializeMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyDocument } from '../../sandbox/core/iam.ts';
import { createUser, issueUserKey } from '../../sandbox/core/iam-state.ts';
import { PROD_CACHE_SUBNET_GROUP } from '../../sandbox/scenario/caches.ts';
import { PROD_SECURITY_GROUP } from '../../sandbox/scenario/databases.ts';
import {
  arn,
  COMPANY_ACCOUNT,
  COMPANY_REGION,
  DEV_CACHE_SUBNET_GROUP,
  DEV_SECURITY_GROUP,
  DEV_SUBNET_GROUP,
  PROD_CACHES,
} from '../../sandbox/scenario/index.ts';
import {
  authTokenOf,
  cacheClusterArn,
  cacheSnapshotArn,
  elasticacheState,
} from '../../sandbox/services/elasticache/state.ts';
import { rdsState } from '../../sandbox/services/rds/state.ts';
import { errorOf } from '../support/errors.ts';
import { tagConditionedPolicy } from '../support/policies.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;
const SESSIONS = PROD_CACHES[0];
const MANUAL = 'sessions-prod-before-migration';
const MANAGED = [{ Key: 'snapclone:managed', Value: 'true' }];
const DEV = { CacheSubnetGroupName: DEV_CACHE_SUBNET_GROUP, SecurityGroupIds: [DEV_SECURITY_GROUP] };
const TOKEN = 'Clone-Token-0123456789abcdef';

let sb: TestSandbox;
let ec: ElastiCacheClient;
/** Every response body the clients of this file received, as sent on the wire. */
const bodies: string[] = [];

/** Records the raw body of every response a client receives (the SDK parses only what the model knows). */
function recording<T extends ElastiCacheClient | ResourceGroupsTaggingAPIClient>(client: T): T {
  const record: DeserializeMiddleware<object, MetadataBearer> = (next) => async (args) => {
    const out = await next(args);
    const response = out.response as { body: AsyncIterable<Uint8Array> | Readable };
    const chunks: Buffer[] = [];
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
    const body = Buffer.concat(chunks);
    bodies.push(body.toString('utf8'));
    response.body = Readable.from([body]);
    return out;
  };
  (client.middlewareStack as unknown as MiddlewareStack<object, MetadataBearer>).add(record, {
    step: 'deserialize',
    priority: 'low',
    name: 'recordBodies',
  });
  return client;
}

beforeAll(async () => {
  sb = await startTestSandbox();
  ec = recording(new ElastiCacheClient(sb.config()));
});
afterAll(async () => sb?.close());

const advance = (ms: number) => sb.world.clock.advance(ms);
const now = () => sb.world.clock.nowMs();
const groupArn = (id: string) => arn.replicationGroup(id);
const clusterArn = (id: string) => cacheClusterArn(COMPANY_REGION, COMPANY_ACCOUNT, id);
const snapshotArn = (name: string) => cacheSnapshotArn(COMPANY_REGION, COMPANY_ACCOUNT, name);
const state = () => elasticacheState(sb.world, COMPANY_ACCOUNT, COMPANY_REGION);

async function group(id: string): Promise<ReplicationGroup> {
  const out = await ec.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }));
  expect(out.ReplicationGroups).toHaveLength(1);
  return out.ReplicationGroups![0];
}

/** A development copy of a snapshot (the manual one by default): two nodes, TLS and a new token, tagged. */
function cloneInput(id: string, extra: Partial<CreateReplicationGroupCommandInput> = {}): CreateReplicationGroupCommandInput {
  return {
    ReplicationGroupId: id,
    ReplicationGroupDescription: `copy ${id}`,
    SnapshotName: MANUAL,
    Engine: 'valkey',
    CacheNodeType: 'cache.t4g.small',
    NumCacheClusters: 2,
    AutomaticFailoverEnabled: true,
    TransitEncryptionEnabled: true,
    AuthToken: TOKEN,
    Tags: MANAGED,
    ...DEV,
    ...extra,
  };
}

/** A copy made available (its creation takes about 8 minutes plus a minute per GB of the snapshot). */
async function readyCopy(id: string, extra: Partial<CreateReplicationGroupCommandInput> = {}): Promise<ReplicationGroup> {
  await ec.send(new CreateReplicationGroupCommand(cloneInput(id, extra)));
  advance(15 * MINUTE);
  const g = await group(id);
  expect(g.Status).toBe('available');
  return g;
}

describe('the seeded production cache', () => {
  it('DescribeReplicationGroups lists sessions-prod: a primary and a replica, TLS with an AUTH token, no token shown', async () => {
    const out = await ec.send(new DescribeReplicationGroupsCommand({}));
    expect(out.ReplicationGroups!.map((g) => g.ReplicationGroupId)).toEqual([SESSIONS.id]);
    const g = out.ReplicationGroups![0];
    expect(g).toMatchObject({
      Status: 'available',
      Engine: 'valkey',
      CacheNodeType: SESSIONS.nodeType,
      MemberClusters: [`${SESSIONS.id}-001`, `${SESSIONS.id}-002`],
      AutomaticFailover: 'enabled',
      MultiAZ: 'enabled',
      ClusterEnabled: false,
      TransitEncryptionEnabled: true,
      AuthTokenEnabled: true,
      AtRestEncryptionEnabled: true,
      SnapshotRetentionLimit: 35,
      SnapshotWindow: SESSIONS.snapshotWindow,
      SnapshottingClusterId: `${SESSIONS.id}-002`,
      ARN: groupArn(SESSIONS.id),
    });
    const [ng] = g.NodeGroups!;
    expect(ng.PrimaryEndpoint).toEqual({ Address: `master.${SESSIONS.id}.${ng.PrimaryEndpoint!.Address!.split('.')[2]}.apne1.cache.amazonaws.com`, Port: 6379 });
    expect(ng.NodeGroupMembers!.map((m) => [m.CacheClusterId, m.CurrentRole])).toEqual([
      [`${SESSIONS.id}-001`, 'primary'],
      [`${SESSIONS.id}-002`, 'replica'],
    ]);
    const token = authTokenOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, SESSIONS.id)!;
    expect(token.length).toBeGreaterThanOrEqual(16);
    expect(bodies.join('\n')).not.toContain(token);
  });

  it('finds a group by id in any case; an unknown one is ReplicationGroupNotFoundFault (404); MaxRecords is 20–100', async () => {
    expect((await group(SESSIONS.id.toUpperCase())).ReplicationGroupId).toBe(SESSIONS.id);
    const missing = await errorOf(ec.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'no-such-group' })));
    expect(missing).toMatchObject({ name: 'ReplicationGroupNotFoundFault', status: 404 });
    for (const MaxRecords of [19, 101]) {
      const bad = await errorOf(ec.send(new DescribeReplicationGroupsCommand({ MaxRecords })));
      expect(bad).toMatchObject({ name: 'InvalidParameterValueException', status: 400 });
    }
  });

  it('DescribeCacheClusters shows the member clusters, with node endpoints only when asked', async () => {
    const brief = await ec.send(new DescribeCacheClustersCommand({}));
    expect(brief.CacheClusters!.map((c) => [c.CacheClusterId, c.ReplicationGroupId, c.CacheClusterStatus])).toEqual([
      [`${SESSIONS.id}-001`, SESSIONS.id, 'available'],
      [`${SESSIONS.id}-002`, SESSIONS.id, 'available'],
    ]);
    expect(brief.CacheClusters![0].CacheNodes).toBeUndefined();
    const detailed = await ec.send(new DescribeCacheClustersCommand({ CacheClusterId: `${SESSIONS.id}-002`, ShowCacheNodeInfo: true }));
    expect(detailed.CacheClusters![0]).toMatchObject({
      CacheClusterId: `${SESSIONS.id}-002`,
      Engine: 'valkey',
      // Node-based clusters report the patch level (CreateReplicationGroup takes major.minor).
      EngineVersion: expect.stringMatching(new RegExp(`^${SESSIONS.engineVersion.replace('.', '\\.')}\\.\\d+$`)),
      NumCacheNodes: 1,
      CacheSubnetGroupName: PROD_CACHE_SUBNET_GROUP,
      SecurityGroups: [{ SecurityGroupId: PROD_SECURITY_GROUP, Status: 'active' }],
      CacheParameterGroup: { CacheParameterGroupName: 'default.valkey8' },
      AuthTokenEnabled: true,
      ARN: clusterArn(`${SESSIONS.id}-002`),
    });
    expect(detailed.CacheClusters![0].CacheNodes![0].Endpoint!.Address).toMatch(/^sessions-prod-002\.sessions-prod\./);
    const missing = await errorOf(ec.send(new DescribeCacheClustersCommand({ CacheClusterId: 'nope-001' })));
    expect(missing).toMatchObject({ name: 'CacheClusterNotFoundFault', status: 404 });
  });

  it('DescribeCacheSubnetGroups: the dev cache subnet group lies in the VPC and subnets of the RDS dev subnet group', async () => {
    const all = await ec.send(new DescribeCacheSubnetGroupsCommand({}));
    expect(all.CacheSubnetGroups!.map((g) => g.CacheSubnetGroupName)).toEqual(['default', PROD_CACHE_SUBNET_GROUP, DEV_CACHE_SUBNET_GROUP]);
    const dev = (await ec.send(new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: DEV_CACHE_SUBNET_GROUP }))).CacheSubnetGroups![0];
    const rdsDev = rdsState(sb.world, COMPANY_ACCOUNT, COMPANY_REGION).subnetGroups.get(DEV_SUBNET_GROUP)!;
    expect(dev.VpcId).toBe(rdsDev.vpcId);
    expect(dev.Subnets!.map((s) => [s.SubnetIdentifier, s.SubnetAvailabilityZone?.Name])).toEqual(rdsDev.subnets.map((s) => [s.id, s.az]));
    expect(dev.ARN).toBe(`arn:aws:elasticache:${COMPANY_REGION}:${COMPANY_ACCOUNT}:subnetgroup:${DEV_CACHE_SUBNET_GROUP}`);
    const missing = await errorOf(ec.send(new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: 'nope' })));
    expect(missing).toMatchObject({ name: 'CacheSubnetGroupNotFoundFault', status: 400 });
  });
});

describe('DescribeSnapshots', () => {
  it('lists 35 daily automatic snapshots and the manual one, paging with Marker (MaxRecords 20–50)', async () => {
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeSnapshots({ client: ec, pageSize: 20 }, { ReplicationGroupId: SESSIONS.id })) {
      pages++;
      expect(page.Snapshots!.length).toBeLessThanOrEqual(20);
      seen.push(...page.Snapshots!.map((s) => s.SnapshotName!));
    }
    expect(pages).toBe(2);
    expect(seen).toHaveLength(36);
    expect(new Set(seen).size).toBe(36);
    expect(seen).toContain(MANUAL);
    const automatic = seen.filter((n) => n.startsWith('automatic.'));
    expect(automatic).toHaveLength(35);
    for (const name of automatic) expect(name).toMatch(/^automatic\.sessions-prod-\d{4}-\d\d-\d\d-17-00$/);
    for (const MaxRecords of [10, 51]) {
      expect(await errorOf(ec.send(new DescribeSnapshotsCommand({ MaxRecords })))).toMatchObject({ name: 'InvalidParameterValueException' });
    }
    const marker = await errorOf(ec.send(new DescribeSnapshotsCommand({ Marker: 'not-a-marker' })));
    expect(marker.name).toBe('InvalidParameterValueException');
  });

  it('filters by SnapshotSource (system: automatic, user: manual), name and cluster; sizes are NodeSnapshots CacheSize', async () => {
    const system = await ec.send(new DescribeSnapshotsCommand({ SnapshotSource: 'system' }));
    expect(system.Snapshots).toHaveLength(35);
    expect(new Set(system.Snapshots!.map((s) => s.SnapshotSource))).toEqual(new Set(['automated']));
    const newest = system.Snapshots!.at(-1)!;
    expect(now() - newest.NodeSnapshots![0].SnapshotCreateTime!.getTime()).toBeLessThan(DAY);
    expect(newest).toMatchObject({
      ReplicationGroupId: SESSIONS.id,
      CacheClusterId: `${SESSIONS.id}-002`,
      SnapshotStatus: 'available',
      Engine: 'valkey',
      EngineVersion: expect.stringMatching(new RegExp(`^${SESSIONS.engineVersion.replace('.', '\\.')}\\.\\d+$`)),
      SnapshotRetentionLimit: 35,
      NumNodeGroups: 1,
      ARN: snapshotArn(newest.SnapshotName!),
    });
    for (const s of system.Snapshots!) {
      const [, size] = /^(\d+) MB$/.exec(s.NodeSnapshots![0].CacheSize!)!;
      expect(Number(size)).toBeGreaterThan(2048);
      expect(Number(size)).toBeLessThan(5 * 1024);
    }
    expect(newest.NodeSnapshots![0].NodeGroupConfiguration).toBeUndefined();
    const user = await ec.send(new DescribeSnapshotsCommand({ SnapshotSource: 'user', ShowNodeGroupConfig: true }));
    expect(user.Snapshots!.map((s) => [s.SnapshotName, s.SnapshotSource])).toEqual([[MANUAL, 'manual']]);
    const age = sb.scenario.seededAt.getTime() - user.Snapshots![0].NodeSnapshots![0].SnapshotCreateTime!.getTime();
    expect(Math.abs(age - 12 * DAY)).toBeLessThan(MINUTE);
    expect(user.Snapshots![0].NodeSnapshots![0].NodeGroupConfiguration).toMatchObject({
      NodeGroupId: '0001',
      ReplicaCount: 1,
      PrimaryAvailabilityZone: expect.stringMatching(/^ap-northeast-1[a-d]$/),
    });
    const bad = await errorOf(ec.send(new DescribeSnapshotsCommand({ SnapshotSource: 'automated' })));
    expect(bad).toMatchObject({ name: 'InvalidParameterValueException', status: 400 });
    const byName = await ec.send(new DescribeSnapshotsCommand({ SnapshotName: MANUAL }));
    expect(byName.Snapshots!.map((s) => s.SnapshotName)).toEqual([MANUAL]);
    const missing = await errorOf(ec.send(new DescribeSnapshotsCommand({ SnapshotName: 'no-such-snapshot' })));
    expect(missing).toMatchObject({ name: 'SnapshotNotFoundFault', status: 404 });
    const byCluster = await ec.send(new DescribeSnapshotsCommand({ CacheClusterId: `${SESSIONS.id}-002`, SnapshotSource: 'system' }));
    expect(byCluster.Snapshots).toHaveLength(35);
    const noCluster = await errorOf(ec.send(new DescribeSnapshotsCommand({ CacheClusterId: 'nope-001' })));
    expect(noCluster).toMatchObject({ name: 'CacheClusterNotFoundFault', status: 404 });
    expect((await ec.send(new DescribeSnapshotsCommand({ ReplicationGroupId: 'gone-long-ago' }))).Snapshots).toEqual([]);
  });

  it('takes a new automatic snapshot every day at the start of the window and drops the oldest (35 kept)', async () => {
    const before = (await ec.send(new DescribeSnapshotsCommand({ SnapshotSource: 'system' }))).Snapshots!.map((s) => s.SnapshotName!);
    advance(DAY);
    const after = (await ec.send(new DescribeSnapshotsCommand({ SnapshotSource: 'system' }))).Snapshots!.map((s) => s.SnapshotName!);
    expect(after).toHaveLength(35);
    expect(after).not.toContain(before[0]);
    expect(after.slice(0, 34)).toEqual(before.slice(1));
    const stamp = new Date(now()).toISOString().slice(0, 10);
    const expected = now() % DAY >= 17 * 3_600_000 ? stamp : new Date(now() - DAY).toISOString().slice(0, 10);
    expect(after.at(-1)).toBe(`automatic.sessions-prod-${expected}-17-00`);
  });
});

describe('CreateReplicationGroup from a snapshot', () => {
  it('creates a tagged copy: creating (members too, the snapshot restoring), then available with endpoints', async () => {
    const out = await ec.send(new CreateReplicationGroupCommand(cloneInput('copy-1')));
    expect(out.ReplicationGroup).toMatchObject({
      ReplicationGroupId: 'copy-1',
      Status: 'creating',
      MemberClusters: ['copy-1-001', 'copy-1-002'],
      AutomaticFailover: 'enabling',
      CacheNodeType: 'cache.t4g.small',
      TransitEncryptionEnabled: true,
      AuthTokenEnabled: true,
      AtRestEncryptionEnabled: true,
      SnapshotRetentionLimit: 0,
      Engine: 'valkey',
      ARN: groupArn('copy-1'),
    });
    expect(out.ReplicationGroup!.NodeGroups![0].PrimaryEndpoint).toBeUndefined();
    const members = await ec.send(new DescribeCacheClustersCommand({ CacheClusterId: 'copy-1-002', ShowCacheNodeInfo: true }));
    expect(members.CacheClusters![0]).toMatchObject({
      CacheClusterStatus: 'creating',
      ReplicationGroupId: 'copy-1',
      CacheSubnetGroupName: DEV_CACHE_SUBNET_GROUP,
      SecurityGroups: [{ SecurityGroupId: DEV_SECURITY_GROUP, Status: 'active' }],
    });
    expect(members.CacheClusters![0].CacheNodes).toBeUndefined();
    const restoring = await ec.send(new DescribeSnapshotsCommand({ SnapshotName: MANUAL }));
    expect(restoring.Snapshots![0].SnapshotStatus).toBe('restoring');

    // 8 minutes plus about a minute per GB of the 3.4 GB snapshot.
    advance(10 * MINUTE);
    expect((await group('copy-1')).Status).toBe('creating');
    advance(2 * MINUTE);
    const g = await group('copy-1');
    expect(g).toMatchObject({ Status: 'available', AutomaticFailover: 'enabled' });
    // A copy of a cache with a history of keys is served on loopback by a real engine (data-plane.ts), every
    // endpoint naming it; production keeps its AWS-shaped names.
    const served = g.NodeGroups![0].PrimaryEndpoint!;
    expect(served).toEqual({ Address: '127.0.0.1', Port: expect.any(Number) });
    expect(g.NodeGroups![0].ReaderEndpoint).toEqual(served);
    expect(g.NodeGroups![0].NodeGroupMembers!.map((m) => m.ReadEndpoint)).toEqual([served, served]);
    expect((await ec.send(new DescribeSnapshotsCommand({ SnapshotName: MANUAL }))).Snapshots![0].SnapshotStatus).toBe('available');

    // Tags given at creation are on the group and on its member clusters.
    expect((await ec.send(new ListTagsForResourceCommand({ ResourceName: groupArn('copy-1') }))).TagList).toEqual(MANAGED);
    expect((await ec.send(new ListTagsForResourceCommand({ ResourceName: clusterArn('copy-1-001') }))).TagList).toEqual(MANAGED);

    // The copy holds the snapshot's data and the token the call set, not the source's.
    const copy = state().replicationGroups.get('copy-1')!;
    expect(copy.fromSnapshot).toMatchObject({ name: MANUAL, replicationGroupId: SESSIONS.id });
    expect(authTokenOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, 'copy-1')).toBe(TOKEN);
    expect(authTokenOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, 'copy-1')).not.toBe(
      authTokenOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, SESSIONS.id),
    );
  });

  it('without AuthToken the copy has none (a snapshot carries no token)', async () => {
    const out = await ec.send(new CreateReplicationGroupCommand(cloneInput('copy-open', { AuthToken: undefined, NumCacheClusters: 1, AutomaticFailoverEnabled: false })));
    expect(out.ReplicationGroup).toMatchObject({ AuthTokenEnabled: false, TransitEncryptionEnabled: true, MemberClusters: ['copy-open-001'] });
    expect(authTokenOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, 'copy-open')).toBeUndefined();
  });

  it('never shows an AUTH token in any response', () => {
    const text = bodies.join('\n');
    expect(text).toContain('copy-1');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(authTokenOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, SESSIONS.id)!);
  });

  it('refuses what ElastiCache refuses, with the model codes', async () => {
    const fail = (extra: Partial<CreateReplicationGroupCommandInput>, id = 'copy-bad') =>
      errorOf(ec.send(new CreateReplicationGroupCommand(cloneInput(id, extra))));
    expect(await fail({}, 'copy-1')).toMatchObject({ name: 'ReplicationGroupAlreadyExistsFault', status: 400 });
    expect(await fail({ SnapshotName: 'no-such-snapshot' })).toMatchObject({ name: 'SnapshotNotFoundFault', status: 404 });
    expect(await fail({ CacheSubnetGroupName: 'no-such-group' })).toMatchObject({ name: 'CacheSubnetGroupNotFoundFault', status: 400 });
    expect(await fail({ CacheParameterGroupName: 'custom.valkey8' })).toMatchObject({ name: 'CacheParameterGroupNotFoundFault', status: 404 });
    // A production security group is not in the dev VPC; an unknown one does not exist.
    expect(await fail({ SecurityGroupIds: [PROD_SECURITY_GROUP] })).toMatchObject({ name: 'InvalidParameterValueException', status: 400 });
    expect(await fail({ SecurityGroupIds: ['sg-0000000000000dead'] })).toMatchObject({ name: 'InvalidParameterValueException' });
    // AUTH tokens: only with TLS; 16–128 characters without spaces, quotes, slashes or @.
    expect(await fail({ TransitEncryptionEnabled: false })).toMatchObject({ name: 'InvalidParameterCombinationException', status: 400 });
    for (const AuthToken of ['short-token', 'has a space in it 123', 'with/slash-0123456789', 'with@at-0123456789', 'x'.repeat(129)]) {
      expect(await fail({ AuthToken })).toMatchObject({ name: 'InvalidParameterValueException' });
    }
    // The snapshot's engine, at its version or newer.
    expect(await fail({ Engine: 'redis', EngineVersion: '7.1' })).toMatchObject({ name: 'InvalidParameterCombinationException' });
    expect(await fail({ EngineVersion: '7.2' })).toMatchObject({ name: 'InvalidParameterCombinationException' });
    expect(await fail({ EngineVersion: '9.9' })).toMatchObject({ name: 'InvalidParameterValueException' });
    expect(await fail({ CacheNodeType: 'm5.large' })).toMatchObject({ name: 'InvalidParameterValueException' });
    expect(await fail({ NumCacheClusters: 1 })).toMatchObject({ name: 'InvalidParameterCombinationException' });
    expect(await fail({ NumCacheClusters: 7 })).toMatchObject({ name: 'InvalidParameterValueException' });
    expect(await fail({ NumNodeGroups: 2, ReplicasPerNodeGroup: 1, NumCacheClusters: undefined })).toMatchObject({ name: 'InvalidParameterValueException' });
    expect(await fail({ MultiAZEnabled: true, AutomaticFailoverEnabled: false, NumCacheClusters: 1 })).toMatchObject({
      name: 'InvalidParameterCombinationException',
    });
    expect(await fail({ SnapshotRetentionLimit: 36 })).toMatchObject({ name: 'InvalidParameterValueException' });
    expect(await fail({ ReplicationGroupId: 'bad--id' })).toMatchObject({ name: 'InvalidParameterValueException' });
    expect(await fail({ ReplicationGroupId: 'x'.repeat(41) })).toMatchObject({ name: 'InvalidParameterValueException' });
    const tooMany = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    expect(await fail({ Tags: tooMany })).toMatchObject({ name: 'TagQuotaPerResourceExceeded', status: 400 });
    expect(await fail({ UserGroupIds: ['no-such-user-group'], AuthToken: undefined })).toMatchObject({ name: 'UserGroupNotFoundFault', status: 404 });
    expect(await fail({ UserGroupIds: ['any'] })).toMatchObject({ name: 'InvalidParameterCombinationException' });
    expect(state().replicationGroups.has('copy-bad')).toBe(false);
  });

  it('restores the newest automatic snapshot into a single node without TLS', async () => {
    const [newest] = (await ec.send(new DescribeSnapshotsCommand({ SnapshotSource: 'system' }))).Snapshots!.slice(-1);
    const out = await ec.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'copy-auto',
        ReplicationGroupDescription: 'from the latest automatic snapshot',
        SnapshotName: newest.SnapshotName,
        CacheNodeType: 'cache.t4g.micro',
        ...DEV,
      }),
    );
    expect(out.ReplicationGroup).toMatchObject({ MemberClusters: ['copy-auto-001'], AutomaticFailover: 'disabled', TransitEncryptionEnabled: false });
    expect(state().replicationGroups.get('copy-auto')!.fromSnapshot!.name).toBe(newest.SnapshotName);
  });
});

describe('CreateReplicationGroup in cluster mode', () => {
  it('creates shards <id>-0001-001…, splits the slots and answers a configuration endpoint; its snapshots keep the shards', async () => {
    const out = await ec.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'sharded',
        ReplicationGroupDescription: 'an empty sharded group',
        Engine: 'valkey',
        CacheNodeType: 'cache.t4g.small',
        NumNodeGroups: 2,
        ReplicasPerNodeGroup: 1,
        ...DEV,
      }),
    );
    expect(out.ReplicationGroup).toMatchObject({
      ClusterEnabled: true,
      ClusterMode: 'enabled',
      MemberClusters: ['sharded-0001-001', 'sharded-0001-002', 'sharded-0002-001', 'sharded-0002-002'],
      AutomaticFailover: 'enabling',
    });
    expect(out.ReplicationGroup!.NodeGroups!.map((ng) => ng.Slots)).toEqual(['0-8191', '8192-16383']);
    expect(state().replicationGroups.get('sharded')!.parameterGroupName).toBe('default.valkey8.cluster.on');
    advance(9 * MINUTE);
    const g = await group('sharded');
    expect(g.Status).toBe('available');
    expect(g.ConfigurationEndpoint!.Address).toMatch(/^clustercfg\.sharded\./);
    expect(g.NodeGroups![0].PrimaryEndpoint).toBeUndefined();
    const final = 'sharded-final';
    await ec.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'sharded', FinalSnapshotIdentifier: final }));
    const snap = (await ec.send(new DescribeSnapshotsCommand({ SnapshotName: final }))).Snapshots![0];
    expect(snap.NumNodeGroups).toBe(2);
    expect(snap.CacheClusterId).toBeUndefined();
    expect(snap.NodeSnapshots!.map((n) => n.NodeGroupId)).toEqual(['0001', '0002']);
    advance(10 * MINUTE);
    const oneShard = await errorOf(
      ec.send(
        new CreateReplicationGroupCommand({
          ReplicationGroupId: 'resharded',
          ReplicationGroupDescription: 'from a two-shard snapshot',
          SnapshotName: final,
          NumNodeGroups: 1,
          ...DEV,
        }),
      ),
    );
    expect(oneShard).toMatchObject({ name: 'InvalidParameterValueException' });
  });
});

describe('DeleteReplicationGroup', () => {
  it('refuses a group still creating; deletes with a final snapshot; the group and its clusters are gone after a few minutes', async () => {
    await ec.send(new CreateReplicationGroupCommand(cloneInput('copy-del')));
    const early = await errorOf(ec.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'copy-del' })));
    expect(early).toMatchObject({ name: 'InvalidReplicationGroupStateFault', status: 400 });
    advance(15 * MINUTE);
    const taken = await errorOf(
      ec.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'copy-del', FinalSnapshotIdentifier: MANUAL })),
    );
    expect(taken).toMatchObject({ name: 'SnapshotAlreadyExistsFault', status: 400 });
    const out = await ec.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'copy-del', FinalSnapshotIdentifier: 'copy-del-final' }));
    expect(out.ReplicationGroup).toMatchObject({ ReplicationGroupId: 'copy-del', Status: 'deleting' });
    expect((await group('copy-del')).Status).toBe('deleting');
    const again = await errorOf(ec.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'copy-del' })));
    expect(again).toMatchObject({ name: 'InvalidReplicationGroupStateFault', status: 400 });
    const tagging = await errorOf(ec.send(new ListTagsForResourceCommand({ ResourceName: groupArn('copy-del') })));
    expect(tagging).toMatchObject({ name: 'InvalidReplicationGroupStateFault', message: 'Cluster not in available state to perform tagging operations.' });
    advance(10 * MINUTE);
    expect(await errorOf(ec.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'copy-del' })))).toMatchObject({
      name: 'ReplicationGroupNotFoundFault',
      status: 404,
    });
    expect(await errorOf(ec.send(new DescribeCacheClustersCommand({ CacheClusterId: 'copy-del-001' })))).toMatchObject({
      name: 'CacheClusterNotFoundFault',
    });
    const final = (await ec.send(new DescribeSnapshotsCommand({ SnapshotName: 'copy-del-final' }))).Snapshots![0];
    expect(final).toMatchObject({ SnapshotSource: 'manual', SnapshotStatus: 'available', ReplicationGroupId: 'copy-del', CacheClusterId: 'copy-del-001' });
    const missing = await errorOf(ec.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'copy-del' })));
    expect(missing).toMatchObject({ name: 'ReplicationGroupNotFoundFault', status: 404 });
  });

  it('RetainPrimaryCluster keeps the primary as a standalone cluster', async () => {
    await readyCopy('copy-keep', { AuthToken: undefined });
    await ec.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'copy-keep', RetainPrimaryCluster: true }));
    advance(10 * MINUTE);
    const clusters = await ec.send(new DescribeCacheClustersCommand({ ShowCacheClustersNotInReplicationGroups: true }));
    expect(clusters.CacheClusters!.map((c) => [c.CacheClusterId, c.ReplicationGroupId, c.CacheClusterStatus])).toEqual([
      ['copy-keep-001', undefined, 'available'],
    ]);
    expect(await errorOf(ec.send(new DescribeCacheClustersCommand({ CacheClusterId: 'copy-keep-002' })))).toMatchObject({
      name: 'CacheClusterNotFoundFault',
    });
    // Its id stays taken: a new group of the same name would need it for its primary.
    const taken = await errorOf(ec.send(new CreateReplicationGroupCommand(cloneInput('copy-keep'))));
    expect(taken).toMatchObject({ name: 'CacheClusterAlreadyExistsFault', status: 400 });
  });
});

describe('tags', () => {
  it('adds, lists and removes tags on group (reaching its clusters), cluster and snapshot ARNs', async () => {
    await readyCopy('copy-tags');
    const a = groupArn('copy-tags');
    const added = await ec.send(new AddTagsToResourceCommand({ ResourceName: a, Tags: [{ Key: 'team', Value: 'web' }] }));
    expect(added.TagList).toEqual([...MANAGED, { Key: 'team', Value: 'web' }]);
    expect((await ec.send(new ListTagsForResourceCommand({ ResourceName: clusterArn('copy-tags-002') }))).TagList).toContainEqual({
      Key: 'team',
      Value: 'web',
    });
    await ec.send(new AddTagsToResourceCommand({ ResourceName: clusterArn('copy-tags-001'), Tags: [{ Key: 'node', Value: 'one' }] }));
    expect((await ec.send(new ListTagsForResourceCommand({ ResourceName: a }))).TagList).not.toContainEqual({ Key: 'node', Value: 'one' });
    await ec.send(new RemoveTagsFromResourceCommand({ ResourceName: a, TagKeys: ['team'] }));
    expect((await ec.send(new ListTagsForResourceCommand({ ResourceName: a }))).TagList).toEqual(MANAGED);
    expect((await ec.send(new ListTagsForResourceCommand({ ResourceName: clusterArn('copy-tags-002') }))).TagList).toEqual(MANAGED);
    const absent = await errorOf(ec.send(new RemoveTagsFromResourceCommand({ ResourceName: a, TagKeys: ['team'] })));
    expect(absent).toMatchObject({ name: 'TagNotFoundFault', status: 404 });

    const snap = snapshotArn(MANUAL);
    await ec.send(new AddTagsToResourceCommand({ ResourceName: snap, Tags: [{ Key: 'kept', Value: 'yes' }] }));
    expect((await ec.send(new ListTagsForResourceCommand({ ResourceName: snap }))).TagList).toEqual([{ Key: 'kept', Value: 'yes' }]);
    await ec.send(new RemoveTagsFromResourceCommand({ ResourceName: snap, TagKeys: ['kept'] }));

    expect(await errorOf(ec.send(new ListTagsForResourceCommand({ ResourceName: groupArn('nope') })))).toMatchObject({
      name: 'ReplicationGroupNotFoundFault',
    });
    expect(await errorOf(ec.send(new ListTagsForResourceCommand({ ResourceName: clusterArn('nope-001') })))).toMatchObject({
      name: 'CacheClusterNotFoundFault',
    });
    expect(await errorOf(ec.send(new ListTagsForResourceCommand({ ResourceName: snapshotArn('nope') })))).toMatchObject({
      name: 'SnapshotNotFoundFault',
    });
    for (const ResourceName of ['not-an-arn', arn.db('orders-prod'), `arn:aws:elasticache:us-east-1:${COMPANY_ACCOUNT}:replicationgroup:copy-tags`]) {
      expect(await errorOf(ec.send(new ListTagsForResourceCommand({ ResourceName })))).toMatchObject({ name: 'InvalidARNFault', status: 400 });
    }
  });

  it('refuses tagging operations on a group that is not available', async () => {
    await ec.send(new CreateReplicationGroupCommand(cloneInput('copy-busy')));
    for (const command of [
      new ListTagsForResourceCommand({ ResourceName: groupArn('copy-busy') }),
      new AddTagsToResourceCommand({ ResourceName: groupArn('copy-busy'), Tags: [{ Key: 'a', Value: 'b' }] }),
      new ListTagsForResourceCommand({ ResourceName: clusterArn('copy-busy-001') }),
    ]) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      expect(await errorOf(ec.send(command as any))).toMatchObject({ name: 'InvalidReplicationGroupStateFault', status: 400 });
    }
  });

  it('the Tagging API lists tagged replication groups (elasticache:replicationgroup) and clusters (elasticache:cluster)', async () => {
    const tagging = recording(new ResourceGroupsTaggingAPIClient(sb.config()));
    const prod = await tagging.send(
      new GetResourcesCommand({ ResourceTypeFilters: ['elasticache:replicationgroup'], TagFilters: [{ Key: 'env', Values: ['production'] }] }),
    );
    expect(prod.ResourceTagMappingList!.map((r) => r.ResourceARN)).toEqual([groupArn(SESSIONS.id)]);
    const clusters = await tagging.send(
      new GetResourcesCommand({ ResourceTypeFilters: ['elasticache:cluster'], TagFilters: [{ Key: 'env', Values: ['production'] }] }),
    );
    expect(clusters.ResourceTagMappingList!.map((r) => r.ResourceARN)).toEqual([clusterArn(`${SESSIONS.id}-001`), clusterArn(`${SESSIONS.id}-002`)]);
    const managed = await tagging.send(
      new GetResourcesCommand({ ResourceTypeFilters: ['elasticache:replicationgroup'], TagFilters: [{ Key: 'snapclone:managed', Values: ['true'] }] }),
    );
    // Creating groups are listed too (the Tagging API does not care about status).
    expect(managed.ResourceTagMappingList!.map((r) => r.ResourceARN)).toEqual(expect.arrayContaining([groupArn('copy-1'), groupArn('copy-busy')]));
    expect(managed.ResourceTagMappingList!.map((r) => r.ResourceARN)).not.toContain(groupArn('copy-del'));
  });
});

describe('ModifyReplicationGroup and CopySnapshot', () => {
  it('rotates the AUTH token (modifying, then available) and changes the snapshot retention', async () => {
    await readyCopy('copy-mod');
    const out = await ec.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: 'copy-mod',
        AuthToken: 'Rotated-Token-0123456789',
        AuthTokenUpdateStrategy: 'ROTATE',
        SnapshotRetentionLimit: 1,
        ApplyImmediately: true,
      }),
    );
    expect(out.ReplicationGroup).toMatchObject({ Status: 'modifying', PendingModifiedValues: { AuthTokenStatus: 'ROTATING' }, SnapshotRetentionLimit: 1 });
    expect(authTokenOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, 'copy-mod')).toBe('Rotated-Token-0123456789');
    const busy = await errorOf(ec.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'copy-mod', SnapshotRetentionLimit: 2 })));
    expect(busy).toMatchObject({ name: 'InvalidReplicationGroupStateFault' });
    advance(4 * MINUTE);
    expect((await group('copy-mod')).Status).toBe('available');
    const unsupported = await errorOf(ec.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'copy-mod', CacheNodeType: 'cache.t4g.micro' })));
    expect(unsupported).toMatchObject({ name: 'InvalidParameterValueException' });
    expect(bodies.join('\n')).not.toContain('Rotated-Token-0123456789');
  });

  it('copies a snapshot in the region; exporting to S3 is not implemented', async () => {
    const out = await ec.send(new CopySnapshotCommand({ SourceSnapshotName: MANUAL, TargetSnapshotName: 'Sessions-Copy' }));
    expect(out.Snapshot).toMatchObject({ SnapshotName: 'sessions-copy', SnapshotSource: 'manual', SnapshotStatus: 'creating', ReplicationGroupId: SESSIONS.id });
    expect(await errorOf(ec.send(new CopySnapshotCommand({ SourceSnapshotName: MANUAL, TargetSnapshotName: 'sessions-copy' })))).toMatchObject({
      name: 'SnapshotAlreadyExistsFault',
    });
    const exported = await errorOf(ec.send(new CopySnapshotCommand({ SourceSnapshotName: MANUAL, TargetSnapshotName: 'out', TargetBucket: 'bucket' })));
    expect(exported).toMatchObject({ name: 'NotImplemented', status: 501 });
  });
});

const policy = (...Statement: PolicyDocument['Statement']): PolicyDocument => ({ Version: '2012-10-17', Statement });

describe('IAM (enforceIam)', () => {
  const userClient = (name: string, ...policies: PolicyDocument[]) =>
    new ElastiCacheClient(sb.config(issueUserKey(sb.world, createUser(sb.world, COMPANY_ACCOUNT, name, policies))));

  it('a user without ElastiCache permissions is refused AccessDenied naming the action and resource', async () => {
    const nobody = userClient('ec-nobody', policy({ Effect: 'Allow', Action: 'rds:Describe*', Resource: '*' }));
    const all = await errorOf(nobody.send(new DescribeReplicationGroupsCommand({})));
    expect(all).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(all.message).toContain('elasticache:DescribeReplicationGroups');
    expect(all.message).toContain(`arn:aws:elasticache:${COMPANY_REGION}:${COMPANY_ACCOUNT}:replicationgroup:*`);
    const one = await errorOf(nobody.send(new DescribeSnapshotsCommand({ SnapshotName: MANUAL })));
    expect(one.message).toContain(snapshotArn(MANUAL));
    const del = await errorOf(nobody.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: SESSIONS.id })));
    expect(del).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(del.message).toContain(groupArn(SESSIONS.id));
  });

  it('aws:ResourceTag works on ElastiCache ARNs: a tag-conditioned user may delete clones, not production', async () => {
    await readyCopy('copy-iam');
    const operator = userClient('ec-operator', tagConditionedPolicy);
    const prod = await errorOf(operator.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: SESSIONS.id })));
    expect(prod).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(prod.message).toContain(groupArn(SESSIONS.id));
    expect((await operator.send(new DescribeReplicationGroupsCommand({}))).ReplicationGroups!.length).toBeGreaterThan(1);
    const out = await operator.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'copy-iam' }));
    expect(out.ReplicationGroup!.Status).toBe('deleting');
    expect((await group(SESSIONS.id)).Status).toBe('available');
  });

  it('CreateReplicationGroup is evaluated on the group, its clusters, the snapshot, subnet and parameter groups, with its condition keys', async () => {
    const rg = (id: string) => `arn:aws:elasticache:*:*:replicationgroup:${id}`;
    const dependents = ['snapshot:*', 'subnetgroup:*', 'parametergroup:*'].map((r) => `arn:aws:elasticache:*:*:${r}`);
    const creator = (name: string, extra: PolicyDocument['Statement'] = []) =>
      userClient(
        name,
        policy(
          {
            Effect: 'Allow',
            Action: 'elasticache:CreateReplicationGroup',
            // AWS supplies these keys on the replicationgroup row only (SAR): the clusters go unconditioned.
            Resource: rg('iam-*'),
            Condition: {
              StringEquals: { 'elasticache:CacheNodeType': 'cache.t4g.small', 'elasticache:EngineType': 'valkey' },
              Bool: { 'elasticache:TransitEncryptionEnabled': 'true', 'elasticache:AuthTokenEnabled': 'true' },
            },
          },
          { Effect: 'Allow', Action: 'elasticache:CreateReplicationGroup', Resource: [...dependents, 'arn:aws:elasticache:*:*:cluster:iam-*'] },
          ...extra,
        ),
      );
    const noTags = creator('ec-creator');
    // Tagging at creation also needs elasticache:AddTagsToResource on the new group.
    const tagged = await errorOf(noTags.send(new CreateReplicationGroupCommand(cloneInput('iam-a'))));
    expect(tagged).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(tagged.message).toContain(`elasticache:AddTagsToResource on resource: ${groupArn('iam-a')}`);
    expect((await noTags.send(new CreateReplicationGroupCommand(cloneInput('iam-a', { Tags: undefined })))).ReplicationGroup!.Status).toBe(
      'creating',
    );
    // The condition keys: a larger node type, or no token, is refused.
    const big = await errorOf(noTags.send(new CreateReplicationGroupCommand(cloneInput('iam-b', { Tags: undefined, CacheNodeType: 'cache.r7g.large' }))));
    expect(big.message).toContain(`elasticache:CreateReplicationGroup on resource: ${groupArn('iam-b')}`);
    const open = await errorOf(noTags.send(new CreateReplicationGroupCommand(cloneInput('iam-c', { Tags: undefined, AuthToken: undefined }))));
    expect(open.name).toBe('AccessDenied');
    // A member cluster outside the allowed names (the group is allowed by name, its clusters are not).
    const onlyGroups = userClient(
      'ec-only-groups',
      policy(
        { Effect: 'Allow', Action: 'elasticache:CreateReplicationGroup', Resource: [rg('*'), ...dependents] },
      ),
    );
    const clusters = await errorOf(onlyGroups.send(new CreateReplicationGroupCommand(cloneInput('iam-d', { Tags: undefined }))));
    expect(clusters.message).toContain(`on resource: ${clusterArn('iam-d-001')}`);
    // No parameter group in the policy: the engine's default one is evaluated even when the call names none.
    const noParams = userClient(
      'ec-no-params',
      policy({
        Effect: 'Allow',
        Action: 'elasticache:CreateReplicationGroup',
        Resource: [rg('*'), 'arn:aws:elasticache:*:*:cluster:*', 'arn:aws:elasticache:*:*:snapshot:*', 'arn:aws:elasticache:*:*:subnetgroup:*'],
      }),
    );
    const params = await errorOf(noParams.send(new CreateReplicationGroupCommand(cloneInput('iam-e', { Tags: undefined }))));
    expect(params.message).toContain(`on resource: arn:aws:elasticache:${COMPANY_REGION}:${COMPANY_ACCOUNT}:parametergroup:default.valkey8`);
    // With AddTagsToResource restricted by aws:RequestTag, tagging at creation passes.
    const withTags = creator('ec-creator-tags', [
      {
        Effect: 'Allow',
        Action: 'elasticache:AddTagsToResource',
        Resource: rg('iam-*'),
        Condition: { StringEquals: { 'aws:RequestTag/snapclone:managed': 'true' } },
      },
    ]);
    expect((await withTags.send(new CreateReplicationGroupCommand(cloneInput('iam-f')))).ReplicationGroup!.Status).toBe('creating');
    expect(state().replicationGroups.has('iam-b')).toBe(false);
    expect(state().replicationGroups.has('iam-d')).toBe(false);
  });

  it('a final snapshot also needs elasticache:CreateSnapshot', async () => {
    advance(15 * MINUTE);
    const deleter = userClient('ec-deleter', policy({ Effect: 'Allow', Action: 'elasticache:DeleteReplicationGroup', Resource: '*' }));
    const denied = await errorOf(deleter.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'iam-a', FinalSnapshotIdentifier: 'iam-a-final' })));
    expect(denied.message).toContain(`elasticache:CreateSnapshot on resource: ${snapshotArn('iam-a-final')}`);
    expect((await group('iam-a')).Status).toBe('available');
    expect((await deleter.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'iam-a' }))).ReplicationGroup!.Status).toBe('deleting');
  });
});
