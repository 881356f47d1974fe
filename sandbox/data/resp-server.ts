import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { RedisValue } from './keyspace-history.ts';

/**
 * The sandbox's own small RESP server, for machines without redis-server: one database, enough for what people
 * look at in a copy — AUTH, PING, ECHO, SELECT 0, INFO, DBSIZE, EXISTS, TYPE, GET, HGET, HGETALL, HKEYS, HMGET,
 * LRANGE, SMEMBERS, KEYS, SCAN, TTL, PTTL, QUIT — and for what masking rewrites: SET (XX, KEEPTTL, PX), HSET,
 * HDEL; other writes are refused. It answers as Redis does (NOAUTH before AUTH, WRONGPASS, NOPERM for the
 * commands ElastiCache restricts). Keys expire in real time, as in Redis.
 */

export interface StoredKey {
  value: RedisValue;
  /** Date.now() at which it expires; undefined: no TTL. */
  expiresAt?: number;
}

const RESTRICTED = new Set(['bgrewriteaof', 'bgsave', 'config', 'debug', 'migrate', 'replicaof', 'save', 'slaveof', 'shutdown', 'sync']);
const WRITES = new Set(['del', 'unlink', 'lpush', 'rpush', 'lpop', 'rpop', 'sadd', 'srem', 'expire', 'pexpire', 'persist', 'incr', 'decr', 'flushdb', 'flushall', 'rename', 'append', 'getdel', 'mset']);

const simple = (s: string) => `+${s}\r\n`;
const error = (s: string) => `-${s}\r\n`;
const integer = (n: number) => `:${n}\r\n`;
const bulk = (s: string | null) => (s === null ? '$-1\r\n' : `$${Buffer.byteLength(s)}\r\n${s}\r\n`);
const array = (items: (string | null)[]) => `*${items.length}\r\n${items.map(bulk).join('')}`;
const wrongType = error('WRONGTYPE Operation against a key holding the wrong kind of value');

/** A Redis glob (*, ?, [abc], \x) as a regular expression. */
function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) source += '\\[';
      else {
        source += `[${glob.slice(i + 1, end).replace(/^\^/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < glob.length) source += `\\${glob[++i]}`;
    else source += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

/** Reads commands (arrays of bulk strings, or inline lines) from a stream of bytes. */
class CommandReader {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
  }

  next(): string[] | undefined {
    const b = this.buffer;
    const eol = b.indexOf('\r\n');
    if (eol < 0) return undefined;
    if (b[0] !== 0x2a /* '*' */) {
      this.buffer = b.subarray(eol + 2);
      return b.toString('utf8', 0, eol).trim().split(/\s+/).filter(Boolean);
    }
    const count = Number(b.toString('utf8', 1, eol));
    const args: string[] = [];
    let at = eol + 2;
    for (let n = 0; n < count; n++) {
      const end = b.indexOf('\r\n', at);
      if (end < 0 || b[at] !== 0x24 /* '$' */) return undefined;
      const length = Number(b.toString('utf8', at + 1, end));
      if (b.length < end + 2 + length + 2) return undefined;
      args.push(b.toString('utf8', end + 2, end + 2 + length));
      at = end + 2 + length + 2;
    }
    this.buffer = b.subarray(at);
    return args;
  }
}

export class RespServer {
  private password: string;

  constructor(private readonly keys: Map<string, StoredKey>, password: string) {
    this.password = password;
  }

  setPassword(password: string): void {
    this.password = password;
  }

  /** Serves one client connection (plain, or a TLS socket the caller set up). */
  serve(connection: Socket | Duplex): void {
    const reader = new CommandReader();
    let authenticated = this.password === '';
    connection.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      for (let args = reader.next(); args; args = reader.next()) {
        if (args.length === 0) continue;
        const name = args[0].toLowerCase();
        if (name === 'quit') {
          connection.end(simple('OK'));
          return;
        }
        if (name === 'auth' && this.password === '' && args.length === 2) {
          connection.write(error('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?'));
          continue;
        }
        if (name === 'auth') {
          const ok = this.authenticate(args.slice(1));
          authenticated ||= ok;
          connection.write(ok ? simple('OK') : error('WRONGPASS invalid username-password pair or user is disabled.'));
          continue;
        }
        if (!authenticated) {
          connection.write(error('NOAUTH Authentication required.'));
          continue;
        }
        connection.write(this.run(name, args.slice(1)));
      }
    });
  }

  private authenticate(args: string[]): boolean {
    const [user, password] = args.length === 1 ? ['default', args[0]] : args;
    return user === 'default' && this.password !== '' && password === this.password;
  }

  /** The live key, dropping it once its TTL has run out. */
  private get(key: string): StoredKey | undefined {
    const found = this.keys.get(key);
    if (found?.expiresAt !== undefined && found.expiresAt <= Date.now()) {
      this.keys.delete(key);
      return undefined;
    }
    return found;
  }

  private live(): string[] {
    return [...this.keys.keys()].filter((k) => this.get(k));
  }

  private run(name: string, args: string[]): string {
    if (RESTRICTED.has(name)) return error(`NOPERM this user has no permissions to run the '${name}' command`);
    if (WRITES.has(name)) return error("READONLY the sandbox's own RESP server serves a read-only copy");
    const key = args[0];
    switch (name) {
      case 'ping':
        return args.length > 0 ? bulk(args[0]) : simple('PONG');
      case 'echo':
        return bulk(args[0] ?? '');
      case 'select':
        return args[0] === '0' ? simple('OK') : error('ERR DB index is out of range');
      case 'client':
        return simple('OK');
      case 'command':
        return array([]);
      case 'dbsize':
        return integer(this.live().length);
      case 'exists':
        return integer(args.filter((k) => this.get(k)).length);
      case 'type':
        return simple(this.get(key)?.value.type ?? 'none');
      case 'keys': {
        const pattern = globToRegExp(key ?? '*');
        return array(this.live().filter((k) => pattern.test(k)));
      }
      case 'scan':
        return this.scan(args);
      case 'info':
        return bulk('# Server\r\nredis_version:7.2.0\r\nredis_mode:standalone\r\n\r\n# Cluster\r\ncluster_enabled:0\r\n');
      case 'set':
        return this.set(args);
      case 'hset':
      case 'hdel':
        return this.writeHash(name, args);
      case 'ttl':
      case 'pttl': {
        const found = this.get(key);
        if (!found) return integer(-2);
        if (found.expiresAt === undefined) return integer(-1);
        const ms = found.expiresAt - Date.now();
        return integer(name === 'ttl' ? Math.round(ms / 1000) : ms);
      }
      default:
        return this.read(name, args);
    }
  }

  /** SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]: the cursor is an offset into the live keys. */
  private scan(args: string[]): string {
    const cursor = Number(args[0]);
    if (!Number.isInteger(cursor) || cursor < 0) return error('ERR invalid cursor');
    let pattern = /.*/s;
    let count = 10;
    let type: string | undefined;
    for (let i = 1; i + 1 < args.length; i += 2) {
      const option = args[i].toLowerCase();
      if (option === 'match') pattern = globToRegExp(args[i + 1]);
      else if (option === 'count') count = Math.max(1, Number(args[i + 1]) || 10);
      else if (option === 'type') type = args[i + 1].toLowerCase();
      else return error('ERR syntax error');
    }
    const keys = this.live();
    const slice = keys.slice(cursor, cursor + count);
    const next = cursor + count >= keys.length ? 0 : cursor + count;
    const matched = slice.filter((k) => pattern.test(k) && (type === undefined || this.get(k)!.value.type === type));
    return `*2\r\n${bulk(String(next))}${array(matched)}`;
  }

  /** SET key value [XX] [KEEPTTL | PX ms]: without KEEPTTL the TTL goes, as in Redis. */
  private set(args: string[]): string {
    const [key, value, ...options] = args;
    if (value === undefined) return error("ERR wrong number of arguments for 'set' command");
    const found = this.get(key);
    let expiresAt: number | undefined;
    let onlyExisting = false;
    for (let i = 0; i < options.length; i++) {
      const option = options[i].toLowerCase();
      if (option === 'xx') onlyExisting = true;
      else if (option === 'keepttl') expiresAt = found?.expiresAt;
      else if (option === 'px' && Number(options[i + 1]) > 0) expiresAt = Date.now() + Number(options[++i]);
      else return error('ERR syntax error');
    }
    if (onlyExisting && !found) return bulk(null);
    this.keys.set(key, { value: { type: 'string', value }, expiresAt });
    return simple('OK');
  }

  /** HSET key field value [field value …] (a new hash when the key is missing) and HDEL key field [field …]. */
  private writeHash(name: string, args: string[]): string {
    const [key, ...rest] = args;
    const found = this.get(key);
    if (found && found.value.type !== 'hash') return wrongType;
    if (name === 'hset') {
      if (rest.length === 0 || rest.length % 2 !== 0) return error("ERR wrong number of arguments for 'hset' command");
      const hash: Record<string, string> = found?.value.type === 'hash' ? { ...found.value.value } : {};
      let added = 0;
      for (let i = 0; i < rest.length; i += 2) {
        if (!Object.hasOwn(hash, rest[i])) added++;
        hash[rest[i]] = rest[i + 1];
      }
      this.keys.set(key, { value: { type: 'hash', value: hash }, expiresAt: found?.expiresAt });
      return integer(added);
    }
    if (!found || found.value.type !== 'hash') return integer(0);
    const hash = { ...found.value.value };
    const removed = rest.filter((f) => Object.hasOwn(hash, f) && delete hash[f]).length;
    if (Object.keys(hash).length === 0) this.keys.delete(key);
    else this.keys.set(key, { value: { type: 'hash', value: hash }, expiresAt: found.expiresAt });
    return integer(removed);
  }

  private read(name: string, args: string[]): string {
    const found = this.get(args[0]);
    const value = found?.value;
    switch (name) {
      case 'get':
        if (!value) return bulk(null);
        return value.type === 'string' ? bulk(value.value) : wrongType;
      case 'hget':
        if (!value) return bulk(null);
        return value.type === 'hash' ? bulk(value.value[args[1]] ?? null) : wrongType;
      case 'hkeys':
        if (!value) return array([]);
        return value.type === 'hash' ? array(Object.keys(value.value)) : wrongType;
      case 'hmget':
        if (!value) return array(args.slice(1).map(() => null));
        return value.type === 'hash' ? array(args.slice(1).map((f) => (Object.hasOwn(value.value, f) ? (value.value as Record<string, string>)[f] : null))) : wrongType;
      case 'hgetall':
        if (!value) return array([]);
        return value.type === 'hash' ? array(Object.entries(value.value).flat()) : wrongType;
      case 'smembers':
        if (!value) return array([]);
        return value.type === 'set' ? array(value.value) : wrongType;
      case 'lrange': {
        if (!value) return array([]);
        if (value.type !== 'list') return wrongType;
        const n = value.value.length;
        const at = (i: number) => (i < 0 ? Math.max(0, n + i) : i);
        return array(value.value.slice(at(Number(args[1])), at(Number(args[2])) + 1));
      }
      default:
        return error(`ERR unknown command '${name}', with args beginning with: ${args.slice(0, 3).map((a) => `'${a}'`).join(' ')}`);
    }
  }
}
