import type { Context } from '../core/context.ts';
import { enginesIn } from '../engines/index.ts';
import type { CommandResult } from '../output/render.ts';
import { ageText, cloneJson, expiryText, isExpired, targetsToSearch, when, zoneOf } from './common.ts';

export interface ListOptions {
  /** Only clones owned by the person running the command. */
  mine?: boolean;
  /** Only clones past their expiry. */
  expired?: boolean;
  /** One target; default: every target. */
  target?: string;
}

/** snapclone list [--mine] [--expired] [--target T]: clones with owner, age, expiry and status. */
export async function run(options: ListOptions, ctx: Context): Promise<CommandResult> {
  const zone = zoneOf(ctx);
  const targets = targetsToSearch(ctx, options.target);
  const lists = await Promise.all(
    targets.flatMap((target) => enginesIn(target).map((engine) => engine.list(target, ctx))),
  );
  const now = ctx.now();
  const clones = lists
    .flat()
    .filter((c) => !options.mine || c.owner === ctx.person)
    .filter((c) => !options.expired || isExpired(c, now))
    // Members of a set together, under their set; clones without a set after them.
    .sort((a, b) => a.target.localeCompare(b.target) || (a.set ?? '~').localeCompare(b.set ?? '~') || a.clone.localeCompare(b.clone));
  const sets = [...new Set(clones.flatMap((c) => (c.set ? [c.set] : [])))].map((name) => ({
    name,
    clones: clones.filter((c) => c.set === name).map((c) => c.clone),
  }));
  return {
    json: {
      filters: { mine: Boolean(options.mine), expired: Boolean(options.expired), target: options.target ?? null },
      owner: ctx.person,
      clones: clones.map((c) => cloneJson(c, now)),
      sets,
    },
    table: {
      columns: ['set', 'name', 'target', 'source', 'owner', 'status', 'age', 'expires', 'data from'],
      rows: clones.map((c) => [
        c.set ?? '-',
        c.clone,
        c.target,
        c.source,
        c.owner,
        c.tagged ? c.status : `${c.status} (untagged)`,
        ageText(c, now),
        expiryText(c, now, zone),
        when(c.restoreTime, zone),
      ]),
    },
  };
}
