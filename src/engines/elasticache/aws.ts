import type { SourceConfig, TargetConfig } from '../../config/schema.ts';
import type { IdentifierRules } from '../../core/naming.ts';
import { partitionOf } from '../../iam/declare.ts';
import type { ParsedArn } from '../shared/aws.ts';
import type { TargetRef } from '../types.ts';
import { placementIn } from '../shared/aws.ts';

export const ENGINE = 'elasticache';
export const GROUP_KIND = 'ElastiCache replication group';

/** Replication group ids: 1–40 letters, digits and hyphens (its member clusters add -001, -002). */
export const REPLICATION_GROUP_IDENTIFIER: IdentifierRules = { label: 'ElastiCache replication group ids', maxLength: 40 };

export function groupArn(region: string, account: string, id: string): string {
  return `arn:${partitionOf(region)}:elasticache:${region}:${account}:replicationgroup:${id}`;
}

export const sourceArn = (source: SourceConfig): string => groupArn(source.region, source.account, source.id.toLowerCase());

export function parseGroupArn(arn: string): ParsedArn | undefined {
  const m = /^arn:(aws[\w-]*):elasticache:([a-z0-9-]+):(\d{12}):replicationgroup:([A-Za-z0-9-]+)$/.exec(arn);
  return m ? { partition: m[1], region: m[2], account: m[3], id: m[4].toLowerCase() } : undefined;
}

export type CachePlacement = NonNullable<TargetConfig['elasticache']>;

export const placementOf = (target: TargetRef): CachePlacement => placementIn(target, 'elasticache', 'subnetGroup, securityGroupIds, nodeType');
