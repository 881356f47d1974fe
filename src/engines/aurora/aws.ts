import type { SourceConfig, TargetConfig } from '../../config/schema.ts';
import type { IdentifierRules } from '../../core/naming.ts';
import { partitionOf } from '../../iam/declare.ts';
import type { TargetRef } from '../types.ts';
import { placementIn } from '../shared/aws.ts';

export const ENGINE = 'aurora';
export const CLUSTER_KIND = 'Aurora DB cluster';
export const INSTANCE_KIND = 'Aurora DB instance';

/** A clone is its cluster (named like the clone) plus one writer instance named `<clone>-1`, so names leave room for "-1". */
export const AURORA_CLUSTER_IDENTIFIER: IdentifierRules = { label: 'Aurora DB cluster identifiers (with room for the writer instance <name>-1)', maxLength: 61 };

/** The writer instance of a clone's cluster. */
export const writerId = (clusterId: string) => `${clusterId}-1`;

export function clusterArn(region: string, account: string, id: string): string {
  return `arn:${partitionOf(region)}:rds:${region}:${account}:cluster:${id}`;
}

export const sourceArn = (source: SourceConfig): string => clusterArn(source.region, source.account, source.id.toLowerCase());

/** The DB cluster identifier in an Aurora DB cluster ARN; undefined when it is not one. */
export function parseClusterArn(arn: string): { partition: string; region: string; account: string; id: string } | undefined {
  const m = /^arn:(aws[\w-]*):rds:([a-z0-9-]+):(\d{12}):cluster:([A-Za-z0-9-]+)$/.exec(arn);
  return m ? { partition: m[1], region: m[2], account: m[3], id: m[4].toLowerCase() } : undefined;
}

export type AuroraPlacement = NonNullable<TargetConfig['aurora']>;

export const placementOf = (target: TargetRef): AuroraPlacement => placementIn(target, 'aurora', 'subnetGroup, securityGroupIds, instanceClass');

export const isServerless = (placement: AuroraPlacement) => placement.instanceClass === 'db.serverless';
