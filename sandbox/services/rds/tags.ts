import type { RequestContext } from '../../core/service.ts';
import { checkedTags, MAX_TAGS, tagList, type TagInput } from '../../core/tags.ts';
import { rdsErrors } from './errors.ts';
import { findCluster, findClusterSnapshot } from './cluster-state.ts';
import { findInstance, findSnapshot, rdsState } from './state.ts';

/** Tags of a call as a map, checked as RDS does. */
export const tagsFromInput = (tags: TagInput): Map<string, string> => checkedTags(tags, rdsErrors);

export const tagRecord = (tags: TagInput): Record<string, string> => Object.fromEntries(tagsFromInput(tags));

/** The tag map of the resource an ARN names (DB instances, clusters and their snapshots), or the RDS not-found error. */
function taggable(ctx: RequestContext, resourceName: string | undefined): Map<string, string> {
  if (!resourceName) throw rdsErrors.missingParameter('ResourceName');
  const parts = resourceName.split(':');
  if (parts.length < 7 || parts[0] !== 'arn' || parts[2] !== 'rds') {
    throw rdsErrors.invalidParameterValue(`The specified resource name does not match an RDS resource in this region.`);
  }
  const [, , , region, accountId, type] = parts;
  const id = parts.slice(6).join(':');
  const state = rdsState(ctx.world, ctx.accountId, ctx.region);
  const now = ctx.world.clock.nowMs();
  const here = region === ctx.region && accountId === ctx.accountId;
  if (type === 'db') {
    const instance = here ? findInstance(state, now, id) : undefined;
    if (!instance) throw rdsErrors.instanceNotFound(id);
    return instance.tags;
  }
  if (type === 'snapshot') {
    const snapshot = here ? findSnapshot(state, now, id) : undefined;
    if (!snapshot) throw rdsErrors.snapshotNotFound(id);
    return snapshot.tags;
  }
  if (type === 'cluster') {
    const cluster = here ? findCluster(state, now, id) : undefined;
    if (!cluster) throw rdsErrors.clusterNotFound(id);
    return cluster.tags;
  }
  if (type === 'cluster-snapshot') {
    const snapshot = here ? findClusterSnapshot(state, now, id) : undefined;
    if (!snapshot) throw rdsErrors.clusterSnapshotNotFound(id);
    return snapshot.tags;
  }
  throw rdsErrors.invalidParameterValue(`The snapclone sandbox does not tag RDS resources of type '${type}'.`);
}

export function addTagsToResource(input: { ResourceName?: string; Tags?: TagInput }, ctx: RequestContext) {
  const tags = taggable(ctx, input.ResourceName);
  const added = tagsFromInput(input.Tags);
  const keys = new Set([...tags.keys(), ...added.keys()]);
  if (keys.size > MAX_TAGS) throw rdsErrors.tagQuota();
  for (const [key, value] of added) tags.set(key, value);
  return {};
}

export function removeTagsFromResource(input: { ResourceName?: string; TagKeys?: string[] }, ctx: RequestContext) {
  const tags = taggable(ctx, input.ResourceName);
  for (const key of input.TagKeys ?? []) tags.delete(key);
  return {};
}

export function listTagsForResource(input: { ResourceName?: string }, ctx: RequestContext) {
  return { TagList: tagList(taggable(ctx, input.ResourceName)) };
}
