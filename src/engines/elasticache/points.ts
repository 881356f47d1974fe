import { paginateDescribeSnapshots, type Snapshot, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { inRange, round, type Range } from '../shared/points.ts';
import type { Where } from '../shared/aws.ts';
import type { RestorePoint, SourceRef } from '../types.ts';

const RESTORABLE = new Set(['available', 'restoring']);

const UNITS: Record<string, number> = { B: 1 / 1024 ** 3, KB: 1 / 1024 ** 2, MB: 1 / 1024, GB: 1, TB: 1024 };

/** The size of a snapshot in GB: the sum of its nodes' CacheSize ("1024 MB"), where ElastiCache reports it. */
export function snapshotSizeGb(snapshot: Snapshot): number | undefined {
  let total = 0;
  let known = false;
  for (const node of snapshot.NodeSnapshots ?? []) {
    const m = /^([\d.]+)\s*([KMGT]?B)$/i.exec(node.CacheSize?.trim() ?? '');
    if (!m) continue;
    total += Number(m[1]) * (UNITS[m[2].toUpperCase()] ?? 0);
    known = true;
  }
  return known ? round(total) : undefined;
}

/** When a snapshot's data is from: its (first) node's snapshot time. */
export const snapshotTime = (snapshot: Snapshot): Date | undefined =>
  snapshot.NodeSnapshots?.map((n) => n.SnapshotCreateTime).find((t): t is Date => t !== undefined);

/** The source replication group's snapshots (automatic and manual), newest first: ElastiCache has no point in time. */
export async function cachePoints(w: Where, source: SourceRef, range: Range = {}): Promise<RestorePoint[]> {
  const points: RestorePoint[] = [];
  const pages = paginateDescribeSnapshots({ client: w.clients.of(ElastiCacheClient), pageSize: 50 }, { ReplicationGroupId: source.config.id });
  for await (const page of pages) {
    for (const s of page.Snapshots ?? []) {
      const time = snapshotTime(s);
      // 'restoring': another group is being created from it, which does not stop this one.
      if (!RESTORABLE.has(s.SnapshotStatus ?? '') || !s.SnapshotName || !time || !inRange(time, range)) continue;
      points.push({
        kind: s.SnapshotSource === 'manual' ? 'snapshot' : 'automated-snapshot',
        id: s.SnapshotName,
        time,
        sizeGb: snapshotSizeGb(s),
      });
    }
  }
  return points.sort((a, b) => b.time.getTime() - a.time.getTime() || a.kind.localeCompare(b.kind));
}
