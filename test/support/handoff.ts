import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import pg from 'pg';
import { expect } from 'vitest';
import { stateAt } from '../../sandbox/data/history.ts';
import { mysqlAvailable, mysqlClient } from '../../sandbox/data/mysql.ts';
import { historyOf } from '../../sandbox/data/sources.ts';
import { lineageOfCopy } from '../../sandbox/services/rds/data-plane.ts';
import type { World } from '../../sandbox/core/world.ts';

const run = promisify(execFile);

/** The `key=value` lines of an opened age hand-off. */
export function handoffFields(opened: string): Record<string, string> {
  return Object.fromEntries(
    opened
      .split('\n')
      .map((line) => /^([a-z]+)=(.*)$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  );
}

/** `select count(*)` with the stock mysql client, the password in its environment (MYSQL_PWD), as a person runs it. */
async function mysqlCount(h: Record<string, string>, table: string): Promise<number> {
  const out = await run(mysqlClient()!, ['--no-defaults', `--host=${h.host}`, `--port=${h.port}`, `--user=${h.user}`, `--database=${h.database}`, '--batch', '--skip-column-names', '-e', `select count(*) from ${table}`], {
    env: { PATH: process.env.PATH, MYSQL_PWD: h.password },
  });
  return Number(out.stdout.trim());
}

async function postgresCount(h: Record<string, string>, table: string): Promise<number> {
  const client = new pg.Client({ host: h.host, port: Number(h.port), user: h.user, password: h.password, database: h.database ?? 'postgres' });
  await client.connect();
  try {
    return Number((await client.query(`select count(*) from ${table}`)).rows[0].count);
  } finally {
    await client.end();
  }
}

/** What the clone's port says first (a MySQL server's greeting or refusal packet), as text. */
function firstWords(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    let said = '';
    socket.setTimeout(20_000, () => socket.destroy(new Error(`${host}:${port} said nothing`)));
    socket.on('data', (c: Buffer) => (said += c.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => resolve(said));
  });
}

/**
 * The requester, with nothing but what the hand-off gave them, connects to the clone with the engine's own
 * client (the mysql client, the pg driver) and counts the rows of each table: the count is the source's at the
 * clone's restore time (the sandbox's record of what the copy holds, which must also be the time snapclone
 * recorded on the clone, `restoreTime`). Where MariaDB is not installed the clone's port says so instead.
 */
export async function requesterReachesClone(
  world: World,
  account: string,
  region: string,
  clone: { arn: string; engine: string; restoreTime: number },
  handoff: Record<string, string>,
): Promise<void> {
  const held = lineageOfCopy(world, account, region, clone.arn);
  expect(held, 'the clone holds its source\'s data').toBeDefined();
  expect(held!.at).toBe(clone.restoreTime);
  const data = stateAt(historyOf(world, account, region, held!.sourceId)!, held!.at);
  const postgres = clone.engine.includes('postgres');
  if (!postgres && !mysqlAvailable()) {
    expect(await firstWords(handoff.host, Number(handoff.port))).toContain('MariaDB is not installed');
    return;
  }
  for (const table of data.tables) {
    expect(table.rows.length).toBeGreaterThan(0);
    const count = postgres ? await postgresCount(handoff, table.schema.name) : await mysqlCount(handoff, table.schema.name);
    expect(count, table.schema.name).toBe(table.rows.length);
  }
}
