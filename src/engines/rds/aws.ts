import type { AwsClients } from '../../aws/session.ts';
import type { SourceConfig, TargetConfig } from '../../config/schema.ts';
import type { Context } from '../../core/context.ts';
import { UsageError } from '../../core/errors.ts';
import { partitionOf } from '../../iam/declare.ts';
import type { TargetRef } from '../types.ts';


export function dbArn(region: string, account: string, id: string): string {
  return `arn:${partitionOf(region)}:rds:${region}:${account}:db:${id}`;
}

export const sourceArn = (source: SourceConfig): string => dbArn(source.region, source.account, source.id);

/** The DB instance identifier in an RDS DB instance ARN; undefined when it is not one. */
export function parseDbArn(arn: string): { partition: string; region: string; account: string; id: string } | undefined {
  const m = /^arn:(aws[\w-]*):rds:([a-z0-9-]+):(\d{12}):db:([A-Za-z0-9-]+)$/.exec(arn);
  return m ? { partition: m[1], region: m[2], account: m[3], id: m[4].toLowerCase() } : undefined;
}

/** Whether an SDK error is one of these (class names such as DBInstanceNotFoundFault, or wire codes). */
export function isError(error: unknown, ...names: string[]): boolean {
  const e = error as { name?: string; Code?: string };
  return names.some((n) => e?.name === n || e?.Code === n || e?.name === `${n}Fault` || e?.Code === `${n}Fault`);
}

/** Everything an RDS operation in one target needs. */
export interface Where {
  ctx: Context;
  target: TargetRef;
  clients: AwsClients;
  region: string;
}

export function where(ctx: Context, target: TargetRef): Where {
  const clients = ctx.clients(target.name);
  return { ctx, target, clients, region: clients.region };
}

export function placementOf(target: TargetRef): NonNullable<TargetConfig['rds']> {
  const rds = target.config.rds;
  if (!rds) {
    throw new UsageError(
      `Target ${target.name} has no rds placement`,
      `Add targets.${target.name}.rds (subnetGroup, securityGroupIds, instanceClass) to the config.`,
    );
  }
  return rds;
}

/** Polling interval: 1 s, doubling up to 15 s. */
export function nextDelay(delay: number): number {
  return Math.min(delay * 2, 15_000);
}

export const FIRST_DELAY_MS = 1_000;
