import { DescribeCacheSubnetGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { explain } from '../../cli/errors.ts';
import type { Where } from '../shared/aws.ts';
import type { PlacementCheck } from '../types.ts';
import { placementOf } from './aws.ts';

/** The placement's cache subnet group exists (doctor's security groups check reads the groups: src/commands/doctor-network.ts). */
export async function checkCacheSubnetGroup(w: Where): Promise<PlacementCheck> {
  const placement = placementOf(w.target);
  try {
    const out = await w.clients.of(ElastiCacheClient).send(new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: placement.subnetGroup }));
    const group = out.CacheSubnetGroups?.[0];
    const zones = new Set(group?.Subnets?.map((s) => s.SubnetAvailabilityZone?.Name));
    return {
      ok: true,
      detail: `cache subnet group ${placement.subnetGroup}: ${group?.VpcId ?? 'no VPC'}, ${group?.Subnets?.length ?? 0} subnets in ${zones.size} zones (security groups: the security groups check)`,
    };
  } catch (error) {
    return { ok: false, detail: explain(error).message, fix: `Check targets.${w.target.name}.elasticache.subnetGroup.` };
  }
}
