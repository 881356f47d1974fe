import {
  DeleteDBInstanceAutomatedBackupCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  RestoreDBInstanceToPointInTimeCommand,
  type DBInstance,
  type DBInstanceAutomatedBackup,
  type DescribeDBInstanceAutomatedBackupsCommandInput,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPANY_ACCOUNT, COMPANY_REGION, DEV_SECURITY_GROUP, DEV_SUBNET_GROUP, PROD_DATABASES } from '../../sandbox/scenario/index.ts';
import { masterPasswordOf } from '../../sandbox/services/rds/state.ts';
import { errorOf } from '../support/errors.ts';
import { restoreManualSnapshot } from '../support/staging.ts';
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
const ORDERS = PROD_DATABASES[0];
const DEV = { DBSubnetGroupName: DEV_SUBNET_GROUP, VpcSecurityGroupIds: [DEV_SECURITY_GROUP] };

const advance = (ms: number) => sb.world.clock.advance(ms);
const now = () => sb.world.clock.nowMs();
const hidden = (id: string) => masterPasswordOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, id);

async function instance(id: string): Promise<DBInstance> {
  return (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0];
}

async function automatedBackups(input: DescribeDBInstanceAutomatedBackupsCommandInput): Promise<DBInstanceAutomatedBackup[]> {
  return (await rds.send(new DescribeDBInstanceAutomatedBackupsCommand(input))).DBInstanceAutomatedBackups!;
}

async function automatedSnapshots(id: string) {
  const out = await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: id, SnapshotType: 'automated' }));
  return out.DBSnapshots!.sort((a, b) => a.SnapshotCreateTime!.getTime() - b.SnapshotCreateTime!.getTime());
}

/** orders-prod's latest manual snapshot restored into the dev network (20 GB: creating for 15 minutes). */
const restoreOrders = (id: string, extra: Record<string, unknown> = {}) => restoreManualSnapshot(rds, ORDERS.id, id, extra);

describe('the point-in-time window', () => {
  it('reaches back to the oldest automated snapshot kept, never before it (about 35 days for the scenario)', async () => {
    const [backups] = await automatedBackups({ DBInstanceIdentifier: ORDERS.id });
    const oldest = (await automatedSnapshots(ORDERS.id))[0].SnapshotCreateTime!.getTime();
    expect(backups.Status).toBe('active');
    expect(backups.RestoreWindow!.EarliestTime!.getTime()).toBe(oldest);
    expect(now() - oldest).toBeGreaterThan(34 * DAY);
    expect(now() - oldest).toBeLessThanOrEqual(35 * DAY);
  });
});

describe('a restored instance and its first automated backup', () => {
  it('passes creating → backing-up → available; the window opens when the first backup is complete', async () => {
    const created = await restoreOrders('first-backup', { BackupRetentionPeriod: 7 });
    expect(created.DBInstanceStatus).toBe('creating');
    expect(await automatedBackups({})).not.toContainEqual(expect.objectContaining({ DBInstanceIdentifier: 'first-backup' }));

    advance(15 * MINUTE);
    const backingUp = await instance('first-backup');
    expect(backingUp.DBInstanceStatus).toBe('backing-up');
    expect(backingUp.LatestRestorableTime).toBeUndefined();
    const [waiting] = await automatedBackups({ DBInstanceIdentifier: 'first-backup' });
    expect(waiting).toMatchObject({ Status: 'creating', BackupRetentionPeriod: 7 });
    expect(waiting.RestoreWindow).toBeUndefined();
    const [first] = await automatedSnapshots('first-backup');
    expect(first).toMatchObject({ Status: 'creating', SnapshotCreateTime: backingUp.InstanceCreateTime });
    expect((await errorOf(rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'first-backup', DeletionProtection: true })))).name).toBe(
      'InvalidDBInstanceStateFault',
    );

    // 20 GB: 2 minutes plus 6 s per GB.
    advance(4 * MINUTE);
    const ready = await instance('first-backup');
    expect(ready.DBInstanceStatus).toBe('available');
    expect(ready.LatestRestorableTime!.getTime()).toBe(first.SnapshotCreateTime!.getTime());
    const [active] = await automatedBackups({ DBInstanceIdentifier: 'first-backup' });
    expect(active.Status).toBe('active');
    expect(active.RestoreWindow!.EarliestTime).toEqual(first.SnapshotCreateTime);
    advance(30 * MINUTE);
    const lag = now() - (await instance('first-backup')).LatestRestorableTime!.getTime();
    expect(Math.abs(lag - 5 * MINUTE)).toBeLessThan(1000);
  });

  it('point-in-time restores and AWS-Backup-less restores without backups skip backing-up', async () => {
    await rds.send(
      new RestoreDBInstanceToPointInTimeCommand({
        SourceDBInstanceIdentifier: ORDERS.id,
        TargetDBInstanceIdentifier: 'pitr-first-backup',
        UseLatestRestorableTime: true,
        ...DEV,
      }),
    );
    await restoreOrders('no-first-backup', { BackupRetentionPeriod: 0 });
    // 20 GB: 15 minutes, plus 3 of log replay for the point-in-time restore.
    advance(18 * MINUTE);
    expect((await instance('pitr-first-backup')).DBInstanceStatus).toBe('backing-up');
    expect((await instance('no-first-backup')).DBInstanceStatus).toBe('available');
    advance(4 * MINUTE);
    expect((await instance('pitr-first-backup')).DBInstanceStatus).toBe('available');
    expect((await instance('no-first-backup')).LatestRestorableTime).toBeUndefined();
  });

  it('turning automated backups on takes the first one right after the change', async () => {
    await restoreOrders('backups-later', { BackupRetentionPeriod: 0 });
    advance(16 * MINUTE);
    const out = await rds.send(
      new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'backups-later', BackupRetentionPeriod: 3, ApplyImmediately: true }),
    );
    expect(out.DBInstance!.DBInstanceStatus).toBe('modifying');
    advance(2 * MINUTE);
    expect((await instance('backups-later')).DBInstanceStatus).toBe('backing-up');
    advance(4 * MINUTE);
    const on = await instance('backups-later');
    expect(on).toMatchObject({ DBInstanceStatus: 'available', BackupRetentionPeriod: 3 });
    expect(on.LatestRestorableTime).toBeInstanceOf(Date);
  });
});

describe('retained automated backups', () => {
  /** A restored instance (retention 1 day) with its first automated backup complete. */
  async function backedUp(id: string): Promise<DBInstance> {
    await restoreOrders(id, { BackupRetentionPeriod: 1 });
    advance(20 * MINUTE);
    const ready = await instance(id);
    expect(ready.LatestRestorableTime).toBeInstanceOf(Date);
    return ready;
  }

  it('keeps a deleted instance\'s automated backups as retained when asked, found by identifier, resource id, ARN or status', async () => {
    const source = await backedUp('retain-me');
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'retain-me', SkipFinalSnapshot: true, DeleteAutomatedBackups: false }));
    expect((await automatedBackups({ DBInstanceIdentifier: 'retain-me' }))[0].Status).toBe('active');
    const deletedAt = now();
    advance(6 * MINUTE);
    expect((await errorOf(instance('retain-me'))).name).toBe('DBInstanceNotFoundFault');

    const [retained] = await automatedBackups({ DBInstanceIdentifier: 'retain-me' });
    expect(retained).toMatchObject({
      Status: 'retained',
      DBInstanceIdentifier: 'retain-me',
      DbiResourceId: source.DbiResourceId,
      DBInstanceArn: source.DBInstanceArn,
      BackupRetentionPeriod: 1,
      Engine: ORDERS.engine,
      Region: COMPANY_REGION,
      DBInstanceAutomatedBackupsArn: `arn:aws:rds:${COMPANY_REGION}:${COMPANY_ACCOUNT}:auto-backup:ab-${source.DbiResourceId!.slice(3)}`,
    });
    // Up to the deletion (less the log upload lag), however long ago that now is.
    expect(Math.abs(retained.RestoreWindow!.LatestTime!.getTime() - (deletedAt - 5 * MINUTE))).toBeLessThan(1000);
    expect(retained.RestoreWindow!.EarliestTime).toEqual(source.InstanceCreateTime);

    const ids = (list: DBInstanceAutomatedBackup[]) => list.map((b) => b.DBInstanceIdentifier);
    expect(ids(await automatedBackups({ DbiResourceId: source.DbiResourceId }))).toEqual(['retain-me']);
    expect(ids(await automatedBackups({ DBInstanceAutomatedBackupsArn: retained.DBInstanceAutomatedBackupsArn }))).toEqual(['retain-me']);
    expect(ids(await automatedBackups({ Filters: [{ Name: 'status', Values: ['retained'] }] }))).toEqual(['retain-me']);
    expect(ids(await automatedBackups({ Filters: [{ Name: 'status', Values: ['active'] }] }))).not.toContain('retain-me');
    const missing = await errorOf(
      rds.send(new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceAutomatedBackupsArn: `arn:aws:rds:${COMPANY_REGION}:${COMPANY_ACCOUNT}:auto-backup:ab-NOPE` })),
    );
    expect(missing).toMatchObject({ name: 'DBInstanceAutomatedBackupNotFoundFault', status: 404 });

    // Restorable from the retained backups, with the deleted instance's credentials.
    const restored = await rds.send(
      new RestoreDBInstanceToPointInTimeCommand({
        SourceDBInstanceAutomatedBackupsArn: retained.DBInstanceAutomatedBackupsArn,
        TargetDBInstanceIdentifier: 'from-retained',
        UseLatestRestorableTime: true,
        ...DEV,
      }),
    );
    expect(restored.DBInstance!.DBInstanceStatus).toBe('creating');
    expect(hidden('from-retained')).toBe(hidden(ORDERS.id));
    const late = await errorOf(
      rds.send(
        new RestoreDBInstanceToPointInTimeCommand({
          SourceDbiResourceId: source.DbiResourceId,
          TargetDBInstanceIdentifier: 'from-retained-late',
          RestoreTime: new Date(deletedAt + MINUTE),
        }),
      ),
    );
    expect(late.name).toBe('InvalidRestoreFault');

    // They expire with the retention period, as their snapshots do.
    advance(DAY);
    expect((await errorOf(rds.send(new DescribeDBInstanceAutomatedBackupsCommand({ DbiResourceId: source.DbiResourceId })))).name).toBe(
      'DBInstanceAutomatedBackupNotFoundFault',
    );
  });

  it('deletes automated backups with the instance by default, and retained ones with DeleteDBInstanceAutomatedBackup', async () => {
    const kept = await backedUp('delete-retained');
    const dropped = await backedUp('delete-with-backups');
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'delete-retained', SkipFinalSnapshot: true, DeleteAutomatedBackups: false }));
    // The model: "The default is to remove automated backups immediately after the DB instance is deleted."
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'delete-with-backups', SkipFinalSnapshot: true }));
    advance(6 * MINUTE);
    expect((await errorOf(rds.send(new DescribeDBInstanceAutomatedBackupsCommand({ DbiResourceId: dropped.DbiResourceId })))).name).toBe(
      'DBInstanceAutomatedBackupNotFoundFault',
    );
    expect((await rds.send(new DescribeDBSnapshotsCommand({ DbiResourceId: dropped.DbiResourceId }))).DBSnapshots).toEqual([]);

    const active = (await automatedBackups({ DBInstanceIdentifier: ORDERS.id }))[0];
    const refused = await errorOf(rds.send(new DeleteDBInstanceAutomatedBackupCommand({ DbiResourceId: active.DbiResourceId })));
    expect(refused).toMatchObject({ name: 'InvalidDBInstanceAutomatedBackupStateFault', status: 400 });

    const out = await rds.send(new DeleteDBInstanceAutomatedBackupCommand({ DbiResourceId: kept.DbiResourceId }));
    expect(out.DBInstanceAutomatedBackup).toMatchObject({ DBInstanceIdentifier: 'delete-retained', DbiResourceId: kept.DbiResourceId });
    expect((await rds.send(new DescribeDBSnapshotsCommand({ DbiResourceId: kept.DbiResourceId }))).DBSnapshots).toEqual([]);
    const again = await errorOf(rds.send(new DeleteDBInstanceAutomatedBackupCommand({ DbiResourceId: kept.DbiResourceId })));
    expect(again).toMatchObject({ name: 'DBInstanceAutomatedBackupNotFoundFault', status: 404 });
  });
});
