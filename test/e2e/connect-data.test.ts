// Issue 22, "snapclone connect against the sandbox runs psql -c 'select count(*) …' and redis-cli … DBSIZE
// through it": clones made with `snapclone create` under the generated policy (IAM enforced), reached with
// `snapclone connect NAME -- <the engine's own client>` as a user types it; what the client prints is the source's
// state at the clone's time; the password is in the client's environment only, never on a command line or in
// anything snapclone or the client says.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as connect from '../../src/commands/connect.ts';
import { stateAt } from '../../sandbox/data/history.ts';
import { keyspaceHistoryOf, restoredKeyspace } from '../../sandbox/data/keyspace-history.ts';
import { opensslPath } from '../../sandbox/data/certificate.ts';
import { lineageOfGroup } from '../../sandbox/services/elasticache/data-plane.ts';
import { elasticacheState } from '../../sandbox/services/elasticache/state.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION } from '../../sandbox/scenario/index.ts';
import { startCli, type TestCli } from '../cli/support.ts';
import { deleteClone, historyOfSource, lineage, makeClone, type CloneUnderTest } from './data-support.ts';

/** A first connection starts PGlite (seconds; more on a busy machine). */
const SLOW = 240_000;
const installed = (program: string) => ['/usr/bin', '/usr/local/bin'].some((dir) => existsSync(join(dir, program)));
const noPsql = installed('psql') ? undefined : "psql is not installed (Debian's package postgresql-client)";
const noRedisCli = !installed('redis-cli') ? "redis-cli is not installed (Debian's package redis-tools)" : !opensslPath() ? 'openssl is not installed' : undefined;

let cli: TestCli;
let home: string;
beforeAll(async () => {
  if (!noPsql || !noRedisCli) cli = await startCli();
  home = mkdtempSync(join(tmpdir(), 'snapclone-connect-data-'));
});
afterAll(async () => {
  await cli?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

/**
 * `snapclone connect <clone> -- <command…>` as the user alice, the client's environment only PATH and an empty
 * HOME (no ~/.psqlrc, no ~/.pgpass): everything else it knows comes from connect. Checks that the clone's
 * password appears nowhere snapclone or the client wrote, and returns what the client printed.
 */
async function connectAndRun(clone: CloneUnderTest, command: string[]): Promise<{ stdout: string; running: string }> {
  const stdout = capture();
  const stderr = capture();
  const { ctx, reporter } = cli.context();
  const result = await connect.run({ clone: clone.name, command, env: { PATH: process.env.PATH, HOME: home }, output: { stdout: stdout.stream, stderr: stderr.stream } }, ctx);
  expect(result.exitCode, stderr.text()).toBe(0);
  expect(result.json).toMatchObject({ clone: clone.name, via: 'direct', host: '127.0.0.1', port: clone.creds.port, exitCode: 0 });
  for (const said of [stdout.text(), stderr.text(), reporter.text, JSON.stringify(result)]) expect(said).not.toContain(clone.creds.password);
  return { stdout: stdout.text().trim(), running: reporter.text };
}

describe.skipIf(noPsql !== undefined)('snapclone connect billing-db clone -- psql', () => {
  it("psql -c 'select count(*) from payments' prints the number of payments at the clone's restore time", async () => {
    const clone = await makeClone(cli, 'billing-db', { date: cli.day(6) });
    expect(lineage(cli, clone.arn)).toEqual({ sourceId: 'billing-prod', at: clone.at });
    const payments = stateAt(historyOfSource(cli, 'billing-prod'), clone.at).tables.find((t) => t.schema.name === 'payments')!.rows.length;
    expect(payments).toBeGreaterThan(0);
    // The count of today differs, so the number printed is the day's, not any day's.
    expect(stateAt(historyOfSource(cli, 'billing-prod'), cli.sb.world.clock.nowMs()).tables.find((t) => t.schema.name === 'payments')!.rows.length).not.toBe(payments);

    const { stdout, running } = await connectAndRun(clone, ['psql', '-At', '-c', 'select count(*) from payments']);
    expect(stdout).toBe(String(payments));
    // psql is run as written: libpq takes everything from PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE.
    expect(running).toContain(`${clone.name}: postgresql://${clone.creds.username}@127.0.0.1:${clone.creds.port}/`);
    expect(running).toMatch(/running psql(\n|$)/);
    await deleteClone(cli, clone.name);
  }, SLOW);
});

describe.skipIf(noRedisCli !== undefined)('snapclone connect sessions-cache clone -- redis-cli', () => {
  it("redis-cli --insecure DBSIZE prints the number of keys the cache held at the snapshot's time (connect adds -h, -p and --tls)", async () => {
    const clone = await makeClone(cli, 'sessions-cache', { date: cli.day(5) });
    const arn = elasticacheState(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION).replicationGroups.get(clone.name)!.arn;
    expect(lineageOfGroup(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION, arn)).toEqual({ sourceId: 'sessions-prod', at: clone.at });
    // The snapshot's keys, less those whose TTL ran out since (on the sandbox's clock).
    const keys = restoredKeyspace(keyspaceHistoryOf(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION, 'sessions-prod')!, clone.at, cli.sb.world.clock.nowMs());
    expect(keys.size).toBeGreaterThan(100);

    // The sandbox's certificate is self-signed: --insecure (or --cacert), as with redis-cli without snapclone.
    const { stdout, running } = await connectAndRun(clone, ['redis-cli', '--insecure', 'DBSIZE']);
    expect(stdout).toBe(String(keys.size));
    expect(running).toContain(`running redis-cli -h 127.0.0.1 -p ${clone.creds.port} --tls`);

    // What the user passes is kept: their own -h/-p/--tls are not doubled.
    const again = await connectAndRun(clone, ['redis-cli', '--tls', '-h', '127.0.0.1', '-p', String(clone.creds.port), '--insecure', 'DBSIZE']);
    expect(again.stdout).toBe(String(keys.size));
    expect(again.running).toMatch(/running redis-cli(\n|$)/);
    await deleteClone(cli, clone.name);
  }, SLOW);
});

for (const missing of [noPsql, noRedisCli].filter((m) => m !== undefined)) {
  describe('snapclone connect with a client', () => {
    it(`is not tested here: ${missing}`, () => {
      expect(missing).toBeTruthy();
    });
  });
}
