import type { Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import type { ScramSha256Data } from 'pg-gateway';
import { randomBytes } from 'node:crypto';
import type { ColumnType, DataSet } from './dataset.ts';
import type { Engine, EngineSpec, RunningEngine } from './engine.ts';
import { insertsOf, literal } from './sql.ts';

/**
 * PostgreSQL for clones of RDS for PostgreSQL and Aurora PostgreSQL: PGlite (PostgreSQL compiled to
 * WebAssembly, in this process) behind pg-gateway, which speaks the wire protocol with SCRAM-SHA-256 password
 * authentication, so psql and the pg driver connect as to a real server. PGlite is single-session: clients are
 * served one at a time (a second waits until the first disconnects).
 *
 * Authentication is PostgreSQL's own: a LOGIN role's SCRAM verifier is read from PGlite's pg_authid when it
 * connects, and the master password the sandbox sets (restore, ModifyDBInstance/ModifyDBCluster) is an
 * ALTER ROLE … PASSWORD inside PGlite. So `ALTER ROLE CURRENT_USER PASSWORD '…'` over the wire takes effect
 * for the next connection, as on RDS, and the sandbox does not know the new password (nor does RDS).
 */

const TYPES: Record<ColumnType, string> = { id: 'integer PRIMARY KEY', int: 'integer', text: 'text', money: 'numeric(12,2)', time: 'timestamptz', date: 'date' };
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

/** PostgreSQL's stored SCRAM verifier: SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey> (base64). */
const VERIFIER = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/;

/** A role's pg_authid.rolpassword as pg-gateway's SCRAM data; undefined for none, an MD5 hash or anything else. */
export function scramDataOf(rolpassword: string | null | undefined): ScramSha256Data | undefined {
  const m = VERIFIER.exec(rolpassword ?? '');
  return m ? { iterations: Number(m[1]), salt: m[2], storedKey: m[3], serverKey: m[4] } : undefined;
}

/**
 * The SCRAM data of a role that may log in now (LOGIN, a SCRAM password, not past VALID UNTIL), as PostgreSQL
 * checks it; undefined otherwise. Read while no other session uses PGlite's single backend.
 */
async function loginVerifier(db: PGlite, username: string): Promise<ScramSha256Data | undefined> {
  const found = await db.query<{ rolpassword: string | null }>(
    'SELECT rolpassword FROM pg_authid WHERE rolname = $1 AND rolcanlogin AND (rolvaliduntil IS NULL OR rolvaliduntil > now())',
    [username],
  );
  return scramDataOf(found.rows[0]?.rolpassword);
}

const setPasswordSql = (username: string, password: string) => `ALTER ROLE ${quote(username)} PASSWORD ${literal(password)}`;

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
  // PGlite computes the SCRAM verifier itself (password_encryption is scram-sha-256).
  await db.exec(['BEGIN;', ...schemaSql(spec.data), ...insertsOf(spec.data, quote, timeLiteral), `${setPasswordSql(spec.username, spec.password)};`, 'COMMIT;'].join('\n'));
  // The version PGlite is (psql adapts to it), not the copy's EngineVersion: the sandbox serves the data, not the version.
  const serverVersion = (await db.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
  // A role that may not log in (none of that name, NOLOGIN, no password) gets data no password matches: the same
  // answer as a wrong password.
  const nobody = createScramSha256Data(randomBytes(24).toString('base64'));
  const sessions = new Sessions();
  let stopped = false;

  const serve = (socket: Socket) => {
    let release: (() => void) | undefined;
    let closed = false;
    socket.once('close', () => {
      closed = true;
      if (!release) return;
      const done = release;
      release = undefined;
      // The next session starts clean: whatever this one left open is rolled back, its role reset.
      // Two statements, two calls: DISCARD ALL refuses to run in the implicit transaction of a multi-statement query.
      const reset = async () => {
        await db.exec('ROLLBACK').catch(() => undefined);
        await db.exec('DISCARD ALL').catch(() => undefined);
        // PGlite's DISCARD ALL leaves the session authorization another role's session set: set it back.
        await db.exec(`SET SESSION AUTHORIZATION ${quote(spec.username)}`).catch(() => undefined);
      };
      void (stopped ? Promise.resolve() : reset()).finally(done);
    });
    /** The session is taken before authentication: the role's verifier is read from the single backend. */
    const take = async (): Promise<boolean> => {
      if (release) return true;
      const done = await sessions.acquire();
      if (closed || socket.destroyed || stopped) {
        done();
        return false;
      }
      release = done;
      return true;
    };
    void fromNodeSocket(socket, {
      serverVersion,
      auth: {
        method: 'scram-sha-256',
        getScramSha256Data: async ({ username }) => ((await take()) && (await loginVerifier(db, username))) || nobody,
      },
      async onAuthenticated(state) {
        const user = state.clientParams?.user;
        // PGlite's backend runs as the master user (a superuser): another role's session runs as that role.
        if (user && user !== spec.username && !stopped) await db.exec(`SET SESSION AUTHORIZATION ${quote(user)}`);
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
      // Between sessions: inside an open one, its ROLLBACK at the end would undo the change.
      const done = await sessions.acquire();
      try {
        if (!stopped) await db.exec(setPasswordSql(spec.username, password));
      } finally {
        done();
      }
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
