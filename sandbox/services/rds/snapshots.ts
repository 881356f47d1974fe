import type { RequestContext } from '../../core/service.ts';
import { rdsErrors } from './errors.ts';
import { applyFilters, page, type Filter } from './paging.ts';
import { byId, dbArn, findSnapshot, idOf, liveSnapshotsWhere, rdsState, type DbSnapshot } from './state.ts';
import { snapshotView } from './view.ts';

const SNAPSHOT_TYPES = new Set(['automated', 'manual', 'awsbackup', 'shared', 'public']);

/** SnapshotType of DescribeDBSnapshots and DescribeDBClusterSnapshots: one of AWS's five, or absent. */
export function checkSnapshotType(type: string | undefined): void {
  if (type !== undefined && !SNAPSHOT_TYPES.has(type)) {
    throw rdsErrors.invalidParameterValue(
      `Invalid value ${type} for SnapshotType. Must be one of: automated, manual, shared, public, awsbackup.`,
    );
  }
}

export function describeDBSnapshots(
  input: {
    DBInstanceIdentifier?: string;
    DBSnapshotIdentifier?: string;
    SnapshotType?: string;
    DbiResourceId?: string;
    Filters?: Filter[];
    Marker?: string;
    MaxRecords?: number;
  },
  ctx: RequestContext,
) {
  const { world, accountId, region } = ctx;
  const state = rdsState(world, accountId, region);
  const now = world.clock.nowMs();
  checkSnapshotType(input.SnapshotType);
  const instanceId = input.DBInstanceIdentifier ? idOf(input.DBInstanceIdentifier) : undefined;
  const keep = (s: DbSnapshot) =>
    (instanceId === undefined || s.instanceId === instanceId) &&
    (!input.SnapshotType || s.type === input.SnapshotType) &&
    (!input.DbiResourceId || s.dbiResourceId === input.DbiResourceId);
  let snapshots: DbSnapshot[];
  if (input.DBSnapshotIdentifier) {
    const found = findSnapshot(state, now, input.DBSnapshotIdentifier);
    if (!found) throw rdsErrors.snapshotNotFound(input.DBSnapshotIdentifier);
    snapshots = [found].filter(keep);
  } else {
    snapshots = liveSnapshotsWhere(state, now, keep);
  }
  snapshots = applyFilters(snapshots, input.Filters, {
    'db-instance-id': (s) => [s.instanceId, dbArn(region, accountId, s.instanceId)],
    'db-snapshot-id': (s) => [s.id, s.arn],
    'dbi-resource-id': (s) => [s.dbiResourceId],
    'snapshot-type': (s) => [s.type],
    engine: (s) => [s.config.engine],
  });
  // Sorted after filtering: a history of 100,000 snapshots costs a pass per page, not a sort of all of them.
  const result = page(snapshots.sort(byId), (s) => s.id, input);
  return { DBSnapshots: result.items.map((s) => snapshotView(state, s, now)), Marker: result.marker };
}
