import type { RequestContext } from '../../core/service.ts';
import { checkedTags, MAX_TAGS, tagList, type TagInput } from '../../core/tags.ts';
import { ecErrors } from './errors.ts';
import { clusterStatus, elasticacheState, findCluster, findGroup, findSnapshot, groupStatus, type ElastiCacheState } from './state.ts';

/** Tags of a call as a map, checked as ElastiCache does. */
export const tagsFromInput = (tags: TagInput): Map<string, string> => checkedTags(tags, ecErrors);

export const tagRecord = (tags: TagInput): Record<string, string> => Object.fromEntries(tagsFromInput(tags));

/** What a tagging call acts on: the tag map it answers with and every map it changes (a group's reach its nodes). */
interface Taggable {
  tags: Map<string, string>;
  targets: Map<string, string>[];
}

/** ElastiCache refuses tagging operations (listing included) on a replication group that is not available. */
function requireAvailable(state: ElastiCacheState, groupId: string, now: number): void {
  const group = state.replicationGroups.get(groupId);
  if (group && groupStatus(group, now) !== 'available') {
    throw ecErrors.groupState('Cluster not in available state to perform tagging operations.');
  }
}

/**
 * The resource an ARN names: replication groups, cache clusters and snapshots of the caller's account and
 * region. A malformed or foreign ARN is InvalidARN; an unknown resource its type's not-found error.
 */
function taggable(ctx: RequestContext, resourceName: string | undefined): Taggable {
  if (!resourceName) throw ecErrors.missingParameter('ResourceName');
  const parts = resourceName.split(':');
  if (parts.length !== 7 || parts[0] !== 'arn' || parts[1] !== 'aws' || parts[2] !== 'elasticache' || !parts[6]) {
    throw ecErrors.invalidArn(resourceName);
  }
  const [, , , region, accountId, type, id] = parts;
  if (region !== ctx.region || accountId !== ctx.accountId) throw ecErrors.invalidArn(resourceName);
  const state = elasticacheState(ctx.world, ctx.accountId, ctx.region);
  const now = ctx.world.clock.nowMs();
  if (type === 'replicationgroup') {
    const group = findGroup(state, now, id);
    if (!group) throw ecErrors.groupNotFound(id);
    requireAvailable(state, group.id, now);
    const members = [...state.clusters.values()].filter((c) => c.replicationGroupId === group.id);
    return { tags: group.tags, targets: [group.tags, ...members.map((c) => c.tags)] };
  }
  if (type === 'cluster') {
    const cluster = findCluster(state, now, id);
    if (!cluster) throw ecErrors.clusterNotFound(id);
    if (cluster.replicationGroupId) requireAvailable(state, cluster.replicationGroupId, now);
    else if (clusterStatus(state, cluster, now) !== 'available') {
      throw ecErrors.groupState('Cluster not in available state to perform tagging operations.');
    }
    return { tags: cluster.tags, targets: [cluster.tags] };
  }
  if (type === 'snapshot') {
    const snapshot = findSnapshot(state, now, id);
    if (!snapshot) throw ecErrors.snapshotNotFound(id);
    return { tags: snapshot.tags, targets: [snapshot.tags] };
  }
  throw ecErrors.invalidParameterValue(`The snapclone sandbox does not tag ElastiCache resources of type '${type}'.`);
}

/** AddTagsToResource: at most 50 tags per resource; on a replication group the tags reach its member clusters. */
export function addTagsToResource(input: { ResourceName?: string; Tags?: TagInput }, ctx: RequestContext) {
  const resource = taggable(ctx, input.ResourceName);
  if (!input.Tags || input.Tags.length === 0) throw ecErrors.missingParameter('Tags');
  const added = tagsFromInput(input.Tags);
  for (const target of resource.targets) {
    if (new Set([...target.keys(), ...added.keys()]).size > MAX_TAGS) throw ecErrors.tagQuota();
  }
  for (const target of resource.targets) for (const [key, value] of added) target.set(key, value);
  return { TagList: tagList(resource.tags) };
}

/** RemoveTagsFromResource: a key the resource does not carry is TagNotFound (404), and nothing is removed. */
export function removeTagsFromResource(input: { ResourceName?: string; TagKeys?: string[] }, ctx: RequestContext) {
  const resource = taggable(ctx, input.ResourceName);
  const keys = input.TagKeys ?? [];
  for (const key of keys) if (!resource.tags.has(key)) throw ecErrors.tagNotFound(key);
  for (const target of resource.targets) for (const key of keys) target.delete(key);
  return { TagList: tagList(resource.tags) };
}

export function listTagsForResource(input: { ResourceName?: string }, ctx: RequestContext) {
  return { TagList: tagList(taggable(ctx, input.ResourceName).tags) };
}
