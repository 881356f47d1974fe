import type { Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import type { ScramSha256Data } from 'pg-gateway';
import { randomBytes } from 'node:crypto';
import type { ColumnType, DataSet } from './dataset.ts';
import type { Engine, EngineSpec, RunningEngine } from './engine.ts';
import { insertsOf } from './sql.ts';

/**
 * PostgreSQL for clones of RDS for PostgreSQL and Aurora PostgreSQL: PGlite (PostgreSQL compiled to
 * WebAssembly, in this process) behind pg-gateway, which speaks the wire protocol with SCRAM-SHA-256 password
 * authentication, so psql and the pg driver connect as to a real server. PGlite is single-session: clients are
 * served one at a time (a second waits until the first disconnects).
 */

const TYPES: Record<ColumnType, string> = { id: 'integer PRIMARY KEY', int: 'integer', text: 'text', money: 'numeric(12,2)', time: 'timestamptz' };
const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
const timeLiteral = (ms: number) => `'${new Date(ms).toISOString()}'`;
/** The Terminate message's type byte: pg-gateway closes the connection itself; PGlite must not see it. */
const TERMINATE = 0x58;

/**
 * PGlite's and pg-gateway's modules, imported when the first engine starts: importing PGlite takes a second or
 * more, which a sandbox nobody connects to should not pay.
 */
const pglite = () => import('@electric-sql/pglite').then((m) => m.PGlite);
const gateway = async () => ({ ...(await import('pg-gateway')), ...(await import('pg-gateway/node')) });

/** The data directory a fresh PGlite starts from (initdb once per process: seconds; loading a copy: about one). */
let initialized: Promise<Blob> | undefined;
/** The same, with a database of each name (and its owner) made. */
const templates = new Map<string, Promise<Blob>>();

async function dump(db: PGlite): Promise<Blob> {
  const blob = await db.dumpDataDir('none');
  await db.close();
  return blob;
}

function templateFor(database: string, username: string): Promise<Blob> {
  const key = `${database}\0${username}`;
  let template = templates.get(key);
  if (!template) {
    initialized ??= pglite().then((PGlite) => PGlite.create()).then(dump);
    template = initialized.then(async (base) => {
      const db = await (await pglite()).create({ loadDataDir: base });
      if (username !== 'postgres') await db.exec(`CREATE ROLE ${quote(username)} SUPERUSER LOGIN`);
      if (database !== 'postgres') await db.exec(`CREATE DATABASE ${quote(database)} OWNER ${quote(username)}`);
      return dump(db);
    });
    // A failure is not remembered: the next clone tries again.
    template.catch(() => {
      templates.delete(key);
      initialized = undefined;
    });
    templates.set(key, template);
  }
  return template;
}

export function schemaSql(data: DataSet): string[] {
  return data.tables.map((t) => `CREATE TABLE ${quote(t.schema.name)} (${t.schema.columns.map((c) => `${quote(c.name)} ${TYPES[c.type]}`).join(', ')});`);
}

/** One client session at a time: PGlite has a single backend. */
class Sessions {
  private tail: Promise<void> = Promise.resolve();
  acquire(): Promise<() => void> {
    let release!: () => void;
    const turn = new Promise<void>((resolve) => (release = resolve));
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => turn);
    return ready;
  }
}

async function startPostgres(spec: EngineSpec): Promise<RunningEngine> {
  const PGlite = await pglite();
  const { createScramSha256Data, fromNodeSocket } = await gateway();
  const db = await PGlite.create({ loadDataDir: await templateFor(spec.database, spec.username), database: spec.database, username: spec.username });
  await db.exec(['BEGIN;', ...schemaSql(spec.data), ...insertsOf(spec.data, quote, timeLiteral), 'COMMIT;'].join('\n'));
  // The version PGlite is (psql adapts to it), not the copy's EngineVersion: the sandbox serves the data, not the version.
  const serverVersion = (await db.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
  let scram: Promise<ScramSha256Data> = createScramSha256Data(spec.password);
  // A user other than the master user gets data no password matches: the same answer as a wrong password.
  const nobody = createScramSha256Data(randomBytes(24).toString('base64'));
  const sessions = new Sessions();
  let stopped = false;

  const serve = (socket: Socket) => {
    let release: (() => void) | undefined;
    socket.once('close', () => {
      if (!release) return;
      const done = release;
      release = undefined;
      // The next session starts clean: whatever this one left open is rolled back.
      void (stopped ? Promise.resolve() : db.exec('ROLLBACK; DISCARD ALL;').catch(() => undefined)).finally(done);
    });
    void fromNodeSocket(socket, {
      serverVersion,
      auth: {
        method: 'scram-sha-256',
        getScramSha256Data: ({ username }) => (username === spec.username ? scram : nobody),
      },
      async onAuthenticated() {
        const done = await sessions.acquire();
        if (socket.destroyed || stopped) return done();
        release = done;
      },
      async onMessage(data, { isAuthenticated }) {
        if (!isAuthenticated || data[0] === TERMINATE || stopped) return undefined;
        return db.execProtocolRaw(data);
      },
    }).catch(() => socket.destroy());
  };

  return {
    serve,
    async setPassword(password) {
      scram = createScramSha256Data(password);
      await scram;
    },
    async stop() {
      stopped = true;
      await db.close().catch(() => undefined);
    },
  };
}

/** An ErrorResponse (FATAL) as a server sends it before authentication, then the connection is closed. */
function refuse(socket: Socket, message: string): void {
  const fields = Buffer.concat([
    ...[['S', 'FATAL'], ['V', 'FATAL'], ['C', '08006'], ['M', message]].map(([k, v]) => Buffer.from(`${k}${v}\0`, 'utf8')),
    Buffer.from([0]),
  ]);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(fields.length + 4, 1);
  socket.end(Buffer.concat([header, fields]));
}

export const postgres: Engine = {
  name: 'PostgreSQL',
  unavailable: () => undefined,
  start: startPostgres,
  refuse,
};
