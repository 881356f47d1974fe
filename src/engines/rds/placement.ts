import { DescribeDBSubnetGroupsCommand, RDSClient } from '@aws-sdk/client-rds';
import { explain } from '../../cli/errors.ts';
import type { Where } from '../shared/aws.ts';
import type { PlacementCheck } from '../types.ts';

/** What `doctor` reads of an RDS or Aurora placement. */

/**
 * A placement's DB subnet group exists (RDS and Aurora share them). doctor's security groups check reads the
 * groups (src/commands/doctor-network.ts).
 */
export async function checkDbSubnetGroup(w: Where, key: 'rds' | 'aurora', placement: { subnetGroup: string; securityGroupIds: string[] }): Promise<PlacementCheck> {
  try {
    const out = await w.clients.of(RDSClient).send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: placement.subnetGroup }));
    const group = out.DBSubnetGroups?.[0];
    const zones = new Set(group?.Subnets?.map((s) => s.SubnetAvailabilityZone?.Name));
    return {
      ok: true,
      detail: `subnet group ${placement.subnetGroup}: ${group?.VpcId ?? 'no VPC'}, ${group?.Subnets?.length ?? 0} subnets in ${zones.size} zones (security groups: the security groups check)`,
    };
  } catch (error) {
    return { ok: false, detail: explain(error).message, fix: `Check targets.${w.target.name}.${key}.subnetGroup.` };
  }
}
