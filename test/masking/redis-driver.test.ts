import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { makeCertificate, opensslPath, type Certificate } from '../../sandbox/data/certificate.ts';
import { restoredKeyspace, type Keyspace } from '../../sandbox/data/keyspace-history.ts';
import { serveLazily, type LazyEndpoint } from '../../sandbox/data/lazy.ts';
import { keyspaceDataSet, redisEngine, redisServerInstalled } from '../../sandbox/data/redis.ts';
import type { ConnectionDetails } from '../../src/engines/types.ts';
import { globRegExp } from '../../src/masking/glob.ts';
import { UNCLAIMED_SAMPLES } from '../../src/masking/drivers/kv-keyspace.ts';
import { openRedis } from '../../src/masking/drivers/redis.ts';
import { DEFAULT_SENSITIVE } from '../../src/masking/config.ts';
import { VALUE_FIELD, type Collection, type MaskingRules, type MaskingSession } from '../../src/masking/model.ts';

/**
 * The Redis masking driver against both engines a sandbox cache clone can be served by (redis-server where
 * installed, the sandbox's own RESP server otherwise), over TLS with the sandbox's certificate and the clone's
 * token, on a keyspace from the scenario's sessions cache plus keys made here: grouping under the rules' key
 * patterns (first match wins), unclaimed and unmaskable keys, rewriting exactly the ruled fields with each key's
 * TTL kept, and count/sample/read/scan. What the driver did is checked with a client of the test's own.
 */

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 20, 3, 0, 0);
const TOKEN = 'masking-token-0123456789abcdefABCDEF';
const HOUR_MS = 3_600_000;

function keyspace(): Keyspace {
  const keys = restoredKeyspace({ seed: 'redis-driver-test', origin: NOW - 40 * DAY }, NOW - 2 * DAY, NOW);
  // Strings with and without a TTL, under a pattern of their own.
  keys.set('token:a1', { value: { type: 'string', value: 'secret-a1' }, expiresAt: NOW + 5 * HOUR_MS });
  keys.set('token:b2', { value: { type: 'string', value: 'secret-b2' } });
  // More unclaimed keys than an inventory lists, and one sensitive-looking key last.
  for (let n = 0; n < UNCLAIMED_SAMPLES + 50; n++) keys.set(`junk:${n}`, { value: { type: 'string', value: String(n) } });
  keys.set('zz:customer_email', { value: { type: 'string', value: 'someone@example.com' } });
  keys.set('zz:prefs', { value: { type: 'hash', value: { theme: 'dark', phone_number: '+81 3 0000 0000' } } });
  return keys;
}

const RULES: MaskingRules = {
  kind: 'keys',
  onFailure: 'delete',
  sensitive: DEFAULT_SENSITIVE,
  collections: [
    { name: 'session:*', rules: { email: { transform: 'fake-email' }, name: { transform: 'null' } }, keep: ['user_id', 'ip', 'user_agent', 'created_at', 'last_seen', 'ttl'] },
    // After session:*, so it holds only the other keys starting with s (the day's order counters).
    { name: 's[a-t]*', rules: {}, keep: [VALUE_FIELD] },
    { name: 'token:?[0-9]', rules: { [VALUE_FIELD]: { transform: 'hash' } }, keep: [] },
    { name: 'cart:*', rules: { [VALUE_FIELD]: { transform: 'null' } }, keep: [] },
    { name: 'viewed:*', rules: {}, keep: [VALUE_FIELD] },
    { name: 'config:*', rules: {}, keep: ['new-checkout', 'gift-wrapping', 'points-campaign', VALUE_FIELD] },
    { name: 'nothing:*', rules: { [VALUE_FIELD]: { transform: 'null' } }, keep: [] },
  ],
};

let certificate: Certificate | undefined;
beforeAll(async () => {
  if (opensslPath()) certificate = await makeCertificate();
});
afterAll(() => certificate?.remove());

const kinds = [
  { name: "redis-server (Debian's package)", installed: true, skip: !redisServerInstalled() || !opensslPath() },
  { name: "the sandbox's own RESP server", installed: false, skip: !opensslPath() },
];

async function portOf(endpoint: LazyEndpoint): Promise<number> {
  while (endpoint.port === undefined) await new Promise((resolve) => setImmediate(resolve));
  return endpoint.port;
}

const details = (port: number, password = TOKEN): ConnectionDetails => ({ host: '127.0.0.1', port, username: 'default', password, engine: 'redis', tls: true });

describe.each(kinds)('$name', ({ installed, skip }) => {
  let endpoint: LazyEndpoint;
  let port: number;
  let keys: Keyspace;
  let session: MaskingSession;
  /** The test's own client (node-redis, TLS with the sandbox's CA). */
  let direct: ReturnType<typeof createClient>;

  beforeAll(async () => {
    if (skip) return;
    keys = keyspace();
    endpoint = serveLazily(redisEngine(async () => certificate!, { installed }), { data: () => keyspaceDataSet(keys, NOW), database: '0', username: 'default', password: () => TOKEN });
    port = await portOf(endpoint);
    session = await openRedis(details(port), { host: '127.0.0.1', port }, { tls: { ca: certificate!.cert } });
    direct = createClient({ socket: { host: '127.0.0.1', port, tls: true, ca: certificate!.cert }, password: TOKEN, RESP: 2 });
    await direct.connect();
  }, 30_000);
  afterAll(async () => {
    await session?.close();
    await direct?.close();
    await endpoint?.stop();
  });

  const keysLike = (prefix: string) => [...keys.keys()].filter((k) => k.startsWith(prefix)).sort();
  const collection = async (name: string): Promise<Collection> => (await session.inventory(RULES)).collections.find((c) => c.name === name)!;

  it.skipIf(skip)('says what it is, and is not transactional', () => {
    expect(session.label).toMatch(/^(Redis|Valkey) \d+\.\d+/);
    expect(session.transactional).toBe(false);
    expect(session.lock).toBeUndefined();
  });

  it.skipIf(skip)('groups each key under the first pattern it matches; lists unclaimed keys, sensitive-looking first; lists make a ruled collection unmaskable', async () => {
    const inventory = await session.inventory(RULES);
    const byName = new Map(inventory.collections.map((c) => [c.name, c]));
    // Patterns that match nothing are not collections of the clone.
    expect([...byName.keys()]).toEqual(RULES.collections.map((c) => c.name).filter((n) => n !== 'nothing:*' && (n !== 's[a-t]*' || keysLike('stats:').length > 0)));

    const sessionFields = [...new Set(keysLike('session:').flatMap((k) => Object.keys((keys.get(k)!.value as { value: Record<string, string> }).value)))].sort();
    expect(byName.get('session:*')!.fields.map((f) => f.name)).toEqual(sessionFields);
    expect(byName.get('session:*')!.fields.every((f) => f.type === 'text' && f.nullable)).toBe(true);
    expect(byName.get('session:*')!.unmaskable).toBeUndefined();
    if (byName.has('s[a-t]*')) expect(byName.get('s[a-t]*')!.fields).toEqual([{ name: VALUE_FIELD, type: 'text', typeName: 'string', nullable: false }]);
    expect(byName.get('token:?[0-9]')!.fields.map((f) => f.name)).toEqual([VALUE_FIELD]);
    // A hash and a string under one pattern: the hash's fields and the string's value.
    expect(byName.get('config:*')!.fields.map((f) => f.name)).toEqual(['gift-wrapping', 'new-checkout', 'points-campaign', VALUE_FIELD]);
    expect(byName.get('cart:*')).toMatchObject({ fields: [], unmaskable: 'holds list keys: masking rewrites strings and hashes' });
    // Sets under a pattern with no rule (only kept): nothing to rewrite, so not unmaskable.
    expect(byName.get('viewed:*')).toEqual({ name: 'viewed:*', fields: [] });

    const unclaimed = inventory.unclaimed!;
    const expectedUnclaimed = [...keys.keys()].filter((k) => !RULES.collections.some((c) => globRegExp(c.name).test(k)));
    expect(expectedUnclaimed.length).toBeGreaterThan(UNCLAIMED_SAMPLES);
    expect(unclaimed).toHaveLength(UNCLAIMED_SAMPLES);
    expect(unclaimed.every((u) => expectedUnclaimed.includes(u.name))).toBe(true);
    // The sensitive-looking ones are listed however many come before them, with their fields.
    expect(unclaimed).toContainEqual({ name: 'zz:customer_email', fields: [VALUE_FIELD] });
    expect(unclaimed).toContainEqual({ name: 'zz:prefs', fields: ['phone_number', 'theme'] });
    for (const profile of keysLike('profile:')) expect(unclaimed).toContainEqual({ name: profile, fields: [VALUE_FIELD] });
  });

  it.skipIf(skip)('counts, samples, reads and scans the keys of a collection', async () => {
    const sessions = await collection('session:*');
    const sessionKeys = keysLike('session:');
    expect(await session.transaction((tx) => tx.count(sessions))).toBe(sessionKeys.length);
    await session.transaction(async (tx) => {
      const sample = await tx.sample(sessions, ['email', 'user_id'], 5);
      expect(sample).toHaveLength(5);
      expect(new Set(sample.map((s) => s.key)).size).toBe(5);
      for (const row of sample) {
        expect(row.values).toEqual({ email: await direct.hGet(row.key, 'email'), user_id: await direct.hGet(row.key, 'user_id') });
      }
      // Asking for more than there are: each key once.
      const all = await tx.sample(sessions, ['email'], sessionKeys.length + 10);
      expect(all.map((s) => s.key).sort()).toEqual(sessionKeys);

      const read = await tx.read(sessions, [sessionKeys[0], 'session:gone', 'token:a1'], ['ip', 'no_such_field']);
      expect([...read.keys()]).toEqual([sessionKeys[0]]);
      expect(read.get(sessionKeys[0])).toEqual({ ip: await direct.hGet(sessionKeys[0], 'ip'), no_such_field: null });

      const scanned: unknown[] = [];
      await tx.scan(sessions, ['user_id'], (v) => scanned.push(v.user_id));
      expect(scanned.sort()).toEqual(await Promise.all(sessionKeys.map((k) => direct.hGet(k, 'user_id'))).then((ids) => ids.sort()));

      const tokens = await collection('token:?[0-9]');
      const tokenValues = await tx.read(tokens, ['token:a1', 'token:b2'], [VALUE_FIELD]);
      expect(Object.fromEntries(tokenValues)).toEqual({ 'token:a1': { [VALUE_FIELD]: 'secret-a1' }, 'token:b2': { [VALUE_FIELD]: 'secret-b2' } });
    });
  });

  it.skipIf(skip)('rewrites exactly the ruled fields of every key of the collection, keeping each key\'s TTL', async () => {
    const untouched = async () => {
      const out: Record<string, unknown> = {};
      for (const k of [...keys.keys()].filter((k) => !k.startsWith('session:') && !k.startsWith('token:'))) {
        const type = await direct.type(k);
        out[k] = type === 'hash' ? await direct.hGetAll(k) : type === 'string' ? await direct.get(k) : type === 'list' ? await direct.lRange(k, 0, -1) : await direct.sMembers(k);
      }
      return out;
    };
    const othersBefore = await untouched();
    const sessionKeys = keysLike('session:');
    const before = new Map(await Promise.all(sessionKeys.map(async (k) => [k, { hash: await direct.hGetAll(k), ttl: await direct.pTTL(k) }] as const)));
    const tokenTtl = await direct.pTTL('token:a1');
    expect(tokenTtl).toBeGreaterThan(4 * HOUR_MS);

    const sessions = await collection('session:*');
    const tokens = await collection('token:?[0-9]');
    const seen: Record<string, unknown>[] = [];
    const rewritten = await session.transaction(async (tx) => {
      const n = await tx.rewrite(sessions, ['email', 'name'], (v) => {
        seen.push(v);
        return { email: `masked-${String(v.email).length}@example.invalid`, name: null };
      });
      const t = await tx.rewrite(tokens, [VALUE_FIELD], (v) => ({ [VALUE_FIELD]: `masked:${String(v[VALUE_FIELD]).slice(-2)}` }));
      return [n, t];
    });
    expect(rewritten).toEqual([sessionKeys.length, 2]);
    // The change was given each key's values as they were.
    expect(seen.map((v) => v.email).sort()).toEqual(sessionKeys.map((k) => before.get(k)!.hash.email).sort());

    for (const k of sessionKeys) {
      const { hash, ttl } = before.get(k)!;
      const { name: _name, ...kept } = hash;
      expect(await direct.hGetAll(k)).toEqual({ ...kept, email: `masked-${hash.email.length}@example.invalid` });
      const now = await direct.pTTL(k);
      expect(now).toBeGreaterThan(0);
      expect(now).toBeLessThanOrEqual(ttl);
      expect(now).toBeGreaterThan(ttl - 60_000);
    }
    expect(await direct.get('token:a1')).toBe('masked:a1');
    expect(await direct.get('token:b2')).toBe('masked:b2');
    const ttl = await direct.pTTL('token:a1');
    expect(ttl).toBeLessThanOrEqual(tokenTtl);
    expect(ttl).toBeGreaterThan(tokenTtl - 60_000);
    expect(await direct.pTTL('token:b2')).toBe(-1);
    // Nothing else changed.
    expect(await untouched()).toEqual(othersBefore);
    await session.transaction(async (tx) => {
      expect(await tx.count(sessions)).toBe(sessionKeys.length);
      const names: unknown[] = [];
      await tx.scan(sessions, ['name'], (v) => names.push(v.name));
      expect(names).toEqual(sessionKeys.map(() => null));
    });
  });

  it.skipIf(skip)('refuses a null string value rather than deleting the key', async () => {
    const tokens = await collection('token:?[0-9]');
    await expect(session.transaction((tx) => tx.rewrite(tokens, [VALUE_FIELD], () => ({ [VALUE_FIELD]: null })))).rejects.toThrow(/cannot be null/);
    expect(await direct.exists(['token:a1', 'token:b2'])).toBe(2);
  });

  it.skipIf(skip)('verifies the server\'s certificate unless told otherwise, and signs in with the token only', async () => {
    const at = { host: '127.0.0.1', port };
    const unverified = await openRedis(details(port), at).then(() => 'opened', (e: Error) => e.message);
    expect(unverified).toMatch(/certificate/i);
    const insecure = await openRedis(details(port), at, { tls: { insecure: true } });
    expect(insecure.label).toBe(session.label);
    await insecure.close();
    const wrong = await openRedis(details(port, 'not-the-token-0123456789abcdef'), at, { tls: { ca: certificate!.cert } }).then(() => 'opened', (e: Error) => e.message);
    expect(wrong).toMatch(/WRONGPASS/);
    expect(wrong).not.toContain('not-the-token');
  });

  it.skipIf(skip || !installed)('refuses keys in a database other than 0, which SCAN on the connection never reads', async () => {
    await direct.select(1);
    await direct.set('elsewhere:1', 'alice@example.com');
    try {
      const inventory = await session.inventory(RULES);
      expect(inventory.refusals).toEqual([{ collection: 'db1', message: 'database 1 holds 1 keys: masking reads and rewrites database 0 only' }]);
    } finally {
      await direct.del('elsewhere:1');
      await direct.select(0);
    }
    expect((await session.inventory(RULES)).refusals).toBeUndefined();
  });
});

describe('key patterns', () => {
  it('read as SCAN MATCH reads them', () => {
    const cases: [string, string, boolean][] = [
      ['session:*', 'session:123', true],
      ['session:*', 'sessions:1', false],
      ['token:?[0-9]', 'token:a1', true],
      ['token:?[0-9]', 'token:ab', false],
      ['user:[^a]*', 'user:b1', true],
      ['user:[^a]*', 'user:a1', false],
      ['s[a-t]*', 'stats:x', true],
      ['s[a-t]*', 'sz', false],
      ['a\\*b', 'a*b', true],
      ['a\\*b', 'axb', false],
      ['x.y', 'xzy', false],
      ['[abc', '[abc', true],
    ];
    for (const [glob, name, matches] of cases) expect([glob, name, globRegExp(glob).test(name)]).toEqual([glob, name, matches]);
    expect(globRegExp('*EMAIL*', { caseInsensitive: true }).test('customer_email')).toBe(true);
  });
});
