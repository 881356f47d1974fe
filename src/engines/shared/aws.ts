import type { AwsClients } from '../../aws/session.ts';
import type { Context } from '../../core/context.ts';
import type { TargetRef } from '../types.ts';

/** Whether an SDK error is one of these (class names such as DBInstanceNotFoundFault, or wire codes). */
export function isError(error: unknown, ...names: string[]): boolean {
  const e = error as { name?: string; Code?: string };
  return names.some((n) => e?.name === n || e?.Code === n || e?.name === `${n}Fault` || e?.Code === `${n}Fault`);
}

/** Everything an engine operation in one target needs. */
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

/** Polling interval: 1 s, doubling up to 15 s. */
export function nextDelay(delay: number): number {
  return Math.min(delay * 2, 15_000);
}

export const FIRST_DELAY_MS = 1_000;
