import { DescribeDomainCommand, DescribeDomainsCommand, ListTagsCommand, type DomainStatus, OpenSearchClient } from '@aws-sdk/client-opensearch';
import { paginateGetResources, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { hasPrefix } from '../../core/naming.ts';
import { fromTagList, readCloneTags, TAG, unpackTags, type CloneTags } from '../../core/tags.ts';
import type { Meter } from '../../cost/estimate.ts';
import { idInTarget, isError, type Where } from '../shared/aws.ts';
import type { Clone, ResourceRef } from '../types.ts';
import { DOMAIN_KIND, ENGINE, parseDomainArn } from './aws.ts';

const DOMAIN_NAME = /^[a-z][a-z0-9-]{2,27}$/;

/** One domain by name, or undefined when there is none. */
export async function describeDomain(w: Where, name: string): Promise<DomainStatus | undefined> {
  try {
    const out = await w.clients.of(OpenSearchClient).send(new DescribeDomainCommand({ DomainName: name }));
    return out.DomainStatus;
  } catch (error) {
    if (isError(error, 'ResourceNotFoundException')) return undefined;
    throw error;
  }
}

/** The tags of a domain, read right now and unpacked (OpenSearch allows 10 per domain: see packTags); undefined when it is gone. */
export async function readTags(w: Where, arn: string): Promise<Record<string, string> | undefined> {
  try {
    const out = await w.clients.of(OpenSearchClient).send(new ListTagsCommand({ ARN: arn }));
    return unpackTags(fromTagList(out.TagList));
  } catch (error) {
    if (isError(error, 'ResourceNotFoundException')) return undefined;
    throw error;
  }
}

/** The endpoint the domain answers at (VPC or public), once it has one. */
export const endpointOf = (domain: DomainStatus): string | undefined => domain.Endpoints?.vpc ?? domain.Endpoint;

/** Whether the domain is active and not processing a change: its REST API can be used. */
export const isReady = (domain: DomainStatus) =>
  domain.Created === true && domain.Deleted !== true && domain.Processing !== true && (domain.DomainProcessingStatus ?? 'Active') === 'Active' && endpointOf(domain) !== undefined;

/** One status for the clone: the domain's while it is not ready, then 'restoring' until the indices are in. */
export function cloneStatus(domain: DomainStatus, tags: Record<string, string>): string {
  if (domain.Deleted) return 'deleting';
  if (!isReady(domain)) return (domain.DomainProcessingStatus ?? 'Creating').toLowerCase();
  return tags[TAG.restored] ? 'available' : 'restoring';
}

export function metersOf(domain: DomainStatus): Meter[] {
  const type = domain.ClusterConfig?.InstanceType;
  const count = domain.ClusterConfig?.InstanceCount ?? 1;
  const meters: Meter[] = [];
  if (type) meters.push({ label: `${count} × ${type}`, key: `opensearch/${type}`, unit: 'hour', quantity: count });
  const gb = domain.EBSOptions?.VolumeSize;
  if (domain.EBSOptions?.EBSEnabled && gb) {
    const volume = (domain.EBSOptions.VolumeType ?? 'gp3').toLowerCase();
    meters.push({ label: `${count} × ${gb} GB ${volume}`, key: `opensearch/storage/${volume}`, unit: 'gb-month', quantity: gb * count });
  }
  return meters;
}

function credentialsState(tags: Record<string, string>): Clone['credentials'] {
  const value = tags[TAG.password];
  return value === 'generated' || value === 'none' ? value : 'pending';
}

export function cloneFromDomain(domain: DomainStatus, tags: CloneTags, raw: Record<string, string>): Clone {
  const endpoint = endpointOf(domain);
  const [host, port] = endpoint ? endpoint.split(':') : [];
  const d: Record<string, string | undefined> = {
    engineVersion: domain.EngineVersion,
    instances: domain.ClusterConfig ? `${domain.ClusterConfig.InstanceCount ?? 1} × ${domain.ClusterConfig.InstanceType}` : undefined,
    processing: domain.DomainProcessingStatus,
    restored: raw[TAG.restored],
    fineGrainedAccessControl: domain.AdvancedSecurityOptions?.Enabled
      ? raw[TAG.password] === 'generated'
        ? 'on (a new master user: snapclone credentials)'
        : 'on (master user: the role snapclone runs as; SigV4, see snapclone credentials)'
      : 'off',
    vpc: domain.VPCOptions?.VPCId,
    securityGroups: domain.VPCOptions?.SecurityGroupIds?.join(','),
    secret: raw[TAG.password] === 'generated' ? tags.clone : undefined,
  };
  return {
    ...tags,
    engine: ENGINE,
    arn: domain.ARN ?? '',
    id: domain.DomainName ?? tags.clone,
    status: cloneStatus(domain, raw),
    endpoint: host ? { host, port: port ? Number(port) : 443 } : undefined,
    tagged: true,
    credentials: credentialsState(raw),
    meters: metersOf(domain),
    details: Object.fromEntries(Object.entries(d).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')),
  };
}

export async function cloneOf(w: Where, name: string, domain: DomainStatus | undefined): Promise<Clone | undefined> {
  if (!domain?.ARN) return undefined;
  const raw = (await readTags(w, domain.ARN)) ?? {};
  const tags = readCloneTags(raw);
  if (!tags || tags.clone !== name) return undefined;
  return cloneFromDomain(domain, tags, raw);
}

export async function describeClone(w: Where, name: string): Promise<Clone | undefined> {
  if (!DOMAIN_NAME.test(name) || !hasPrefix(name, w.ctx.config.prefix)) return undefined;
  return cloneOf(w, name, await describeDomain(w, name));
}

/** Every OpenSearch clone in a target: tagged domains (Tagging API), described five at a time (DescribeDomains' limit). */
export async function listClones(w: Where): Promise<Clone[]> {
  const tagged = new Map<string, Record<string, string>>();
  const pages = paginateGetResources(
    { client: w.clients.of(ResourceGroupsTaggingAPIClient) },
    { TagFilters: [{ Key: TAG.managed, Values: ['true'] }], ResourceTypeFilters: ['es:domain'] },
  );
  for await (const page of pages) {
    for (const r of page.ResourceTagMappingList ?? []) if (r.ResourceARN) tagged.set(r.ResourceARN, unpackTags(fromTagList(r.Tags)));
  }
  const names = [...tagged.keys()].flatMap((arn) => parseDomainArn(arn)?.id ?? []);
  const clones: Clone[] = [];
  for (let i = 0; i < names.length; i += 5) {
    const out = await w.clients.of(OpenSearchClient).send(new DescribeDomainsCommand({ DomainNames: names.slice(i, i + 5) }));
    for (const domain of out.DomainStatusList ?? []) {
      const raw = domain.ARN ? tagged.get(domain.ARN) : undefined;
      const tags = raw ? readCloneTags(raw) : undefined;
      if (raw && tags) clones.push(cloneFromDomain(domain, tags, raw));
    }
  }
  return clones.sort((a, b) => a.clone.localeCompare(b.clone));
}

export async function lookupDomain(w: Where, ref: string): Promise<ResourceRef | undefined> {
  const name = idInTarget(w, ref, parseDomainArn);
  if (name === undefined || !DOMAIN_NAME.test(name)) return undefined;
  const domain = await describeDomain(w, name);
  if (!domain?.ARN) return undefined;
  const tags = hasPrefix(name, w.ctx.config.prefix) ? ((await readTags(w, domain.ARN)) ?? {}) : {};
  return { kind: DOMAIN_KIND, id: name, arn: domain.ARN, tags };
}
