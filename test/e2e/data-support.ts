import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { expect } from 'vitest';
import * as create from '../../src/commands/create.ts';
import * as credentials from '../../src/commands/credentials.ts';
import * as del from '../../src/commands/delete.ts';
import { textOf, type DataSet } from '../../sandbox/data/dataset.ts';
import { changesBetween, stateAt, type History } from '../../sandbox/data/history.ts';
import { mysqlClient } from '../../sandbox/data/mysql.ts';
import { historyOf } from '../../sandbox/data/sources.ts';
import { lineageOfCopy } from '../../sandbox/services/rds/data-plane.ts';
import { rdsState } from '../../sandbox/services/rds/state.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION } from '../../sandbox/scenario/index.ts';
import { createdClones, everything, type TestCli } from '../cli/support.ts';

/**
 * What the data-plane suites share: a clone made with `snapclone create`, its credentials from `snapclone
 * credentials` (as JSON, as a user would pipe them), and its rows read with the engine's own client (the pg
 * driver; the mariadb client program) compared with the source's history at the clone's restore time.
 */

const run = promisify(execFile);
const DAY = 86_400_000;

export interface Credentials {
  host: string;
  port: number;
  username: string;
  password: string;
  database: string;
}

/** Every table's rows in id order, each as the text both engines print for its values. */
export type Rows = Record<string, string[][]>;

export function expectedRows(data: DataSet): Rows {
  return Object.fromEntries(data.tables.map((t) => [t.schema.name, t.rows.map((row) => t.schema.columns.map((c) => textOf(c.type, row[c.name] ?? null) ?? 'NULL'))]));
}

/** PostgreSQL's `date` type. */
const DATE_OID = 1082;

export async function readPostgres(c: Credentials, like: DataSet): Promise<Rows> {
  const client = new pg.Client({ host: c.host, port: c.port, user: c.username, password: c.password, database: c.database });
  await client.connect();
  try {
    const rows: Rows = {};
    for (const t of like.tables) {
      // Dates as PostgreSQL prints them (the driver would make a local-time Date of a `date`).
      const out = await client.query({ text: `SELECT * FROM "${t.schema.name}" ORDER BY id`, rowMode: 'array', types: { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === DATE_OID ? (v: string) => v : pg.types.getTypeParser(oid, format)) } });
      rows[t.schema.name] = out.rows.map((r: unknown[]) => r.map((v) => (v instanceof Date ? v.toISOString() : v === null ? 'NULL' : String(v))));
    }
    return rows;
  } finally {
    await client.end();
  }
}

/** Runs the stock mariadb client (the password in its environment, as MYSQL_PWD). */
export async function mysqlQuery(c: Credentials, sql: string): Promise<string> {
  const out = await run(mysqlClient()!, ['--no-defaults', `--host=${c.host}`, `--port=${c.port}`, `--user=${c.username}`, `--database=${c.database}`, '--batch', '--skip-column-names', '-e', sql], {
    env: { PATH: process.env.PATH, MYSQL_PWD: c.password },
  });
  return out.stdout;
}

export async function readMysql(c: Credentials, like: DataSet): Promise<Rows> {
  const rows: Rows = {};
  for (const t of like.tables) {
    const out = await mysqlQuery(c, `SELECT * FROM \`${t.schema.name}\` ORDER BY id`);
    const types = t.schema.columns.map((col) => col.type);
    rows[t.schema.name] = out
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.split('\t').map((v, i) => (types[i] === 'time' ? `${v.replace(' ', 'T')}Z` : v)));
  }
  return rows;
}

/** The error with which a connection attempt fails (fails the test when it succeeds). */
export async function refusal(attempt: Promise<unknown>): Promise<string> {
  try {
    await attempt;
  } catch (error) {
    const e = error as Error & { code?: string; stderr?: string };
    return `${e.code ?? ''} ${e.message} ${e.stderr ?? ''}`;
  }
  throw new Error('the connection was accepted');
}

export interface CloneUnderTest {
  name: string;
  arn: string;
  /** The restore time snapclone records on the clone (the time asked for with --at, else the restore point's). */
  at: number;
  creds: Credentials;
}

/** `snapclone create <source> …` (waiting), then `snapclone credentials <clone>`. */
export async function makeClone(cli: TestCli, source: string, options: Partial<create.CreateOptions>): Promise<CloneUnderTest> {
  const { ctx, reporter } = cli.context();
  const result = await create.run({ sources: [source], wait: true, ...options }, ctx);
  const entry = createdClones(result.json)[0];
  expect(entry).toMatchObject({ ready: true, status: 'available' });
  const creds = (await credentials.run({ clone: entry.name }, cli.context().ctx)).json as Credentials;
  expect(creds.host).toBe('127.0.0.1');
  // Secrets stay out of what create said.
  expect(everything(result, reporter)).not.toContain(creds.password);
  return { name: entry.name, arn: entry.arn, at: Date.parse(entry.restoreTime ?? entry.point.at ?? entry.point.time), creds };
}

export async function deleteClone(cli: TestCli, name: string): Promise<void> {
  await del.run({ clones: [name], yes: true, wait: true }, cli.context().ctx);
}

export const historyOfSource = (cli: TestCli, id: string): History => historyOf(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION, id)!;

/** What the sandbox serves the copy with (read from its state, not through the API under test). */
export const servedCopy = (cli: TestCli, arn: string) => rdsState(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION).dataPlanes.get(arn);
export const lineage = (cli: TestCli, arn: string) => lineageOfCopy(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION, arn);

/**
 * A time, to the second, at which the source's data changed, about `daysAgo` days before the sandbox's now:
 * the state one second earlier differs, so only a point-in-time restore to that very second holds it.
 */
export function changeTime(cli: TestCli, history: History, daysAgo: number): number {
  const now = cli.sb.world.clock.nowMs();
  const change = changesBetween(history, now - daysAgo * DAY, now - (daysAgo - 1) * DAY)[0];
  expect(expectedRows(stateAt(history, change.at))).not.toEqual(expectedRows(stateAt(history, change.at - 1000)));
  return change.at;
}
