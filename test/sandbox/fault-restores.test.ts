import { BackupClient, DescribeRestoreJobCommand } from '@aws-sdk/client-backup';
import {
  CreateReplicationGroupCommand,
  DeleteReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { CreateDomainCommand, DescribeDomainCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import {
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBClusterToPointInTimeCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws';
import { describe, expect, it } from 'vitest';
import {
  arn,
  COMPANY_REGION,
  DEV_CACHE_SUBNET_GROUP,
  DEV_SECURITY_GROUP,
  DEV_SUBNET_GROUP,
  PROD_CACHES,
  PROD_CLUSTERS,
  PROD_SEARCH,
} from '../../sandbox/scenario/index.ts';
import { errorOf } from '../support/errors.ts';
import { useFaultSandbox, type TestSandbox } from '../support/sandbox.ts';
import { backupRestore, recoveryPoint } from '../support/staging.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let sb: TestSandbox;
let rds: RDSClient;
useFaultSandbox((started) => {
  sb = started;
  rds = new RDSClient(sb.config());
});

const advance = (ms: number) => sb.world.clock.advance(ms);
const instanceStatus = async (id: string) =>
  (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0].DBInstanceStatus;
const clusterStatus = async (id: string) =>
  (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters![0].Status;

describe('fail-restore', () => {
  async function restoreInstance(id: string) {
    const snaps = await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'orders-prod', SnapshotType: 'automated' }));
    const snapshot = snaps.DBSnapshots!.at(-1)!.DBSnapshotIdentifier;
    return rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: id, DBSnapshotIdentifier: snapshot, DBSubnetGroupName: DEV_SUBNET_GROUP }));
  }

  it('RDS: the restored instance is creating, then incompatible-restore for good (it can still be deleted); the next restore is fine', async () => {
    sb.world.faults.add('rds:RestoreDBInstanceFromDBSnapshot=fail-restore#1');
    expect((await restoreInstance('fail-rds')).DBInstance?.DBInstanceStatus).toBe('creating');
    advance(HOUR);
    expect(await instanceStatus('fail-rds')).toBe('incompatible-restore');
    advance(24 * HOUR);
    expect(await instanceStatus('fail-rds')).toBe('incompatible-restore');
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'fail-rds', SkipFinalSnapshot: true }));
    expect(await instanceStatus('fail-rds')).toBe('deleting');
    await restoreInstance('fine-rds');
    advance(HOUR);
    expect(await instanceStatus('fine-rds')).toBe('available');
  });

  it('a restore the service refuses does not use the rule up', async () => {
    sb.world.faults.add('rds:*=fail-restore#1');
    expect((await errorOf(rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'x', DBSnapshotIdentifier: 'none' })))).name).toBe(
      'DBSnapshotNotFoundFault',
    );
    await rds.send(new DescribeDBInstancesCommand({})); // not a restore: not counted
    expect(sb.world.faults.list()[0]).toMatchObject({ seen: 0, fired: 0 });
  });

  it('Aurora: a cluster restored from a snapshot ends failed; a copy-on-write clone ends cloning-failed', async () => {
    const catalog = PROD_CLUSTERS[0];
    sb.world.faults.add('rds:*=fail-restore#2');
    const snaps = await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: catalog.id, SnapshotType: 'automated' }));
    const placement = { DBSubnetGroupName: DEV_SUBNET_GROUP, VpcSecurityGroupIds: [DEV_SECURITY_GROUP] };
    await rds.send(
      new RestoreDBClusterFromSnapshotCommand({
        DBClusterIdentifier: 'fail-aurora',
        SnapshotIdentifier: snaps.DBClusterSnapshots!.at(-1)!.DBClusterSnapshotIdentifier,
        Engine: catalog.engine,
        ...placement,
      }),
    );
    await rds.send(
      new RestoreDBClusterToPointInTimeCommand({
        DBClusterIdentifier: 'fail-clone',
        SourceDBClusterIdentifier: catalog.id,
        RestoreType: 'copy-on-write',
        UseLatestRestorableTime: true,
        ...placement,
      }),
    );
    expect(await clusterStatus('fail-aurora')).toBe('creating');
    advance(2 * HOUR);
    expect(await clusterStatus('fail-aurora')).toBe('failed');
    expect(await clusterStatus('fail-clone')).toBe('cloning-failed');
  });

  it('ElastiCache: the replication group and its clusters end create-failed; it can be deleted, without a final snapshot', async () => {
    const ec = new ElastiCacheClient(sb.config());
    sb.world.faults.add('elasticache:CreateReplicationGroup=fail-restore#1');
    await ec.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'fail-cache',
        ReplicationGroupDescription: 'a copy that fails',
        SnapshotName: `automatic.${PROD_CACHES[0].id}-${new Date(sb.world.clock.nowMs() - 86_400_000).toISOString().slice(0, 10)}-17-00`,
        Engine: 'valkey',
        CacheNodeType: 'cache.t4g.small',
        NumCacheClusters: 1,
        CacheSubnetGroupName: DEV_CACHE_SUBNET_GROUP,
        SecurityGroupIds: [DEV_SECURITY_GROUP],
      }),
    );
    const groupStatus = async () => (await ec.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'fail-cache' }))).ReplicationGroups![0].Status;
    expect(await groupStatus()).toBe('creating');
    advance(HOUR);
    expect(await groupStatus()).toBe('create-failed');
    const clusters = await ec.send(new DescribeCacheClustersCommand({ CacheClusterId: 'fail-cache-001' }));
    expect(clusters.CacheClusters![0].CacheClusterStatus).toBe('create-failed');
    const final = await errorOf(ec.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'fail-cache', FinalSnapshotIdentifier: 'last' })));
    expect(final.name).toBe('InvalidReplicationGroupStateFault');
    await ec.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'fail-cache' }));
    expect(await groupStatus()).toBe('deleting');
  });

  it('AWS Backup: the restore job ends FAILED with a StatusMessage; the instance it restored is incompatible-restore', async () => {
    sb.world.faults.add('backup:StartRestoreJob=fail-restore#1');
    const jobId = await backupRestore(sb, 'fail-backup', await recoveryPoint(sb, 2));
    const job = () => new BackupClient(sb.config()).send(new DescribeRestoreJobCommand({ RestoreJobId: jobId }));
    expect((await job()).Status).toBe('PENDING');
    advance(HOUR);
    expect(await job()).toMatchObject({ Status: 'FAILED', StatusMessage: expect.stringContaining('fail-backup') });
    expect((await job()).CreatedResourceArn).toBeUndefined();
    expect(await instanceStatus('fail-backup')).toBe('incompatible-restore');
  });

  it('OpenSearch: the endpoint answers a throttle with its own 429; the restored indices stay red with unassigned shards and no recovery; a later restore recovers', async () => {
    const os = new OpenSearchClient(sb.config());
    await os.send(
      new CreateDomainCommand({
        DomainName: 'snapclone-fail-search',
        EngineVersion: 'OpenSearch_2.17',
        ClusterConfig: { InstanceType: 't3.small.search', InstanceCount: 1 },
        EBSOptions: { EBSEnabled: true, VolumeType: 'gp3', VolumeSize: 20 },
      }),
    );
    advance(21 * MINUTE);
    const endpoint = (await os.send(new DescribeDomainCommand({ DomainName: 'snapclone-fail-search' }))).DomainStatus!.Endpoint!;
    const key = sb.scenario.admin;
    const client = new Client({
      ...AwsSigv4Signer({ region: COMPANY_REGION, service: 'es', getCredentials: async () => key }),
      node: `http://${endpoint}`,
      maxRetries: 0,
    });
    const search = PROD_SEARCH[0];
    // Registered as AWS documents it (PUT) with the read-only role clone domains may use.
    const settings = { bucket: search.bucket, region: COMPANY_REGION, role_arn: arn.role(search.readerRole), readonly: true };
    await client.transport.request({ method: 'PUT', path: '/_snapshot/prod', body: { type: 's3', settings } });
    const all = (await client.snapshot.get({ repository: 'prod', snapshot: '_all' })).body as { snapshots: { snapshot: string }[] };
    const snapshot = all.snapshots.at(-1)!.snapshot;

    // The endpoint's calls are named by their IAM action; OpenSearch rejects work it has no room for with a 429.
    sb.world.faults.add('es:ESHttpGet=throttle#1');
    const throttled = await client.cat.indices({ format: 'json' }).catch((e: { meta: { statusCode: number; body: unknown } }) => e.meta);
    expect(throttled).toMatchObject({ statusCode: 429, body: { status: 429, error: { type: 'rejected_execution_exception' } } });

    sb.world.faults.add('es:ESHttpPost=fail-restore#1');
    await client.snapshot.restore({ repository: 'prod', snapshot, body: { indices: 'products' } });
    const products = async (name: string) => {
      const rows = (await client.cat.indices({ format: 'json', index: name })).body as unknown as { health: string }[];
      return rows[0].health;
    };
    expect(await products('products')).toBe('red');
    advance(2 * HOUR);
    expect(await products('products')).toBe('red');
    const health = (await client.cluster.health({ index: 'products' })).body;
    expect(health).toMatchObject({ status: 'red', active_primary_shards: 0, initializing_shards: 0, unassigned_shards: 6 });
    const recovery = (await client.indices.recovery({ index: 'products' })).body;
    expect(recovery).toEqual({});

    await client.snapshot.restore({ repository: 'prod', snapshot, body: { indices: 'products', rename_pattern: 'products', rename_replacement: 'products-again' } });
    advance(2 * HOUR);
    expect(await products('products-again')).toBe('yellow');
    expect(sb.world.faults.stats().injected['fail-restore']).toBeGreaterThanOrEqual(1);
  });
});
