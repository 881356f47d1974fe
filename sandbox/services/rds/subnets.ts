import { byKey } from '../../core/paging.ts';
import type { RequestContext } from '../../core/service.ts';
import { rdsErrors } from './errors.ts';
import { page, type Filter } from './paging.ts';
import { rdsState } from './state.ts';
import { subnetGroupView } from './view.ts';

export function describeDBSubnetGroups(
  input: { DBSubnetGroupName?: string; Filters?: Filter[]; Marker?: string; MaxRecords?: number },
  ctx: RequestContext,
) {
  const { world, accountId, region } = ctx;
  const state = rdsState(world, accountId, region);
  let groups = [...state.subnetGroups.values()].sort(byKey((g) => g.name));
  if (input.DBSubnetGroupName) {
    const group = state.subnetGroups.get(input.DBSubnetGroupName.toLowerCase());
    if (!group) throw rdsErrors.subnetGroupNotFound(input.DBSubnetGroupName);
    groups = [group];
  }
  // RDS accepts Filters here but documents that it supports none; they are ignored, as there.
  const result = page(groups, (g) => g.name, input);
  return {
    DBSubnetGroups: result.items.map((g) => subnetGroupView(g, region, accountId)),
    Marker: result.marker,
  };
}
