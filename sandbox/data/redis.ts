import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, TLSSocket, type Server as TlsServer } from 'node:tls';
import type { Certificate } from './certificate.ts';
import { opensslPath } from './certificate.ts';
import type { DataSet, TableSchema } from './dataset.ts';
import type { Engine, EngineSpec, RunningEngine } from './engine.ts';
import type { Keyspace, RedisValue } from './keyspace-history.ts';
import { RespServer } from './resp-server.ts';
import { encodeCommand, ReplyError, ReplyReader, type Reply } from './resp.ts';

/**
 * Redis for ElastiCache clones: Debian's redis-server (package redis-server), one per clone, with no persistence,
 * listening only on a Unix socket in a temporary folder; clients reach it through the clone's loopback port
 * (lazy.ts), where the sandbox ends TLS with its own certificate when the group has in-transit encryption (as
 * ElastiCache's "required" mode: a plain client fails the handshake). The default user takes the group's AUTH
 * token and is denied the commands ElastiCache restricts; a user of the sandbox's own, with a random password
 * that never leaves this process, loads the keys and changes the token. Where redis-server is not installed, the
 * sandbox's own small read-only RESP server (resp-server.ts) holds the keys instead, behind the same TLS and AUTH.
 */

const SERVERS = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'];
const ADMIN = 'snapclone-sandbox';
/** "For clusters running Redis OSS, the following commands are unavailable" (ElastiCache guide, Restricted commands). */
const RESTRICTED = ['bgrewriteaof', 'bgsave', 'config', 'debug', 'migrate', 'replicaof', 'save', 'slaveof', 'shutdown', 'sync'];
const START_TIMEOUT_MS = 10_000;

function serverPath(): string | undefined {
  return SERVERS.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The one table a keyspace travels in through the engine-neutral DataSet: a row per key, its remaining TTL in ms. */
const KEYSPACE: TableSchema = {
  name: 'keyspace',
  columns: [
    { name: 'id', type: 'id' },
    { name: 'key', type: 'text' },
    { name: 'type', type: 'text' },
    { name: 'value', type: 'text' },
    { name: 'ttl_ms', type: 'int' },
  ],
};

/** A keyspace as the engine loads it at `now`: every key with its value and the time it has left (none: no TTL). */
export function keyspaceDataSet(keys: Keyspace, now: number): DataSet {
  const rows = [...keys].map(([key, entry], n) => ({
    id: n + 1,
    key,
    type: entry.value.type,
    value: JSON.stringify(entry.value.value),
    ttl_ms: entry.expiresAt === undefined ? null : entry.expiresAt - now,
  }));
  return { tables: [{ schema: KEYSPACE, rows }] };
}

/** The keys a DataSet made by keyspaceDataSet holds, with the milliseconds each has left. */
function entriesOf(data: DataSet): { key: string; value: RedisValue; ttlMs: number | null }[] {
  const rows = data.tables.find((t) => t.schema.name === KEYSPACE.name)?.rows ?? [];
  return rows.map((row) => ({
    key: String(row.key),
    value: { type: row.type, value: JSON.parse(String(row.value)) } as RedisValue,
    ttlMs: row.ttl_ms === null ? null : Number(row.ttl_ms),
  }));
}

/** The commands that write a keyspace (SET, HSET, RPUSH, SADD, then PEXPIRE). */
function loadCommands(data: DataSet): string[][] {
  return entriesOf(data).flatMap(({ key, value, ttlMs }) => {
    const write =
      value.type === 'string' ? ['SET', key, value.value]
      : value.type === 'hash' ? ['HSET', key, ...Object.entries(value.value).flat()]
      : value.type === 'list' ? ['RPUSH', key, ...value.value]
      : ['SADD', key, ...value.value];
    return ttlMs === null ? [write] : [write, ['PEXPIRE', key, String(ttlMs)]];
  });
}

/** A value in redis.conf: double-quoted, with backslashes and quotes escaped (sdssplitargs). */
const confValue = (value: string) => `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
/** The password rule of ACL SETUSER: `>token`, or `nopass` for a group without an AUTH token. */
const passwordRule = (password: string) => (password === '' ? 'nopass' : `>${password}`);

function configOf(dir: string, socketPath: string, password: string, adminPassword: string): string {
  const restricted = RESTRICTED.map((c) => `-${c}`).join(' ');
  return [
    'port 0',
    `unixsocket ${confValue(socketPath)}`,
    'unixsocketperm 700',
    `dir ${confValue(dir)}`,
    'save ""',
    'appendonly no',
    'daemonize no',
    'loglevel warning',
    'logfile ""',
    `user default on ${confValue(passwordRule(password))} ~* &* +@all ${restricted}`,
    `user ${ADMIN} on ${confValue(`>${adminPassword}`)} ~* &* +@all`,
    '',
  ].join('\n');
}

/** Every folder and server this process started, removed and killed when it exits, whatever happened before. */
const leftovers = { dirs: new Set<string>(), servers: new Set<ChildProcess>() };
let exitHookInstalled = false;
function track(dir: string, server: ChildProcess): void {
  leftovers.dirs.add(dir);
  leftovers.servers.add(server);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const s of leftovers.servers) s.kill('SIGKILL');
    for (const d of leftovers.dirs) rmSync(d, { recursive: true, force: true });
  });
}

/** A connection to the server as the sandbox's own user: commands pipelined, replies in order. */
class AdminConnection {
  private readonly reader = new ReplyReader();
  private readonly waiting: ((reply: Reply) => void)[] = [];
  private failure: Error | undefined;

  constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.reader.push(chunk);
      for (const reply of this.reader.take()) this.waiting.shift()?.(reply);
    });
    const fail = (error: Error) => {
      this.failure = error;
      for (const resolve of this.waiting.splice(0)) resolve(new ReplyError(error.message));
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the connection to redis-server closed')));
  }

  /** Sends commands at once; resolves with their replies, or rejects with the first error reply. */
  async run(commands: string[][]): Promise<Reply[]> {
    if (this.failure) throw this.failure;
    const replies = commands.map((command) => {
      const reply = new Promise<Reply>((resolve) => this.waiting.push(resolve));
      this.socket.write(encodeCommand(command));
      return reply;
    });
    const all = await Promise.all(replies);
    const error = all.find((r) => r instanceof ReplyError);
    if (error) throw new Error(`redis-server answered ${(error as ReplyError).message}`);
    return all;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Connects to the server's socket, trying again while it starts (or until it exits). */
async function connectWhenReady(socketPath: string, server: ChildProcess, output: () => string): Promise<Socket> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`redis-server exited (${server.exitCode ?? server.signalCode}): ${output()}`);
    }
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = connect(socketPath);
        socket.once('connect', () => resolve(socket));
        socket.once('error', reject);
      });
    } catch {
      if (Date.now() > deadline) throw new Error(`redis-server did not start within ${START_TIMEOUT_MS / 1000} s: ${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** Passes bytes both ways between a client and the server's socket until either side closes. */
function pipeTo(client: Socket, socketPath: string): void {
  const upstream = connect(socketPath);
  client.pipe(upstream);
  upstream.pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  for (const side of [client, upstream]) {
    side.on('error', close);
    side.on('close', close);
  }
}

function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => server.kill('SIGKILL'), 3000);
    server.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    server.kill('SIGTERM');
  });
}

async function startServer(spec: EngineSpec, certificate: Certificate | undefined): Promise<RunningEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'snapclone-redis-'));
  const socketPath = join(dir, 'redis.sock');
  const adminPassword = randomBytes(24).toString('hex');
  // The configuration (with the token) goes in on stdin: never in argv, where other users of the machine could read it.
  const server = spawn(serverPath()!, ['-'], { stdio: ['pipe', 'pipe', 'pipe'] });
  track(dir, server);
  let log = '';
  const keep = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-1000));
  server.stdout!.on('data', keep);
  server.stderr!.on('data', keep);
  server.stdin!.end(configOf(dir, socketPath, spec.password, adminPassword));
  const cleanUp = async () => {
    await stopServer(server);
    leftovers.servers.delete(server);
    rmSync(dir, { recursive: true, force: true });
    leftovers.dirs.delete(dir);
  };

  let admin: AdminConnection;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('spawn', resolve);
      server.once('error', reject);
    });
    admin = new AdminConnection(await connectWhenReady(socketPath, server, () => log.trim()));
    await admin.run([['AUTH', ADMIN, adminPassword], ...loadCommands(spec.data)]);
  } catch (error) {
    await cleanUp();
    throw error;
  }

  return {
    serve: frontOf(certificate, (client) => pipeTo(client, socketPath)),
    async setPassword(password) {
      await admin.run([['ACL', 'SETUSER', 'default', 'resetpass', passwordRule(password)]]);
    },
    async stop() {
      admin.close();
      await cleanUp();
    },
  };
}

/** Hands each client to `serve`: through TLS with the certificate when there is one, else as it comes. */
function frontOf(certificate: Certificate | undefined, serve: (client: Socket) => void): (socket: Socket) => void {
  if (!certificate) return serve;
  const tls: TlsServer = createTlsServer({ key: certificate.key, cert: certificate.cert }, serve);
  tls.on('tlsClientError', (_error, socket) => socket.destroy());
  return (socket) => tls.emit('connection', socket);
}

/** The sandbox's own RESP server (resp-server.ts) holding the keys, where redis-server is not installed. */
function startOwnServer(spec: EngineSpec, certificate: Certificate | undefined): RunningEngine {
  const now = Date.now();
  const keys = new Map(entriesOf(spec.data).map(({ key, value, ttlMs }) => [key, { value, expiresAt: ttlMs === null ? undefined : now + ttlMs }]));
  const server = new RespServer(keys, spec.password);
  return {
    serve: frontOf(certificate, (client) => server.serve(client)),
    async setPassword(password) {
      server.setPassword(password);
    },
    async stop() {},
  };
}

/** Writes a RESP error and closes: over TLS when the group has it (what the client expects to read), else plainly. */
function refuseWith(socket: Socket, message: string, certificate: Promise<Certificate> | undefined): void {
  const error = `-ERR ${message.replace(/[\r\n]+/g, ' ')}\r\n`;
  if (!certificate) {
    socket.end(error);
    return;
  }
  certificate.then(
    (c) => {
      const secure = new TLSSocket(socket, { isServer: true, key: c.key, cert: c.cert });
      secure.on('error', () => socket.destroy());
      secure.once('secure', () => secure.end(error));
    },
    () => socket.end(error),
  );
}

/**
 * The Redis engine: with `certificate`, clients must speak TLS and are given that certificate (one per sandbox:
 * data-plane.ts); without it, plain RESP (a group without in-transit encryption). redis-server where installed
 * (`installed: false` forces the sandbox's own server, for its tests), else the sandbox's own RESP server.
 */
export function redisEngine(certificate?: () => Promise<Certificate>, options: { installed?: boolean } = {}): Engine {
  const useInstalled = () => options.installed !== false && serverPath() !== undefined;
  return {
    name: 'Redis',
    unavailable() {
      if (certificate && !opensslPath()) return 'openssl is not installed (it makes the TLS certificate the clone presents)';
      return undefined;
    },
    async start(spec) {
      const tls = certificate ? await certificate() : undefined;
      return useInstalled() ? startServer(spec, tls) : startOwnServer(spec, tls);
    },
    refuse(socket, message) {
      refuseWith(socket, message, certificate && opensslPath() ? certificate() : undefined);
    },
  };
}

/** Whether clones are served by redis-server (else by the sandbox's own RESP server), for messages and tests. */
export const redisServerInstalled = (): boolean => serverPath() !== undefined;
