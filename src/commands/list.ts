import type { Context } from '../core/context.ts';
import { enginesIn } from '../engines/index.ts';
import type { CommandResult } from '../output/render.ts';
import { costText } from '../cost/estimate.ts';
import { PRICE_TABLE } from '../cost/prices.ts';
import { ageText, cloneCost, cloneJson, expiryText, isExpired, targetsToSearch, when, zoneOf } from './common.ts';

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
  const costs = clones.map((c) => cloneCost(c, now));
  const sum = (key: 'soFar' | 'perDay') => Math.round(costs.reduce((n, c) => n + (c[key] ?? 0), 0) * 100) / 100;
  const unpriced = costs.filter((c) => c.soFar === null).length;
  const total = { estimate: true, currency: PRICE_TABLE.currency, prices: PRICE_TABLE.date, soFar: sum('soFar'), perDay: sum('perDay'), unpriced };
  return {
    json: {
      total,
      filters: { mine: Boolean(options.mine), expired: Boolean(options.expired), target: options.target ?? null },
      owner: ctx.person,
      clones: clones.map((c) => cloneJson(c, now)),
      sets,
    },
    table: {
      columns: ['set', 'name', 'target', 'source', 'owner', 'status', 'age', 'expires', 'data from', 'cost'],
      rows: clones.map((c) => [
        c.set ?? '-',
        c.clone,
        c.target,
        c.source,
        c.owner,
        c.tagged ? (c.credentials === 'pending' ? `${c.status} (password pending)` : c.status) : `${c.status} (untagged)`,
        ageText(c, now),
        expiryText(c, now, zone),
        when(c.restoreTime, zone),
        costText(costs[clones.indexOf(c)]),
      ]),
    },
    lines:
      clones.length > 0
        ? [
            `Estimated cost: $${total.soFar.toFixed(2)} so far, $${total.perDay.toFixed(2)}/day for ${clones.length - unpriced} clone(s) (AWS list prices of ${PRICE_TABLE.date}, ${PRICE_TABLE.currency}; see docs/cost.md)` +
              (unpriced > 0 ? `; ${unpriced} clone(s) without a price in the table` : ''),
          ]
        : [],
  };
}
