// Issue 22, the sandbox's data plane: a PostgreSQL clone (RDS for PostgreSQL, Aurora PostgreSQL) made with
// `snapclone create` under the generated policy holds exactly its source's data at its restore time, read with the
// pg driver using what `snapclone credentials` hands out; its password is its own and follows a rotation; the
// source's password does not open it; after `delete` the endpoint refuses connections.
import { ModifyDBClusterCommand, ModifyDBInstanceCommand } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateAt } from '../../sandbox/data/history.ts';
import { clusterMasterPasswordOf } from '../../sandbox/services/rds/state.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION } from '../../sandbox/scenario/index.ts';
import { startCli, type TestCli } from '../cli/support.ts';
import { changeTime, deleteClone, expectedRows, historyOfSource, lineage, makeClone, readPostgres, refusal, servedCopy, type CloneUnderTest } from './data-support.ts';

const MINUTE = 60_000;
/** A first connection starts PGlite (seconds; more on a busy machine). */
const SLOW = 240_000;

let cli: TestCli;
beforeAll(async () => {
  cli = await startCli();
});
afterAll(() => cli?.close());

interface Source {
  name: string;
  id: string;
  sourcePassword: () => string;
  rotate: (clone: CloneUnderTest, password: string) => Promise<unknown>;
}

const SOURCES: Source[] = [
  {
    name: 'billing-db',
    id: 'billing-prod',
    sourcePassword: () => cli.masterPassword('billing-prod')!,
    rotate: (clone, password) => cli.admin.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: clone.name, MasterUserPassword: password, ApplyImmediately: true })),
  },
  {
    name: 'catalog-db',
    id: 'catalog-prod',
    sourcePassword: () => clusterMasterPasswordOf(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION, 'catalog-prod')!,
    rotate: (clone, password) => cli.admin.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: clone.name, MasterUserPassword: password, ApplyImmediately: true })),
  },
];

/**
 * The clone holds the source's rows at its restore time, opened by its own password and not by the source's.
 * `latest`: restored with UseLatestRestorableTime, whose time RDS takes when it runs the restore, a moment after
 * snapclone read it (and recorded it on the clone).
 */
async function expectHoldsItsTime(source: Source, clone: CloneUnderTest, latest = false): Promise<void> {
  const history = historyOfSource(cli, source.id);
  const held = lineage(cli, clone.arn)!;
  expect(held.sourceId).toBe(source.id);
  if (latest) expect(Math.abs(held.at - clone.at)).toBeLessThan(5_000);
  else expect(held.at).toBe(clone.at);
  // Lazy: nothing runs until someone connects.
  expect(servedCopy(cli, clone.arn)!.endpoint.started).toBe(false);
  const expected = stateAt(history, clone.at);
  expect(await readPostgres(clone.creds, expected)).toEqual(expectedRows(expected));
  expect(servedCopy(cli, clone.arn)!.endpoint.started).toBe(true);
  expect(clone.creds.password).not.toBe(source.sourcePassword());
  expect(await refusal(readPostgres({ ...clone.creds, password: source.sourcePassword() }, expected))).toContain('password authentication failed');
}

for (const source of SOURCES) {
  describe(`${source.name}: a clone holds the data of its restore time`, () => {
    it('--date: the data of the day\'s restore point; delete makes the endpoint refuse', async () => {
      const clone = await makeClone(cli, source.name, { date: cli.day(6) });
      await expectHoldsItsTime(source, clone);
      // The history moved on since: a clone of another day would hold other rows.
      const history = historyOfSource(cli, source.id);
      expect(expectedRows(stateAt(history, clone.at))).not.toEqual(expectedRows(stateAt(history, cli.sb.world.clock.nowMs())));
      await deleteClone(cli, clone.name);
      expect(await refusal(readPostgres(clone.creds, stateAt(history, clone.at)))).toContain('ECONNREFUSED');
    }, SLOW);

    it('--at: the data of that very second (point in time)', async () => {
      const history = historyOfSource(cli, source.id);
      const at = changeTime(cli, history, 3);
      const clone = await makeClone(cli, source.name, { at: new Date(at).toISOString() });
      expect(clone.at).toBe(at);
      await expectHoldsItsTime(source, clone);
      await deleteClone(cli, clone.name);
    }, SLOW);

    it('--latest: the data of the latest restorable time; a password rotation takes effect on the running engine', async () => {
      const clone = await makeClone(cli, source.name, { latest: true });
      await expectHoldsItsTime(source, clone, true);
      const history = historyOfSource(cli, source.id);
      const expected = stateAt(history, clone.at);
      const rotated = `Rotated-${clone.creds.password.slice(0, 12)}-x`;
      await source.rotate(clone, rotated);
      cli.sb.world.clock.advance(5 * MINUTE);
      expect(await readPostgres({ ...clone.creds, password: rotated }, expected)).toEqual(expectedRows(expected));
      expect(await refusal(readPostgres(clone.creds, expected))).toContain('password authentication failed');
      await deleteClone(cli, clone.name);
      expect(await refusal(readPostgres({ ...clone.creds, password: rotated }, expected))).toContain('ECONNREFUSED');
    }, SLOW);
  });
}
