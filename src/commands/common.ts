import { resolveTarget as resolveConfigTarget, type Context } from '../core/context.ts';
import { checkZone, formatTime } from '../core/dates.ts';
import { explain } from '../cli/errors.ts';
import { ExitCode, Interrupted, RefusedError, SnapcloneError, UsageError } from '../core/errors.ts';
import { rerunCommand } from '../core/rerun.ts';
import { cloneTags, forcedTags } from '../core/tags.ts';
import { estimateCost, type CostEstimate } from '../cost/estimate.ts';
import { engineFor, enginesIn } from '../engines/index.ts';
import type { Clone, Engine, SourceRef, TargetRef } from '../engines/types.ts';
import { formatDuration } from '../output/reporter.ts';

/** A source of the config by name; a UsageError lists the known ones. */
export function resolveSource(ctx: Context, name: string): SourceRef {
  // Only the config's own keys: '__proto__' or 'constructor' name no source.
  const config = Object.hasOwn(ctx.config.sources, name) ? ctx.config.sources[name] : undefined;
  if (!config) {
    const known = Object.keys(ctx.config.sources);
    throw new UsageError(
      `Unknown source '${name}'`,
      known.length > 0 ? `Known sources: ${known.join(', ')}` : 'The config defines no sources (key: sources).',
    );
  }
  return { name, config };
}

/** A target of the config by name; a UsageError lists the known ones. */
export function resolveTarget(ctx: Context, name: string): TargetRef {
  return resolveConfigTarget(ctx.config, name);
}

/** --target, else the source's target, else defaultTarget, else the only target. */
export function chooseTarget(ctx: Context, explicit: string | undefined, source?: SourceRef): TargetRef {
  const names = Object.keys(ctx.config.targets);
  // An explicit --target, even an empty one, is what the user chose: it must name a target.
  if (explicit !== undefined) return resolveTarget(ctx, explicit);
  const name = source?.config.target ?? ctx.config.defaultTarget ?? (names.length === 1 ? names[0] : undefined);
  if (!name) {
    throw new UsageError(
      'Several targets are configured and none is chosen',
      `Pass --target (one of ${names.join(', ')}) or set defaultTarget in the config.`,
    );
  }
  return resolveTarget(ctx, name);
}

/** Where to look for clones: --target, else every target (the default first). */
export function targetsToSearch(ctx: Context, explicit: string | undefined): TargetRef[] {
  if (explicit !== undefined) return [resolveTarget(ctx, explicit)];
  const names = Object.keys(ctx.config.targets);
  const first = ctx.config.defaultTarget;
  return [...(first ? [first] : []), ...names.filter((n) => n !== first)].map((n) => resolveTarget(ctx, n));
}

/** The time zone of the config, checked. */
export function zoneOf(ctx: Context): string {
  checkZone(ctx.config.timezone);
  return ctx.config.timezone;
}

export function engineOf(source: SourceRef): Engine {
  return engineFor(source.config.engine);
}

export interface Found {
  clone: Clone;
  engine: Engine;
  target: TargetRef;
}

/** The clone named `name` in the targets searched; undefined when there is none. */
export async function lookupClone(ctx: Context, name: string, explicitTarget?: string): Promise<Found | undefined> {
  for (const target of targetsToSearch(ctx, explicitTarget)) {
    for (const engine of enginesIn(target)) {
      const clone = await engine.describe(name, target, ctx);
      if (clone) return { clone, engine, target };
    }
  }
  return undefined;
}

/** The clones of a set (snapclone:set tag) in the targets searched; empty when there is no such set. */
export async function setMembers(ctx: Context, set: string, explicitTarget?: string): Promise<Found[]> {
  const found: Found[] = [];
  for (const target of targetsToSearch(ctx, explicitTarget)) {
    for (const engine of enginesIn(target)) {
      for (const clone of await engine.list(target, ctx)) if (clone.set === set) found.push({ clone, engine, target });
    }
  }
  return found.sort((a, b) => a.clone.clone.localeCompare(b.clone.clone));
}

/** An unknown clone: bad input, exit 2 (nothing was changed). */
export function unknownClone(ctx: Context, name: string, explicitTarget?: string): UsageError {
  const where = explicitTarget ? `target ${explicitTarget}` : `any target (${Object.keys(ctx.config.targets).join(', ')})`;
  return new UsageError(`No clone or set named '${name}' in ${where}`, 'snapclone list shows the clones and sets there are.');
}

/**
 * A clone belongs to its owner: acting on another person's, or on one whose owner is unknown (an untagged
 * restore of snapclone's AWS Backup role), is refused (exit 3) unless `force`, and a forced action is
 * recorded on the clone (snapclone:forced-by / -at) before it happens. Returns the clone as it is then.
 */
export async function claimFor(ctx: Context, found: Found, action: string, force: boolean | undefined): Promise<Clone> {
  const { clone, engine } = found;
  if (clone.tagged && clone.owner === ctx.person) return clone;
  const whose = clone.tagged
    ? `it belongs to ${clone.owner}`
    : `its owner is unknown (AWS Backup restore job ${clone.restoreJob} made it and nobody tagged it)`;
  if (!force) {
    throw new RefusedError(
      `Refused to ${action} ${clone.clone}: ${whose}. Nothing was changed.`,
      `Pass --force to ${action} it anyway; who forced it, and when, is recorded on the clone.`,
    );
  }
  const now = ctx.now();
  const forced = forcedTags(ctx.person, now);
  // An untagged restore is taken over with its full clone tags, already expired (nobody asked for it to live),
  // owned by whoever takes it over: the role lets a session tag a clone only with itself as owner (security M2).
  await engine.tag(clone, clone.tagged ? forced : { ...cloneTags({ ...clone, owner: ctx.person, expiresAt: now }), ...forced }, ctx);
  ctx.reporter.warn(`${clone.clone}: --force: ${whose}; ${ctx.person} is recorded on it.`);
  const fresh = await engine.describe(clone.clone, found.target, ctx);
  if (!fresh) throw new SnapcloneError(`${clone.clone} disappeared meanwhile.`);
  return fresh;
}

/** The clone named `name`, or a UsageError (exit 2). */
export async function findClone(ctx: Context, name: string, explicitTarget?: string): Promise<Found> {
  const found = await lookupClone(ctx, name, explicitTarget);
  if (!found) throw unknownClone(ctx, name, explicitTarget);
  return found;
}

const iso = (d: Date | undefined): string | null => (d && d.getTime() > 0 ? d.toISOString() : null);

/** The JSON of one clone, as documented in docs/json-output.md ("Clone object"). */
export interface CloneJson {
  name: string;
  engine: string;
  target: string;
  id: string;
  arn: string;
  status: string;
  tagged: boolean;
  credentials: Clone['credentials'];
  owner: string;
  source: string;
  sourceArn: string;
  restorePoint: string;
  restoreTime: string | null;
  restoreJob: string | null;
  set: string | null;
  createdAt: string | null;
  expiresAt: string | null;
  expired: boolean;
  /** Seconds until the expiry (negative once expired); null when unknown. */
  expiresInSeconds: number | null;
  /** Expires within the hour. */
  expiringSoon: boolean;
  endpoint: { host: string; port: number } | null;
  /** Estimated cost since creation and per day, from the bundled price table. */
  cost: CostEstimate;
  /** The clone's masking as recorded on it (docs/masking.md): 'required', 'verified …', 'failed …'; null: none. */
  masking: string | null;
  details: Record<string, string>;
}

/** The estimated cost of a clone (the region is its ARN's). */
export const cloneCost = (clone: Clone, now: Date): CostEstimate =>
  estimateCost(clone.meters ?? [], clone.arn.split(':')[3] ?? '', clone.createdAt, now);

export function isExpired(clone: Clone, now: Date): boolean {
  return clone.tagged && clone.expiresAt.getTime() > 0 && clone.expiresAt.getTime() <= now.getTime();
}

export function cloneJson(clone: Clone, now: Date): CloneJson {
  return {
    name: clone.clone,
    engine: clone.engine,
    target: clone.target,
    id: clone.id,
    arn: clone.arn,
    status: clone.status,
    tagged: clone.tagged,
    credentials: clone.credentials,
    owner: clone.owner,
    source: clone.source,
    sourceArn: clone.sourceArn,
    restorePoint: clone.restorePoint,
    restoreTime: iso(clone.restoreTime),
    restoreJob: clone.restoreJob ?? null,
    set: clone.set ?? null,
    createdAt: iso(clone.createdAt),
    expiresAt: iso(clone.expiresAt),
    expired: isExpired(clone, now),
    expiresInSeconds: clone.tagged && clone.expiresAt.getTime() > 0 ? Math.round((clone.expiresAt.getTime() - now.getTime()) / 1000) : null,
    expiringSoon:
      clone.tagged && clone.expiresAt.getTime() > now.getTime() && clone.expiresAt.getTime() - now.getTime() <= EXPIRING_SOON_MS,
    endpoint: clone.endpoint ? { host: clone.endpoint.host, port: clone.endpoint.port } : null,
    cost: cloneCost(clone, now),
    masking: clone.masking ? clone.masking.replace(/_/g, ' ') : null,
    details: { ...clone.details },
  };
}

/** A time for people: in the configured zone, '-' when unknown. */
export function when(date: Date | undefined, zone: string): string {
  return date && date.getTime() > 0 ? formatTime(date, zone) : '-';
}

/** How close a clone is to its expiry: the janitor deletes expired clones; 'soon' is within the hour. */
export const EXPIRING_SOON_MS = 3_600_000;

/** "… (in 7h12m)" / "… (in 45m00s, expiring soon)" / "… (EXPIRED 2h00m ago)" / "-". */
export function expiryText(clone: Clone, now: Date, zone: string): string {
  if (!clone.tagged || clone.expiresAt.getTime() <= 0) return '-';
  const left = clone.expiresAt.getTime() - now.getTime();
  const rel =
    left <= 0
      ? `EXPIRED ${formatDuration(-left)} ago`
      : left <= EXPIRING_SOON_MS
        ? `in ${formatDuration(left)}, expiring soon`
        : `in ${formatDuration(left)}`;
  return `${formatTime(clone.expiresAt, zone)} (${rel})`;
}

export function ageText(clone: Clone, now: Date): string {
  return clone.createdAt.getTime() > 0 ? formatDuration(now.getTime() - clone.createdAt.getTime()) : '-';
}

/**
 * Runs tasks in parallel; when some fail, reports the others' outcome and throws one error for all. With
 * `writes: false` (tasks that only read, e.g. planning) the others changed nothing: they are not reported,
 * and the failures' common kind is the exit code.
 */
export async function allOrReport<T>(
  ctx: Context,
  labels: string[],
  tasks: Promise<T>[],
  options: { writes: boolean } = { writes: true },
): Promise<T[]> {
  const settled = await Promise.allSettled(tasks);
  const failed = settled
    .map((s, i) => ({ s, label: labels[i] }))
    .filter((x): x is { s: PromiseRejectedResult; label: string } => x.s.status === 'rejected');
  if (failed.length === 0) return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
  const messageOf = (reason: unknown) => (reason instanceof Error ? reason.message : String(reason));
  // One failure, or the same failure everywhere (e.g. bad credentials): that error as it is.
  if (settled.length === 1 || (failed.length === settled.length && failed.every((f) => messageOf(f.s.reason) === messageOf(failed[0].s.reason)))) {
    throw failed[0].s.reason;
  }
  const ok = options.writes ? labels.filter((_, i) => settled[i].status === 'fulfilled') : [];
  if (ok.length > 0) ctx.reporter.info(`Succeeded: ${ok.join(', ')}`);
  const codes = failed.map((f) => (f.s.reason instanceof SnapcloneError ? f.s.reason.exitCode : ExitCode.failed));
  const allSame = codes.every((c) => c === codes[0]);
  const message = failed
    .map((f) => `${f.label}: ${messageOf(f.s.reason)}`)
    .join('\n  ');
  // Only when every failure is of the same kind (e.g. all refused) and nothing succeeded is that kind the exit code.
  throw new SnapcloneError(
    `${failed.length} of ${settled.length} failed:\n  ${message}`,
    allSame && ok.length === 0 ? codes[0] : ExitCode.failed,
  );
}

/**
 * An error of a run that running `command` again carries on from (a failure on the way, a wait that gave up,
 * Ctrl-C), with that command as its hint; bad input, refusals and errors with advice of their own stay.
 */
export function carriedOnBy(error: unknown, command: string): unknown {
  const hint = `What was started goes on in AWS. Run the same command again to carry on:\n    ${command}`;
  if (error instanceof Interrupted) return new Interrupted(error.message, hint);
  const { message, exitCode } = explain(error);
  if (exitCode !== ExitCode.failed || (error instanceof SnapcloneError && error.hint)) return error;
  return new SnapcloneError(message, ExitCode.failed, hint);
}

/** The command line that carries on from this run: as typed (less secrets), else `fallback`; with `pins` added. */
export const rerunOf = (ctx: Context, fallback: string[], pins: string[] = []) => rerunCommand(ctx.invocation, fallback, pins);
