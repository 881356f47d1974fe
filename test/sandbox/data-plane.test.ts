// Issue 22: the sandbox's data plane below snapclone — the histories of data, copies served lazily on loopback by
// real engines, what a client is told when an engine cannot run, and that closing the sandbox leaves nothing behind.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient, RestoreDBInstanceToPointInTimeCommand } from '@aws-sdk/client-rds';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../sandbox/core/clock.ts';
import { changesBetween, stateAt, type History } from '../../sandbox/data/history.ts';
import { serveLazily } from '../../sandbox/data/lazy.ts';
import { billing, catalog, ordersModel } from '../../sandbox/data/models.ts';
import { mysql, mysqlAvailable, mysqlClient, mysqlFolders } from '../../sandbox/data/mysql.ts';
import { postgres } from '../../sandbox/data/postgres.ts';
import { historyOf } from '../../sandbox/data/sources.ts';
import { masterPasswordOf, rdsState } from '../../sandbox/services/rds/state.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION, DEV_SUBNET_GROUP } from '../../sandbox/scenario/index.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const run = promisify(execFile);
const MINUTE = 60_000;
const ORIGIN = Date.UTC(2026, 9, 1);
const history = (seed: string, model = billing): History => ({ model, seed, origin: ORIGIN });
const rowsOf = (h: History, at: number) => stateAt(h, at).tables.map((t) => t.rows);

describe('histories of data', () => {
  it('are pure functions of the seed and the time: the same rows on every replay, other rows for another seed', () => {
    const at = ORIGIN + 20 * DAY_MS;
    expect(rowsOf(history('a'), at)).toEqual(rowsOf(history('a'), at));
    expect(rowsOf(history('a'), at)).not.toEqual(rowsOf(history('b'), at));
    // Replaying further does not change the past.
    const later = changesBetween(history('a'), ORIGIN, ORIGIN + 30 * DAY_MS);
    expect(changesBetween(history('a'), ORIGIN, at)).toEqual(later.filter((c) => c.at <= at));
  });

  it('hold hundreds of rows with personal-looking columns, created, updated and deleted at whole seconds', () => {
    for (const model of [billing, ordersModel, catalog]) {
      const h = history('scenario', model);
      const data = stateAt(h, ORIGIN + 35 * DAY_MS);
      const total = data.tables.reduce((n, t) => n + t.rows.length, 0);
      expect(total).toBeGreaterThan(150);
      expect(total).toBeLessThan(1000);
      const changes = changesBetween(h, ORIGIN, ORIGIN + 35 * DAY_MS);
      expect(new Set(changes.map((c) => c.change.op))).toEqual(new Set(['insert', 'update', 'delete']));
      expect(changes.every((c) => c.at % 1000 === 0)).toBe(true);
    }
    const customer = stateAt(history('scenario'), ORIGIN).tables[0].rows[0];
    expect(customer).toMatchObject({ name: expect.stringMatching(/^\w+ \w+$/), email: expect.stringMatching(/@example\.(com|jp|net)$/), phone: expect.stringMatching(/^\+81-90-\d{4}-\d{4}$/), address: expect.stringContaining('Tokyo') });
  });

  it('change at their second: the state at a change holds it, one second before does not', () => {
    const h = history('a');
    for (const { at, change } of changesBetween(h, ORIGIN + DAY_MS, ORIGIN + 2 * DAY_MS)) {
      const before = stateAt(h, at - 1000).tables.find((t) => t.schema.name === change.table)!;
      const after = stateAt(h, at).tables.find((t) => t.schema.name === change.table)!;
      const id = change.op === 'insert' ? Number(change.row.id) : change.id;
      const find = (rows: typeof before.rows) => rows.find((r) => r.id === id);
      if (change.op === 'insert') expect([find(before.rows), find(after.rows)]).toEqual([undefined, change.row]);
      if (change.op === 'delete') expect([find(before.rows) !== undefined, find(after.rows)]).toEqual([true, undefined]);
      if (change.op === 'update') expect(find(after.rows)).toMatchObject(change.set);
    }
  });
});

describe('copies in the sandbox', () => {
  let sb: TestSandbox;
  let rds: RDSClient;
  beforeAll(async () => {
    sb = await startTestSandbox({ speed: 60 });
    rds = new RDSClient(sb.config());
  });
  afterAll(async () => {
    rds?.destroy();
    await sb?.close();
  });

  const restore = (source: string, target: string) =>
    rds.send(new RestoreDBInstanceToPointInTimeCommand({ SourceDBInstanceIdentifier: source, TargetDBInstanceIdentifier: target, UseLatestRestorableTime: true, DBSubnetGroupName: DEV_SUBNET_GROUP, BackupRetentionPeriod: 0 }));
  const describeOne = async (id: string) => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0];
  const served = (id: string) => rdsState(sb.world, COMPANY_ACCOUNT, COMPANY_REGION).dataPlanes.get(`arn:aws:rds:${COMPANY_REGION}:${COMPANY_ACCOUNT}:db:${id}`);

  it('each has a loopback endpoint at once and starts no engine until someone connects; production keeps its AWS names', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `lazy-copy-${i}`);
    for (const [n, id] of ids.entries()) await restore(n % 2 ? 'orders-prod' : 'billing-prod', id);
    sb.world.clock.advance(30 * MINUTE);
    const ports = new Set<number>();
    for (const id of ids) {
      const endpoint = (await describeOne(id)).Endpoint!;
      expect(endpoint.Address).toBe('127.0.0.1');
      ports.add(endpoint.Port!);
      expect(served(id)!.endpoint.started).toBe(false);
    }
    expect(ports.size).toBe(ids.length);
    expect((await describeOne('billing-prod')).Endpoint!.Address).toMatch(/^billing-prod\.c\d+\.ap-northeast-1\.rds\.amazonaws\.com$/);
    const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'catalog-prod' }))).DBClusters![0];
    expect(cluster.Endpoint).toMatch(/^catalog-prod\.cluster-/);
  });

  it('a copy refuses connections while it is being created', async () => {
    await restore('billing-prod', 'early-copy');
    const port = served('early-copy')!.endpoint.port!;
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: masterPasswordOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, 'early-copy'), database: 'billing' });
    await expect(client.connect()).rejects.toThrow();
    expect(served('early-copy')!.endpoint.started).toBe(false);
  });

  it('the data is the source history\'s at the restore time', async () => {
    await restore('billing-prod', 'read-copy');
    sb.world.clock.advance(30 * MINUTE);
    const lineage = served('read-copy')!.lineage;
    const expected = stateAt(historyOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, 'billing-prod')!, lineage.at);
    const client = new pg.Client({ host: '127.0.0.1', port: served('read-copy')!.endpoint.port, user: 'postgres', password: masterPasswordOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, 'read-copy'), database: 'billing' });
    await client.connect();
    const count = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM payments');
    const database = await client.query<{ db: string }>('SELECT current_database() AS db');
    await client.end();
    expect(count.rows[0].n).toBe(expected.tables[1].rows.length);
    expect(database.rows[0].db).toBe('billing');
  }, 240_000);
});

describe('an engine that cannot run', () => {
  const reason = 'MariaDB is not installed on this machine (test)';
  const data = () => stateAt(history('x'), ORIGIN);

  it('MySQL: the client is told why, in the protocol (an error packet instead of the greeting)', async () => {
    const endpoint = serveLazily({ ...mysql, unavailable: () => reason }, { data, database: 'orders', username: 'admin', password: () => 'pw' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    try {
      const packet = await new Promise<Buffer>((resolve, reject) => {
        const socket = connect(endpoint.port!, '127.0.0.1');
        const chunks: Buffer[] = [];
        socket.on('data', (d) => chunks.push(d));
        socket.on('end', () => resolve(Buffer.concat(chunks)));
        socket.on('error', reject);
      });
      expect(packet[4]).toBe(0xff);
      expect(packet.subarray(7).toString()).toContain(reason);
      const client = mysqlClient();
      if (client) {
        const failed = await run(client, ['--no-defaults', '--host=127.0.0.1', `--port=${endpoint.port}`, '--user=admin', '-e', 'SELECT 1']).catch((e: { stderr: string }) => e);
        expect((failed as { stderr: string }).stderr).toContain(reason);
      }
      expect(endpoint.started).toBe(false);
    } finally {
      await endpoint.stop();
    }
  });

  it('PostgreSQL: the driver is told why', async () => {
    const endpoint = serveLazily({ ...postgres, unavailable: () => reason }, { data, database: 'billing', username: 'postgres', password: () => 'pw' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    try {
      const client = new pg.Client({ host: '127.0.0.1', port: endpoint.port, user: 'postgres', password: 'pw', database: 'billing' });
      await expect(client.connect()).rejects.toThrow(reason);
    } finally {
      await endpoint.stop();
    }
  });
});

describe.skipIf(!mysqlAvailable())(mysqlAvailable() ? 'closing the sandbox' : `closing the sandbox: SKIPPED, ${mysql.unavailable()}`, () => {
  it('stops every running engine and removes their folders: the ports refuse, no mariadbd is left', async () => {
    const sb = await startTestSandbox({ speed: 60 });
    const rds = new RDSClient(sb.config());
    let closed = false;
    try {
      await rds.send(new RestoreDBInstanceToPointInTimeCommand({ SourceDBInstanceIdentifier: 'orders-prod', TargetDBInstanceIdentifier: 'closing-copy', UseLatestRestorableTime: true, DBSubnetGroupName: DEV_SUBNET_GROUP }));
      sb.world.clock.advance(60 * MINUTE);
      const endpoint = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'closing-copy' }))).DBInstances![0].Endpoint!;
      const creds = { host: endpoint.Address!, port: endpoint.Port!, password: masterPasswordOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, 'closing-copy')! };
      const query = () => run(mysqlClient()!, ['--no-defaults', `--host=${creds.host}`, `--port=${creds.port}`, '--user=admin', '--database=orders', '-N', '-e', 'SELECT COUNT(*) FROM customers'], { env: { PATH: process.env.PATH, MYSQL_PWD: creds.password } });
      expect(Number((await query()).stdout)).toBeGreaterThan(0);
      const folders = mysqlFolders();
      expect(folders.length).toBeGreaterThan(0);
      await sb.close();
      closed = true;
      expect(mysqlFolders()).toEqual([]);
      expect(folders.filter((f) => existsSync(f))).toEqual([]);
      const failed = await query().catch((e: { stderr: string }) => e);
      expect((failed as { stderr: string }).stderr).toContain("Can't connect");
      const children = await run('ps', ['-o', 'comm=', '--ppid', String(process.pid)]).catch(() => ({ stdout: '' }));
      expect(children.stdout).not.toContain('mariadbd');
    } finally {
      rds.destroy();
      if (!closed) await sb.close();
    }
  }, 240_000);
});
