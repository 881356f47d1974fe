import type { World } from '../core/world.ts';
import { person, type Person } from './people.ts';
import { Random } from './random.ts';

/**
 * A cache's history of keys (the scenario's sessions cache): sessions as hashes with user ids and
 * personal-looking fields, carts as lists, recently viewed products as sets, cached profiles and daily counters
 * as strings, most with a TTL, created, touched and deleted one change every 5 to 40 minutes by a seeded
 * generator. The keyspace at any time T is a pure function of the history and T (keyspaceAt), so a clone of a
 * snapshot taken at T holds exactly what the cache held then, and a test can compute it too.
 */

export type RedisValue =
  | { type: 'string'; value: string }
  | { type: 'hash'; value: Record<string, string> }
  | { type: 'list'; value: string[] }
  | { type: 'set'; value: string[] };

export interface KeyEntry {
  value: RedisValue;
  /** When the key expires (epoch ms); undefined: it has no TTL. */
  expiresAt?: number;
}

/** Keys in the order they were first written. */
export type Keyspace = Map<string, KeyEntry>;

export interface KeyspaceHistory {
  seed: string;
  /** When the history starts (epoch ms, a whole second); before it the cache held its initial keys. */
  origin: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const USERS = 120;
const SKUS = 60;
const MIN_GAP_S = 5 * 60;
const MAX_GAP_S = 40 * 60;

/** Session lifetimes: a browser session, and "keep me signed in". */
const SESSION_TTL = { short: DAY, remembered: 30 * DAY };
const CART_TTL = 14 * DAY;
const VIEWED_TTL = 7 * DAY;
const PROFILE_TTL = 6 * HOUR;
const AGENTS = ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0', 'Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile'];

const sku = (rng: Random) => `SKU-${String(rng.int(1, SKUS)).padStart(4, '0')}`;
const ip = (rng: Random) => `203.0.113.${rng.int(1, 254)}`;
const day = (at: number) => new Date(at).toISOString().slice(0, 10);

/** The keys live at `at`, in write order. */
function live(keys: Keyspace, at: number, prefix: string): string[] {
  return [...keys].filter(([k, e]) => k.startsWith(prefix) && (e.expiresAt === undefined || e.expiresAt > at)).map(([k]) => k);
}

/** Removes the keys whose TTL has run out by `at` (Redis expires them; a snapshot does not hold them). */
function expire(keys: Keyspace, at: number): void {
  for (const [k, e] of keys) if (e.expiresAt !== undefined && e.expiresAt <= at) keys.delete(k);
}

function newSession(rng: Random, keys: Keyspace, users: Person[], at: number): void {
  const userId = rng.int(1, USERS);
  const user = users[userId - 1];
  const token = rng.digits(8) + rng.digits(8);
  const ttl = rng.next() < 0.45 ? SESSION_TTL.remembered : SESSION_TTL.short;
  keys.set(`session:${token}`, {
    value: {
      type: 'hash',
      value: {
        user_id: String(userId),
        name: user.name,
        email: user.email,
        ip: ip(rng),
        user_agent: rng.pick(AGENTS),
        created_at: new Date(at).toISOString(),
        last_seen: new Date(at).toISOString(),
        ttl: ttl === SESSION_TTL.remembered ? 'remembered' : 'browser',
      },
    },
    expiresAt: at + ttl,
  });
  // Profiles are cached for a few hours at sign-in.
  keys.set(`profile:${userId}`, {
    value: { type: 'string', value: JSON.stringify({ id: userId, name: user.name, email: user.email, phone: user.phone, address: user.address }) },
    expiresAt: at + PROFILE_TTL,
  });
}

/** One change to the keyspace at `at`. */
function change(rng: Random, keys: Keyspace, users: Person[], at: number): void {
  const what = rng.int(0, 9);
  const sessions = live(keys, at, 'session:');
  if (what <= 2 || sessions.length === 0) return newSession(rng, keys, users, at);
  if (what === 3) {
    // Sign-out.
    keys.delete(rng.pick(sessions));
    return;
  }
  const key = rng.pick(sessions);
  const session = keys.get(key)!;
  const hash = session.value.value as Record<string, string>;
  const userId = hash.user_id;
  if (what === 4) {
    // Activity: last_seen moves and the TTL starts again.
    hash.last_seen = new Date(at).toISOString();
    session.expiresAt = at + (hash.ttl === 'remembered' ? SESSION_TTL.remembered : SESSION_TTL.short);
    return;
  }
  if (what <= 6) {
    // Add to cart (RPUSH "sku:quantity"; EXPIRE starts again).
    const cart = keys.get(`cart:${userId}`);
    const items = cart ? [...(cart.value.value as string[])] : [];
    items.push(`${sku(rng)}:${rng.int(1, 3)}`);
    keys.set(`cart:${userId}`, { value: { type: 'list', value: items }, expiresAt: at + CART_TTL });
    return;
  }
  if (what === 7) {
    // Viewed a product (SADD).
    const viewed = keys.get(`viewed:${userId}`);
    const members = new Set(viewed ? (viewed.value.value as string[]) : []);
    members.add(sku(rng));
    keys.set(`viewed:${userId}`, { value: { type: 'set', value: [...members].sort() }, expiresAt: at + VIEWED_TTL });
    return;
  }
  // Checkout: the cart goes, the day's order counter (no TTL) goes up.
  if (!keys.has(`cart:${userId}`)) return newSession(rng, keys, users, at);
  keys.delete(`cart:${userId}`);
  const counter = `stats:orders:${day(at)}`;
  const count = Number((keys.get(counter)?.value.value as string | undefined) ?? '0');
  keys.set(counter, { value: { type: 'string', value: String(count + 1) } });
}

function initial(rng: Random, keys: Keyspace, users: Person[], at: number): void {
  keys.set('config:feature-flags', {
    value: { type: 'hash', value: { 'new-checkout': 'on', 'gift-wrapping': 'off', 'points-campaign': 'on' } },
  });
  keys.set('config:maintenance', { value: { type: 'string', value: 'off' } });
  for (let n = 0; n < 40; n++) newSession(rng, keys, users, at - rng.int(0, 20 * 60) * MINUTE);
  expire(keys, at);
}

/** Replays a history up to `until` (inclusive). */
function replay(history: KeyspaceHistory, until: number): Keyspace {
  const rng = new Random(history.seed);
  const users = Array.from({ length: USERS }, (_, n) => person(rng, n + 1));
  const keys: Keyspace = new Map();
  initial(rng, keys, users, history.origin);
  let at = history.origin;
  for (;;) {
    // The gap is drawn before it is compared with `until`: every replay draws the same sequence.
    at += rng.int(MIN_GAP_S, MAX_GAP_S) * 1000;
    if (at > until) break;
    expire(keys, at);
    change(rng, keys, users, at);
  }
  expire(keys, until);
  return keys;
}

/** The keys the cache held at `at` (epoch ms), each with its value and absolute expiry. */
export function keyspaceAt(history: KeyspaceHistory, at: number): Keyspace {
  return replay(history, at);
}

/**
 * What a clone of a snapshot taken at `takenAt` holds when it starts at `now`: the snapshot's keys, less those
 * whose TTL has run out since. A snapshot (an RDB file) keeps each key's absolute expiry time, and a primary
 * loading one skips the keys already expired (Redis's rdbLoad; ElastiCache seeds a restored group from the RDB).
 */
export function restoredKeyspace(history: KeyspaceHistory, takenAt: number, now: number): Keyspace {
  const keys = keyspaceAt(history, takenAt);
  expire(keys, now);
  return keys;
}

/** The keyspace histories of an account's caches in a region, by replication group id. */
export function keyspaceHistories(world: World, accountId: string, region: string): Map<string, KeyspaceHistory> {
  return world.state('keyspace-history', accountId, region, () => new Map<string, KeyspaceHistory>());
}

export function keyspaceHistoryOf(world: World, accountId: string, region: string, groupId: string): KeyspaceHistory | undefined {
  return world.regionsOf('keyspace-history', accountId).includes(region) ? keyspaceHistories(world, accountId, region).get(groupId) : undefined;
}

/** How far before the sandbox's "now" at seeding a history starts: older than the oldest snapshot (35 days). */
const HISTORY_DAYS = 40;

/** Gives a cache its history, anchored to the sandbox clock at seeding and seeded with its id (the same keys every run). */
export function seedKeyspaceHistory(world: World, accountId: string, region: string, groupId: string): void {
  const origin = Math.floor(world.clock.nowMs() / 1000) * 1000 - HISTORY_DAYS * DAY;
  keyspaceHistories(world, accountId, region).set(groupId, { seed: `snapclone-sandbox/${groupId}`, origin });
}
