// The seeded long history (sandbox/scenario/history.ts, `npm run sandbox -- --history N`): what it adds, and that
// the listings over it filter, order and page right, through the real SDK clients.
import {
  BackupClient,
  GetRecoveryPointRestoreMetadataCommand,
  ListRecoveryPointsByBackupVaultCommand,
  paginateListRecoveryPointsByBackupVault,
  paginateListRecoveryPointsByResource,
  type RecoveryPointByBackupVault,
} from '@aws-sdk/client-backup';
import {
  AddTagsToResourceCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ListTagsForResourceCommand,
  paginateDescribeDBClusterSnapshots,
  paginateDescribeDBSnapshots,
  RDSClient,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedHistory, type SeededHistory } from '../../sandbox/scenario/history.ts';
import { arn, BACKUP_VAULT, PROD_CLUSTERS, PROD_DATABASES } from '../../sandbox/scenario/index.ts';
import { clusterArn } from '../../sandbox/services/rds/cluster-state.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION } from '../../sandbox/scenario/constants.ts';
import { createUser, issueUserKey } from '../../sandbox/core/iam-state.ts';
import { errorOf } from '../support/errors.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const DAY = 86_400_000;
const ORDERS = PROD_DATABASES[0].id;
const BILLING = PROD_DATABASES[1].id;
const CATALOG = PROD_CLUSTERS[0].id;

let sb: TestSandbox;
let backup: BackupClient;
let rds: RDSClient;
let history: SeededHistory;
/** orders-prod's recovery points before the history was added (the scenario's 35 days). */
let recentBefore: string[];

async function pointsOf(input: { ByResourceArn?: string; ByCreatedAfter?: Date; ByCreatedBefore?: Date }, pageSize = 100) {
  const points: RecoveryPointByBackupVault[] = [];
  let pages = 0;
  for await (const page of paginateListRecoveryPointsByBackupVault({ client: backup, pageSize }, { BackupVaultName: BACKUP_VAULT, ...input })) {
    pages++;
    points.push(...(page.RecoveryPoints ?? []));
  }
  return { points, pages };
}

beforeAll(async () => {
  sb = await startTestSandbox();
  backup = new BackupClient(sb.config());
  rds = new RDSClient(sb.config());
  recentBefore = (await pointsOf({ ByResourceArn: arn.db(ORDERS) })).points.map((p) => p.RecoveryPointArn!);
  history = seedHistory(sb.world, { recoveryPoints: 2000, snapshots: 200 });
});
afterAll(async () => sb?.close());

describe('seedHistory', () => {
  it('adds the points and snapshots asked for, split over the sources, older than the scenario’s 35 days', async () => {
    expect(history.recoveryPoints).toEqual({ [ORDERS]: 1200, [BILLING]: 500, [CATALOG]: 300 });
    expect(history.snapshots).toEqual({ [ORDERS]: 100, [BILLING]: 70, [CATALOG]: 30 });
    expect(history.newest).toBeLessThan(sb.world.clock.nowMs() - 35 * DAY);
    expect(history.newest - history.oldest).toBeGreaterThan(2 * 365 * DAY);

    const orders = (await pointsOf({ ByResourceArn: arn.db(ORDERS) }, 1000)).points;
    expect(orders).toHaveLength(recentBefore.length + 1200);
    // The scenario's own points are still there, newest first, ahead of the history.
    expect(orders.slice(0, recentBefore.length).map((p) => p.RecoveryPointArn)).toEqual(recentBefore);
    const seeded = orders.slice(recentBefore.length);
    expect(seeded.every((p) => p.Status === 'COMPLETED' && p.ResourceType === 'RDS')).toBe(true);
    expect(seeded[0].CreationDate!.getTime()).toBe(Math.floor(history.newest / 1000) * 1000);
    expect(seeded.every((p) => p.CreationDate!.getTime() >= history.oldest)).toBe(true);
    // Each is an awsbackup snapshot, restorable like the scheduled ones.
    expect(seeded[500].RecoveryPointArn).toMatch(/:snapshot:awsbackup:job-[0-9a-f-]{36}$/);
    const metadata = await backup.send(
      new GetRecoveryPointRestoreMetadataCommand({ BackupVaultName: BACKUP_VAULT, RecoveryPointArn: seeded[500].RecoveryPointArn }),
    );
    expect(metadata.RestoreMetadata).toMatchObject({ DBInstanceIdentifier: ORDERS, Engine: 'mysql' });

    const catalog = (await pointsOf({ ByResourceArn: clusterArn(COMPANY_REGION, COMPANY_ACCOUNT, CATALOG) }, 1000)).points;
    expect(catalog.filter((p) => p.CreationDate!.getTime() <= history.newest)).toHaveLength(300);
    expect(catalog.every((p) => p.ResourceType === 'Aurora')).toBe(true);
    // The sources are as old as their history.
    const [instance] = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: ORDERS }))).DBInstances!;
    expect(instance.InstanceCreateTime!.getTime()).toBeLessThan(history.oldest);
  });

  it('lists manual snapshots by type and source; the awsbackup ones only when asked for', async () => {
    const list = async (input: { DBInstanceIdentifier: string; SnapshotType?: string; Filters?: { Name: string; Values: string[] }[] }) => {
      const ids: string[] = [];
      for await (const page of paginateDescribeDBSnapshots({ client: rds, pageSize: 100 }, input)) ids.push(...page.DBSnapshots!.map((s) => s.DBSnapshotIdentifier!));
      return ids;
    };
    const manual = await list({ DBInstanceIdentifier: ORDERS, SnapshotType: 'manual' });
    // 100 seeded plus the scenario's two.
    expect(manual).toHaveLength(102);
    expect(manual.filter((id) => id.startsWith(`${ORDERS}-history-`))).toHaveLength(100);
    expect([...manual].sort()).toEqual(manual);
    const viaFilter = await list({ DBInstanceIdentifier: ORDERS, Filters: [{ Name: 'snapshot-type', Values: ['manual', 'automated'] }] });
    expect(viaFilter.filter((id) => id.startsWith('awsbackup:'))).toEqual([]);
    expect(viaFilter.length).toBe(manual.length + 35);
    expect((await list({ DBInstanceIdentifier: ORDERS, SnapshotType: 'awsbackup' })).length).toBe(recentBefore.length + 1200);

    const clusterManual: string[] = [];
    for await (const page of paginateDescribeDBClusterSnapshots({ client: rds, pageSize: 20 }, { DBClusterIdentifier: CATALOG, SnapshotType: 'manual' })) {
      clusterManual.push(...page.DBClusterSnapshots!.map((s) => s.DBClusterSnapshotIdentifier!));
    }
    expect(clusterManual.filter((id) => id.startsWith(`${CATALOG}-history-`))).toHaveLength(30);
    expect(new Set(clusterManual).size).toBe(clusterManual.length);
    const one = await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: `${CATALOG}-history-000007` }));
    expect(one.DBClusterSnapshots).toHaveLength(1);
  });
});

describe('ListRecoveryPointsByBackupVault over a long history', () => {
  it('selects exactly the points created strictly between the dates, newest first, for the resource asked for', async () => {
    const all = (await pointsOf({}, 1000)).points;
    const orders = all.filter((p) => p.ResourceArn === arn.db(ORDERS));
    // A window ending on a point's exact time: ByCreatedBefore excludes it, ByCreatedAfter excludes its start.
    const after = orders[recentBefore.length + 100].CreationDate!;
    const before = orders[recentBefore.length + 40].CreationDate!;
    const expected = orders.filter((p) => p.CreationDate! > after && p.CreationDate! < before).map((p) => p.RecoveryPointArn);
    expect(expected).toHaveLength(59);
    const { points, pages } = await pointsOf({ ByResourceArn: arn.db(ORDERS), ByCreatedAfter: after, ByCreatedBefore: before }, 25);
    expect(points.map((p) => p.RecoveryPointArn)).toEqual(expected);
    expect(pages).toBe(3);
    // Without the resource filter the other sources' points in the window come too.
    const any = (await pointsOf({ ByCreatedAfter: after, ByCreatedBefore: before })).points;
    expect(any.length).toBeGreaterThan(expected.length);
    expect(new Set(any.map((p) => p.ResourceArn))).toEqual(new Set([arn.db(ORDERS), arn.db(BILLING), clusterArn(COMPANY_REGION, COMPANY_ACCOUNT, CATALOG)]));
    const times = any.map((p) => p.CreationDate!.getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    // Only one bound, or none inside the history.
    const older = (await pointsOf({ ByResourceArn: arn.db(ORDERS), ByCreatedBefore: new Date(history.oldest + 30 * DAY) })).points;
    expect(older.length).toBe(orders.filter((p) => p.CreationDate!.getTime() < history.oldest + 30 * DAY).length);
    expect(older.length).toBeGreaterThan(0);
    const none = await backup.send(
      new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: BACKUP_VAULT, ByCreatedBefore: new Date(history.oldest - DAY) }),
    );
    expect(none.RecoveryPoints).toEqual([]);
    expect(none.NextToken).toBeUndefined();
  });

  it('keeps its order when the schedules add a point: the new one comes first, nothing repeats across pages', async () => {
    const before = (await pointsOf({ ByResourceArn: arn.db(ORDERS) }, 1000)).points;
    sb.world.clock.advance(DAY);
    const after = (await pointsOf({ ByResourceArn: arn.db(ORDERS) }, 100)).points;
    const arns = after.map((p) => p.RecoveryPointArn!);
    expect(new Set(arns).size).toBe(arns.length);
    // A day on: one new daily backup, and the oldest of the scenario's 35 days has expired.
    expect(after[0].CreationDate!.getTime()).toBeGreaterThan(before[0].CreationDate!.getTime());
    expect(after.length).toBe(before.length);
    expect(arns.slice(1)).toEqual(before.map((p) => p.RecoveryPointArn).filter((a) => arns.includes(a!)));
    // ListRecoveryPointsByResource reads the same index.
    const byResource: string[] = [];
    for await (const page of paginateListRecoveryPointsByResource({ client: backup, pageSize: 300 }, { ResourceArn: arn.db(ORDERS) })) {
      byResource.push(...page.RecoveryPoints!.map((p) => p.RecoveryPointArn!));
    }
    expect(byResource).toEqual(arns);
  });
});

describe('IAM conditions on the tags of one resource in a long history', () => {
  it('finds the tags of the resource a call names, as the full listing has them', async () => {
    // Looked up directly rather than found in a list of every resource (world.tagsOf), with the same answers.
    const listed = new Map(sb.world.taggedResources(COMPANY_ACCOUNT, COMPANY_REGION).map((r) => [r.arn, r.tags]));
    const sample = [...listed.keys()].filter((_, i) => i % 97 === 0);
    expect(sample.some((a) => a.includes(':snapshot:awsbackup:'))).toBe(true);
    expect(sample.some((a) => a.includes(':cluster-snapshot:'))).toBe(true);
    for (const resource of [...sample, arn.db(ORDERS), arn.db(ORDERS).toUpperCase(), `${arn.db(ORDERS)}x`, 'arn:aws:rds:ap-northeast-1:123456789012:snapshot:nope']) {
      expect(sb.world.tagsOf(resource), resource).toEqual(listed.get(resource));
    }
  });

  it('allows a tag-conditioned action on a history snapshot whose tags match, and refuses it on one whose tags do not', async () => {
    const user = createUser(sb.world, COMPANY_ACCOUNT, 'history-tagger', [
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'rds:DescribeDBSnapshots', Resource: '*' },
          { Effect: 'Allow', Action: 'rds:AddTagsToResource', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/app': 'orders' } } },
        ],
      },
    ]);
    const tagger = new RDSClient(sb.config(issueUserKey(sb.world, user)));
    const [snapshot] = (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: `${ORDERS}-history-000042` }))).DBSnapshots!;
    // catalog-prod's snapshots carry app=catalog.
    const untagged = `arn:aws:rds:${COMPANY_REGION}:${COMPANY_ACCOUNT}:cluster-snapshot:${CATALOG}-history-000003`;
    expect(sb.world.tagsOf(untagged)).toMatchObject({ app: 'catalog' });
    expect(sb.world.enforceIam).toBe(true);
    await tagger.send(new AddTagsToResourceCommand({ ResourceName: snapshot.DBSnapshotArn, Tags: [{ Key: 'kept', Value: 'yes' }] }));
    const denied = await errorOf(tagger.send(new AddTagsToResourceCommand({ ResourceName: untagged, Tags: [{ Key: 'kept', Value: 'yes' }] })));
    expect(denied.name).toBe('AccessDenied');
    const tags = (await rds.send(new ListTagsForResourceCommand({ ResourceName: snapshot.DBSnapshotArn }))).TagList;
    expect(tags).toContainEqual({ Key: 'kept', Value: 'yes' });
    expect(tags).toContainEqual({ Key: 'app', Value: 'orders' });
  });
});
