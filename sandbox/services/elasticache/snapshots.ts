import { checkPermission, requestTagContext } from '../../core/authorize.ts';
import { notImplemented } from '../../core/errors.ts';
import type { RequestContext } from '../../core/service.ts';
import { checkSnapshotName, ecErrors } from './errors.ts';
import { page } from './paging.ts';
import {
  cacheSnapshotArn,
  configOf,
  DURATIONS,
  elasticacheState,
  findCluster,
  findSnapshot,
  liveSnapshots,
  snapshotSizeMb,
  snapshotStatus,
} from './state.ts';
import { tagsFromInput } from './tags.ts';
import { snapshotView } from './view.ts';

/** SnapshotSource of DescribeSnapshots: `system` lists automatic snapshots, `user` manual ones. */
const SOURCES: Record<string, string> = { system: 'automated', user: 'manual' };

/**
 * DescribeSnapshots: all snapshots, or those of a replication group or a cache cluster (an unknown cluster is
 * CacheClusterNotFound; a replication group is only a filter, as its snapshots outlive it), or one by name
 * (SnapshotNotFoundFault); SnapshotSource `system` / `user`; NodeGroupConfiguration with ShowNodeGroupConfig.
 * MaxRecords 20–50 (default 50).
 */
export function describeSnapshots(
  input: {
    ReplicationGroupId?: string;
    CacheClusterId?: string;
    SnapshotName?: string;
    SnapshotSource?: string;
    Marker?: string;
    MaxRecords?: number;
    ShowNodeGroupConfig?: boolean;
  },
  ctx: RequestContext,
) {
  const { world, accountId, region } = ctx;
  const state = elasticacheState(world, accountId, region);
  const now = world.clock.nowMs();
  if (input.SnapshotSource !== undefined && !(input.SnapshotSource in SOURCES)) {
    throw ecErrors.invalidParameterValue(
      `Invalid value ${input.SnapshotSource} for SnapshotSource. Valid values: system, user.`,
    );
  }
  if (input.ReplicationGroupId && input.CacheClusterId) {
    throw ecErrors.invalidParameterCombination('Only one of CacheClusterId or ReplicationGroupId can be provided.');
  }
  let snapshots = liveSnapshots(state, now);
  if (input.SnapshotName) {
    const found = findSnapshot(state, now, input.SnapshotName);
    if (!found) throw ecErrors.snapshotNotFound(input.SnapshotName.toLowerCase());
    snapshots = [found];
  }
  if (input.CacheClusterId) {
    const id = input.CacheClusterId.toLowerCase();
    if (!findCluster(state, now, id)) throw ecErrors.clusterNotFound(id);
    snapshots = snapshots.filter((s) => s.cacheClusterId === id || s.nodeGroups.some((ng) => ng.cacheClusterId === id));
  }
  if (input.ReplicationGroupId) {
    const id = input.ReplicationGroupId.toLowerCase();
    snapshots = snapshots.filter((s) => s.replicationGroupId === id);
  }
  if (input.SnapshotSource) snapshots = snapshots.filter((s) => s.source === SOURCES[input.SnapshotSource!]);
  const result = page(snapshots, (s) => s.name, input, { max: 50 });
  return {
    Snapshots: result.items.map((s) => snapshotView(state, s, now, input.ShowNodeGroupConfig === true)),
    Marker: result.marker,
  };
}

/**
 * CopySnapshot inside the region: a manual copy under a new name, 'creating' for a few minutes. Exporting to S3
 * (TargetBucket) is not implemented: it answers NotImplemented once IAM has allowed it (a policy that grants
 * CopySnapshot is still caught by the usual AccessDenied).
 */
export function copySnapshot(
  input: {
    SourceSnapshotName?: string;
    TargetSnapshotName?: string;
    TargetBucket?: string;
    KmsKeyId?: string;
    Tags?: { Key?: string; Value?: string }[];
  },
  ctx: RequestContext,
) {
  const { world, accountId, region } = ctx;
  const state = elasticacheState(world, accountId, region);
  const now = world.clock.nowMs();
  const sourceName = checkSnapshotName('SourceSnapshotName', input.SourceSnapshotName);
  const targetName = checkSnapshotName('TargetSnapshotName', input.TargetSnapshotName);
  if (input.TargetBucket !== undefined) throw notImplemented('elasticache', 'CopySnapshot with TargetBucket (export to S3)');
  const source = findSnapshot(state, now, sourceName);
  if (!source) throw ecErrors.snapshotNotFound(sourceName);
  const status = snapshotStatus(state, source, now);
  if (status === 'creating') throw ecErrors.snapshotState(source.name, status);
  if (findSnapshot(state, now, targetName)) throw ecErrors.snapshotExists(targetName);
  const tags = tagsFromInput(input.Tags);
  const arn = cacheSnapshotArn(region, accountId, targetName);
  if (tags.size > 0) checkPermission(ctx, 'elasticache:AddTagsToResource', [arn], requestTagContext(Object.fromEntries(tags)));
  const copy = {
    ...source,
    name: targetName,
    arn,
    source: 'manual' as const,
    config: { ...configOf(source.config), kmsKeyId: input.KmsKeyId ?? source.config.kmsKeyId },
    nodeGroups: source.nodeGroups.map((ng) => ({ ...ng, replicaAzs: [...ng.replicaAzs] })),
    availableAt: now + world.scaled(DURATIONS.snapshot(snapshotSizeMb(source))),
    expiresAt: undefined,
    tags,
  };
  state.snapshots.set(targetName, copy);
  return { Snapshot: snapshotView(state, copy, now, false) };
}
