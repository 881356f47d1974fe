import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate, opensslPath, type Certificate } from '../../sandbox/data/certificate.ts';
import { restoredKeyspace, type Keyspace } from '../../sandbox/data/keyspace-history.ts';
import { serveLazily, type LazyEndpoint } from '../../sandbox/data/lazy.ts';
import { keyspaceDataSet, redisEngine, redisServerInstalled } from '../../sandbox/data/redis.ts';

/**
 * Both engines an ElastiCache clone can be served by — Debian's redis-server, and the sandbox's own RESP server
 * where it is missing — behind the lazy loopback endpoint, checked with redis-cli: the same keys and answers,
 * TLS with the sandbox's certificate, AUTH with the token of the moment, nothing started before a client comes.
 */

const REDIS_CLI = ['/usr/bin/redis-cli', '/usr/local/bin/redis-cli'].find((path) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
});
const missing = !REDIS_CLI ? "redis-cli is not installed (Debian's package redis-tools)" : !opensslPath() ? 'openssl is not installed' : undefined;

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 20, 3, 0, 0);
const HISTORY = { seed: 'redis-engines-test', origin: NOW - 40 * DAY };
const TOKEN = 'first-token-0123456789abcdefABCDEF';
/** A snapshot two days old restored now: its keys less those expired since. */
const keys: Keyspace = restoredKeyspace(HISTORY, NOW - 2 * DAY, NOW);

let certificate: Certificate;
beforeAll(async () => {
  if (!missing) certificate = await makeCertificate();
});
afterAll(() => certificate?.remove());

function cli(port: number, args: string[], options: { password?: string; tls?: boolean } = {}): Promise<string> {
  const tls = options.tls === false ? [] : ['--tls', '--cacert', certificate.certFile];
  const env = { ...process.env };
  delete env.REDISCLI_AUTH;
  if (options.password !== undefined) env.REDISCLI_AUTH = options.password;
  const argv = [...tls, '-h', '127.0.0.1', '-p', String(port), '--no-auth-warning', '--raw', ...args];
  return new Promise((resolve) => {
    execFile(REDIS_CLI!, argv, { env, timeout: 20_000 }, (_error, stdout, stderr) => resolve(`${stdout}${stderr}`.trim()));
  });
}

/** The loopback port, once bound (the next tick). */
async function portOf(endpoint: LazyEndpoint): Promise<number> {
  while (endpoint.port === undefined) await new Promise((resolve) => setImmediate(resolve));
  return endpoint.port;
}

const kinds = [
  { name: "redis-server (Debian's package)", installed: true, skip: !redisServerInstalled() },
  { name: "the sandbox's own RESP server", installed: false, skip: false },
];

describe.skipIf(missing !== undefined).each(kinds)('$name', ({ installed, skip }) => {
  it.skipIf(skip)('starts on the first connection and holds the keys, over TLS, opened by the token of the moment', async () => {
    let password = TOKEN;
    const engine = redisEngine(async () => certificate, { installed });
    const endpoint = serveLazily(engine, { data: () => keyspaceDataSet(keys, NOW), database: '0', username: 'default', password: () => password });
    try {
      const port = await portOf(endpoint);
      expect(endpoint.started).toBe(false);
      expect(await cli(port, ['DBSIZE'], { password: TOKEN })).toBe(String(keys.size));
      expect(endpoint.started).toBe(true);
      expect((await cli(port, ['KEYS', '*'], { password: TOKEN })).split('\n').sort()).toEqual([...keys.keys()].sort());
      const carts = [...keys.keys()].filter((k) => k.startsWith('cart:')).sort();
      const scanned = await cli(port, ['SCAN', '0', 'MATCH', 'cart:*', 'COUNT', '100000'], { password: TOKEN });
      expect(scanned.split('\n').slice(1).sort()).toEqual(carts);
      const [session, entry] = [...keys].find(([k]) => k.startsWith('session:'))!;
      const hash = (await cli(port, ['HGETALL', session], { password: TOKEN })).split('\n');
      expect(Object.fromEntries(Array.from({ length: hash.length / 2 }, (_, n) => [hash[2 * n], hash[2 * n + 1]]))).toEqual(entry.value.value);
      expect(await cli(port, ['TYPE', carts[0]], { password: TOKEN })).toBe('list');
      const ttl = Number(await cli(port, ['TTL', session], { password: TOKEN }));
      expect(ttl).toBeLessThanOrEqual((entry.expiresAt! - NOW) / 1000);
      expect(ttl).toBeGreaterThan((entry.expiresAt! - NOW) / 1000 - 60);
      expect(await cli(port, ['GET', 'config:maintenance'], { password: TOKEN })).toBe('off');
      expect(await cli(port, ['TTL', 'config:maintenance'], { password: TOKEN })).toBe('-1');

      expect(await cli(port, ['DBSIZE'], { password: 'not-the-token' })).toContain('WRONGPASS');
      expect(await cli(port, ['DBSIZE'])).toContain('NOAUTH');
      expect(await cli(port, ['CONFIG', 'GET', 'port'], { password: TOKEN })).toContain('NOPERM');
      expect(await cli(port, ['PING'], { password: TOKEN, tls: false })).not.toContain('PONG');

      password = 'second-token-0123456789abcdefABCDEF';
      expect(await cli(port, ['PING'], { password })).toBe('PONG');
      expect(await cli(port, ['PING'], { password: TOKEN })).toContain('WRONGPASS');
    } finally {
      await endpoint.stop();
    }
    expect(await cli(endpoint.port!, ['PING'], { password })).toMatch(/Could not connect|Connection refused/);
  }, 30_000);

  it.skipIf(skip)('a group without TLS or token: plain RESP, open to any client', async () => {
    const endpoint = serveLazily(redisEngine(undefined, { installed }), { data: () => keyspaceDataSet(keys, NOW), database: '0', username: 'default', password: () => '' });
    try {
      const port = await portOf(endpoint);
      expect(await cli(port, ['DBSIZE'], { tls: false })).toBe(String(keys.size));
      // As Redis answers AUTH when the default user has no password: an error, and the connection stays open.
      const out = await cli(port, ['DBSIZE'], { tls: false, password: 'anything' });
      expect(out).toContain('called without any password configured');
      expect(out.split('\n')).toContain(String(keys.size));
    } finally {
      await endpoint.stop();
    }
  }, 30_000);
});

if (missing) {
  describe('Redis engines', () => {
    it(`are not tested here: ${missing}`, () => {
      expect(missing).toBeTruthy();
    });
  });
}
