import type { Context } from '../core/context.ts';
import { formatTime } from '../core/dates.ts';
import { UsageError } from '../core/errors.ts';
import { TAG } from '../core/tags.ts';
import { formatTtl, parseDuration, resolveTtl } from '../core/ttl.ts';
import type { Clone } from '../engines/types.ts';
import type { CommandResult } from '../output/render.ts';
import { membersOfConfigSet } from './config-sets.ts';
import { allOrReport, claimFor, expiryText, lookupClone, resolveTarget, setMembers, unknownClone, zoneOf, type Found } from './common.ts';

export interface ExtendOptions {
  /** Clone or set names. */
  clones: string[];
  ttl: string;
  target?: string;
  /** Extend another person's clone (recorded on it). */
  force?: boolean;
}

/** The new expiry of a clone, and the renewals it uses, or a UsageError naming the latest expiry allowed. */
export function newExpiry(clone: Clone, ttlMs: number, target: { name: string; maxTtl: string; maxRenewals: number }, now: Date) {
  const maxMs = parseDuration(target.maxTtl)!;
  const expiresAt = new Date(now.getTime() + ttlMs);
  const bound = new Date(clone.createdAt.getTime() + maxMs);
  const used = clone.renewals ?? 0;
  if (expiresAt.getTime() <= bound.getTime()) return { expiresAt, renewals: used };
  if (used < target.maxRenewals) return { expiresAt, renewals: used + 1 };
  throw new UsageError(
    `${clone.clone} cannot live until ${expiresAt.toISOString()}: target ${target.name} keeps a clone at most ${target.maxTtl} from its creation, until ${bound.toISOString()}` +
      (target.maxRenewals > 0 ? `, and its ${target.maxRenewals} renewal(s) past that are used up` : '') +
      '. Nothing was changed.',
    `Ask for a shorter --ttl (at most ${formatTtl(Math.max(0, bound.getTime() - now.getTime()))} now), or make a new clone.`,
  );
}

/**
 * The --ttl of extend: as create's, but too long a TTL gets extend's own advice (the expiry is now + TTL, within
 * the target's maximum from the clone's creation).
 */
function extendTtl(requested: string, target: { name: string; defaultTtl: string; maxTtl: string; maxRenewals: number }) {
  const ms = parseDuration(requested);
  const max = parseDuration(target.maxTtl);
  if (ms !== undefined && max !== undefined && ms > max) {
    throw new UsageError(
      `--ttl ${requested} is longer than the maximum TTL of target ${target.name} (${target.maxTtl})`,
      `extend sets the expiry to now + --ttl, at most ${target.maxTtl} after the clone was created` +
        (target.maxRenewals > 0 ? ` (or from now, with one of the target's ${target.maxRenewals} renewals)` : '') +
        `: ask for at most ${target.maxTtl}.`,
    );
  }
  return resolveTtl(requested, target);
}

/**
 * snapclone extend <clone|set>... --ttl 1d [--force]: moves each clone's expiry to now + TTL, bounded by the
 * target's maxTtl from creation unless it allows renewals (maxRenewals); records who extended it and when.
 * Everything is checked before anything is written.
 */
export async function run(options: ExtendOptions, ctx: Context): Promise<CommandResult> {
  const zone = zoneOf(ctx);
  if (options.clones.length === 0) throw new UsageError('Name at least one clone or set to extend');
  const found: Found[] = [];
  for (const ref of [...new Set(options.clones)]) {
    const one = await lookupClone(ctx, ref, options.target);
    const made = one ? [one] : await setMembers(ctx, ref, options.target);
    const members = made.length > 0 ? made : ((await membersOfConfigSet(ctx, ref, 'extend', options.target)) ?? []);
    if (members.length === 0) throw unknownClone(ctx, ref, options.target);
    found.push(...members);
  }
  const now = ctx.now();
  const plans = found.map((f) => {
    const target = resolveTarget(ctx, f.clone.target).config;
    const ttl = extendTtl(options.ttl, { name: f.target.name, ...target });
    if (!f.clone.tagged) throw new UsageError(`${f.clone.clone} has no snapclone tags, so no expiry to move; delete it (with --force) instead.`);
    return { f, ttl, ...newExpiry(f.clone, ttl.ms, { name: f.target.name, ...target }, now) };
  });
  // Another person's clone is refused before anything is written, unless --force.
  for (const p of plans) if (p.f.clone.owner !== ctx.person && !options.force) await claimFor(ctx, p.f, 'extend', false);
  for (const p of plans) {
    const before = p.f.clone.expiresAt;
    if (before.getTime() > p.expiresAt.getTime()) {
      ctx.reporter.warn(
        `${p.f.clone.clone}: this shortens its life: it was to expire ${formatTime(before, zone)}, now ${formatTime(p.expiresAt, zone)} (--ttl counts from now).`,
      );
    }
  }

  const done = await allOrReport(
    ctx,
    plans.map((p) => p.f.clone.clone),
    plans.map(async (p) => {
      const clone = await claimFor(ctx, p.f, 'extend', options.force);
      await p.f.engine.tag(
        clone,
        {
          [TAG.expiresAt]: p.expiresAt.toISOString(),
          [TAG.extendedBy]: ctx.person,
          [TAG.extendedAt]: now.toISOString(),
          ...(p.renewals > 0 ? { [TAG.renewals]: String(p.renewals) } : {}),
        },
        ctx,
      );
      ctx.reporter.done(`${clone.clone} now expires ${formatTime(p.expiresAt, zone)}`);
      return { ...clone, expiresAt: p.expiresAt, renewals: p.renewals };
    }),
  );
  return {
    json: {
      extended: done.map((c) => ({ name: c.clone, target: c.target, expiresAt: c.expiresAt.toISOString(), renewals: c.renewals ?? 0 })),
    },
    table: { columns: ['clone', 'expires', 'renewals'], rows: done.map((c) => [c.clone, expiryText(c, now, zone), String(c.renewals ?? 0)]) },
  };
}
