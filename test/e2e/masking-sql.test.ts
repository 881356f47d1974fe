// Issue 23, masking before hand-over, on the sandbox's real engines: PostgreSQL (billing-db, RDS for PostgreSQL on
// PGlite) and MySQL (orders-db, on mariadbd where installed). A create of a source with masking rules masks and
// verifies the clone before `credentials` hands anything out; every transform is applied; joins on hashed keys
// still match; a column nobody decided about stops the run with its name and no credentials, the clone locked
// (its password no longer the one in its secret) or deleted as configured; a re-run after fixing the config
// finishes the same clone.
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import * as credentials from '../../src/commands/credentials.ts';
import * as show from '../../src/commands/show.ts';
import type { Config } from '../../src/config/schema.ts';
import { SnapcloneError } from '../../src/core/errors.ts';
import { MaskingSchema, type MaskingConfig } from '../../src/masking/config.ts';
import { FAKE_EMAIL_DOMAIN } from '../../src/masking/transforms.ts';
import { textOf } from '../../sandbox/data/dataset.ts';
import { stateAt } from '../../sandbox/data/history.ts';
import { birthDateAddedAt } from '../../sandbox/data/models.ts';
import { mysqlAvailable } from '../../sandbox/data/mysql.ts';
import { createdClones, everything, startCli, type TestCli } from '../cli/support.ts';
import { historyOfSource, mysqlQuery, refusal, type Credentials } from './data-support.ts';

const SLOW = 300_000;
const DAY = 86_400_000;

let cli: TestCli;
beforeAll(async () => {
  cli = await startCli();
});
afterAll(() => cli?.close());

type Row = Record<string, string | null>;

interface Engine {
  source: string;
  sourceId: string;
  /** The second table: payments (billing) or orders (orders). */
  child: string;
  available: boolean;
  rules: (extra?: { customers?: object; child?: object }) => MaskingConfig;
  /** Every row of a table as text (NULL as null), in id order where ids are kept. */
  rows: (c: Credentials, table: string) => Promise<Row[]>;
  /** A statement that fails in this engine: a raw SQL rule calling a function that does not exist. */
  broken: string;
  upper: string;
}

/** The customers rules as written before birth_date existed (the sandbox's sources gain it 10 days before today). */
const customerRules = {
  columns: { id: 'hash', name: 'fake-name', email: 'fake-email', phone: 'fake-phone', address: 'null' },
  keep: ['created_at', 'updated_at'],
};

/** The rules once birth_date was thought about: a clone of data from before the day it was added may lack it. */
const withBirthDate = () => ({
  ...customerRules,
  columns: { ...customerRules.columns, birth_date: { transform: 'date-shift', days: 90 } },
  added: { birth_date: new Date(birthDateAddedAt(historyOfSource(cli, 'billing-prod'))).toISOString().slice(0, 10) },
});

async function pgRows(c: Credentials, table: string): Promise<Row[]> {
  const client = new pg.Client({
    host: c.host,
    port: c.port,
    user: c.username,
    password: c.password,
    database: c.database,
  });
  await client.connect();
  try {
    const out = await client.query({ text: `SELECT * FROM "${table}"`, rowMode: 'array' });
    const names = out.fields.map((f) => f.name);
    return out.rows.map((r: unknown[]) =>
      Object.fromEntries(
        r.map((v, i) => [names[i], v === null ? null : v instanceof Date ? v.toISOString() : String(v)]),
      ),
    );
  } finally {
    await client.end();
  }
}

async function mysqlRows(c: Credentials, table: string): Promise<Row[]> {
  const names = (
    await mysqlQuery(
      c,
      `SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '${table}' ORDER BY ORDINAL_POSITION`,
    )
  )
    .trim()
    .split('\n');
  const out = await mysqlQuery(c, `SELECT * FROM \`${table}\``);
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((line) =>
      Object.fromEntries(
        line
          .split('\t')
          .map((v, i) => [
            names[i],
            v === 'NULL' ? null : /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/.test(v) ? `${v.replace(' ', 'T')}Z` : v,
          ]),
      ),
    );
}

const ENGINES: Engine[] = [
  {
    source: 'billing-db',
    sourceId: 'billing-prod',
    child: 'payments',
    available: true,
    rules: (extra = {}) =>
      MaskingSchema.parse({
        tables: {
          customers: extra.customers ?? withBirthDate(),
          payments: {
            columns: {
              customer_id: 'hash',
              card_last4: 'keep-format',
              status: { sql: 'upper(status)' },
              created_at: { transform: 'date-shift', days: 30 },
              currency: { transform: 'fixed', value: 'XXX' },
            },
            keep: ['id', 'amount'],
            ...extra.child,
          },
        },
      }),
    rows: pgRows,
    broken: 'no_such_function(status)',
    upper: 'upper',
  },
  {
    source: 'orders-db',
    sourceId: 'orders-prod',
    child: 'orders',
    available: mysqlAvailable(),
    rules: (extra = {}) =>
      MaskingSchema.parse({
        tables: {
          customers: extra.customers ?? withBirthDate(),
          orders: {
            columns: {
              customer_id: 'hash',
              status: { sql: 'UPPER(status)' },
              created_at: { transform: 'date-shift', days: 30 },
              updated_at: { transform: 'date-shift', days: 30 },
            },
            keep: ['id', 'total', 'items'],
            ...extra.child,
          },
        },
      }),
    rows: mysqlRows,
    broken: 'NO_SUCH_FUNCTION(status)',
    upper: 'UPPER',
  },
];

/** The scenario's config with `masking` on one source (and onFailure when given). */
const withMasking = (source: string, masking: MaskingConfig) => (config: Config) => {
  config.sources[source].masking = masking;
  return config;
};

/** The source's rows at a time, as text the engines print. */
function originalRows(sourceId: string, at: number): Record<string, Row[]> {
  const data = stateAt(historyOfSource(cli, sourceId), at);
  return Object.fromEntries(
    data.tables.map((t) => [
      t.schema.name,
      t.rows.map((row) =>
        Object.fromEntries(t.schema.columns.map((c) => [c.name, textOf(c.type, row[c.name] ?? null)])),
      ),
    ]),
  );
}

const day = (daysAgo: number) =>
  new Date(cli.sb.world.clock.nowMs() - daysAgo * DAY).toLocaleDateString('en-CA', { timeZone: 'Asia/Tokyo' });

/** The partition of child row ids by their customer: preserved exactly when the hash is consistent and one-to-one. */
function byCustomer(rows: Row[]): string[] {
  const groups = new Map<string, string[]>();
  for (const r of rows) groups.set(String(r.customer_id), [...(groups.get(String(r.customer_id)) ?? []), String(r.id)]);
  return [...groups.values()].map((ids) => ids.sort().join(',')).sort();
}

async function createMasked(e: Engine, masking: MaskingConfig, daysAgo: number, name?: string) {
  const { ctx, reporter } = cli.context({ config: withMasking(e.source, masking) });
  const result = await create
    .run({ sources: [e.source], date: day(daysAgo), wait: true, ...(name ? { name } : {}) }, ctx)
    .catch((error: unknown) => error as Error);
  return { result, reporter, ctx };
}

for (const e of ENGINES) {
  describe.skipIf(!e.available)(`masking ${e.source}`, () => {
    it(
      'masks with every transform and verifies before credentials; joins on hashed keys still match',
      async () => {
        const { result, reporter, ctx } = await createMasked(e, e.rules(), 6);
        if (result instanceof Error) throw result;
        const [entry] = createdClones(result.json);
        expect(entry).toMatchObject({ ready: true, status: 'available' });
        expect(entry.masking).toMatch(/^verified tables=2 rows=\d+ rules=\d+ checks=\d+$/);
        expect(reporter.text).toMatch(new RegExp(`${entry.name}: masked and verified: tables=2`));
        const shown = await show.run({ clone: entry.name }, ctx);
        expect(JSON.stringify(shown.table)).toContain('verified (tables=2');
        const creds = (await credentials.run({ clone: entry.name }, ctx)).json as Credentials;
        expect(everything(result, reporter)).not.toContain(creds.password);

        const at = Date.parse(entry.restoreTime!);
        const original = originalRows(e.sourceId, at);
        const customers = await e.rows(creds, 'customers');
        const child = await e.rows(creds, e.child);
        expect(customers).toHaveLength(original.customers.length);
        expect(child).toHaveLength(original[e.child].length);
        const was = (table: string, column: string) => new Set(original[table].map((r) => r[column]));
        // fake-email at the reserved domain, fake-name, fake-phone in the same shape: none of the source's values.
        for (const c of customers) {
          expect(c.email).toMatch(new RegExp(`^[0-9a-f]{4,16}@${FAKE_EMAIL_DOMAIN.replace('.', '\\.')}$`));
          expect(was('customers', 'name').has(c.name)).toBe(false);
          expect(was('customers', 'phone').has(c.phone)).toBe(false);
          expect(c.address).toBeNull();
          expect(was('customers', 'id').has(c.id)).toBe(false);
        }
        const shapes = (rows: Row[]) => new Set(rows.map((r) => String(r.phone).replace(/\d/g, '9')));
        expect(shapes(customers)).toEqual(shapes(original.customers));
        // birth_date (added to the source 10 days ago) moved, where it was set.
        const born = (rows: Row[]) => rows.filter((r) => r.birth_date !== null).length;
        expect(born(customers)).toBeGreaterThan(0);
        expect(born(customers)).toBe(born(original.customers));
        // Kept as they were: created_at of customers; the child's id and amounts.
        expect([...new Set(customers.map((c) => c.created_at))].sort()).toEqual(
          [...was('customers', 'created_at')].sort(),
        );
        const originalChild = new Map(original[e.child].map((r) => [r.id, r]));
        for (const r of child) {
          const o = originalChild.get(r.id)!;
          expect(o, `row ${r.id}`).toBeDefined();
          expect(r.status).toBe(String(o.status).toUpperCase());
          const shift = Date.parse(r.created_at!) - Date.parse(o.created_at!);
          expect(Math.abs(shift % DAY)).toBe(0);
          expect(Math.abs(shift / DAY)).toBeGreaterThanOrEqual(1);
          expect(Math.abs(shift / DAY)).toBeLessThanOrEqual(30);
          if (e.child === 'payments') {
            expect(r.currency).toBe('XXX');
            expect(r.amount).toBe(o.amount);
            expect(r.card_last4).toMatch(/^\d{4}$/);
            expect(r.card_last4).not.toBe(o.card_last4);
          } else {
            // The dates of one row moved together: their order and distance hold.
            expect(Date.parse(r.updated_at!) - Date.parse(r.created_at!)).toBe(
              Date.parse(o.updated_at!) - Date.parse(o.created_at!),
            );
            expect(r.total).toBe(o.total);
          }
        }
        // Joins: the child rows group by customer exactly as before, and each still finds its customer.
        expect(byCustomer(child)).toEqual(byCustomer(original[e.child]));
        const ids = new Set(customers.map((c) => c.id));
        const originalIds = was('customers', 'id');
        expect(child.filter((r) => ids.has(r.customer_id)).length).toBe(
          original[e.child].filter((r) => originalIds.has(r.customer_id)).length,
        );
      },
      SLOW,
    );

    it(
      'a column nobody decided about stops the run by name, hands nothing out and locks the clone; fixing the config and running again finishes it',
      async () => {
        // The rules as written before birth_date was added to the source (10 days ago): it has neither a rule nor keep.
        const first = await createMasked(e, e.rules({ customers: customerRules }), 8);
        expect(first.result).toBeInstanceOf(SnapcloneError);
        const failure = first.result as SnapcloneError;
        expect(failure.exitCode).toBe(1);
        expect(failure.message).toMatch(
          /Masking refused to start \(nothing in the clone was changed\); the clone is locked/,
        );
        expect(failure.message).toContain('customers.birth_date (');
        expect(failure.message).toContain('has neither a rule nor keep');
        const name = /^(\S+): Masking refused/.exec(failure.message)![1];
        expect(failure.hint).toContain(`snapclone create ${e.source} --name ${name} --date ${day(8)}`);

        // Nothing opens it: credentials refuses; the password in its secret no longer opens the database.
        const refused = await credentials
          .run({ clone: name }, first.ctx)
          .catch((error: unknown) => error as SnapcloneError);
        expect(refused).toBeInstanceOf(SnapcloneError);
        expect((refused as SnapcloneError).message).toMatch(
          /its masking failed \(problems=1 locked\), so snapclone does not hand out its credentials/,
        );
        const secret = JSON.parse(
          (await cli.admin.secrets.send(new GetSecretValueCommand({ SecretId: name }))).SecretString!,
        ) as { username: string; password: string };
        const endpoint = (
          (await show.run({ clone: name }, first.ctx)).json as { clone: { endpoint: { port: number } } }
        ).clone.endpoint;
        const creds: Credentials = {
          host: '127.0.0.1',
          port: endpoint.port,
          username: secret.username,
          password: secret.password,
          database: e.child === 'payments' ? 'billing' : 'orders',
        };
        expect(await refusal(e.rows(creds, 'customers'))).toMatch(/password|denied|authentication/i);

        // The rules now decide birth_date: the same command finishes the same clone (its own password applied again).
        const again = await createMasked(e, e.rules(), 8, name);
        if (again.result instanceof Error) throw again.result;
        expect(createdClones(again.result.json)[0]).toMatchObject({ name, ready: true, resumed: true });
        const opened = (await credentials.run({ clone: name }, again.ctx)).json as Credentials;
        const customers = await e.rows(opened, 'customers');
        expect(customers.every((c) => c.address === null && c.email!.endsWith(`@${FAKE_EMAIL_DOMAIN}`))).toBe(true);
        expect(customers.some((c) => c.birth_date !== null)).toBe(true);
      },
      SLOW,
    );

    it(
      'a failing rule with onFailure: delete names the rule, rolls back, and deletes the clone',
      async () => {
        const masking = { ...e.rules(), onFailure: 'delete' as const };
        (masking.tables![e.child].columns as Record<string, unknown>).status = { sql: e.broken };
        // Data from before birth_date existed: the rules for it do not stop the run (added), the broken rule does.
        const { result, ctx } = await createMasked(e, masking, 12);
        expect(result).toBeInstanceOf(SnapcloneError);
        const message = (result as SnapcloneError).message;
        expect(message).toMatch(
          /Masking failed \(its changes were rolled back where the engine allows it\); the clone is being deleted \(onFailure: delete\)/,
        );
        expect(message).toContain(`${e.child}:`);
        const name = /^(\S+): Masking failed/.exec(message)![1];
        // Gone, or going: show finds no clone of that name, or one being deleted.
        const shown = await show.run({ clone: name }, ctx).catch((error: unknown) => error as Error);
        if (!(shown instanceof Error))
          expect((shown.json as { clone: { status: string } }).clone.status).toBe('deleting');
        await expect(credentials.run({ clone: name }, ctx)).rejects.toThrow();
      },
      SLOW,
    );
  });
}
