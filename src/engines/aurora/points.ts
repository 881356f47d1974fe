import { paginateDescribeDBClusterSnapshots, type DBCluster, RDSClient } from '@aws-sdk/client-rds';
import { assertSupportedEngine } from '../rds/engines.ts';
import { backupPoints, inRange, wants, type Range } from '../shared/points.ts';
import type { Where } from '../shared/aws.ts';
import type { RestorePoint, SourceRef } from '../types.ts';
import { sourceArn } from './aws.ts';
import { describeCluster } from './describe.ts';

/**
 * Manual and automated cluster snapshots of the source (those of the kinds asked for; AWS Backup's own are
 * listed as recovery points). DescribeDBClusterSnapshots has no date filter: the range is applied here.
 */
async function clusterSnapshotPoints(w: Where, source: SourceRef, range: Range): Promise<RestorePoint[]> {
  const points: RestorePoint[] = [];
  const types = [...(wants(range, 'snapshot') ? ['manual'] : []), ...(wants(range, 'automated-snapshot') ? ['automated'] : [])];
  if (types.length === 0) return points;
  const pages = paginateDescribeDBClusterSnapshots(
    { client: w.clients.of(RDSClient), pageSize: 100 },
    { DBClusterIdentifier: source.config.id, Filters: [{ Name: 'snapshot-type', Values: types }] },
  );
  for await (const page of pages) {
    for (const s of page.DBClusterSnapshots ?? []) {
      if (s.Status !== 'available' || !s.DBClusterSnapshotIdentifier || !s.SnapshotCreateTime) continue;
      if (s.SnapshotType !== 'manual' && s.SnapshotType !== 'automated') continue;
      if (!inRange(s.SnapshotCreateTime, range)) continue;
      assertSupportedEngine('aurora', s.Engine, source.name);
      points.push({
        kind: s.SnapshotType === 'manual' ? 'snapshot' : 'automated-snapshot',
        id: s.DBClusterSnapshotIdentifier,
        time: s.SnapshotCreateTime,
        sizeGb: s.AllocatedStorage,
      });
    }
  }
  return points;
}

/** The cluster's point-in-time window: EarliestRestorableTime … LatestRestorableTime, as DescribeDBClusters reports it. */
function clusterWindow(cluster: DBCluster | undefined, source: SourceRef, range: Range): RestorePoint[] {
  if (!wants(range, 'point-in-time')) return [];
  const earliest = cluster?.EarliestRestorableTime;
  const latest = cluster?.LatestRestorableTime;
  if (!earliest || !latest) return [];
  if ((range.from && latest.getTime() < range.from.getTime()) || (range.to && earliest.getTime() > range.to.getTime())) return [];
  return [{ kind: 'point-in-time', id: source.config.id, time: latest, earliest }];
}

/** All restorable points of an Aurora source, newest first. */
export async function auroraPoints(w: Where, source: SourceRef, range: Range = {}): Promise<RestorePoint[]> {
  // The source's engine, as RDS reports it, decides whether snapclone clones it at all (before anything is
  // written): read with the window, from each snapshot, and by the restore.
  const cluster = wants(range, 'point-in-time') ? await describeCluster(w, source.config.id) : undefined;
  assertSupportedEngine('aurora', cluster?.Engine, source.name);
  const all = (
    await Promise.all([
      wants(range, 'backup') ? backupPoints(w, source, sourceArn(source.config), range) : [],
      clusterSnapshotPoints(w, source, range),
      clusterWindow(cluster, source, range),
    ])
  ).flat();
  return all.sort((a, b) => b.time.getTime() - a.time.getTime() || a.kind.localeCompare(b.kind));
}
