import type { Context } from '../core/context.ts';
import { enginesIn } from '../engines/index.ts';
import type { CommandResult } from '../output/render.ts';
import { costText } from '../cost/estimate.ts';
import { PRICE_TABLE } from '../cost/prices.ts';
import type { Clone } from '../engines/types.ts';
import type { Table } from '../output/render.ts';
import { formatDuration } from '../output/reporter.ts';
import { statusLabel } from '../output/status.ts';
import { ageText, cloneCost, cloneJson, EXPIRING_SOON_MS, expiryText, isExpired, targetsToSearch, when, zoneOf } from './common.ts';

export interface ListOptions {
  /** Only clones owned by the person running the command. */
  mine?: boolean;
  /** Only clones past their expiry. */
  expired?: boolean;
  /** One target; default: every target. */
  target?: string;
  /** Every column (set, target, source, age, data from, cost), however wide; default: what fits 80 columns. */
  wide?: boolean;
}

/** The width the default table keeps to: a terminal's default, and what a pasted listing fits in. */
export const LIST_WIDTH = 80;

function statusText(c: Clone): string {
  const status = statusLabel(c.status);
  return c.tagged ? (c.credentials === 'pending' ? `${status} (password pending)` : status) : `${status} (untagged)`;
}

/** The time left, without the date and time (--wide has them): "in 7h12m", "in 45m00s (soon)", "EXPIRED 2h00m ago". */
function timeLeft(c: Clone, now: Date): string {
  if (!c.tagged || c.expiresAt.getTime() <= 0) return '-';
  const left = c.expiresAt.getTime() - now.getTime();
  if (left <= 0) return `EXPIRED ${formatDuration(-left)} ago`;
  return left <= EXPIRING_SOON_MS ? `in ${formatDuration(left)} (soon)` : `in ${formatDuration(left)}`;
}

/** The status, short: a clone whose password is not replaced yet is marked "*" (told below the table). */
const shortStatus = (c: Clone): string => (c.tagged && c.credentials === 'pending' ? `${statusLabel(c.status)}*` : statusText(c));

/**
 * The default table: name, status, owner, time left (and the target when clones are in several), each set's
 * members under a heading row, cut to LIST_WIDTH columns (a long name loses its middle, keeping its day and owner).
 */
function compactTable(clones: Clone[], now: Date): Table {
  const targets = new Set(clones.map((c) => c.target)).size > 1;
  const rows: string[][] = [];
  let group: string | undefined;
  for (const c of clones) {
    const key = c.set ? `${c.target}/${c.set}` : undefined;
    if (key && key !== group) rows.push([`set ${c.set}${targets ? ` (target ${c.target})` : ''}`]);
    group = key;
    rows.push([`${c.set ? '  ' : ''}${c.clone}`, shortStatus(c), c.owner, timeLeft(c, now), ...(targets ? [c.target] : [])]);
  }
  return {
    columns: ['name', 'status', 'owner', 'expires', ...(targets ? ['target'] : [])],
    rows,
    fit: {
      width: LIST_WIDTH,
      shrink: [
        { column: 2, min: 10 },
        { column: 1, min: 16 },
        { column: 0, min: 20, keepEnd: true },
        ...(targets ? [{ column: 4, min: 6 }] : []),
      ],
    },
  };
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
    // Clones without a set first, then each set's members together, under their set.
    .sort((a, b) => a.target.localeCompare(b.target) || (a.set ?? '').localeCompare(b.set ?? '') || a.clone.localeCompare(b.clone));
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
    table: options.wide
      ? {
          columns: ['set', 'name', 'target', 'source', 'owner', 'status', 'age', 'expires', 'data from', 'cost'],
          rows: clones.map((c, i) => [
            c.set ?? '-',
            c.clone,
            c.target,
            c.source,
            c.owner,
            statusText(c),
            ageText(c, now),
            expiryText(c, now, zone),
            when(c.restoreTime, zone),
            costText(costs[i]),
          ]),
        }
      : compactTable(clones, now),
    lines:
      clones.length > 0
        ? [
            `Estimated cost: $${total.soFar.toFixed(2)} so far, $${total.perDay.toFixed(2)}/day for ${clones.length - unpriced} clone(s)` +
              (unpriced > 0 ? `; ${unpriced} without a price` : '') +
              '.',
            `(AWS list prices of ${PRICE_TABLE.date}, ${PRICE_TABLE.currency}; see docs/cost.md.)`,
            ...(!options.wide && clones.some((c) => c.tagged && c.credentials === 'pending')
              ? ['* password not replaced yet; snapclone show NAME says how to finish it.']
              : []),
            ...(options.wide ? [] : ['snapclone list --wide shows the source, age, data from and cost of each.']),
          ]
        : [],
  };
}
