import {
  DescribeDomainConfigCommand,
  DescribeDomainsCommand,
  ListDomainNamesCommand,
  OpenSearchClient,
  type DomainStatus,
} from '@aws-sdk/client-opensearch';
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
    // A domain without VPC options has a public endpoint (AWS: "VPC versus public domains"). Judged once it is
    // created: whether AWS shows a new domain's VPC options while it is being created is not documented.
    domain.Created === true && !vpc?.VPCId && !(vpc?.SubnetIds ?? []).length && 'a public endpoint (no VPC)',
    subnets.length > 0 && `in subnets ${subnets.join(', ')}, not the target's`,
    groups.length > 0 && `in security groups ${groups.join(', ')}, not the target's`,
    differs('instance type', c?.InstanceType, placement.instanceType),
    (c?.InstanceCount ?? 0) > placement.instanceCount &&
      `${c!.InstanceCount} instances, more than the target's ${placement.instanceCount}`,
    c?.DedicatedMasterEnabled === true && 'dedicated master nodes, which snapclone never makes',
    c?.WarmEnabled === true && 'UltraWarm nodes, which snapclone never makes',
    volume !== undefined &&
      volume > placement.volumeGb &&
      `${volume} GB volumes, more than the target's ${placement.volumeGb}`,
  ]);
}

/**
 * When a domain was created, by AWS's record: DescribeDomain reports no creation time, DescribeDomainConfig
 * reports each option's OptionStatus.CreationDate ("the timestamp when the entity was created"). The earliest
 * is never before the domain's creation, so an age counted from it is never overstated; undefined when
 * there is none (the janitor then falls back on the clone's created-at tag, and says so).
 */
async function createdAtOf(client: OpenSearchClient, name: string): Promise<Date | undefined> {
  const out = await client.send(new DescribeDomainConfigCommand({ DomainName: name }));
  const dates = Object.values(out.DomainConfig ?? {}).flatMap((option) => {
    const created = (option as { Status?: { CreationDate?: Date } } | undefined)?.Status?.CreationDate;
    return created instanceof Date && !Number.isNaN(created.getTime()) ? [created.getTime()] : [];
  });
  return dates.length > 0 ? new Date(Math.min(...dates)) : undefined;
}

/** The OpenSearch engine's `<prefix>-*` domains against the target's placement, by DescribeDomains' and DescribeDomainConfig's answers. */
export async function auditDomains(w: Where): Promise<AuditedResource[]> {
  const placement = placementOf(w.target);
  const client = w.clients.of(OpenSearchClient);
  const listed = await client.send(new ListDomainNamesCommand({}));
  const names = (listed.DomainNames ?? []).flatMap((d) =>
    d.DomainName && hasPrefix(d.DomainName, w.ctx.config.prefix) ? [d.DomainName] : [],
  );
  const audited: AuditedResource[] = [];
  for (let i = 0; i < names.length; i += 5) {
    const out = await client.send(new DescribeDomainsCommand({ DomainNames: names.slice(i, i + 5) }));
    for (const domain of out.DomainStatusList ?? []) {
      if (!domain.ARN || !domain.DomainName) continue;
      const deleting = domain.Deleted === true;
      audited.push({
        kind: DOMAIN_KIND,
        id: domain.DomainName,
        arn: domain.ARN,
        deleting,
        createdAt: deleting ? undefined : await createdAtOf(client, domain.DomainName),
        breaches: domainBreaches(domain, placement),
      });
    }
  }
  return audited;
}
