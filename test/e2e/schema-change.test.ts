// Issue 23: a column added to a source after masking rules were written. The scenario's customers tables (billing-db,
// orders-db) gain `birth_date` in the middle of the history; a clone of a time before it has no such column, a clone
// of a time after it has the column with the history's values (NULL in rows untouched since).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../sandbox/core/clock.ts';
import type { DataSet } from '../../sandbox/data/dataset.ts';
import { changesBetween, stateAt, type History } from '../../sandbox/data/history.ts';
import { billing, BIRTH_DATE_DAYS_BEFORE_TODAY, birthDateAddedAt, ordersModel } from '../../sandbox/data/models.ts';
import { mysql, mysqlAvailable } from '../../sandbox/data/mysql.ts';
import { historyOrigin } from '../../sandbox/data/sources.ts';
import { startCli, type TestCli } from '../cli/support.ts';
import { deleteClone, expectedRows, historyOfSource, makeClone, mysqlQuery, readMysql, readPostgres, type Credentials } from './data-support.ts';

const SLOW = 240_000;
const customersOf = (data: DataSet) => data.tables.find((t) => t.schema.name === 'customers')!;
const columnsOf = (data: DataSet) => customersOf(data).schema.columns.map((c) => c.name);

describe('the history of customers: birth_date is added mid-window', () => {
  const origin = historyOrigin(Date.UTC(2026, 10, 20));
  for (const model of [billing, ordersModel]) {
    const history: History = { model, seed: 'schema-change', origin };
    const added = birthDateAddedAt(history);

    it(`${model === billing ? 'billing' : 'orders'}: no column before, the column from its second on, filled for new and updated rows`, () => {
      expect(added).toBe(origin + 40 * DAY_MS - BIRTH_DATE_DAYS_BEFORE_TODAY * DAY_MS);
      expect(columnsOf(stateAt(history, added - 1000))).not.toContain('birth_date');
      const atChange = stateAt(history, added);
      expect(columnsOf(atChange)).toContain('birth_date');
      // The rows of that second are the rows of the second before, with NULL in the new column.
      const before = customersOf(stateAt(history, added - 1000)).rows;
      expect(customersOf(atChange).rows).toEqual(before.map((r) => ({ ...r, birth_date: null })));

      const later = added + 5 * DAY_MS;
      const rows = customersOf(stateAt(history, later)).rows;
      const changes = changesBetween(history, added, later).filter((c) => c.change.table === 'customers');
      const inserted = changes.flatMap((c) => (c.change.op === 'insert' ? [Number(c.change.row.id)] : []));
      const updated = changes.flatMap((c) => (c.change.op === 'update' ? [c.change.id] : []));
      expect(inserted.length).toBeGreaterThan(0);
      expect(updated.length).toBeGreaterThan(0);
      for (const row of rows) {
        const touched = inserted.includes(Number(row.id)) || updated.includes(Number(row.id));
        if (touched) expect(row.birth_date, `customer ${row.id}`).toMatch(/^(19[5-9]\d|200[0-6])-\d{2}-\d{2}$/);
        else expect(row.birth_date, `customer ${row.id}`).toBeNull();
      }
      // Older rows stay NULL until updated: both kinds exist.
      expect(rows.some((r) => r.birth_date === null)).toBe(true);
      // Nothing before the change moved: the first change after it is the same with or without the column.
      expect(changesBetween(history, origin, added - 1000)).toEqual(changesBetween(history, origin, added).filter((c) => c.at < added));
    });
  }
});

let cli: TestCli;
beforeAll(async () => {
  cli = await startCli();
});
afterAll(() => cli?.close());

interface Engine {
  source: string;
  id: string;
  columns: (c: Credentials) => Promise<string[]>;
  read: (c: Credentials, like: DataSet) => Promise<Record<string, string[][]>>;
}

const postgresColumns = async (c: Credentials) => {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ host: c.host, port: c.port, user: c.username, password: c.password, database: c.database });
  await client.connect();
  try {
    const out = await client.query<{ name: string; type: string }>("SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_name = 'customers' ORDER BY ordinal_position");
    return out.rows.map((r) => `${r.name}:${r.type}`);
  } finally {
    await client.end();
  }
};

const mysqlColumns = async (c: Credentials) =>
  (await mysqlQuery(c, "SELECT CONCAT(column_name, ':', data_type) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'customers' ORDER BY ordinal_position")).split('\n').filter(Boolean);

const ENGINES: Engine[] = [
  { source: 'billing-db', id: 'billing-prod', columns: postgresColumns, read: readPostgres },
  ...(mysqlAvailable() ? [{ source: 'orders-db', id: 'orders-prod', columns: mysqlColumns, read: readMysql }] : []),
];

if (!mysqlAvailable()) describe.skip(`orders-db (MySQL): SKIPPED, ${mysql.unavailable()}`, () => undefined);

for (const engine of ENGINES) {
  describe(`${engine.source}: clones on either side of the column's addition`, () => {
    it('a clone of a day before has no birth_date; a clone of a day after has it, with the history\'s values', async () => {
      const history = historyOfSource(cli, engine.id);
      const added = birthDateAddedAt(history);
      const now = cli.sb.world.clock.nowMs();
      expect(now - added).toBeGreaterThan((BIRTH_DATE_DAYS_BEFORE_TODAY - 1) * DAY_MS);
      for (const at of [added - DAY_MS, added + DAY_MS]) {
        const clone = await makeClone(cli, engine.source, { at: new Date(at).toISOString() });
        expect(clone.at).toBe(at);
        const expected = stateAt(history, at);
        const columns = await engine.columns(clone.creds);
        if (at < added) expect(columns.map((c) => c.split(':')[0])).not.toContain('birth_date');
        else expect(columns).toContain('birth_date:date');
        expect(columns.map((c) => c.split(':')[0])).toEqual(columnsOf(expected));
        expect(await engine.read(clone.creds, expected)).toEqual(expectedRows(expected));
        if (at > added) expect(customersOf(expected).rows.some((r) => r.birth_date !== null)).toBe(true);
        await deleteClone(cli, clone.name);
      }
    }, SLOW);
  });
}
