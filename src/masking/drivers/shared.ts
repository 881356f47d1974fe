import { randomBytes } from 'node:crypto';
import { SnapcloneError } from '../../core/errors.ts';
import type { RowKey } from '../model.ts';

/**
 * What the SQL drivers (postgres.ts, mysql.ts) share: batch size, the names of their temporary roles, errors
 * that never carry a row's value, the text form of row keys and dates, and keys that follow their rows.
 */

/** Rows read and written per round trip. */
export const BATCH = 500;

/** A fresh name for the temporary role (PostgreSQL) or user (MySQL) the masking runs as. */
export const temporaryRoleName = (): string => `snapclone_masking_${randomBytes(6).toString('hex')}`;

/** Passwords are spliced into DDL (no engine takes them as parameters): only letters and digits pass. */
export function plainPassword(password: string): string {
  if (!/^[A-Za-z0-9]{16,}$/.test(password))
    throw new Error('a generated password must be 16 or more letters and digits');
  return password;
}

/**
 * An error of the server, told without what it quotes: servers quote the offending value in their messages
 * (`invalid input syntax for type integer: "…"`, `Duplicate entry '…'`), and values here are personal data. The
 * message names the table and columns instead; the server's error code says what went wrong. The original error
 * is not kept as the cause (its detail, query and parameters would be printed with it).
 */
export function withoutValues(what: string, error: unknown): SnapcloneError {
  const e = error as { code?: unknown; errno?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : typeof e?.errno === 'number' ? String(e.errno) : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  // MySQL's `identifiers` stay; PostgreSQL quotes names and values alike, so both go.
  const quoted = /"(?:[^"]|"")*"|'(?:[^'\\]|''|\\.)*'|\([^()]*\)=\([^()]*\)/g;
  const cleaned = message.replace(quoted, '…').replace(/\s+/g, ' ').trim().slice(0, 300);
  return new SnapcloneError(`${what}: ${cleaned}${code ? ` (${code})` : ''}`);
}

/** Runs `step`, its failure told by withoutValues. */
export async function naming<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof SnapcloneError) throw error;
    throw withoutValues(what, error);
  }
}

/** A row's key from its key columns as text: the one value, or a JSON array of several. */
export const keyOf = (parts: string[]): RowKey => (parts.length === 1 ? parts[0] : JSON.stringify(parts));

/** The key columns' text values of a key (keyOf's inverse). */
export function partsOf(key: RowKey, count: number): string[] {
  if (count === 1) return [key];
  const parts = JSON.parse(key) as unknown;
  if (!Array.isArray(parts) || parts.length !== count || parts.some((p) => typeof p !== 'string')) {
    throw new SnapcloneError(`A row key is not a JSON array of ${count} texts.`);
  }
  return parts as string[];
}

const SERVER_TIME = /^(\d{4,}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d(?:\.\d+)?)(?:Z|[+-]00(?::?00)?)?$/;

/**
 * A server's timestamp text (`2026-10-01 12:00:00.123456`, with `+00` from a UTC session) as ISO 8601 in UTC
 * (`2026-10-01T12:00:00.123456Z`), fractions kept; anything else (infinity, BC, zero dates) as it is.
 */
export function isoTimestamp(text: string): string {
  const m = SERVER_TIME.exec(text);
  return m ? `${m[1]}T${m[2]}Z` : text;
}

/** A timestamp value given by a transform (Date, ISO text in UTC or with an offset) as `YYYY-MM-DD HH:MM:SS[.f]` in UTC. */
export function utcTimestamp(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString().replace('T', ' ').replace('Z', '');
  if (typeof value !== 'string') return value;
  const m = SERVER_TIME.exec(value);
  if (m) return `${m[1]} ${m[2]}`;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** A date value given by a transform (Date, `YYYY-MM-DD`, an ISO timestamp) as `YYYY-MM-DD` (UTC). */
export function utcDate(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value !== 'string' || /^\d{4,}-\d\d-\d\d$/.test(value)) return value;
  const time = utcTimestamp(value);
  return typeof time === 'string' && /^\d{4,}-\d\d-\d\d /.test(time) ? time.slice(0, time.indexOf(' ')) : value;
}

/**
 * Keys handed out by `sample` that follow their rows: an update moves a row whose key is its physical place
 * (PostgreSQL's ctid) or whose key columns were rewritten, and `read` is then asked for the key it was given.
 * Only handed-out keys are remembered (a sample: at most a few thousand), never every row's.
 */
export class MovingKeys {
  /** Key handed out → the row's key now. */
  private readonly now = new Map<RowKey, RowKey>();
  /** The row's key now → the key handed out. */
  private readonly given = new Map<RowKey, RowKey>();

  /** The key to hand out for a row whose key is now `current`. */
  handOut(current: RowKey): RowKey {
    const given = this.given.get(current);
    if (given !== undefined) return given;
    this.now.set(current, current);
    this.given.set(current, current);
    return current;
  }

  /** Where the row handed out as `key` is now. */
  current(key: RowKey): RowKey {
    return this.now.get(key) ?? key;
  }

  /** Rows moved by one statement (all at once: a row may take the key another left). */
  moved(moves: [from: RowKey, to: RowKey][]): void {
    const followed = moves
      .filter(([from, to]) => from !== to && this.given.has(from))
      .map(([from, to]) => [this.given.get(from)!, from, to] as const);
    for (const [, from] of followed) this.given.delete(from);
    for (const [given, , to] of followed) {
      this.given.set(to, given);
      this.now.set(given, to);
    }
  }

  get tracking(): boolean {
    return this.given.size > 0;
  }
}
