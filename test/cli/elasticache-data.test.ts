import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { CreateReplicationGroupCommand, DeleteReplicationGroupCommand, DescribeReplicationGroupsCommand, ModifyReplicationGroupCommand } from '@aws-sdk/client-elasticache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedJson } from '../../src/commands/create.ts';
import * as credentials from '../../src/commands/credentials.ts';
import * as del from '../../src/commands/delete.ts';
import { keyspaceAt, keyspaceHistoryOf, restoredKeyspace, type Keyspace } from '../../sandbox/data/keyspace-history.ts';
import { opensslPath } from '../../sandbox/data/certificate.ts';
import { redisServerInstalled } from '../../sandbox/data/redis.ts';
import { certificateFile, lineageOfGroup } from '../../sandbox/services/elasticache/data-plane.ts';
import { authTokenOf, elasticacheState } from '../../sandbox/services/elasticache/state.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION, DEV_CACHE_SUBNET_GROUP, DEV_SECURITY_GROUP } from '../../sandbox/scenario/index.ts';
import { recordedCreates, startCli, type TestCli } from './support.ts';

/**
 * Cache clones hold the keys of their snapshot's time in a real Redis, reached with what `snapclone credentials`
 * hands out and Redis's own client (redis-cli over TLS, the token in REDISCLI_AUTH as people pass it).
 */

const SOURCE = 'sessions-cache';
const PROD = 'sessions-prod';
const MINUTE = 60_000;
const REDIS_CLI = ['/usr/bin/redis-cli', '/usr/local/bin/redis-cli'].find((path) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
});
const missing = !REDIS_CLI ? "redis-cli is not installed (Debian's package redis-tools)" : !opensslPath() ? 'openssl is not installed' : undefined;
/** Which engine serves the clones here (both are checked in test/sandbox/redis-engines.test.ts). */
const ENGINE = redisServerInstalled() ? 'redis-server' : "the sandbox's own RESP server (redis-server is not installed)";

interface Credentials {
  host: string;
  port: number;
  username: string;
  password: string;
  tls: boolean;
}

let cli: TestCli;
const { make } = recordedCreates(() => cli, SOURCE);
const tokenOf = (id: string) => authTokenOf(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION, id);
const history = () => keyspaceHistoryOf(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION, PROD)!;
const groupArn = (id: string) => elasticacheState(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION).replicationGroups.get(id)!.arn;

/** Runs redis-cli against a clone (asynchronously: the sandbox serving it runs in this process). */
async function redis(creds: Credentials, args: string[], options: { password?: string; tls?: boolean } = {}): Promise<string> {
  const tls = options.tls ?? creds.tls;
  const tlsArgs = tls ? ['--tls', '--cacert', await certificateFile(cli.sb.world)] : [];
  const argv = [...tlsArgs, '-h', creds.host, '-p', String(creds.port), '--no-auth-warning', '--raw', ...args];
  const env = { ...process.env, REDISCLI_AUTH: options.password ?? creds.password };
  return new Promise((resolve) => {
    execFile(REDIS_CLI!, argv, { env, timeout: 20_000 }, (_error, stdout, stderr) => resolve(`${stdout}${stderr}`.trim()));
  });
}

async function credentialsOf(clone: string): Promise<Credentials> {
  return (await credentials.run({ clone }, cli.context().ctx)).json as Credentials;
}

/** The keys the clone should hold now: its snapshot's, less those expired since (on the sandbox's clock). */
const expectedKeys = (takenAt: number): Keyspace => restoredKeyspace(history(), takenAt, cli.sb.world.clock.nowMs());

/** Checks the whole key set and a value of each type against the history at the snapshot's time. */
async function expectKeysOf(creds: Credentials, takenAt: number): Promise<Keyspace> {
  const expected = expectedKeys(takenAt);
  expect(expected.size).toBeGreaterThan(100);
  expect(await redis(creds, ['DBSIZE'])).toBe(String(expected.size));
  const keys = (await redis(creds, ['KEYS', '*'])).split('\n').sort();
  expect(keys).toEqual([...expected.keys()].sort());
  for (const type of ['hash', 'list', 'set', 'string'] as const) {
    const [key, entry] = [...expected].find(([, e]) => e.value.type === type)!;
    const command = { hash: 'HGETALL', list: 'LRANGE', set: 'SMEMBERS', string: 'GET' }[type];
    const out = (await redis(creds, type === 'list' ? [command, key, '0', '-1'] : [command, key])).split('\n');
    if (entry.value.type === 'hash') expect(Object.fromEntries(pairs(out))).toEqual(entry.value.value);
    else if (entry.value.type === 'set') expect(out.sort()).toEqual(entry.value.value);
    else if (entry.value.type === 'list') expect(out).toEqual(entry.value.value);
    else expect(out).toEqual([entry.value.value]);
  }
  // A session's TTL is what was left of it (Redis counts it down in real time from the clone's start).
  const [session, entry] = [...expected].find(([k]) => k.startsWith('session:'))!;
  const left = (entry.expiresAt! - cli.sb.world.clock.nowMs()) / 1000;
  const ttl = Number(await redis(creds, ['TTL', session]));
  expect(ttl).toBeLessThanOrEqual(Math.ceil(left));
  expect(ttl).toBeGreaterThan(left - 60);
  return expected;
}

const pairs = (lines: string[]) => Array.from({ length: lines.length / 2 }, (_, n) => [lines[2 * n], lines[2 * n + 1]] as const);

beforeAll(async () => {
  if (!missing) cli = await startCli();
});
afterAll(() => cli?.close());

describe.skipIf(missing !== undefined)(`a cache clone holds the keys of its snapshot, served by ${ENGINE}`, () => {
  let byDate: CreatedJson;
  let creds: Credentials;

  it('--date: the clone holds exactly the keys of its snapshot, over TLS with the new AUTH token', async () => {
    byDate = (await make({ date: cli.day(5) })).entry;
    creds = await credentialsOf(byDate.name);
    expect(creds).toMatchObject({ host: '127.0.0.1', tls: true, username: 'default' });
    const takenAt = Date.parse(byDate.point.time);
    expect(lineageOfGroup(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION, groupArn(byDate.name))).toEqual({ sourceId: PROD, at: takenAt });
    await expectKeysOf(creds, takenAt);
  }, 60_000);

  it("the source's token does not open it, nor does a client without TLS", async () => {
    expect(await redis(creds, ['DBSIZE'], { password: tokenOf(PROD)! })).toContain('WRONGPASS');
    expect(await redis(creds, ['DBSIZE'], { password: '' })).toContain('NOAUTH');
    expect(await redis(creds, ['PING'], { tls: false })).not.toContain('PONG');
  });

  it('the commands ElastiCache restricts are refused', async () => {
    expect(await redis(creds, ['CONFIG', 'GET', 'port'])).toContain('NOPERM');
  });

  it('a token changed with ModifyReplicationGroup takes effect on the running server', async () => {
    const before = creds.password;
    const rotated = `${before.slice(0, 20)}Rotated1234567`;
    await cli.admin.elasticache.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: byDate.name, AuthToken: rotated, AuthTokenUpdateStrategy: 'SET', ApplyImmediately: true }));
    expect(await redis(creds, ['PING'], { password: rotated })).toBe('PONG');
    expect(await redis(creds, ['PING'], { password: before })).toContain('WRONGPASS');
  });

  it('--latest: the newest snapshot, with the keys written since the --date one; a snapshot of that clone holds them too', async () => {
    const latest = (await make({ latest: true, name: 'snapclone-sessions-data-latest' })).entry;
    const latestCreds = await credentialsOf(latest.name);
    expect(latestCreds.port).not.toBe(creds.port);
    const takenAt = Date.parse(latest.point.time);
    expect(takenAt).toBeGreaterThan(Date.parse(byDate.point.time));
    const keys = await expectKeysOf(latestCreds, takenAt);
    const older = keyspaceAt(history(), Date.parse(byDate.point.time));
    expect([...keys.keys()].filter((k) => !older.has(k)).length).toBeGreaterThan(10);

    // A snapshot of the clone (its final one) holds the clone's keys: a group restored from it serves them too.
    const final = `${latest.name}-final`;
    await cli.admin.elasticache.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: latest.name, FinalSnapshotIdentifier: final }));
    expect(await redis(latestCreds, ['PING'])).toMatch(/Could not connect|Connection refused/);
    cli.sb.world.clock.advance(30 * MINUTE);
    const token = 'copy-of-copy-token-0123456789';
    await cli.admin.elasticache.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: 'copy-of-copy',
      ReplicationGroupDescription: 'a group restored from a snapshot of a clone',
      SnapshotName: final,
      CacheNodeType: 'cache.t4g.small',
      CacheSubnetGroupName: DEV_CACHE_SUBNET_GROUP,
      SecurityGroupIds: [DEV_SECURITY_GROUP],
      TransitEncryptionEnabled: true,
      AuthToken: token,
    }));
    cli.sb.world.clock.advance(30 * MINUTE);
    const described = await cli.admin.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'copy-of-copy' }));
    const endpoint = described.ReplicationGroups![0].NodeGroups![0].PrimaryEndpoint!;
    const copyCreds = { host: endpoint.Address!, port: endpoint.Port!, username: 'default', password: token, tls: true };
    await expectKeysOf(copyCreds, takenAt);
    await cli.admin.elasticache.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'copy-of-copy' }));
  }, 60_000);

  it('delete: the endpoint refuses connections', async () => {
    expect(await redis(creds, ['PING'], { password: tokenOf(byDate.name)! })).toBe('PONG');
    await del.run({ clones: [byDate.name], yes: true, wait: true }, cli.context().ctx);
    expect(await redis(creds, ['PING'])).toMatch(/Could not connect|Connection refused/);
  }, 60_000);
});

if (missing) {
  describe('the Redis data plane', () => {
    it(`is not tested here: ${missing}`, () => {
      expect(missing).toBeTruthy();
    });
  });
}
