import { DescribeDBInstanceAutomatedBackupsCommand, paginateDescribeDBSnapshots, type DBInstance, RDSClient } from '@aws-sdk/client-rds';
import { assertSupportedEngine } from './engines.ts';
import type { RestorePoint, SourceRef } from '../types.ts';
import { backupPoints, inRange, wants, type Range } from '../shared/points.ts';
import { isError, sourceArn, type Where } from './aws.ts';
import { describeInstance } from './describe.ts';

/**
 * Manual and automated RDS snapshots of the source (those of the kinds asked for). AWS Backup's own snapshots
 * are listed as recovery points, and are left out here by type on the server: there is one per recovery point,
 * so a long AWS Backup history would otherwise be read page by page. DescribeDBSnapshots has no date filter:
 * the range is applied here.
 */
export async function snapshotPoints(w: Where, source: SourceRef, range: Range): Promise<RestorePoint[]> {
  const points: RestorePoint[] = [];
  const types = [...(wants(range, 'snapshot') ? ['manual'] : []), ...(wants(range, 'automated-snapshot') ? ['automated'] : [])];
  if (types.length === 0) return points;
  const pages = paginateDescribeDBSnapshots(
    { client: w.clients.of(RDSClient), pageSize: 100 },
    { DBInstanceIdentifier: source.config.id, Filters: [{ Name: 'snapshot-type', Values: types }] },
  );
  for await (const page of pages) {
    for (const s of page.DBSnapshots ?? []) {
      if (s.Status !== 'available' || !s.DBSnapshotIdentifier || !s.SnapshotCreateTime) continue;
      if (s.SnapshotType !== 'manual' && s.SnapshotType !== 'automated') continue;
      if (!inRange(s.SnapshotCreateTime, range)) continue;
      assertSupportedEngine('rds', s.Engine, source.name);
      points.push({
        kind: s.SnapshotType === 'manual' ? 'snapshot' : 'automated-snapshot',
        id: s.DBSnapshotIdentifier,
        time: s.SnapshotCreateTime,
        sizeGb: s.AllocatedStorage,
      });
    }
  }
  return points;
}

/** The point-in-time window of the source: LatestRestorableTime, and the earliest from its automated backups. */
export async function pitrWindow(w: Where, source: SourceRef, range: Range, instance: DBInstance | undefined): Promise<RestorePoint[]> {
  if (!wants(range, 'point-in-time')) return [];
  if (!instance?.LatestRestorableTime || !instance.BackupRetentionPeriod) return [];
  let earliest: Date | undefined;
  try {
    const out = await w.clients.of(RDSClient).send(
      new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: source.config.id }),
    );
    // The identifier also names the retained backups of deleted instances that had it: take the live one's.
    earliest = out.DBInstanceAutomatedBackups?.find((b) => b.DbiResourceId === instance.DbiResourceId)?.RestoreWindow?.EarliestTime;
  } catch (error) {
    if (!isError(error, 'DBInstanceAutomatedBackupNotFound')) throw error;
  }
  if (!earliest) return [];
  const latest = instance.LatestRestorableTime;
  // The window overlaps the range?
  if ((range.from && latest.getTime() < range.from.getTime()) || (range.to && earliest.getTime() > range.to.getTime())) {
    return [];
  }
  return [{ kind: 'point-in-time', id: source.config.id, time: latest, earliest, sizeGb: instance.AllocatedStorage }];
}

/** All restorable points of a source, newest first. */
export async function rdsPoints(w: Where, source: SourceRef, range: Range = {}): Promise<RestorePoint[]> {
  // The source's engine, as RDS reports it, decides whether snapclone clones it at all (before anything is
  // written): read with the window, from each snapshot, and by the restore; a listing of recovery points alone
  // costs no more than before.
  const instance = wants(range, 'point-in-time') ? await describeInstance(w, source.config.id) : undefined;
  assertSupportedEngine('rds', instance?.Engine, source.name);
  const all = (
    await Promise.all([
      wants(range, 'backup') ? backupPoints(w, source, sourceArn(source.config), range) : [],
      snapshotPoints(w, source, range),
      pitrWindow(w, source, range, instance),
    ])
  ).flat();
  return all.sort((a, b) => b.time.getTime() - a.time.getTime() || a.kind.localeCompare(b.kind));
}
