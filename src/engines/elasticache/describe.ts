import { DescribeReplicationGroupsCommand, ListTagsForResourceCommand, paginateDescribeReplicationGroups, type ReplicationGroup, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { GetResourcesCommand, paginateGetResources, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { hasPrefix } from '../../core/naming.ts';
import { fromTagList, readCloneTags, TAG, type CloneTags } from '../../core/tags.ts';
import type { Meter } from '../../cost/estimate.ts';
import { idInTarget, isError, type Where } from '../shared/aws.ts';
import type { Clone, ResourceRef } from '../types.ts';
import { ENGINE, GROUP_KIND, parseGroupArn } from './aws.ts';

/** What can be a replication group id (any case); anything else names none and is not sent to ElastiCache. */
const GROUP_IDENTIFIER = /^[A-Za-z][A-Za-z0-9-]{0,39}$/;

/** One replication group by id, or undefined when there is none. */
export async function describeGroup(w: Where, id: string): Promise<ReplicationGroup | undefined> {
  try {
    const out = await w.clients.of(ElastiCacheClient).send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }));
    return out.ReplicationGroups?.[0];
  } catch (error) {
    if (isError(error, 'ReplicationGroupNotFoundFault', 'ReplicationGroupNotFound')) return undefined;
    throw error;
  }
}

/**
 * The tags of a replication group, read right now (ElastiCache's describe calls carry none); undefined when
 * it is gone. ElastiCache refuses its tagging calls while a group is not available (creating, modifying):
 * then the Resource Groups Tagging API, which answers in any state, is asked for this one ARN.
 */
export async function readTags(w: Where, arn: string): Promise<Record<string, string> | undefined> {
  try {
    const out = await w.clients.of(ElastiCacheClient).send(new ListTagsForResourceCommand({ ResourceName: arn }));
    return fromTagList(out.TagList);
  } catch (error) {
    if (isError(error, 'ReplicationGroupNotFoundFault', 'ReplicationGroupNotFound')) return undefined;
    if (!isError(error, 'InvalidReplicationGroupState')) throw error;
  }
  const out = await w.clients.of(ResourceGroupsTaggingAPIClient).send(new GetResourcesCommand({ ResourceARNList: [arn] }));
  const found = out.ResourceTagMappingList?.find((r) => r.ResourceARN === arn);
  return found ? fromTagList(found.Tags) : undefined;
}

/** The endpoint clients connect to: the primary's, or the configuration endpoint in cluster mode. */
export function endpointOf(group: ReplicationGroup): Clone['endpoint'] {
  const e = group.ConfigurationEndpoint ?? group.NodeGroups?.[0]?.PrimaryEndpoint;
  return e?.Address && e.Port ? { host: e.Address, port: e.Port } : undefined;
}

/** What a cache clone is billed for: each node of its node type. */
export function metersOf(group: ReplicationGroup): Meter[] {
  const nodes = group.MemberClusters?.length ?? 0;
  if (!group.CacheNodeType || nodes === 0) return [];
  const engine = group.Engine ?? 'redis';
  return [{ label: `${nodes} × ${group.CacheNodeType} (${engine})`, key: `elasticache/${engine}/${group.CacheNodeType}`, unit: 'hour', quantity: nodes }];
}

function credentialsState(tags: Record<string, string>): Clone['credentials'] {
  const value = tags[TAG.password];
  return value === 'generated' || value === 'none' ? value : 'pending';
}

function details(group: ReplicationGroup, tags: CloneTags): Record<string, string> {
  const d: Record<string, string | undefined> = {
    cacheEngine: group.Engine,
    nodeType: group.CacheNodeType,
    nodes: group.MemberClusters?.join(','),
    shards: group.NodeGroups ? String(group.NodeGroups.length) : undefined,
    tls: group.TransitEncryptionEnabled === undefined ? undefined : group.TransitEncryptionEnabled ? 'on' : 'off',
    authToken: group.AuthTokenEnabled ? 'new (snapclone credentials)' : 'none',
    atRestEncryption: group.AtRestEncryptionEnabled === undefined ? undefined : String(group.AtRestEncryptionEnabled),
    snapshotRetentionLimit: group.SnapshotRetentionLimit === undefined ? undefined : String(group.SnapshotRetentionLimit),
    userGroups: group.UserGroupIds?.length ? group.UserGroupIds.join(',') : undefined,
    secret: group.AuthTokenEnabled ? tags.clone : undefined,
  };
  return Object.fromEntries(Object.entries(d).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
}

export function cloneFromGroup(group: ReplicationGroup, tags: CloneTags, raw: Record<string, string>): Clone {
  return {
    ...tags,
    engine: ENGINE,
    arn: group.ARN ?? '',
    id: group.ReplicationGroupId ?? tags.clone,
    status: group.Status ?? 'unknown',
    endpoint: endpointOf(group),
    tagged: true,
    credentials: credentialsState(raw),
    meters: metersOf(group),
    details: details(group, tags),
  };
}

/** The clone named `name`, given its replication group as just described (undefined: none). */
export async function cloneOf(w: Where, name: string, group: ReplicationGroup | undefined): Promise<Clone | undefined> {
  if (!group?.ARN) return undefined;
  const raw = (await readTags(w, group.ARN)) ?? {};
  const tags = readCloneTags(raw);
  if (!tags || (tags.clone !== name && tags.clone !== name.toLowerCase())) return undefined;
  return cloneFromGroup(group, tags, raw);
}

export async function describeClone(w: Where, name: string): Promise<Clone | undefined> {
  if (!GROUP_IDENTIFIER.test(name) || !hasPrefix(name.toLowerCase(), w.ctx.config.prefix)) return undefined;
  return cloneOf(w, name, await describeGroup(w, name.toLowerCase()));
}

/** Every cache clone in a target: tagged replication groups (Tagging API) joined with live groups. */
export async function listClones(w: Where): Promise<Clone[]> {
  const tagged = new Map<string, Record<string, string>>();
  const pages = paginateGetResources(
    { client: w.clients.of(ResourceGroupsTaggingAPIClient) },
    { TagFilters: [{ Key: TAG.managed, Values: ['true'] }], ResourceTypeFilters: ['elasticache:replicationgroup'] },
  );
  for await (const page of pages) {
    for (const r of page.ResourceTagMappingList ?? []) if (r.ResourceARN) tagged.set(r.ResourceARN, fromTagList(r.Tags));
  }
  if (tagged.size === 0) return [];
  const clones: Clone[] = [];
  for await (const page of paginateDescribeReplicationGroups({ client: w.clients.of(ElastiCacheClient), pageSize: 100 }, {})) {
    for (const group of page.ReplicationGroups ?? []) {
      const raw = group.ARN ? tagged.get(group.ARN) : undefined;
      const tags = raw ? readCloneTags(raw) : undefined;
      if (raw && tags) clones.push(cloneFromGroup(group, tags, raw));
    }
  }
  return clones.sort((a, b) => a.clone.localeCompare(b.clone));
}

/** Any replication group by id or ARN, managed or not, with its tags read right now (inside the prefix). */
export async function lookupGroup(w: Where, ref: string): Promise<ResourceRef | undefined> {
  const id = idInTarget(w, ref, parseGroupArn);
  if (id === undefined || !GROUP_IDENTIFIER.test(id)) return undefined;
  const group = await describeGroup(w, id.toLowerCase());
  if (!group?.ARN) return undefined;
  // Without the prefix the guard refuses on the name alone (the role may not read tags outside the prefix).
  const tags = hasPrefix(group.ReplicationGroupId, w.ctx.config.prefix) ? ((await readTags(w, group.ARN)) ?? {}) : {};
  return { kind: GROUP_KIND, id: group.ReplicationGroupId ?? id, arn: group.ARN, tags };
}
