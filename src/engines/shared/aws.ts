import type { AwsClients } from '../../aws/session.ts';
import type { TargetConfig } from '../../config/schema.ts';
import { resolveTarget, type Context } from '../../core/context.ts';
import { explain } from '../../cli/errors.ts';
import { isTransient } from '../../aws/transient.ts';
import { SnapcloneError, UsageError } from '../../core/errors.ts';
import type { Progress } from '../../output/reporter.ts';
import { partitionOf } from '../../iam/declare.ts';
import type { TargetRef } from '../types.ts';
import { jittered, Polling, TYPICAL_MS } from './poll.ts';

/** Whether an SDK error is one of these (class names such as DBInstanceNotFoundFault, or wire codes). */
export function isError(error: unknown, ...names: string[]): boolean {
  const e = error as { name?: string; Code?: string };
  return names.some((n) => e?.name === n || e?.Code === n || e?.name === `${n}Fault` || e?.Code === `${n}Fault`);
}

/**
 * A create denied by IAM may have lost a race for its name: the tag-on-create grant (security M1) holds only for a
 * resource not yet marked, and AWS may check it against the one a concurrent run just made under that name. Whether
 * AWS answers "already exists" or "access denied" then, the name is read again: only a resource that exists now
 * makes it the other run's; otherwise the denial stands.
 */
export const deniedByIam = (error: unknown): boolean => isError(error, 'AccessDenied', 'AccessDeniedException');

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

/** Where a clone is: its target's Where. */
export const whereClone = (ctx: Context, clone: { target: string }): Where => where(ctx, resolveTarget(ctx.config, clone.target));

/** Waits about `delay` (jittered); returns the next: doubling up to 15 s. */
async function pause(ctx: Context, delay: number): Promise<number> {
  await ctx.sleep(Math.round(jittered(delay)));
  return Math.min(delay * 2, 15_000);
}

/** How long AWS may keep failing (throttling, 5xx, no connection) while a wait reads before it gives up. */
export const OUTAGE_BUDGET_MS = 15 * 60_000;

/** A wait gave up: AWS kept failing for longer than OUTAGE_BUDGET_MS. What is under way goes on in AWS. */
export class WaitGaveUp extends SnapcloneError {}

/**
 * A read made while waiting, which rides out transient trouble beyond the SDK's own attempts — throttling,
 * server errors, timeouts, resets, a short outage — backing off with jitter; it gives up (exit 1, re-running
 * carries on) only once AWS has kept failing for OUTAGE_BUDGET_MS. Any other error is thrown at once.
 */
export async function steadily<T>(ctx: Context, what: string, read: () => Promise<T>): Promise<T> {
  const since = ctx.now().getTime();
  let delay = 2_000;
  for (;;) {
    try {
      return await read();
    } catch (error) {
      if (!isTransient(error)) throw error;
      const problem = explain(error).message;
      const failingMs = ctx.now().getTime() - since;
      if (failingMs >= OUTAGE_BUDGET_MS) {
        throw new WaitGaveUp(`Stopped waiting for ${what}: AWS kept failing for ${Math.round(failingMs / 60_000)} minutes (last: ${problem}).`);
      }
      ctx.reporter.debug(`${what}: ${problem}; trying again`);
      delay = await pause(ctx, delay);
    }
  }
}

/** Polls until `status` says the clone's resource is gone (undefined), reporting its status meanwhile. */
export async function waitUntilGone(
  w: Where,
  clone: { clone: string },
  status: () => Promise<string | undefined | null>,
  onProgress: (p: Progress) => void,
): Promise<void> {
  const startedAt = w.ctx.now().getTime();
  const poll = new Polling(w.ctx, TYPICAL_MS.deletion);
  for (;;) {
    const now = await steadily(w.ctx, `${clone.clone} to be deleted`, status);
    if (now === undefined) return;
    // One case for every engine's status (OpenSearch says "Deleting", the others "deleting").
    onProgress({ phase: `${clone.clone}: ${(now ?? 'deleting').toLowerCase()}`, elapsedMs: w.ctx.now().getTime() - startedAt });
    await poll.wait();
  }
}

export interface ParsedArn {
  partition: string;
  region: string;
  account: string;
  id: string;
}

/**
 * The identifier a reference names in this target: a name as given, or the id of an ARN that `parse`
 * accepts and that is of this target's partition, account and region (anything else: undefined).
 */
export function idInTarget(w: Where, ref: string, parse: (arn: string) => ParsedArn | undefined): string | undefined {
  if (!ref.startsWith('arn:')) return ref;
  const parsed = parse(ref);
  if (!parsed || parsed.partition !== partitionOf(w.region) || parsed.account !== w.target.config.account || parsed.region !== w.region) {
    return undefined;
  }
  return parsed.id;
}

/** A target's placement for an engine (targets.<t>.<engine>), or a UsageError saying what to add. */
export function placementIn<K extends 'rds' | 'aurora' | 'elasticache' | 'opensearch'>(target: TargetRef, engine: K, keys: string): NonNullable<TargetConfig[K]> {
  const placement = target.config[engine];
  if (!placement) {
    throw new UsageError(`Target ${target.name} has no ${engine} placement`, `Add targets.${target.name}.${engine} (${keys}) to the config.`);
  }
  return placement as NonNullable<TargetConfig[K]>;
}
