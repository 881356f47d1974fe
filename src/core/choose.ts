import type { PointQuery, RestorePoint, RestorePointKind } from '../engines/types.ts';
import type { Reporter } from '../output/reporter.ts';
import { dayOf, endOfDay, formatTime, normalDay, parseInstant } from './dates.ts';
import { UsageError } from './errors.ts';

/** Which data the user asked for: exactly one of --date, --at, --latest. */
export interface PointRequest {
  date?: string;
  at?: string;
  latest?: boolean;
}

export type ParsedRequest = { kind: 'date'; day: string; end: Date } | { kind: 'at'; at: Date } | { kind: 'latest' };

export interface Choice {
  point: RestorePoint;
  /** Point-in-time: the exact time to restore to. */
  at?: Date;
  /** When the restored data is from. */
  time: Date;
  /** How the choice came about, in words (also shown to the user). */
  reason: string;
}

/**
 * Validates the request before anything is read from the cloud: exactly one of the three, a well-formed
 * date or time, not in the future.
 */
export function parseRequest(request: PointRequest, zone: string, now: Date): ParsedRequest {
  const given = [request.date !== undefined, request.at !== undefined, request.latest === true].filter(Boolean).length;
  if (given !== 1) {
    throw new UsageError(
      given === 0 ? 'Say which data to clone' : 'Give only one of --date, --at and --latest',
      `Pass exactly one of --date YYYY-MM-DD (that day's latest point, ${zone}), --at TIME or --latest.`,
    );
  }
  if (request.date !== undefined) {
    const day = normalDay(request.date);
    const today = dayOf(now, zone);
    if (day > today) {
      throw new UsageError(`--date ${day} is in the future (today is ${today} in ${zone})`, 'Pick a day up to today.');
    }
    return { kind: 'date', day, end: endOfDay(day, zone) };
  }
  if (request.at !== undefined) {
    const at = parseInstant(request.at, zone);
    if (at.getTime() > now.getTime()) {
      throw new UsageError(
        `--at ${formatTime(at, zone, { seconds: true })} is in the future (now is ${formatTime(now, zone)})`,
        'Pick a time in the past.',
      );
    }
    return { kind: 'at', at };
  }
  return { kind: 'latest' };
}

const KIND_WORDS: Record<RestorePointKind, string> = {
  backup: 'AWS Backup recovery point',
  snapshot: 'manual snapshot',
  'automated-snapshot': 'automated snapshot',
  'point-in-time': 'point-in-time restore',
};

export function describePoint(point: RestorePoint, zone: string, options: { id?: boolean } = {}): string {
  if (point.kind === 'point-in-time') {
    return `point-in-time window ${formatTime(point.earliest ?? point.time, zone)} – ${formatTime(point.time, zone)}`;
  }
  return `${KIND_WORDS[point.kind]} of ${formatTime(point.time, zone)}${options.id === false ? '' : ` (${point.id})`}`;
}

function rangeHint(candidates: RestorePoint[], pitr: RestorePoint | undefined, zone: string): string {
  const times = candidates.map((p) => p.time.getTime());
  if (pitr) times.push((pitr.earliest ?? pitr.time).getTime(), pitr.time.getTime());
  if (times.length === 0) return 'There are no restorable points at all.';
  const oldest = new Date(Math.min(...times));
  const newest = new Date(Math.max(...times));
  return `Oldest restorable point: ${formatTime(oldest, zone)} (${dayOf(oldest, zone)}); newest: ${formatTime(newest, zone)} (${dayOf(newest, zone)}).`;
}

/**
 * Chooses the restore point:
 * - --date D: the latest point created on or before the end of day D in the configured zone;
 * - --at T: exactly T by point-in-time restore where the window covers it, else the latest point before T
 *   (said plainly in the choice's reason, which create prints);
 * - --latest: the newest point.
 * Discrete points of the `preferred` kinds are used when there are any (the source's restoreFrom), else
 * any discrete point. A request outside what exists gets a UsageError naming the oldest and newest points.
 */
export function choosePoint(
  points: RestorePoint[],
  request: ParsedRequest,
  options: {
    preferred: RestorePointKind[];
    zone: string;
    source: string;
    reporter?: Reporter;
    /** --latest restores the newest data of the point-in-time window where there is one (Aurora: copy-on-write). */
    latestFromWindow?: boolean;
  },
): Choice {
  const { zone, source } = options;
  const choice = chooseAmong(points.filter((p) => !p.unrestorable), request, options);
  // Points the service lists but cannot restore (an OpenSearch snapshot that is PARTIAL), newer than the choice
  // and within what was asked for: said, so that nobody wonders why the day asked for was not taken.
  const end = request.kind === 'date' ? request.end.getTime() : request.kind === 'at' ? request.at.getTime() : Infinity;
  const skipped = points.filter((p) => p.unrestorable && p.time.getTime() > choice.time.getTime() && p.time.getTime() <= end);
  if (skipped.length === 0) return choice;
  const said = skipped.map((p) => `${p.id} of ${formatTime(p.time, zone)} is ${p.unrestorable}`).join(', ');
  return { ...choice, reason: `${choice.reason}; skipped as not restorable: ${said} (snapclone points ${source} lists it)` };
}

function chooseAmong(points: RestorePoint[], request: ParsedRequest, options: Parameters<typeof choosePoint>[2]): Choice {
  const { zone, source } = options;
  const discrete = points.filter((p) => p.kind !== 'point-in-time');
  const preferred = discrete.filter((p) => options.preferred.includes(p.kind));
  const candidates = (preferred.length > 0 ? preferred : discrete).sort((a, b) => b.time.getTime() - a.time.getTime());
  const pitr = points.find((p) => p.kind === 'point-in-time');
  if (preferred.length === 0 && discrete.length > 0) {
    options.reporter?.info(
      `${source} has no ${options.preferred.map((k) => KIND_WORDS[k]).join(' or ')}; choosing among its other restore points.`,
    );
  }
  const none = (what: string) =>
    new UsageError(
      `${source} has no restore point ${what}. ${rangeHint(candidates, request.kind === 'at' ? pitr : undefined, zone)}`,
      `Pick a time between those; snapclone points ${source} lists them all.`,
    );

  if (request.kind === 'latest' && options.latestFromWindow && pitr) {
    return { point: pitr, time: pitr.time, reason: `latest restorable time: ${formatTime(pitr.time, zone, { seconds: true })}` };
  }
  if (request.kind === 'latest') {
    const point = candidates[0];
    if (!point) throw none('at all');
    return { point, time: point.time, reason: `newest restore point: ${describePoint(point, zone)}` };
  }
  if (request.kind === 'date') {
    const point = candidates.find((p) => p.time.getTime() <= request.end.getTime());
    if (!point) throw none(`on or before ${request.day} (${zone})`);
    return { point, time: point.time, reason: `latest restore point on or before ${request.day}: ${describePoint(point, zone)}` };
  }
  const at = request.at;
  if (pitr && pitr.earliest && pitr.earliest.getTime() <= at.getTime() && at.getTime() <= pitr.time.getTime()) {
    return {
      point: pitr,
      at,
      time: at,
      reason: `point-in-time restore to exactly ${formatTime(at, zone, { seconds: true })}`,
    };
  }
  const point = candidates.find((p) => p.time.getTime() <= at.getTime());
  if (!point) throw none(`at or before ${formatTime(at, zone, { seconds: true })}`);
  const why = pitr
    ? `The point-in-time window of ${source} (${formatTime(pitr.earliest ?? pitr.time, zone)} – ${formatTime(pitr.time, zone)}) does not cover ${formatTime(at, zone, { seconds: true })}`
    : `${source} has no point-in-time restore window`;
  // Said once, as the choice's reason (create prints it).
  const message = `${why}: using the latest restore point before it instead, the ${describePoint(point, zone)}.`;
  return { point, time: point.time, reason: message };
}

/**
 * The snapclone:restore-point tag of a choice: the point's id, or `<source id>@<ISO time>` for point-in-time,
 * `<source id>@latest` for the latest restorable time (which moves on, so that a re-run still resumes).
 */
export function restorePointLabel(choice: Pick<Choice, 'point' | 'at' | 'time'>): string {
  if (choice.point.kind !== 'point-in-time') return choice.point.id;
  return `${choice.point.id}@${choice.at ? choice.at.toISOString() : 'latest'}`;
}

const DAY_MS = 86_400_000;

/**
 * How far before the requested time a create looks first, then further, for a source that restores from AWS
 * Backup: each look is one listing the service filters by resource and creation time, so its cost follows
 * the points in that stretch, not the size of the vault.
 */
export const LOOKBACK_DAYS = [1, 7, 35, 400] as const;

/**
 * The same choice as choosePoint over every restore point of the source, read in a few filtered listings
 * rather than one listing of everything. `list` reads the points of a query (an engine's points()).
 * - Only the kinds the choice can end on are read: the preferred ones, and the point-in-time window (whole)
 *   when the request can be answered from it (--at; --latest where latestFromWindow).
 * - Where the preferred kind is AWS Backup's, the listing covers LOOKBACK_DAYS before the requested time in
 *   turn and stops at the first that holds a preferred point at or before it (the latest of those is the latest
 *   overall); other kinds' listings (snapshots) cannot be filtered by time on the server and are read once, up
 *   to the requested time.
 * - When no preferred point is at or before the requested time, the choice is made as before, from a listing of
 *   every point: same result, same messages, same errors.
 */
export async function findPoint(
  list: (query: PointQuery) => Promise<RestorePoint[]>,
  request: ParsedRequest,
  options: Parameters<typeof choosePoint>[2] & { now: Date },
): Promise<Choice> {
  const { preferred } = options;
  const end = request.kind === 'date' ? request.end : request.kind === 'at' ? request.at : options.now;
  const fromWindow = request.kind === 'at' || (request.kind === 'latest' && options.latestFromWindow === true);
  const window = fromWindow ? await list({ kinds: ['point-in-time'] }) : [];
  if (request.kind === 'latest' && window.length > 0) return choosePoint(window, request, options);
  const lookbacks = preferred.includes('backup') ? LOOKBACK_DAYS.map((days) => days * DAY_MS) : [];
  for (const back of [...lookbacks, undefined]) {
    const from = back === undefined ? undefined : new Date(end.getTime() - back);
    const points = [...window, ...(await list({ from, to: end, kinds: preferred }))];
    let choice: Choice;
    try {
      choice = choosePoint([...points], request, { ...options, reporter: undefined });
    } catch (error) {
      if (error instanceof UsageError) continue;
      throw error;
    }
    // Chosen again with the reporter, so that what it says is said once.
    if (choice.point.kind === 'point-in-time' || preferred.includes(choice.point.kind)) return choosePoint(points, request, options);
  }
  return choosePoint(await list({}), request, options);
}
