import type { RequestContext } from '../../core/service.ts';
import { ecErrors } from './errors.ts';
import { page } from './paging.ts';
import { elasticacheState, findCluster, liveClusters } from './state.ts';
import { clusterView } from './view.ts';

/**
 * DescribeCacheClusters: every cache cluster (replication group members included) or one by id; node details
 * (CacheNodes with their endpoints) only with ShowCacheNodeInfo, and not while the cluster is being created.
 */
export function describeCacheClusters(
  input: {
    CacheClusterId?: string;
    MaxRecords?: number;
    Marker?: string;
    ShowCacheNodeInfo?: boolean;
    ShowCacheClustersNotInReplicationGroups?: boolean;
  },
  ctx: RequestContext,
) {
  const { world, accountId, region } = ctx;
  const state = elasticacheState(world, accountId, region);
  const now = world.clock.nowMs();
  let clusters = liveClusters(state, now);
  if (input.CacheClusterId) {
    const found = findCluster(state, now, input.CacheClusterId);
    if (!found) throw ecErrors.clusterNotFound(input.CacheClusterId.toLowerCase());
    clusters = [found];
  }
  if (input.ShowCacheClustersNotInReplicationGroups) clusters = clusters.filter((c) => !c.replicationGroupId);
  const result = page(clusters, (c) => c.id, input);
  return {
    CacheClusters: result.items.map((c) => clusterView(state, c, now, region, accountId, input.ShowCacheNodeInfo === true)),
    Marker: result.marker,
  };
}
