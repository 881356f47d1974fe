import type { SourceConfig, TargetConfig } from '../../config/schema.ts';
import { partitionOf } from '../../iam/declare.ts';
import type { TargetRef } from '../types.ts';
import { placementIn } from '../shared/aws.ts';

export { deniedByIam, isError, where, type Where } from '../shared/aws.ts';

export function dbArn(region: string, account: string, id: string): string {
  return `arn:${partitionOf(region)}:rds:${region}:${account}:db:${id}`;
}

export const sourceArn = (source: SourceConfig): string => dbArn(source.region, source.account, source.id);

/** The DB instance identifier in an RDS DB instance ARN; undefined when it is not one. */
export function parseDbArn(arn: string): { partition: string; region: string; account: string; id: string } | undefined {
  const m = /^arn:(aws[\w-]*):rds:([a-z0-9-]+):(\d{12}):db:([A-Za-z0-9-]+)$/.exec(arn);
  return m ? { partition: m[1], region: m[2], account: m[3], id: m[4].toLowerCase() } : undefined;
}

export const placementOf = (target: TargetRef): NonNullable<TargetConfig['rds']> => placementIn(target, 'rds', 'subnetGroup, securityGroupIds, instanceClass');
