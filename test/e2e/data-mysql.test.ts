// Issue 22, the sandbox's data plane for MySQL: a clone of orders-db (RDS for MySQL) made with `snapclone create`
// under the generated policy is served by Debian's MariaDB server and holds exactly its source's data at its
// restore time, read with the stock mariadb client using what `snapclone credentials` hands out; its password is
// its own and follows a rotation; the source's password does not open it; after `delete` the endpoint refuses.
// Where MariaDB is not installed the suite is skipped, and its name says why.
import { ModifyDBInstanceCommand } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateAt } from '../../sandbox/data/history.ts';
import { mysql, mysqlAvailable } from '../../sandbox/data/mysql.ts';
import { startCli, type TestCli } from '../cli/support.ts';
import { changeTime, deleteClone, expectedRows, historyOfSource, lineage, makeClone, mysqlQuery, readMysql, refusal, servedCopy, type CloneUnderTest } from './data-support.ts';

const SOURCE = 'orders-db';
const PROD = 'orders-prod';
const MINUTE = 60_000;
const SLOW = 240_000;
const available = mysqlAvailable();
const title = available ? `${SOURCE}: a clone holds the data of its restore time (MariaDB)` : `${SOURCE}: SKIPPED, ${mysql.unavailable()}`;

let cli: TestCli;
beforeAll(async () => {
  if (available) cli = await startCli();
});
afterAll(() => cli?.close());

/** See data-postgres.test.ts: the same checks, through the mariadb client. */
async function expectHoldsItsTime(clone: CloneUnderTest, latest = false): Promise<void> {
  const history = historyOfSource(cli, PROD);
  const held = lineage(cli, clone.arn)!;
  expect(held.sourceId).toBe(PROD);
  if (latest) expect(Math.abs(held.at - clone.at)).toBeLessThan(5_000);
  else expect(held.at).toBe(clone.at);
  expect(servedCopy(cli, clone.arn)!.endpoint.started).toBe(false);
  const expected = stateAt(history, clone.at);
  expect(await readMysql(clone.creds, expected)).toEqual(expectedRows(expected));
  expect(servedCopy(cli, clone.arn)!.endpoint.started).toBe(true);
  const sourcePassword = cli.masterPassword(PROD)!;
  expect(clone.creds.password).not.toBe(sourcePassword);
  expect(await refusal(mysqlQuery({ ...clone.creds, password: sourcePassword }, 'SELECT 1'))).toContain('Access denied');
}

describe.skipIf(!available)(title, () => {
  it("--date: the data of the day's restore point; delete makes the endpoint refuse", async () => {
    const clone = await makeClone(cli, SOURCE, { date: cli.day(6) });
    await expectHoldsItsTime(clone);
    const history = historyOfSource(cli, PROD);
    expect(expectedRows(stateAt(history, clone.at))).not.toEqual(expectedRows(stateAt(history, cli.sb.world.clock.nowMs())));
    // Only the master user exists: no root, no anonymous account.
    expect(await mysqlQuery(clone.creds, "SELECT CONCAT(User, '@', Host) FROM mysql.user ORDER BY User")).toBe('admin@%\nmariadb.sys@localhost\nroot@localhost\n');
    expect(await refusal(mysqlQuery({ ...clone.creds, username: 'root', password: '' }, 'SELECT 1'))).toContain('Access denied');
    await deleteClone(cli, clone.name);
    expect(await refusal(mysqlQuery(clone.creds, 'SELECT 1'))).toContain("Can't connect");
  }, SLOW);

  it('--at: the data of that very second (point in time)', async () => {
    const at = changeTime(cli, historyOfSource(cli, PROD), 3);
    const clone = await makeClone(cli, SOURCE, { at: new Date(at).toISOString() });
    expect(clone.at).toBe(at);
    await expectHoldsItsTime(clone);
    await deleteClone(cli, clone.name);
  }, SLOW);

  it('--latest: the data of the newest restore point; a password rotation takes effect on the running server', async () => {
    const clone = await makeClone(cli, SOURCE, { latest: true });
    await expectHoldsItsTime(clone, true);
    const rotated = `Rotated-${clone.creds.password.slice(0, 12)}-x`;
    await cli.admin.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: clone.name, MasterUserPassword: rotated, ApplyImmediately: true }));
    cli.sb.world.clock.advance(5 * MINUTE);
    expect(await mysqlQuery({ ...clone.creds, password: rotated }, 'SELECT COUNT(*) FROM orders')).toBe(`${stateAt(historyOfSource(cli, PROD), clone.at).tables[1].rows.length}\n`);
    expect(await refusal(mysqlQuery(clone.creds, 'SELECT 1'))).toContain('Access denied');
    await deleteClone(cli, clone.name);
    expect(await refusal(mysqlQuery({ ...clone.creds, password: rotated }, 'SELECT 1'))).toContain("Can't connect");
  }, SLOW);
});
