import type { RequestContext } from '../../core/service.ts';
import { checkedTags, tagList, type TagInput } from '../../core/tags.ts';
import { osErrors } from './errors.ts';
import { findDomain, opensearchState, type DomainRecord } from './state.ts';

export type { TagInput };

/** OpenSearch Service allows at most 10 tags per domain. */
export const MAX_DOMAIN_TAGS = 10;

const tagErrors = {
  invalidParameterValue: (message: string) => osErrors.validation(message),
  tagQuota: () => osErrors.limitExceeded(`A domain can have at most ${MAX_DOMAIN_TAGS} tags.`),
};

/** Tags of a call as a map, checked as OpenSearch Service does (keys 1–128 and not aws:, values ≤ 256, ≤ 10). */
export function tagsFromInput(tags: TagInput): Map<string, string> {
  const out = checkedTags(tags, tagErrors);
  if (out.size > MAX_DOMAIN_TAGS) throw tagErrors.tagQuota();
  return out;
}

export const tagRecord = (tags: TagInput): Record<string, string> => Object.fromEntries(tagsFromInput(tags));

/** The domain an ARN of the caller's account and region names: arn:aws:es:REGION:ACCOUNT:domain/NAME. */
function domainOfArn(ctx: RequestContext, arn: string | undefined): DomainRecord {
  if (!arn) throw osErrors.validation('ARN is required.');
  const m = /^arn:aws:es:([^:]+):(\d{12}):domain\/([a-z][a-z0-9-]{2,27})$/.exec(arn);
  if (!m) throw osErrors.validation(`Invalid ARN: ${arn}`);
  const [, region, accountId, name] = m;
  if (region !== ctx.region || accountId !== ctx.accountId) throw osErrors.domainNotFound(name);
  const domain = findDomain(ctx.world, opensearchState(ctx.world, ctx.accountId, ctx.region), name);
  if (!domain) throw osErrors.domainNotFound(name);
  return domain;
}

export function addTags(input: { ARN?: string; TagList?: TagInput }, ctx: RequestContext) {
  const domain = domainOfArn(ctx, input.ARN);
  const added = tagsFromInput(input.TagList);
  if (new Set([...domain.tags.keys(), ...added.keys()]).size > MAX_DOMAIN_TAGS) throw tagErrors.tagQuota();
  for (const [key, value] of added) domain.tags.set(key, value);
  return {};
}

/** RemoveTags: keys the domain does not carry are ignored. */
export function removeTags(input: { ARN?: string; TagKeys?: string[] }, ctx: RequestContext) {
  const domain = domainOfArn(ctx, input.ARN);
  if (!input.TagKeys) throw osErrors.validation('TagKeys is required.');
  for (const key of input.TagKeys) domain.tags.delete(key);
  return {};
}

export function listTags(input: { ARN?: string }, ctx: RequestContext) {
  return { TagList: tagList(domainOfArn(ctx, input.ARN).tags) };
}
