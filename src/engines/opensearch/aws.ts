import type { SourceConfig, TargetConfig } from '../../config/schema.ts';
import { UsageError } from '../../core/errors.ts';
import type { IdentifierRules } from '../../core/naming.ts';
import { partitionOf } from '../../iam/declare.ts';
import { placementIn, type ParsedArn } from '../shared/aws.ts';
import type { SourceRef, TargetRef } from '../types.ts';

export const ENGINE = 'opensearch';
export const DOMAIN_KIND = 'OpenSearch domain';

/** Domain names: 3–28 lower-case letters, digits and hyphens, starting with a letter. */
export const DOMAIN_IDENTIFIER: IdentifierRules = { label: 'OpenSearch domain names', maxLength: 28 };

export function domainArn(region: string, account: string, name: string): string {
  return `arn:${partitionOf(region)}:es:${region}:${account}:domain/${name}`;
}

export const sourceArn = (source: SourceConfig): string => domainArn(source.region, source.account, source.id);

export function parseDomainArn(arn: string): ParsedArn | undefined {
  const m = /^arn:(aws[\w-]*):es:([a-z0-9-]+):(\d{12}):domain\/([a-z][a-z0-9-]{2,27})$/.exec(arn);
  return m ? { partition: m[1], region: m[2], account: m[3], id: m[4] } : undefined;
}

export type SearchPlacement = NonNullable<TargetConfig['opensearch']>;

export const placementOf = (target: TargetRef): SearchPlacement =>
  placementIn(target, 'opensearch', 'subnetIds, securityGroupIds, instanceType');

/** The snapshot repository a source's clones restore from (checked by the config schema). */
export function repositoryOf(source: SourceRef): NonNullable<SourceConfig['snapshotRepository']> {
  const repo = source.config.snapshotRepository;
  if (!repo) throw new UsageError(`Source ${source.name} names no snapshotRepository`, `Add sources.${source.name}.snapshotRepository (name, bucket, roleArn).`);
  return repo;
}

/** System and hidden indices (`.kibana_1`, `.opendistro-…`, `.plugins-…`) are never restored into a clone. */
export const isSystemIndex = (index: string) => index.startsWith('.');

export type Repository = NonNullable<SourceConfig['snapshotRepository']>;

/** The key prefix of the repository's blobs: its base path and a slash, or nothing at the bucket's root. */
export const repositoryPrefix = (repo: Repository) => (repo.basePath ? `${repo.basePath}/` : '');

/** The two key prefixes snapclone lists (and the policy allows listing, s3:prefix): the repository data and the snapshot infos. */
export const listedPrefixes = (repo: Repository) => [`${repositoryPrefix(repo)}index-`, `${repositoryPrefix(repo)}snap-`];

/** The blobs snapclone reads (s3:GetObject): the repository data generations. */
export const readKeys = (repo: Repository) => `${repositoryPrefix(repo)}index-*`;
