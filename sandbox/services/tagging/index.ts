import * as schemas from '@aws-sdk/client-resource-groups-tagging-api';
import { AwsError } from '../../core/errors.ts';
import type { RequestContext, ServiceDef } from '../../core/service.ts';
import { tagList } from '../../core/tags.ts';
import type { TaggedResource } from '../../core/world.ts';

const invalidParameter = (message: string) => new AwsError('InvalidParameterException', message);

/** `service:resourceType` of an ARN, as ResourceTypeFilters name it (rds:db, secretsmanager:secret, es:domain). */
export function resourceTypeOf(arn: string): string {
  const [, , service, , , ...rest] = arn.split(':');
  const resource = rest.join(':');
  const type = resource.split(/[:/]/)[0];
  return `${service}:${type}`;
}

function offsetOf(token: string | undefined): number {
  if (!token) return 0;
  const decoded = Number(Buffer.from(token, 'base64url').toString('utf8').replace(/^offset:/, ''));
  if (!Number.isInteger(decoded) || decoded < 0) throw invalidParameter('The PaginationToken is not valid.');
  return decoded;
}

/** Pages are opaque offsets; the last page answers '' (the SDK paginator stops on an empty token). */
function page<T>(items: T[], token: string | undefined, size: number | ((start: number) => number)) {
  const start = offsetOf(token);
  const end = start + (typeof size === 'number' ? size : size(start));
  return { items: items.slice(start, end), next: end < items.length ? Buffer.from(`offset:${end}`).toString('base64url') : '' };
}

type TagFilter = { Key?: string; Values?: string[] };

interface GetResourcesInput {
  PaginationToken?: string;
  TagFilters?: TagFilter[];
  ResourcesPerPage?: number;
  TagsPerPage?: number;
  ResourceTypeFilters?: string[];
  IncludeComplianceDetails?: boolean;
  ExcludeCompliantResources?: boolean;
  ResourceARNList?: string[];
}

function checkFilters(input: GetResourcesInput): void {
  const filters = input.TagFilters ?? [];
  if (filters.length > 50) throw invalidParameter('TagFilters can contain at most 50 keys.');
  for (const filter of filters) {
    if (!filter.Key || filter.Key.length > 128) throw invalidParameter('A TagFilter must have a Key of 1 to 128 characters.');
    if ((filter.Values ?? []).length > 20) throw invalidParameter(`TagFilter ${filter.Key} can have at most 20 values.`);
  }
  if ((input.ResourceTypeFilters ?? []).length > 100) throw invalidParameter('ResourceTypeFilters can contain at most 100 items.');
  if (input.ResourceARNList && (input.TagFilters || input.ResourceTypeFilters)) {
    throw invalidParameter("You can't specify ResourceARNList together with TagFilters or ResourceTypeFilters.");
  }
  if (input.ResourcesPerPage !== undefined && input.TagsPerPage !== undefined) {
    throw invalidParameter("You can't specify both ResourcesPerPage and TagsPerPage.");
  }
  if (input.ResourcesPerPage !== undefined && (input.ResourcesPerPage < 1 || input.ResourcesPerPage > 100)) {
    throw invalidParameter('ResourcesPerPage must be between 1 and 100.');
  }
  if (input.TagsPerPage !== undefined && (input.TagsPerPage < 100 || input.TagsPerPage > 500)) {
    throw invalidParameter('TagsPerPage must be between 100 and 500.');
  }
}

function matches(resource: TaggedResource, input: GetResourcesInput): boolean {
  if (input.ResourceARNList) return input.ResourceARNList.includes(resource.arn);
  const type = resourceTypeOf(resource.arn);
  const service = type.split(':')[0];
  const types = input.ResourceTypeFilters ?? [];
  if (types.length > 0 && !types.some((t) => t === service || t === type)) return false;
  return (input.TagFilters ?? []).every((filter) => {
    const key = filter.Key as string;
    if (!(key in resource.tags)) return false;
    const values = filter.Values ?? [];
    return values.length === 0 || values.includes(resource.tags[key]);
  });
}

/** Resources of the caller's account and region that carry tags (untagged resources are not listed). */
const tagged = (ctx: RequestContext) =>
  ctx.world.taggedResources(ctx.accountId, ctx.region).filter((r) => Object.keys(r.tags).length > 0);

export function getResources(input: GetResourcesInput, ctx: RequestContext) {
  checkFilters(input);
  const found = tagged(ctx)
    .filter((r) => matches(r, input))
    .sort((a, b) => a.arn.localeCompare(b.arn));
  // ResourcesPerPage defaults to 50; TagsPerPage counts tags (an untagged resource as one) and never splits a resource.
  const bySize = (start: number) => {
    let count = 0;
    let tags = 0;
    for (const r of found.slice(start)) {
      tags += Math.max(1, Object.keys(r.tags).length);
      if (count > 0 && tags > (input.TagsPerPage as number)) break;
      count++;
    }
    return Math.max(1, count);
  };
  const { items, next } = page(found, input.PaginationToken, input.TagsPerPage !== undefined ? bySize : (input.ResourcesPerPage ?? 50));
  return {
    PaginationToken: next,
    ResourceTagMappingList: items.map((r) => ({
      ResourceARN: r.arn,
      Tags: tagList(r.tags),
    })),
  };
}

export function getTagKeys(input: { PaginationToken?: string }, ctx: RequestContext) {
  const keys = [...new Set(tagged(ctx).flatMap((r) => Object.keys(r.tags)))].sort();
  const { items, next } = page(keys, input.PaginationToken, 500);
  return { PaginationToken: next, TagKeys: items };
}

export function getTagValues(input: { PaginationToken?: string; Key: string }, ctx: RequestContext) {
  if (!input.Key) throw invalidParameter('Key is required.');
  const values = [...new Set(tagged(ctx).flatMap((r) => (input.Key in r.tags ? [r.tags[input.Key]] : [])))].sort();
  const { items, next } = page(values, input.PaginationToken, 500);
  return { PaginationToken: next, TagValues: items };
}

export const tagging: ServiceDef = {
  signingName: 'tagging',
  iamPrefix: 'tag',
  protocol: 'awsJson1_1',
  schemas,
  targetPrefix: 'ResourceGroupsTaggingAPI_20170126',
  operations: {
    GetResources: { handler: getResources },
    GetTagKeys: { handler: getTagKeys },
    GetTagValues: { handler: getTagValues },
  },
};
