import type { Context } from '../core/context.ts';
import { endOfDay, formatTime, normalDay, startOfDay } from '../core/dates.ts';
import { UsageError } from '../core/errors.ts';
import type { RestorePoint } from '../engines/types.ts';
import type { CommandResult } from '../output/render.ts';
import { chooseTarget, engineOf, resolveSource, zoneOf } from './common.ts';

export interface PointsOptions {
  source: string;
  /** First day (YYYY-MM-DD, configured zone), inclusive. */
  from?: string;
  /** Last day, inclusive. */
  to?: string;
  target?: string;
}

/** One restore point in `points --output json` (docs/json-output.md). */
export interface PointJson {
  kind: RestorePoint['kind'];
  id: string;
  time: string;
  earliest: string | null;
  sizeGb: number | null;
  /** What else the service says of it (OpenSearch: state and indices), or null. */
  note: string | null;
}

const KIND_LABEL: Record<RestorePoint['kind'], string> = {
  backup: 'backup',
  snapshot: 'snapshot',
  'automated-snapshot': 'automated snapshot',
  'point-in-time': 'point-in-time',
};

/** snapclone points <source> [--from D] [--to D]: restorable points, newest first. */
export async function run(options: PointsOptions, ctx: Context): Promise<CommandResult> {
  const zone = zoneOf(ctx);
  const source = resolveSource(ctx, options.source);
  const from = options.from === undefined ? undefined : normalDay(options.from, '--from');
  const to = options.to === undefined ? undefined : normalDay(options.to, '--to');
  if (from !== undefined && to !== undefined && from > to) {
    throw new UsageError(`--from ${from} is after --to ${to}`);
  }
  const range = {
    from: from === undefined ? undefined : startOfDay(from, zone, '--from'),
    to: to === undefined ? undefined : endOfDay(to, zone, '--to'),
  };
  const engine = engineOf(source);
  const target = chooseTarget(ctx, options.target, source);
  const listed = await engine.points(source, target, ctx, range);
  const points = listed.filter((p) => !p.unrestorable);
  const unrestorable = listed.filter((p) => p.unrestorable);
  const hasWindow = points.some((p) => p.kind === 'point-in-time');
  const json = {
    source: source.name,
    engine: engine.name,
    restoreFrom: source.config.restoreFrom,
    timezone: zone,
    from: range.from?.toISOString() ?? null,
    to: range.to?.toISOString() ?? null,
    points: points.map(
      (p): PointJson => ({
        kind: p.kind,
        id: p.id,
        time: p.time.toISOString(),
        earliest: p.earliest?.toISOString() ?? null,
        sizeGb: p.sizeGb ?? null,
        note: p.note ?? null,
      }),
    ),
    /** Points the service lists that cannot be restored (an OpenSearch snapshot that is PARTIAL or FAILED). */
    unrestorable: unrestorable.map((p) => ({ kind: p.kind, id: p.id, time: p.time.toISOString(), state: p.unrestorable! })),
  };
  const notes = listed.some((p) => p.note || p.unrestorable);
  return {
    json,
    table: {
      columns: ['time', 'kind', 'size', 'id', ...(notes ? ['note'] : [])],
      rows: listed.map((p) => [
        p.kind === 'point-in-time' && p.earliest
          ? `${formatTime(p.earliest, zone)} … ${formatTime(p.time, zone)}`
          : formatTime(p.time, zone),
        KIND_LABEL[p.kind],
        p.sizeGb === undefined ? '-' : `${p.sizeGb} GB`,
        p.id,
        ...(notes ? [p.unrestorable ? `not restorable (${p.unrestorable})` : (p.note ?? '')] : []),
      ]),
    },
    lines: [
      points.length === 0
        ? `${source.name} has no restorable points${options.from || options.to ? ' in that range' : ''}.`
        : `${points.length} restorable point${points.length === 1 ? '' : 's'} of ${source.name} (times in ${zone}; create restores from ${source.config.restoreFrom === 'backup' ? 'AWS Backup recovery points' : 'snapshots'} by default, ${hasWindow ? '--at uses point-in-time' : '--at takes the latest snapshot before it'}).`,
    ],
  };
}
