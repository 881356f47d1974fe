import { randomInt } from 'node:crypto';
import { isIP } from 'node:net';
import { createClient } from 'redis';
import { SnapcloneError } from '../../core/errors.ts';
import type { ConnectionDetails, Endpoint } from '../../engines/types.ts';
import {
  VALUE_FIELD,
  type Collection,
  type Inventory,
  type MaskingRules,
  type MaskingSession,
  type MaskingTx,
  type RowKey,
  type SampledRow,
} from '../model.ts';
import { groupKeys, type ScannedKey } from './kv-keyspace.ts';

/**
 * Masking a cache clone's keys (ElastiCache, Redis OSS or Valkey), with node-redis over RESP2 (every engine
 * version ElastiCache runs speaks it; HELLO came in 6.0).
 *
 * TLS: a clone with in-transit encryption is reached over TLS, its certificate verified against Node's trusted
 * CAs (ElastiCache presents certificates of Amazon's public CA), under the clone's own host name even through a
 * tunnel (SNI). A caller that reaches a server with a private CA (the sandbox's self-signed certificate) passes
 * that CA as `tls.ca` (PEM); verification is skipped only when the caller passes `tls.insecure: true`, never by
 * default.
 *
 * Redis has no transaction across a SCAN: the session is not transactional and `transaction` runs the work
 * directly (what it rewrote stays rewritten when it throws; the run then deletes the clone: an ElastiCache AUTH
 * token can only be changed through the service, so a cache clone cannot be locked). Cluster mode (keys sharded
 * over several primaries, which one node's SCAN does not see) is refused.
 */

export interface RedisTlsOptions {
  /**
   * The CAs (PEM) to trust instead of Node's own, with the one that signed the server's certificate when Node does
   * not trust it (the sandbox's: certificateFile).
   */
  ca?: string | Buffer | (string | Buffer)[];
  /** Skips verifying the server's certificate: only when the caller says so. */
  insecure?: boolean;
}

/** Keys read or written per round of pipelined commands. */
const BATCH = 500;
const SCAN_COUNT = 1000;

type Client = ReturnType<typeof createClient>;

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, n) => items.slice(n * size, (n + 1) * size));

/** `key:value` lines of INFO. */
const infoValue = (info: string, key: string): string | undefined =>
  new RegExp(`^${key}:(.*)$`, 'm').exec(info)?.[1]?.trim();

export async function openRedis(
  details: ConnectionDetails,
  at: Endpoint,
  options: { tls?: RedisTlsOptions } = {},
): Promise<MaskingSession> {
  const tls = details.tls
    ? {
        tls: true as const,
        ...(options.tls?.ca ? { ca: options.tls.ca } : {}),
        ...(isIP(details.host) === 0 ? { servername: details.host } : {}),
        rejectUnauthorized: options.tls?.insecure !== true,
      }
    : {};
  const client: Client = createClient({
    socket: { host: at.host, port: at.port, connectTimeout: 20_000, reconnectStrategy: false, ...tls },
    ...(details.password ? { username: details.username || 'default', password: details.password } : {}),
    RESP: 2,
    maintNotifications: 'disabled',
    disableClientInfo: true,
  });
  let failure: Error | undefined;
  client.on('error', (error: Error) => (failure = error));
  try {
    await client.connect();
  } catch (error) {
    throw new SnapcloneError(
      `Could not open ${details.host}:${details.port} for masking: ${(error as Error).message}.`,
    );
  }
  const call = async (args: string[]): Promise<unknown> => {
    if (failure && !client.isReady) throw failure;
    return client.sendCommand(args);
  };
  try {
    const info = String(await call(['INFO']));
    if (infoValue(info, 'cluster_enabled') === '1') {
      throw new SnapcloneError(
        "The cache clone runs in cluster mode: masking reads one node's keys and would miss the other shards'.",
      );
    }
    const valkey = infoValue(info, 'valkey_version');
    const version = valkey ?? infoValue(info, 'redis_version') ?? '?';
    return new RedisSession(
      call,
      `${valkey ? 'Valkey' : 'Redis'} ${version}`,
      valkey !== undefined || Number(version.split('.')[0]) >= 6,
      () => client.close(),
    );
  } catch (error) {
    client.destroy();
    throw error;
  }
}

type Call = (args: string[]) => Promise<unknown>;

class RedisSession implements MaskingSession, MaskingTx {
  readonly transactional = false;
  /** The keys of each collection, as the inventory grouped them. */
  private members = new Map<string, ScannedKey[]>();

  constructor(
    private readonly call: Call,
    readonly label: string,
    /** SET … KEEPTTL (Redis 6.0); before it a string's TTL is put back with PX. */
    private readonly keepTtl: boolean,
    private readonly closeClient: () => Promise<void>,
  ) {}

  async inventory(rules: MaskingRules): Promise<Inventory> {
    const keys: ScannedKey[] = [];
    let cursor = '0';
    do {
      const [next, found] = (await this.call(['SCAN', cursor, 'COUNT', String(SCAN_COUNT)])) as [string, string[]];
      cursor = String(next);
      keys.push(...[...new Set(found)].map((key) => ({ key, type: 'none' })));
    } while (cursor !== '0');
    // SCAN may return a key twice (while the table grows): each once.
    const unique = [...new Map(keys.map((k) => [k.key, k])).values()];
    for (const batch of chunks(unique, BATCH)) {
      await Promise.all(
        batch.map(async (k) => {
          k.type = String(await this.call(['TYPE', k.key]));
          if (k.type === 'hash') k.fields = ((await this.call(['HKEYS', k.key])) as string[]).map(String);
        }),
      );
    }
    // Keys that expired between SCAN and TYPE are gone.
    const { inventory, members } = groupKeys(
      unique.filter((k) => k.type !== 'none'),
      rules,
    );
    this.members = members;
    // SCAN reads the connection's database (0); keys in any other are neither checked nor masked: refused.
    const keyspace = String(await this.call(['INFO', 'keyspace']).catch(() => ''));
    const others = [...keyspace.matchAll(/^db(\d+):keys=(\d+)/gm)].filter(([, db, n]) => db !== '0' && Number(n) > 0);
    if (others.length > 0) {
      inventory.refusals = others.map(([, db, n]) => ({
        collection: `db${db}`,
        message: `database ${db} holds ${n} keys: masking reads and rewrites database 0 only`,
      }));
    }
    return inventory;
  }

  async transaction<T>(work: (tx: MaskingTx) => Promise<T>): Promise<T> {
    return work(this);
  }

  async close(): Promise<void> {
    await this.closeClient();
  }

  private keysOf(c: Collection): ScannedKey[] {
    const keys = this.members.get(c.name);
    if (!keys) throw new Error(`${c.name}: not a collection of this clone's inventory`);
    return keys;
  }

  async count(c: Collection): Promise<number> {
    let total = 0;
    for (const batch of chunks(this.keysOf(c), BATCH))
      total += Number(await this.call(['EXISTS', ...batch.map((k) => k.key)]));
    return total;
  }

  /** The fields' values of keys (hash fields of a hash, VALUE_FIELD of a string; null otherwise); gone keys are absent. */
  private async values(
    keys: readonly ScannedKey[],
    fields: readonly string[],
  ): Promise<Map<RowKey, Record<string, unknown>>> {
    const hashFields = fields.filter((f) => f !== VALUE_FIELD);
    const out = new Map<RowKey, Record<string, unknown>>();
    for (const batch of chunks(keys, BATCH)) {
      const rows = await Promise.all(batch.map((k) => this.readKey(k, fields, hashFields)));
      batch.forEach((k, n) => rows[n] && out.set(k.key, rows[n]));
    }
    return out;
  }

  private async readKey(
    k: ScannedKey,
    fields: readonly string[],
    hashFields: readonly string[],
  ): Promise<Record<string, unknown> | undefined> {
    const row: Record<string, unknown> = Object.fromEntries(fields.map((f) => [f, null]));
    if (k.type === 'string') {
      const value = await this.call(['GET', k.key]);
      if (value === null || value === undefined) return undefined;
      if (fields.includes(VALUE_FIELD)) row[VALUE_FIELD] = String(value);
      return row;
    }
    if (!(Number(await this.call(['EXISTS', k.key])) > 0)) return undefined;
    if (hashFields.length > 0) {
      const values = (await this.call(['HMGET', k.key, ...hashFields])) as (string | null)[];
      hashFields.forEach((f, n) => (row[f] = values[n] === null || values[n] === undefined ? null : String(values[n])));
    }
    return row;
  }

  async sample(c: Collection, fields: string[], n: number): Promise<SampledRow[]> {
    const keys = [...this.keysOf(c)];
    // A partial Fisher-Yates shuffle: RANDOMKEY cannot be asked for one pattern's keys.
    for (let i = 0; i < Math.min(n, keys.length); i++) {
      const j = randomInt(i, keys.length);
      [keys[i], keys[j]] = [keys[j], keys[i]];
    }
    const values = await this.values(keys.slice(0, n), fields);
    return [...values].map(([key, v]) => ({ key, values: v }));
  }

  async read(c: Collection, keys: RowKey[], fields: string[]): Promise<Map<RowKey, Record<string, unknown>>> {
    const wanted = new Set(keys);
    return this.values(
      this.keysOf(c).filter((k) => wanted.has(k.key)),
      fields,
    );
  }

  async scan(c: Collection, fields: string[], each: (values: Record<string, unknown>) => void): Promise<void> {
    for (const batch of chunks(this.keysOf(c), BATCH)) {
      for (const values of (await this.values(batch, fields)).values()) each(values);
    }
  }

  async rewrite(
    c: Collection,
    fields: string[],
    change: (values: Record<string, unknown>) => Record<string, unknown>,
  ): Promise<number> {
    const hashFields = fields.filter((f) => f !== VALUE_FIELD);
    let rewritten = 0;
    for (const batch of chunks(
      this.keysOf(c).filter((k) =>
        k.type === 'hash' ? hashFields.length > 0 : k.type === 'string' && fields.includes(VALUE_FIELD),
      ),
      BATCH,
    )) {
      const rows = await Promise.all(batch.map((k) => this.readKey(k, fields, hashFields)));
      const done = await Promise.all(
        batch.map((k, n) => (rows[n] ? this.writeKey(k, hashFields, change(rows[n])) : false)),
      );
      rewritten += done.filter(Boolean).length;
    }
    return rewritten;
  }

  /** Writes a key's new values back; false when it was gone. */
  private async writeKey(
    k: ScannedKey,
    hashFields: readonly string[],
    values: Record<string, unknown>,
  ): Promise<boolean> {
    if (k.type === 'string') {
      const value = values[VALUE_FIELD];
      if (value === null || value === undefined) throw new Error(`${k.key}: a string key's value cannot be null`);
      // XX: a key that expired since it was read is not brought back.
      if (this.keepTtl) return (await this.call(['SET', k.key, String(value), 'XX', 'KEEPTTL'])) !== null;
      const ttl = Number(await this.call(['PTTL', k.key]));
      if (ttl === -2) return false;
      return (await this.call(['SET', k.key, String(value), 'XX', ...(ttl > 0 ? ['PX', String(ttl)] : [])])) !== null;
    }
    const set = hashFields.filter((f) => values[f] !== null && values[f] !== undefined);
    const removed = hashFields.filter((f) => values[f] === null || values[f] === undefined);
    // A null value is an absent field. HSET keeps the key's TTL; a hash that expired after it was read would be
    // made again holding only masked values, without a TTL.
    if (set.length > 0) await this.call(['HSET', k.key, ...set.flatMap((f) => [f, String(values[f])])]);
    if (removed.length > 0) await this.call(['HDEL', k.key, ...removed]);
    return true;
  }
}
