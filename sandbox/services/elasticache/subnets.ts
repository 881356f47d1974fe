import { byKey } from '../../core/paging.ts';
import type { RequestContext } from '../../core/service.ts';
import { ecErrors } from './errors.ts';
import { page } from './paging.ts';
import { elasticacheState } from './state.ts';
import { subnetGroupView } from './view.ts';

export function describeCacheSubnetGroups(
  input: { CacheSubnetGroupName?: string; Marker?: string; MaxRecords?: number },
  ctx: RequestContext,
) {
  const { world, accountId, region } = ctx;
  const state = elasticacheState(world, accountId, region);
  let groups = [...state.subnetGroups.values()].sort(byKey((g) => g.name));
  if (input.CacheSubnetGroupName) {
    const group = state.subnetGroups.get(input.CacheSubnetGroupName.toLowerCase());
    if (!group) throw ecErrors.subnetGroupNotFound(input.CacheSubnetGroupName);
    groups = [group];
  }
  const result = page(groups, (g) => g.name, input);
  return {
    CacheSubnetGroups: result.items.map((g) => subnetGroupView(g, region, accountId)),
    Marker: result.marker,
  };
}
