import type { RequestContext } from '../../core/service.ts';
import { rdsErrors } from './errors.ts';
import { applyFilters, page, type Filter } from './paging.ts';
import { dbArn, findSnapshot, idOf, liveSnapshots, rdsState } from './state.ts';
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
  let snapshots = liveSnapshots(state, now);
  if (input.DBSnapshotIdentifier) {
    const found = findSnapshot(state, now, input.DBSnapshotIdentifier);
    if (!found) throw rdsErrors.snapshotNotFound(input.DBSnapshotIdentifier);
    snapshots = [found];
  }
  if (input.DBInstanceIdentifier) {
    const id = idOf(input.DBInstanceIdentifier);
    snapshots = snapshots.filter((s) => s.instanceId === id);
  }
  if (input.SnapshotType) snapshots = snapshots.filter((s) => s.type === input.SnapshotType);
  if (input.DbiResourceId) snapshots = snapshots.filter((s) => s.dbiResourceId === input.DbiResourceId);
  snapshots = applyFilters(snapshots, input.Filters, {
    'db-instance-id': (s) => [s.instanceId, dbArn(region, accountId, s.instanceId)],
    'db-snapshot-id': (s) => [s.id, s.arn],
    'dbi-resource-id': (s) => [s.dbiResourceId],
    'snapshot-type': (s) => [s.type],
    engine: (s) => [s.config.engine],
  });
  const result = page(snapshots, (s) => s.id, input);
  return { DBSnapshots: result.items.map((s) => snapshotView(state, s, now)), Marker: result.marker };
}
