// Issue 23: a clone's engines authenticate as the real ones do — a password changed over the wire by the master
// user (the masking lock) takes effect at once, the old one is refused, and a password the sandbox sets again
// (ModifyDBInstance with the same password) replaces whatever the database user set meanwhile.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import mysql2 from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateAt, type History } from '../../sandbox/data/history.ts';
import { serveLazily, type LazyEndpoint } from '../../sandbox/data/lazy.ts';
import { billing, ordersModel } from '../../sandbox/data/models.ts';
import { mysql, mysqlAvailable } from '../../sandbox/data/mysql.ts';
import { postgres, scramDataOf } from '../../sandbox/data/postgres.ts';

const run = promisify(execFile);
const ORIGIN = Date.UTC(2026, 9, 1);
const PSQL = ['/usr/bin/psql', '/usr/local/bin/psql'].find((p) => existsSync(p));

/** An engine served on loopback whose password and password sets the test controls, as RDS's handlers do. */
function served(engine: typeof postgres, history: History, database: string, username: string) {
  const state = { password: 'first-Password-1', sets: 0 };
  const endpoint = serveLazily(engine, {
    data: () => stateAt(history, ORIGIN + 5 * 86_400_000),
    database,
    username,
    password: () => state.password,
    passwordSets: () => state.sets,
  });
  return { state, endpoint };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('PostgreSQL clones authenticate from pg_authid', () => {
  let endpoint: LazyEndpoint;
  let state: { password: string; sets: number };
  beforeAll(async () => {
    ({ endpoint, state } = served(postgres, { model: billing, seed: 'pw', origin: ORIGIN }, 'billing', 'postgres'));
    await settle();
  });
  afterAll(() => endpoint?.stop());

  const open = async (user: string, password: string) => {
    const client = new pg.Client({ host: '127.0.0.1', port: endpoint.port, user, password, database: 'billing' });
    // A refused client closes its connection (the sandbox's PGlite serves one session at a time).
    await client.connect().catch(async (error: unknown) => {
      await client.end().catch(() => undefined);
      throw error;
    });
    return client;
  };
  const query = async (user: string, password: string, sql: string) => {
    const client = await open(user, password);
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };
  const refused = (user: string, password: string) => expect(open(user, password)).rejects.toThrow(/password authentication failed|SASL|authentication/i);

  it('the master password is stored by PostgreSQL itself, as a SCRAM-SHA-256 verifier', async () => {
    const rows = await query('postgres', state.password, "SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'");
    const data = scramDataOf(rows[0].rolpassword as string);
    expect(data).toMatchObject({ iterations: 4096, salt: expect.any(String), storedKey: expect.any(String), serverKey: expect.any(String) });
    expect(rows[0].rolpassword).not.toContain(state.password);
    await refused('postgres', 'not-the-password');
  }, 120_000);

  it('ALTER ROLE CURRENT_USER PASSWORD over the wire takes effect at once: the old password is refused (pg driver and psql)', async () => {
    const old = state.password;
    await query('postgres', old, "ALTER ROLE CURRENT_USER PASSWORD 'locked-Password-2'");
    await refused('postgres', old);
    expect(await query('postgres', 'locked-Password-2', 'SELECT current_user AS u')).toEqual([{ u: 'postgres' }]);
    if (PSQL) {
      const psql = (password: string) =>
        run(PSQL, ['-h', '127.0.0.1', '-p', String(endpoint.port), '-U', 'postgres', '-d', 'billing', '-tAc', 'SELECT count(*) FROM customers'], { env: { PATH: process.env.PATH, PGPASSWORD: password } });
      expect(Number((await psql('locked-Password-2')).stdout)).toBeGreaterThan(0);
      const failed = await psql(old).catch((e: { stderr: string }) => e);
      expect((failed as { stderr: string }).stderr).toContain('password authentication failed');
    }
  });

  it('the sandbox setting the same password again (ModifyDBInstance) replaces the one set over the wire', async () => {
    state.sets += 1;
    expect(await query('postgres', state.password, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await refused('postgres', 'locked-Password-2');
  });

  it('a new password from the sandbox applies, the previous one is refused', async () => {
    const previous = state.password;
    state.password = 'second-Password-3';
    state.sets += 1;
    expect(await query('postgres', state.password, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await refused('postgres', previous);
  });

  it('any LOGIN role with a password signs in as itself; NOLOGIN, no password or no such role are refused alike', async () => {
    await query('postgres', state.password, [
      "CREATE ROLE reader LOGIN PASSWORD 'reader-Password-4'",
      "CREATE ROLE masker NOLOGIN PASSWORD 'masker-Password-5'",
      'CREATE ROLE nopass LOGIN',
      'GRANT SELECT ON customers TO reader',
    ].join('; '));
    const rows = await query('reader', 'reader-Password-4', 'SELECT current_user AS u, session_user AS s, (SELECT count(*)::int FROM customers) AS n');
    expect(rows[0]).toMatchObject({ u: 'reader', s: 'reader' });
    expect(rows[0].n).toBeGreaterThan(0);
    await expect(query('reader', 'reader-Password-4', 'SELECT * FROM payments')).rejects.toThrow(/permission denied/);
    await refused('masker', 'masker-Password-5');
    await refused('nopass', 'any-Password');
    await refused('nobody-here', 'x');
    // The next master session is the master again: the reader's session authorization did not stay.
    expect(await query('postgres', state.password, 'SELECT current_user AS u')).toEqual([{ u: 'postgres' }]);
  });
});

describe.skipIf(!mysqlAvailable())(mysqlAvailable() ? 'MariaDB clones' : `MariaDB clones: SKIPPED, ${mysql.unavailable()}`, () => {
  let endpoint: LazyEndpoint;
  let state: { password: string; sets: number };
  beforeAll(async () => {
    ({ endpoint, state } = served(mysql, { model: ordersModel, seed: 'pw', origin: ORIGIN }, 'orders', 'admin'));
    await settle();
  });
  afterAll(() => endpoint?.stop());

  const query = async (password: string, sql: string, values?: unknown[]) => {
    const connection = await mysql2.createConnection({ host: '127.0.0.1', port: endpoint.port, user: 'admin', password, database: 'orders' });
    try {
      return (await connection.query(sql, values))[0];
    } finally {
      await connection.end();
    }
  };

  // MariaDB 10.11 answers `ALTER USER CURRENT_USER() IDENTIFIED BY …` with OK and changes nothing for 'admin'@'%'
  // (seen on 10.11.19): a lock names the account CURRENT_USER() returns, which works on MariaDB and MySQL alike.
  it('the master user changes its own password (ALTER USER on the account CURRENT_USER() names): the old one is refused at once', async () => {
    const old = state.password;
    expect(await query(old, 'SELECT COUNT(*) AS n FROM customers')).toEqual([{ n: expect.any(Number) }]);
    const [{ account }] = (await query(old, 'SELECT CURRENT_USER() AS account')) as { account: string }[];
    expect(account).toBe('admin@%');
    const at = account.lastIndexOf('@');
    await query(old, 'ALTER USER ?@? IDENTIFIED BY ?', [account.slice(0, at), account.slice(at + 1), 'locked-Password-2']);
    await expect(query(old, 'SELECT 1')).rejects.toThrow(/Access denied/);
    expect(await query('locked-Password-2', 'SELECT CURRENT_USER() AS u')).toEqual([{ u: 'admin@%' }]);
  }, 120_000);

  it('the sandbox setting the same password again replaces the one set over the wire', async () => {
    state.sets += 1;
    expect(await query(state.password, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await expect(query('locked-Password-2', 'SELECT 1')).rejects.toThrow(/Access denied/);
  });
});
