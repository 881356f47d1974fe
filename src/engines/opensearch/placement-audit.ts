import { DescribeDomainsCommand, ListDomainNamesCommand, OpenSearchClient, type DomainStatus } from '@aws-sdk/client-opensearch';
import { hasPrefix } from '../../core/naming.ts';
import { differs, outside, said } from '../shared/placement-audit.ts';
import type { Where } from '../shared/aws.ts';
import type { AuditedResource } from '../types.ts';
import { DOMAIN_KIND, placementOf } from './aws.ts';


/** How a domain breaks the placement: outside the VPC, subnets or security groups, or bigger than configured. */
function domainBreaches(domain: DomainStatus, placement: ReturnType<typeof placementOf>): string[] {
  const vpc = domain.VPCOptions;
  const subnets = outside(vpc?.SubnetIds ?? [], placement.subnetIds);
  const groups = outside(vpc?.SecurityGroupIds ?? [], placement.securityGroupIds);
  const c = domain.ClusterConfig;
  const volume = domain.EBSOptions?.VolumeSize;
  return said([
    // A domain without VPC options has a public endpoint (AWS: "VPC versus public domains").
    !vpc?.VPCId && !(vpc?.SubnetIds ?? []).length && 'a public endpoint (no VPC)',
    subnets.length > 0 && `in subnets ${subnets.join(', ')}, not the target's`,
    groups.length > 0 && `in security groups ${groups.join(', ')}, not the target's`,
    differs('instance type', c?.InstanceType, placement.instanceType),
    (c?.InstanceCount ?? 0) > placement.instanceCount && `${c!.InstanceCount} instances, more than the target's ${placement.instanceCount}`,
    c?.DedicatedMasterEnabled === true && 'dedicated master nodes, which snapclone never makes',
    c?.WarmEnabled === true && 'UltraWarm nodes, which snapclone never makes',
    volume !== undefined && volume > placement.volumeGb && `${volume} GB volumes, more than the target's ${placement.volumeGb}`,
  ]);
}

/**
 * The OpenSearch engine's `<prefix>-*` domains against the target's placement, by DescribeDomains' answers.
 * DescribeDomain reports no creation time: `createdAt` stays undefined (the janitor falls back on the clone's
 * created-at tag, and says so).
 */
export async function auditDomains(w: Where): Promise<AuditedResource[]> {
  const placement = placementOf(w.target);
  const client = w.clients.of(OpenSearchClient);
  const listed = await client.send(new ListDomainNamesCommand({}));
  const names = (listed.DomainNames ?? []).flatMap((d) => (d.DomainName && hasPrefix(d.DomainName, w.ctx.config.prefix) ? [d.DomainName] : []));
  const audited: AuditedResource[] = [];
  for (let i = 0; i < names.length; i += 5) {
    const out = await client.send(new DescribeDomainsCommand({ DomainNames: names.slice(i, i + 5) }));
    for (const domain of out.DomainStatusList ?? []) {
      if (!domain.ARN || !domain.DomainName) continue;
      audited.push({ kind: DOMAIN_KIND, id: domain.DomainName, arn: domain.ARN, deleting: domain.Deleted === true, breaches: domainBreaches(domain, placement) });
    }
  }
  return audited;
}
