import type { Handler, OperationDef } from './service.ts';

/** Tags as the APIs answer them: a list of { Key, Value } (from a Map or a plain record). */
export const tagList = (tags: Map<string, string> | Record<string, string>) =>
  [...(tags instanceof Map ? tags : Object.entries(tags))].map(([Key, Value]) => ({ Key, Value }));

/** At most this many tags per resource (RDS, ElastiCache). */
export const MAX_TAGS = 50;

export type TagInput = { Key?: string; Value?: string }[] | undefined;

/** How a service words its tag refusals (its InvalidParameterValue and tag-quota errors). */
export interface TagErrors {
  invalidParameterValue(message: string): Error;
  tagQuota(): Error;
}

/**
 * Tags of a call as a map, checked as the query-protocol services (RDS, ElastiCache) check them: keys 1–128
 * characters and not `aws:`-prefixed, values at most 256, at most 50 per resource.
 */
export function checkedTags(tags: TagInput, errors: TagErrors): Map<string, string> {
  const out = new Map<string, string>();
  for (const tag of tags ?? []) {
    const key = tag.Key ?? '';
    const value = tag.Value ?? '';
    if (key.length < 1 || key.length > 128) throw errors.invalidParameterValue(`Invalid tag key: '${key}'.`);
    if (key.toLowerCase().startsWith('aws:')) {
      throw errors.invalidParameterValue(`Tag keys starting with 'aws:' are reserved for AWS use: ${key}`);
    }
    if (value.length > 256) throw errors.invalidParameterValue(`Invalid tag value for key '${key}'.`);
    out.set(key, value);
  }
  if (out.size > MAX_TAGS) throw errors.tagQuota();
  return out;
}

/**
 * The query-protocol tagging operations (RDS, ElastiCache): AddTagsToResource, RemoveTagsFromResource and
 * ListTagsForResource, each evaluated by IAM on the ARN it names; adding carries its tags as request tags.
 */
export function queryTagOperations(
  handlers: { add: Handler; remove: Handler; list: Handler },
  requestTags: (input: { Tags?: TagInput }) => Record<string, string>,
): Record<string, OperationDef> {
  const named = (input: { ResourceName?: string }) => [input.ResourceName ?? '*'];
  return {
    AddTagsToResource: { handler: handlers.add, resources: named, requestTags },
    RemoveTagsFromResource: { handler: handlers.remove, resources: named },
    ListTagsForResource: { handler: handlers.list, resources: named },
  };
}
