import { ListRecoveryPointsByBackupVaultCommand, BackupClient } from '@aws-sdk/client-backup';
import {
  AddTagsToResourceCommand,
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  ListTagsForResourceCommand,
  ModifyDBClusterCommand,
  paginateDescribeDBClusterSnapshots,
  RDSClient,
  RemoveTagsFromResourceCommand,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBClusterToPointInTimeCommand,
  type DBCluster,
} from '@aws-sdk/client-rds';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, issueUserKey } from '../../sandbox/core/iam-state.ts';
import { PROD_SECURITY_GROUP, PROD_SUBNET_GROUP } from '../../sandbox/scenario/databases.ts';
import {
  BACKUP_VAULT,
  COMPANY_ACCOUNT,
  COMPANY_REGION,
  DEV_SECURITY_GROUP,
  DEV_SUBNET_GROUP,
  PROD_CLUSTERS,
} from '../../sandbox/scenario/index.ts';
import { clusterArn } from '../../sandbox/services/rds/cluster-state.ts';
import { clusterMasterPasswordOf } from '../../sandbox/services/rds/state.ts';
import { errorOf } from '../support/errors.ts';
import { tagConditionedPolicy } from '../support/policies.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
let rds: RDSClient;
beforeAll(async () => {
  sb = await startTestSandbox();
  rds = new RDSClient(sb.config());
});
afterAll(async () => sb?.close());

const MINUTE = 60_000;
const DAY = 86_400_000;
const CATALOG = PROD_CLUSTERS[0];
const MANAGED = [{ Key: 'snapclone:managed', Value: 'true' }];
const DEV = { DBSubnetGroupName: DEV_SUBNET_GROUP, VpcSecurityGroupIds: [DEV_SECURITY_GROUP] };

const advance = (ms: number) => sb.world.clock.advance(ms);
const now = () => sb.world.clock.nowMs();
const cArn = (id: string) => clusterArn(COMPANY_REGION, COMPANY_ACCOUNT, id);

async function cluster(id: string): Promise<DBCluster> {
  const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
  expect(out.DBClusters).toHaveLength(1);
  return out.DBClusters![0];
}

/** A full copy of catalog-prod at its latest restorable time into the dev network, made available. */
async function devCopy(id: string, extra: Record<string, unknown> = {}): Promise<DBCluster> {
  await rds.send(
    new RestoreDBClusterToPointInTimeCommand({
      DBClusterIdentifier: id,
      SourceDBClusterIdentifier: CATALOG.id,
      UseLatestRestorableTime: true,
      Tags: MANAGED,
      ...DEV,
      ...extra,
    }),
  );
  advance(2 * 60 * MINUTE);
  return cluster(id);
}

describe('DescribeDBClusters', () => {
  it('lists the seeded production cluster with its members, writer and point-in-time window', async () => {
    const out = await rds.send(new DescribeDBClustersCommand({}));
    expect(out.DBClusters!.map((c) => c.DBClusterIdentifier)).toEqual([CATALOG.id]);
    const c = out.DBClusters![0];
    expect(c).toMatchObject({
      Status: 'available',
      Engine: 'aurora-postgresql',
      EngineVersion: CATALOG.engineVersion,
      EngineMode: 'provisioned',
      DBSubnetGroup: PROD_SUBNET_GROUP,
      VpcSecurityGroups: [{ VpcSecurityGroupId: PROD_SECURITY_GROUP, Status: 'active' }],
      DeletionProtection: true,
      BackupRetentionPeriod: 35,
      StorageEncrypted: true,
      DBClusterArn: cArn(CATALOG.id),
      TagList: expect.arrayContaining([{ Key: 'env', Value: 'production' }]),
      DBClusterMembers: [
        expect.objectContaining({ DBInstanceIdentifier: 'catalog-prod-1', IsClusterWriter: true }),
        expect.objectContaining({ DBInstanceIdentifier: 'catalog-prod-2', IsClusterWriter: false }),
      ],
    });
    expect(c.Endpoint).toMatch(/^catalog-prod\.cluster-/);
    expect(c.ReaderEndpoint).toMatch(/^catalog-prod\.cluster-ro-/);
    expect(now() - c.LatestRestorableTime!.getTime()).toBeLessThanOrEqual(5 * MINUTE + 1000);
    // The window reaches back to the oldest automated cluster snapshot kept: 34 to 35 days, by the time of day.
    const automated = await rds.send(
      new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: CATALOG.id, SnapshotType: 'automated' }),
    );
    const oldest = Math.min(...automated.DBClusterSnapshots!.map((s) => s.SnapshotCreateTime!.getTime()));
    expect(c.EarliestRestorableTime!.getTime()).toBe(oldest);
    expect(now() - oldest).toBeGreaterThan(34 * DAY);
    expect(now() - oldest).toBeLessThanOrEqual(35 * DAY);
    const members = await rds.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: [CATALOG.id] }] }),
    );
    expect(members.DBInstances!.map((i) => [i.DBInstanceIdentifier, i.DBClusterIdentifier, i.DBInstanceClass])).toEqual([
      ['catalog-prod-1', CATALOG.id, 'db.r6g.large'],
      ['catalog-prod-2', CATALOG.id, 'db.r6g.large'],
    ]);
  });

  it('finds a cluster by ARN; an unknown one is DBClusterNotFoundFault (404); MaxRecords is checked', async () => {
    expect((await cluster(cArn(CATALOG.id))).DBClusterIdentifier).toBe(CATALOG.id);
    const missing = await errorOf(rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'no-such-cluster' })));
    expect(missing).toMatchObject({ name: 'DBClusterNotFoundFault', status: 404 });
    const bad = await errorOf(rds.send(new DescribeDBClustersCommand({ MaxRecords: 5 })));
    expect(bad.name).toBe('InvalidParameterValue');
  });
});

describe('DescribeDBClusterSnapshots', () => {
  it('lists 35 days of automated and AWS Backup cluster snapshots, paging with Marker', async () => {
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeDBClusterSnapshots(
      { client: rds, pageSize: 20 },
      { DBClusterIdentifier: CATALOG.id },
    )) {
      pages++;
      expect(page.DBClusterSnapshots!.length).toBeLessThanOrEqual(20);
      seen.push(...page.DBClusterSnapshots!.map((s) => s.DBClusterSnapshotIdentifier!));
    }
    expect(seen).toHaveLength(70);
    expect(new Set(seen).size).toBe(70);
    expect(pages).toBe(4);
    const automated = await rds.send(
      new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: CATALOG.id, SnapshotType: 'automated' }),
    );
    expect(automated.DBClusterSnapshots).toHaveLength(35);
    expect(automated.DBClusterSnapshots![0]).toMatchObject({
      DBClusterIdentifier: CATALOG.id,
      SnapshotType: 'automated',
      Engine: 'aurora-postgresql',
      Status: 'available',
      DBClusterSnapshotIdentifier: expect.stringMatching(/^rds:catalog-prod-\d{4}-\d\d-\d\d-\d\d-\d\d$/),
      TagList: expect.arrayContaining([{ Key: 'env', Value: 'production' }]),
    });
    const backups = await rds.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'awsbackup' }));
    expect(backups.DBClusterSnapshots).toHaveLength(35);
    expect(backups.DBClusterSnapshots![0].DBClusterSnapshotArn).toMatch(
      new RegExp(`^arn:aws:rds:${COMPANY_REGION}:${COMPANY_ACCOUNT}:cluster-snapshot:awsbackup:job-[0-9a-f-]{36}$`),
    );
  });

  it('finds one by identifier or ARN; an unknown one is DBClusterSnapshotNotFoundFault', async () => {
    const all = await rds.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'awsbackup' }));
    const one = all.DBClusterSnapshots![0];
    const byArn = await rds.send(
      new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: one.DBClusterSnapshotArn }),
    );
    expect(byArn.DBClusterSnapshots!.map((s) => s.DBClusterSnapshotIdentifier)).toEqual([one.DBClusterSnapshotIdentifier]);
    const missing = await errorOf(
      rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: 'rds:nope-2020-01-01-00-00' })),
    );
    expect(missing).toMatchObject({ name: 'DBClusterSnapshotNotFoundFault', status: 404 });
  });
});

describe('AWS Backup recovery points of the cluster', () => {
  it('lists 35 daily Aurora recovery points by resource ARN and by resource type', async () => {
    const backup = new BackupClient(sb.config());
    const byArn = await backup.send(
      new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: BACKUP_VAULT, ByResourceArn: cArn(CATALOG.id) }),
    );
    expect(byArn.RecoveryPoints).toHaveLength(35);
    expect(byArn.RecoveryPoints![0]).toMatchObject({ ResourceType: 'Aurora', ResourceName: CATALOG.id });
    expect(byArn.RecoveryPoints![0].RecoveryPointArn).toMatch(/:cluster-snapshot:awsbackup:job-/);
    const byType = await backup.send(
      new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: BACKUP_VAULT, ByResourceType: 'Aurora' }),
    );
    expect(byType.RecoveryPoints!.map((p) => p.RecoveryPointArn)).toEqual(byArn.RecoveryPoints!.map((p) => p.RecoveryPointArn));
  });
});

describe('RestoreDBClusterFromSnapshot', () => {
  it('restores an automated cluster snapshot with tags and no instances: creating, then available', async () => {
    const snaps = await rds.send(
      new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: CATALOG.id, SnapshotType: 'automated' }),
    );
    const out = await rds.send(
      new RestoreDBClusterFromSnapshotCommand({
        DBClusterIdentifier: 'snap-restore',
        SnapshotIdentifier: snaps.DBClusterSnapshots!.at(-1)!.DBClusterSnapshotIdentifier,
        Engine: 'aurora-postgresql',
        Tags: MANAGED,
        ...DEV,
      }),
    );
    expect(out.DBCluster).toMatchObject({
      DBClusterIdentifier: 'snap-restore',
      Status: 'creating',
      DBSubnetGroup: DEV_SUBNET_GROUP,
      DeletionProtection: false,
      DBClusterMembers: [],
      TagList: MANAGED,
    });
    // 120 GB: a full copy takes 10 min + 30 min.
    advance(30 * MINUTE);
    expect((await cluster('snap-restore')).Status).toBe('creating');
    advance(11 * MINUTE);
    // Then the first automated backup, after which the point-in-time window opens at the cluster's creation.
    const backingUp = await cluster('snap-restore');
    expect(backingUp).toMatchObject({ Status: 'backing-up', DBClusterMembers: [] });
    expect(backingUp.LatestRestorableTime).toBeUndefined();
    advance(2 * MINUTE);
    const restored = await cluster('snap-restore');
    expect(restored).toMatchObject({ Status: 'available', DBClusterMembers: [] });
    expect(restored.EarliestRestorableTime!.getTime()).toBe(restored.ClusterCreateTime!.getTime());
    const dup = await errorOf(
      rds.send(
        new RestoreDBClusterFromSnapshotCommand({
          DBClusterIdentifier: 'snap-restore',
          SnapshotIdentifier: snaps.DBClusterSnapshots!.at(-1)!.DBClusterSnapshotIdentifier,
          Engine: 'aurora-postgresql',
        }),
      ),
    );
    expect(dup.name).toBe('DBClusterAlreadyExistsFault');
  });

  it('restores from an AWS Backup cluster snapshot ARN; Engine is required and must match', async () => {
    const snaps = await rds.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'awsbackup' }));
    const snapshotArn = snaps.DBClusterSnapshots![0].DBClusterSnapshotArn!;
    const wrong = await errorOf(
      rds.send(
        new RestoreDBClusterFromSnapshotCommand({
          DBClusterIdentifier: 'backup-restore',
          SnapshotIdentifier: snapshotArn,
          Engine: 'aurora-mysql',
        }),
      ),
    );
    expect(wrong.name).toBe('InvalidParameterCombination');
    const out = await rds.send(
      new RestoreDBClusterFromSnapshotCommand({
        DBClusterIdentifier: 'backup-restore',
        SnapshotIdentifier: snapshotArn,
        Engine: 'aurora-postgresql',
        Tags: MANAGED,
        ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
        ...DEV,
      }),
    );
    expect(out.DBCluster).toMatchObject({
      Status: 'creating',
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
    });
    const missing = await errorOf(
      rds.send(
        new RestoreDBClusterFromSnapshotCommand({
          DBClusterIdentifier: 'backup-restore-2',
          SnapshotIdentifier: `arn:aws:rds:${COMPANY_REGION}:${COMPANY_ACCOUNT}:cluster-snapshot:awsbackup:job-00000000-0000-0000-0000-000000000000`,
          Engine: 'aurora-postgresql',
        }),
      ),
    );
    expect(missing).toMatchObject({ name: 'DBClusterSnapshotNotFoundFault', status: 404 });
  });
});

describe('RestoreDBClusterToPointInTime', () => {
  it('full-copy inside the window; outside it is InvalidRestoreFault', async () => {
    const src = await cluster(CATALOG.id);
    const out = await rds.send(
      new RestoreDBClusterToPointInTimeCommand({
        DBClusterIdentifier: 'pitr-copy',
        SourceDBClusterIdentifier: CATALOG.id,
        RestoreToTime: new Date(now() - 2 * DAY),
        ...DEV,
      }),
    );
    expect(out.DBCluster).toMatchObject({ Status: 'creating', DBClusterMembers: [] });
    expect(out.DBCluster!.CloneGroupId).toBeUndefined();
    const early = await errorOf(
      rds.send(
        new RestoreDBClusterToPointInTimeCommand({
          DBClusterIdentifier: 'pitr-early',
          SourceDBClusterIdentifier: CATALOG.id,
          RestoreToTime: new Date(src.EarliestRestorableTime!.getTime() - DAY),
        }),
      ),
    );
    expect(early).toMatchObject({ name: 'InvalidRestoreFault', status: 400 });
    const late = await errorOf(
      rds.send(
        new RestoreDBClusterToPointInTimeCommand({
          DBClusterIdentifier: 'pitr-late',
          SourceDBClusterIdentifier: CATALOG.id,
          RestoreToTime: new Date(now() + MINUTE),
        }),
      ),
    );
    expect(late.name).toBe('InvalidRestoreFault');
    const unknown = await errorOf(
      rds.send(
        new RestoreDBClusterToPointInTimeCommand({
          DBClusterIdentifier: 'pitr-x',
          SourceDBClusterIdentifier: 'no-such-cluster',
          UseLatestRestorableTime: true,
        }),
      ),
    );
    expect(unknown.name).toBe('DBClusterNotFoundFault');
  });

  it('copy-on-write only at the latest time, in minutes, sharing a CloneGroupId; the 16th is silently a full copy', async () => {
    const withTime = await errorOf(
      rds.send(
        new RestoreDBClusterToPointInTimeCommand({
          DBClusterIdentifier: 'cow-at-time',
          SourceDBClusterIdentifier: CATALOG.id,
          RestoreType: 'copy-on-write',
          RestoreToTime: new Date(now() - DAY),
        }),
      ),
    );
    expect(withTime).toMatchObject({ name: 'InvalidParameterCombination', status: 400 });

    const source = await devCopy('cow-source');
    expect(source.Status).toBe('available');
    const first = await rds.send(
      new RestoreDBClusterToPointInTimeCommand({
        DBClusterIdentifier: 'cow-1',
        SourceDBClusterIdentifier: 'cow-source',
        RestoreType: 'copy-on-write',
        UseLatestRestorableTime: true,
        Tags: MANAGED,
        ...DEV,
      }),
    );
    const group = first.DBCluster!.CloneGroupId;
    expect(group).toMatch(/^[0-9a-f-]{36}$/);
    expect((await cluster('cow-source')).CloneGroupId).toBe(group);
    advance(4 * MINUTE);
    expect((await cluster('cow-1')).Status).toBe('backing-up');
    advance(2 * MINUTE);
    expect((await cluster('cow-1')).Status).toBe('available');

    for (let i = 2; i <= 15; i++) {
      await rds.send(
        new RestoreDBClusterToPointInTimeCommand({
          DBClusterIdentifier: `cow-${i}`,
          SourceDBClusterIdentifier: i % 2 === 0 ? 'cow-source' : 'cow-1', // clones of clones count too
          RestoreType: 'copy-on-write',
          UseLatestRestorableTime: true,
          ...DEV,
        }),
      );
    }
    const grouped = await rds.send(
      new DescribeDBClustersCommand({ Filters: [{ Name: 'clone-group-id', Values: [group!] }] }),
    );
    expect(grouped.DBClusters).toHaveLength(16);
    // "After you have 15 clones, the next clone that you create is a full copy": no error, no clone group, a full copy's time.
    const sixteenth = await rds.send(
      new RestoreDBClusterToPointInTimeCommand({
        DBClusterIdentifier: 'cow-16',
        SourceDBClusterIdentifier: 'cow-source',
        RestoreType: 'copy-on-write',
        UseLatestRestorableTime: true,
        ...DEV,
      }),
    );
    expect(sixteenth.DBCluster!.CloneGroupId).toBeUndefined();
    advance(6 * MINUTE);
    expect((await cluster('cow-16')).Status).toBe('creating');
    const regrouped = await rds.send(new DescribeDBClustersCommand({ Filters: [{ Name: 'clone-group-id', Values: [group!] }] }));
    expect(regrouped.DBClusters).toHaveLength(16);
  });
});

describe('cluster members, ModifyDBCluster and deletion', () => {
  it('CreateDBInstance adds members: the first is the writer; db.serverless needs a Serverless v2 configuration', async () => {
    await devCopy('members');
    const first = await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'members-1',
        DBClusterIdentifier: 'members',
        DBInstanceClass: 'db.r6g.large',
        Engine: 'aurora-postgresql',
        Tags: MANAGED,
      }),
    );
    expect(first.DBInstance).toMatchObject({
      DBInstanceStatus: 'creating',
      DBClusterIdentifier: 'members',
      Engine: 'aurora-postgresql',
      DBSubnetGroup: expect.objectContaining({ DBSubnetGroupName: DEV_SUBNET_GROUP }),
      TagList: MANAGED,
    });
    const serverless = {
      DBInstanceIdentifier: 'members-2',
      DBClusterIdentifier: 'members',
      DBInstanceClass: 'db.serverless',
      Engine: 'aurora-postgresql',
    };
    expect((await errorOf(rds.send(new CreateDBInstanceCommand(serverless)))).name).toBe('InvalidParameterCombination');
    expect(
      (await errorOf(rds.send(new CreateDBInstanceCommand({ ...serverless, Engine: 'aurora-mysql' })))).name,
    ).toBe('InvalidParameterCombination');
    expect(
      (await errorOf(rds.send(new CreateDBInstanceCommand({ ...serverless, DBClusterIdentifier: 'nope' })))).name,
    ).toBe('DBClusterNotFoundFault');
    await rds.send(
      new ModifyDBClusterCommand({
        DBClusterIdentifier: 'members',
        ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 2 },
        ApplyImmediately: true,
      }),
    );
    advance(3 * MINUTE);
    await rds.send(new CreateDBInstanceCommand(serverless));
    advance(10 * MINUTE);
    const c = await cluster('members');
    expect(c.DBClusterMembers).toEqual([
      expect.objectContaining({ DBInstanceIdentifier: 'members-1', IsClusterWriter: true }),
      expect.objectContaining({ DBInstanceIdentifier: 'members-2', IsClusterWriter: false }),
    ]);
    const instances = await rds.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: ['members'] }] }),
    );
    expect(instances.DBInstances!.map((i) => [i.DBInstanceStatus, i.DBInstanceClass])).toEqual([
      ['available', 'db.r6g.large'],
      ['available', 'db.serverless'],
    ]);
  });

  it('ModifyDBCluster MasterUserPassword: resetting-master-credentials, then available with the new password', async () => {
    const before = clusterMasterPasswordOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, 'members');
    expect(before).toBe(clusterMasterPasswordOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, CATALOG.id));
    const out = await rds.send(
      new ModifyDBClusterCommand({ DBClusterIdentifier: 'members', MasterUserPassword: 'New-Pass-123', ApplyImmediately: true }),
    );
    expect(out.DBCluster).toMatchObject({
      Status: 'resetting-master-credentials',
      PendingModifiedValues: { MasterUserPassword: '****' },
    });
    advance(2 * MINUTE);
    expect((await cluster('members')).Status).toBe('available');
    expect(clusterMasterPasswordOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, 'members')).toBe('New-Pass-123');
    const bad = await errorOf(
      rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'members', MasterUserPassword: 'short' })),
    );
    expect(bad.name).toBe('InvalidParameterValue');
  });

  it('deletes instances first, then the cluster; deletion protection refuses', async () => {
    const withMembers = await errorOf(
      rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'members', SkipFinalSnapshot: true })),
    );
    expect(withMembers).toMatchObject({ name: 'InvalidDBClusterStateFault', status: 400 });
    const finalSnap = await errorOf(
      rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'members-1', FinalDBSnapshotIdentifier: 'nope' })),
    );
    expect(finalSnap.name).toBe('InvalidParameterCombination');
    const deleting = await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'members-1' }));
    expect(deleting.DBInstance!.DBInstanceStatus).toBe('deleting');
    // The writer went: the other member took over.
    expect((await cluster('members')).DBClusterMembers).toEqual([
      expect.objectContaining({ DBInstanceIdentifier: 'members-1', IsClusterWriter: false }),
      expect.objectContaining({ DBInstanceIdentifier: 'members-2', IsClusterWriter: true }),
    ]);
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'members-2', SkipFinalSnapshot: true }));
    const out = await rds.send(
      new DeleteDBClusterCommand({ DBClusterIdentifier: 'members', FinalDBSnapshotIdentifier: 'members-final' }),
    );
    expect(out.DBCluster!.Status).toBe('deleting');
    advance(10 * MINUTE);
    expect((await errorOf(rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'members' })))).name).toBe(
      'DBClusterNotFoundFault',
    );
    const final = await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: 'members-final' }));
    expect(final.DBClusterSnapshots![0]).toMatchObject({ SnapshotType: 'manual', Status: 'available', DBClusterIdentifier: 'members' });

    const prod = await errorOf(
      rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: CATALOG.id, SkipFinalSnapshot: true })),
    );
    expect(prod.name).toBe('InvalidParameterCombination');
    expect(prod.message).toMatch(/deletion protection/);
    expect((await cluster(CATALOG.id)).Status).toBe('available');
  });
});

describe('tags', () => {
  it('adds, lists and removes tags on cluster and cluster snapshot ARNs; GetResources lists rds:cluster', async () => {
    await devCopy('tagged');
    const a = cArn('tagged');
    await rds.send(new AddTagsToResourceCommand({ ResourceName: a, Tags: [{ Key: 'team', Value: 'data' }] }));
    expect((await rds.send(new ListTagsForResourceCommand({ ResourceName: a }))).TagList).toEqual([
      ...MANAGED,
      { Key: 'team', Value: 'data' },
    ]);
    await rds.send(new RemoveTagsFromResourceCommand({ ResourceName: a, TagKeys: ['team'] }));
    expect((await rds.send(new ListTagsForResourceCommand({ ResourceName: a }))).TagList).toEqual(MANAGED);
    const snap = (await rds.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'awsbackup' }))).DBClusterSnapshots![0];
    await rds.send(
      new AddTagsToResourceCommand({ ResourceName: snap.DBClusterSnapshotArn, Tags: [{ Key: 'kept', Value: 'yes' }] }),
    );
    expect(
      (await rds.send(new ListTagsForResourceCommand({ ResourceName: snap.DBClusterSnapshotArn }))).TagList,
    ).toContainEqual({ Key: 'kept', Value: 'yes' });
    const missing = await errorOf(rds.send(new ListTagsForResourceCommand({ ResourceName: cArn('nope') })));
    expect(missing.name).toBe('DBClusterNotFoundFault');

    const tagging = new ResourceGroupsTaggingAPIClient(sb.config());
    const prod = await tagging.send(
      new GetResourcesCommand({ ResourceTypeFilters: ['rds:cluster'], TagFilters: [{ Key: 'env', Values: ['production'] }] }),
    );
    expect(prod.ResourceTagMappingList!.map((r) => r.ResourceARN)).toEqual([cArn(CATALOG.id)]);
    const managed = await tagging.send(
      new GetResourcesCommand({ ResourceTypeFilters: ['rds:cluster'], TagFilters: [{ Key: 'snapclone:managed', Values: ['true'] }] }),
    );
    expect(managed.ResourceTagMappingList!.map((r) => r.ResourceARN)).toContain(a);
  });
});

describe('IAM (enforceIam)', () => {
  it('evaluates the cluster ARN and its tags: the operator may change clones but not production', async () => {
    await devCopy('iam-cluster');
    const user = createUser(sb.world, COMPANY_ACCOUNT, 'aurora-operator-test', [tagConditionedPolicy]);
    const operator = new RDSClient(sb.config(issueUserKey(sb.world, user)));
    const enforced = sb.world.enforceIam;
    sb.world.enforceIam = true;
    try {
      const denied = await errorOf(
        operator.send(new ModifyDBClusterCommand({ DBClusterIdentifier: CATALOG.id, MasterUserPassword: 'Stolen-Pass-1' })),
      );
      expect(denied).toMatchObject({ name: 'AccessDenied', status: 403 });
      expect(denied.message).toContain(cArn(CATALOG.id));
      expect(
        (await errorOf(operator.send(new DeleteDBClusterCommand({ DBClusterIdentifier: CATALOG.id, SkipFinalSnapshot: true }))))
          .name,
      ).toBe('AccessDenied');
      const allowed = await operator.send(
        new ModifyDBClusterCommand({ DBClusterIdentifier: 'iam-cluster', MasterUserPassword: 'Rotated-Pass-1' }),
      );
      expect(allowed.DBCluster!.Status).toBe('resetting-master-credentials');
      expect((await operator.send(new DescribeDBClustersCommand({}))).DBClusters!.length).toBeGreaterThan(0);
      const clone = await operator.send(
        new RestoreDBClusterToPointInTimeCommand({
          DBClusterIdentifier: 'iam-clone',
          SourceDBClusterIdentifier: CATALOG.id,
          RestoreType: 'copy-on-write',
          UseLatestRestorableTime: true,
          Tags: MANAGED,
          ...DEV,
        }),
      );
      expect(clone.DBCluster!.Status).toBe('creating');
    } finally {
      sb.world.enforceIam = enforced;
    }
    expect(clusterMasterPasswordOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, CATALOG.id)).not.toBe('Stolen-Pass-1');
  });
});
