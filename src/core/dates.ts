import { UsageError } from './errors.ts';

/**
 * Calendar days and instants in a configured IANA time zone, with Intl only (no date library): the UTC
 * instant a day starts or ends in a zone, the day an instant falls on, and how times are shown.
 */

/** A day as people write it: 2026-11-20, 2026/11/20 or 20261120. */
const DAY_RE = /^(\d{4})([-/]?)(\d{2})\2(\d{2})$/;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Whether `zone` is an IANA time zone this Node knows. */
export function isTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** Throws a UsageError unless `zone` is an IANA time zone this Node knows. */
export function checkZone(zone: string): void {
  if (!isTimeZone(zone)) {
    throw new UsageError(`Unknown time zone '${zone}'`, 'Use an IANA name such as Asia/Tokyo or UTC (config key: timezone).');
  }
}

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallTime(instant: Date, zone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(instant)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour === 24 ? 0 : parts.hour,
    minute: parts.minute,
    second: parts.second,
  };
}

/** The zone's offset from UTC at an instant, in milliseconds (Tokyo: +9 h). */
export function zoneOffsetMs(instant: Date, zone: string): number {
  const w = wallTime(instant, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The UTC instant at which a wall-clock time happens in a zone (the earlier one around a DST change). */
export function zonedTimeToUtc(wall: WallTime, zone: string): Date {
  const guess = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const first = guess - zoneOffsetMs(new Date(guess), zone);
  const second = guess - zoneOffsetMs(new Date(first), zone);
  return new Date(Math.min(first, second));
}

/** Parses YYYY-MM-DD (or YYYY/MM/DD, YYYYMMDD) as a real calendar day; a UsageError names the option and the forms. */
export function parseDay(text: string, option = '--date'): { year: number; month: number; day: number } {
  const m = DAY_RE.exec(text.trim());
  if (m) {
    const [year, month, day] = [Number(m[1]), Number(m[3]), Number(m[4])];
    const probe = new Date(Date.UTC(year, month - 1, day));
    if (probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day) {
      return { year, month, day };
    }
  }
  throw new UsageError(`${option} '${text}' is not a valid date`, 'Write the day as YYYY-MM-DD, e.g. 2026-11-15 (2026/11/15 and 20261115 work too).');
}

/** A day in any accepted form, as YYYY-MM-DD. */
export function normalDay(text: string, option = '--date'): string {
  const { year, month, day } = parseDay(text, option);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The first instant of a day in a zone. */
export function startOfDay(day: string, zone: string, option?: string): Date {
  const d = parseDay(day, option);
  return zonedTimeToUtc({ ...d, hour: 0, minute: 0, second: 0 }, zone);
}

/** The last millisecond of a day in a zone: everything created on or before day D is at or before this. */
export function endOfDay(day: string, zone: string, option?: string): Date {
  const d = parseDay(day, option);
  const next = new Date(Date.UTC(d.year, d.month - 1, d.day) + DAY_MS);
  const start = zonedTimeToUtc(
    { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate(), hour: 0, minute: 0, second: 0 },
    zone,
  );
  return new Date(start.getTime() - 1);
}

const two = (n: number) => String(n).padStart(2, '0');

/** The day (YYYY-MM-DD) an instant falls on in a zone. */
export function dayOf(instant: Date, zone: string): string {
  const w = wallTime(instant, zone);
  return `${w.year}-${two(w.month)}-${two(w.day)}`;
}

function offsetText(instant: Date, zone: string): string {
  const minutes = Math.round(zoneOffsetMs(instant, zone) / 60_000);
  if (minutes === 0) return 'UTC';
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}

/** How snapclone shows a time to a person: `2026-11-15 09:30 +09:00`, in the configured zone. */
export function formatTime(instant: Date, zone: string, options: { seconds?: boolean } = {}): string {
  const w = wallTime(instant, zone);
  const time = `${two(w.hour)}:${two(w.minute)}${options.seconds ? `:${two(w.second)}` : ''}`;
  return `${w.year}-${two(w.month)}-${two(w.day)} ${time} ${offsetText(instant, zone)}`;
}

const INSTANT_RE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses --at: ISO 8601 with a date and a time. With an offset (Z, +09:00) it is that instant; without
 * one it is a wall-clock time in the configured zone.
 */
export function parseInstant(text: string, zone: string, option = '--at'): Date {
  const m = INSTANT_RE.exec(text.trim());
  const bad = () =>
    new UsageError(
      `${option} '${text}' is not a valid time`,
      `Write an ISO 8601 time such as 2026-11-15T14:30 (read in ${zone}) or 2026-11-15T05:30:00Z.`,
    );
  if (!m) throw bad();
  const [year, month, day, hour, minute] = [1, 2, 3, 4, 5].map((i) => Number(m[i]));
  const second = m[6] ? Number(m[6]) : 0;
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  parseDay(`${m[1]}-${m[2]}-${m[3]}`, option);
  if (hour > 23 || minute > 59 || second > 59) throw bad();
  if (m[8]) {
    const offset = m[8].toUpperCase();
    let offsetMs = 0;
    if (offset !== 'Z') {
      const digits = offset.replace(':', '');
      const sign = digits.startsWith('-') ? -1 : 1;
      const [hours, minutes] = [Number(digits.slice(1, 3)), Number(digits.slice(3, 5))];
      // Real UTC offsets run from -12:00 to +14:00.
      if (minutes > 59 || hours * 60 + minutes > (sign > 0 ? 14 * 60 : 12 * 60)) {
        throw new UsageError(`${option} '${text}' has an offset outside -12:00…+14:00`, 'Write the offset as ±HH:MM, e.g. +09:00, or Z for UTC.');
      }
      offsetMs = sign * (hours * 60 + minutes) * 60_000;
    }
    return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMs);
  }
  return new Date(uniqueLocalTime({ year, month, day, hour, minute, second }, zone, text, option).getTime() + ms);
}

/** The wall time an instant shows in a zone, as comparable UTC-based milliseconds. */
const wallMs = (utcMs: number, zone: string) => utcMs + zoneOffsetMs(new Date(utcMs), zone);

/**
 * A local time that exists exactly once in the zone: one that daylight saving skips (clocks jump forward)
 * or repeats (clocks fall back) is refused, naming the zone and how to say what was meant.
 */
function uniqueLocalTime(wall: WallTime, zone: string, text: string, option: string): Date {
  const target = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  // The zone's offsets a day either side cover any transition near this time.
  const offsets = new Set([-86_400_000, 0, 86_400_000].map((d) => zoneOffsetMs(new Date(target + d), zone)));
  const instants = [...new Set([...offsets].map((o) => target - o))].filter((t) => wallMs(t, zone) === target);
  if (instants.length === 0) {
    throw new UsageError(
      `${option} '${text}' does not exist in ${zone}: daylight saving time skips it`,
      'Pick a time outside the skipped hour, or give an explicit offset (e.g. +09:00).',
    );
  }
  if (instants.length > 1) {
    throw new UsageError(
      `${option} '${text}' happens twice in ${zone} (daylight saving time repeats that hour)`,
      'Give an explicit offset to say which one is meant (e.g. -04:00 or -05:00).',
    );
  }
  return new Date(instants[0]);
}
