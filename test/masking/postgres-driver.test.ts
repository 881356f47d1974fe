// Issue 23: the PostgreSQL masking session (src/masking/drivers/postgres.ts) against the sandbox's PostgreSQL
// engine (PGlite behind pg-gateway), on a schema of its own: what it reads, what it changes, as whom, and what a
// failure leaves.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveLazily, type LazyEndpoint } from '../../sandbox/data/lazy.ts';
import { postgres } from '../../sandbox/data/postgres.ts';
import type { ConnectionDetails } from '../../src/engines/types.ts';
import { openPostgres } from '../../src/masking/drivers/postgres.ts';
import type { Collection, MaskingSession, MaskingTx } from '../../src/masking/model.ts';

const PASSWORD = 'MasterPassword1234567890';
const CUSTOMERS = 1200;

const SCHEMA = `
  CREATE TABLE customers (
    id integer PRIMARY KEY, name varchar(40) NOT NULL, email text, phone char(13), born date, seen timestamptz,
    visits int8, balance numeric(12,2), active boolean NOT NULL DEFAULT true, tags text[]
  );
  INSERT INTO customers
    SELECT i, 'Customer ' || i, 'person' || i || '@example.com', '+81-90-' || lpad(i::text, 6, '0'),
      date '1980-01-01' + i, timestamptz '2026-01-01 00:00:00.123456+00' + i * interval '1 hour', 9000000000 + i, i * 1.25, i % 2 = 0, ARRAY['t' || i]
    FROM generate_series(1, ${CUSTOMERS}) AS i;
  CREATE TABLE notes (body text, written timestamp);
  INSERT INTO notes SELECT 'note ' || i, timestamp '2026-02-01 10:00:00' + i * interval '1 minute' FROM generate_series(1, 30) AS i;
  CREATE SCHEMA sales;
  CREATE TABLE sales.orders (region text, number integer, customer_id integer NOT NULL, total numeric(10,2), PRIMARY KEY (region, number));
  INSERT INTO sales.orders SELECT CASE WHEN i % 2 = 0 THEN 'east' ELSE 'west' END, i, i, i * 10 FROM generate_series(1, 40) AS i;
  CREATE MATERIALIZED VIEW customer_names AS SELECT name FROM customers;
  CREATE SCHEMA snapclone_work;
  CREATE TABLE snapclone_work.state (a integer);
  CREATE TABLE snapclone_log (a integer);
  CREATE TABLE tenants (id integer PRIMARY KEY, owner_email text);
  ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
  CREATE TABLE public."sales.refunds" (id integer PRIMARY KEY, email text);
  CREATE TABLE sales.refunds (id integer PRIMARY KEY, email text);
  CREATE FUNCTION try_drop() RETURNS text LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'DROP TABLE notes'; RETURN 'dropped'; END $$;
`;

let endpoint: LazyEndpoint;
let details: ConnectionDetails;
const at = () => ({ host: '127.0.0.1', port: endpoint.port! });

/** A plain pg connection as the master user (the engine serves one session at a time: sessions are closed first). */
async function query<R extends pg.QueryResultRow = Record<string, unknown>>(
  sql: string,
  values?: unknown[],
): Promise<R[]> {
  const client = new pg.Client({ ...at(), user: 'master', password: PASSWORD, database: 'shop' });
  await client.connect();
  try {
    await client.query("SET TimeZone = 'UTC'");
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

async function withSession<T>(
  use: (session: MaskingSession, collections: Map<string, Collection>) => Promise<T>,
): Promise<T> {
  const session = await openPostgres(details, at());
  try {
    const inventory = await session.inventory({ kind: 'tables', onFailure: 'lock', sensitive: [], collections: [] });
    return await use(session, new Map(inventory.collections.map((c) => [c.name, c])));
  } finally {
    await session.close();
  }
}

const maskingRoles = async () =>
  (await query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE rolname LIKE 'snapclone_masking%'")).map(
    (r) => r.rolname,
  );

beforeAll(async () => {
  endpoint = serveLazily(postgres, {
    data: () => ({ tables: [] }),
    database: 'shop',
    username: 'master',
    password: () => PASSWORD,
  });
  while (endpoint.port === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
  details = {
    host: '127.0.0.1',
    port: endpoint.port,
    username: 'master',
    password: PASSWORD,
    database: 'shop',
    engine: 'postgres',
  };
  await query(SCHEMA);
}, 120_000);

afterAll(async () => {
  await endpoint?.stop();
});

describe('PostgreSQL masking session', () => {
  it('reads the inventory: tables of every own schema (public ones by their name), columns with types, lengths and nullability; keys and what cannot be masked', async () => {
    await withSession(async (session, collections) => {
      expect(session.label).toMatch(/^PostgreSQL \d+\.\d+/);
      expect(session.transactional).toBe(true);
      // Nothing is left out by name: an application's own snapclone_* tables are data like the rest.
      expect([...collections.keys()].sort()).toEqual([
        'customer_names',
        'customers',
        'notes',
        'sales.orders',
        'sales.refunds',
        'snapclone_log',
        'snapclone_work.state',
        'tenants',
      ]);
      expect(collections.get('customers')!.fields).toEqual([
        { name: 'id', type: 'integer', typeName: 'integer', nullable: false },
        { name: 'name', type: 'text', typeName: 'character varying(40)', nullable: false, maxLength: 40 },
        { name: 'email', type: 'text', typeName: 'text', nullable: true },
        { name: 'phone', type: 'text', typeName: 'character(13)', nullable: true, maxLength: 13 },
        { name: 'born', type: 'date', typeName: 'date', nullable: true },
        { name: 'seen', type: 'timestamp', typeName: 'timestamp with time zone', nullable: true },
        { name: 'visits', type: 'bigint', typeName: 'bigint', nullable: true },
        { name: 'balance', type: 'number', typeName: 'numeric(12,2)', nullable: true },
        { name: 'active', type: 'boolean', typeName: 'boolean', nullable: false },
        { name: 'tags', type: 'other', typeName: 'text[]', nullable: true },
      ]);
      expect(collections.get('notes')!.fields.map((f) => [f.name, f.type])).toEqual([
        ['body', 'text'],
        ['written', 'timestamp'],
      ]);
      expect(collections.get('sales.orders')!.fields.map((f) => [f.name, f.nullable])).toEqual([
        ['region', false],
        ['number', false],
        ['customer_id', false],
        ['total', true],
      ]);
      expect(collections.get('customers')!.unmaskable).toBeUndefined();
      expect(collections.get('notes')!.unmaskable).toBeUndefined();
      expect(collections.get('customer_names')!.unmaskable).toMatch(/materialized view/);
      expect(collections.get('tenants')!.unmaskable).toMatch(/row-level security is enabled/);
      // public."sales.refunds" and sales.refunds would be one name: refused, not merged.
      expect(collections.get('sales.refunds')!.unmaskable).toMatch(
        /two tables go by the name sales\.refunds \("public"\."sales\.refunds" and "sales"\."refunds"\): rename one/,
      );
    });
  });

  it('counts, samples and reads rows by key (primary key, composite key as a JSON array, ctid), values typed as the transforms take them', async () => {
    await withSession((session, collections) =>
      session.transaction(async (tx) => {
        const customers = collections.get('customers')!;
        expect(await tx.count(customers)).toBe(CUSTOMERS);
        const sample = await tx.sample(customers, ['email', 'visits', 'born', 'seen', 'balance', 'active'], 25);
        expect(sample).toHaveLength(25);
        expect(new Set(sample.map((r) => r.key)).size).toBe(25);
        for (const { key, values } of sample) {
          const i = Number(key);
          expect(values).toEqual({
            email: `person${i}@example.com`,
            visits: String(9000000000 + i),
            born: new Date(Date.UTC(1980, 0, 1 + i)).toISOString().slice(0, 10),
            seen: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString().replace('.000Z', '.123456Z'),
            balance: i * 1.25,
            active: i % 2 === 0,
          });
        }
        const read = await tx.read(customers, [...sample.map((r) => r.key), '999999'], ['name']);
        expect([...read.keys()].sort()).toEqual(sample.map((r) => r.key).sort());
        for (const [key, values] of read) expect(values).toEqual({ name: `Customer ${key}` });

        const orders = collections.get('sales.orders')!;
        expect(await tx.count(orders)).toBe(40);
        const orderSample = await tx.sample(orders, ['customer_id'], 5);
        for (const { key, values } of orderSample) {
          const [region, number] = JSON.parse(key) as string[];
          expect(region).toBe(Number(number) % 2 === 0 ? 'east' : 'west');
          expect(values).toEqual({ customer_id: Number(number) });
        }
        expect((await tx.read(orders, ['["east","2"]', '["west","2"]'], ['total'])).get('["east","2"]')).toEqual({
          total: 20,
        });

        const notes = collections.get('notes')!;
        const noteSample = await tx.sample(notes, ['body', 'written'], 100);
        expect(noteSample).toHaveLength(30);
        expect(noteSample[0].key).toMatch(/^\(\d+,\d+\)$/);
        expect(
          noteSample.every(
            (r) =>
              /^note \d+$/.test(r.values.body as string) &&
              /^2026-02-01T\d\d:\d\d:00Z$/.test(r.values.written as string),
          ),
        ).toBe(true);
        const seen: unknown[] = [];
        await tx.scan(customers, ['id'], (values) => seen.push(values.id));
        expect(seen.sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: CUSTOMERS }, (_, i) => i + 1));
      }),
    );
  });

  it('rewrites exactly the fields and rows given, in batches, keeping types; sql rules run as UPDATE … SET; sampled keys follow moved rows', async () => {
    const before = await query<Record<string, unknown>>('SELECT * FROM customers ORDER BY id');
    const counts = await withSession((session, collections) =>
      session.transaction(async (tx) => {
        const customers = collections.get('customers')!;
        const rewritten = await tx.rewrite(customers, ['email', 'visits', 'born', 'seen', 'balance'], (v) => ({
          email: (v.email as string).replace('@example.com', '@masked.example'),
          visits: String(BigInt(v.visits as string) + 1n),
          born: new Date(Date.parse(`${v.born as string}T00:00:00Z`) + 86_400_000),
          // As text, microseconds and all, a year earlier.
          seen: (v.seen as string).replace(/^2026-/, '2025-'),
          balance: (v.balance as number) + 1,
        }));
        const expression = await tx.setExpression!(customers, 'phone', "'+00-00-' || lpad(id::text, 6, '0')");

        // Rows keyed by ctid, and rows whose key columns are rewritten, move: sampled keys follow them.
        const notes = collections.get('notes')!;
        const noteSample = await tx.sample(notes, ['body'], 5);
        const notesRewritten = await tx.rewrite(notes, ['body'], (v) => ({ body: `masked ${v.body as string}` }));
        await tx.setExpression!(notes, 'body', "body || '!'");
        const notesRead = await tx.read(
          notes,
          noteSample.map((r) => r.key),
          ['body'],
        );
        expect([...notesRead.keys()].sort()).toEqual(noteSample.map((r) => r.key).sort());
        for (const row of noteSample)
          expect(notesRead.get(row.key)).toEqual({ body: `masked ${row.values.body as string}!` });

        const orders = collections.get('sales.orders')!;
        const orderSample = await tx.sample(orders, ['number'], 10);
        await tx.rewrite(orders, ['number'], (v) => ({ number: (v.number as number) + 1000 }));
        const ordersRead = await tx.read(
          orders,
          orderSample.map((r) => r.key),
          ['number'],
        );
        for (const row of orderSample)
          expect(ordersRead.get(row.key)).toEqual({ number: (row.values.number as number) + 1000 });
        return { rewritten, expression, notesRewritten };
      }),
    );
    expect(counts).toEqual({ rewritten: CUSTOMERS, expression: CUSTOMERS, notesRewritten: 30 });

    const after = await query<Record<string, unknown>>('SELECT * FROM customers ORDER BY id');
    expect(after).toHaveLength(CUSTOMERS);
    after.forEach((row, i) => {
      const was = before[i];
      expect(row).toEqual({
        ...was,
        email: (was.email as string).replace('@example.com', '@masked.example'),
        visits: String(BigInt(was.visits as string) + 1n),
        born: new Date((was.born as Date).getTime() + 86_400_000),
        seen: new Date((was.seen as Date).getTime() - 365 * 86_400_000),
        balance: (Number(was.balance) + 1).toFixed(2),
        phone: `+00-00-${String(was.id).padStart(6, '0')}`,
      });
    });
    // Microseconds are kept when a timestamp goes back as the ISO text it was read as.
    expect((await query<{ t: string }>('SELECT seen::text AS t FROM customers WHERE id = 1'))[0].t).toBe(
      '2025-01-01 01:00:00.123456+00',
    );
    expect(
      (await query<{ n: number }>("SELECT count(*)::int AS n FROM notes WHERE body LIKE 'masked note %!'"))[0].n,
    ).toBe(30);
    expect((await query<{ n: number }>('SELECT count(*)::int AS n FROM sales.orders WHERE number > 1000'))[0].n).toBe(
      40,
    );
    expect(await maskingRoles()).toEqual([]);
  });

  it('counts, over every row, the originals a sql rule would keep (before it runs)', async () => {
    const kept = await withSession((session, collections) =>
      session.transaction((tx) =>
        tx.countKeptBy!(collections.get('notes')!, 'body', "CASE WHEN body LIKE '%note 1%' THEN body ELSE 'x' END"),
      ),
    );
    // note 1, note 10 … note 19 (masked or not by the tests before): eleven of the thirty notes.
    expect(kept).toBe(11);
  });

  it('rolls everything back when the work throws, and leaves no masking role either way', async () => {
    const before = await query('SELECT * FROM customers ORDER BY id');
    const failed = withSession((session, collections) =>
      session.transaction(async (tx) => {
        await tx.rewrite(collections.get('customers')!, ['email'], () => ({ email: 'gone@masked.example' }));
        await tx.setExpression!(collections.get('notes')!, 'body', "'gone'");
        throw new Error('a check failed');
      }),
    );
    await expect(failed).rejects.toThrow('a check failed');
    expect(await query('SELECT * FROM customers ORDER BY id')).toEqual(before);
    expect((await query<{ n: number }>("SELECT count(*)::int AS n FROM notes WHERE body = 'gone'"))[0].n).toBe(0);
    expect(await maskingRoles()).toEqual([]);
  });

  it('works as a role that owns nothing: the server refuses it DDL, and a sql rule cannot add a statement', async () => {
    const role = await withSession((session, collections) =>
      session.transaction(async (tx) => {
        const notes = collections.get('notes')!;
        const sample = await tx.sample(notes, ['body'], 1);
        await tx.setExpression!(notes, 'body', 'current_user');
        const who = (await tx.read(notes, [sample[0].key], ['body'])).get(sample[0].key)!.body as string;
        throw Object.assign(new Error('done'), { who });
      }),
    ).catch((e: { who?: string }) => e.who);
    expect(role).toMatch(/^snapclone_masking_[0-9a-f]{12}$/);

    // try_drop() runs DROP TABLE notes as whoever calls it.
    const drop = withSession((session, collections) =>
      session.transaction((tx) => tx.setExpression!(collections.get('customers')!, 'email', 'try_drop()')),
    );
    await expect(drop).rejects.toThrow(
      /Setting customers\.email by its sql rule: must be owner of table notes \(42501\)/,
    );
    const appended = withSession((session, collections) =>
      session.transaction((tx) =>
        tx.setExpression!(collections.get('customers')!, 'email', "'x'); DROP TABLE notes; SELECT ('x'"),
      ),
    );
    await expect(appended).rejects.toThrow(/cannot insert multiple commands into a prepared statement/);
    expect((await query<{ n: number }>('SELECT count(*)::int AS n FROM notes'))[0].n).toBe(30);
    expect(await maskingRoles()).toEqual([]);
  });

  it('names the table and columns of a failed rewrite, never the values', async () => {
    const tooLong = withSession((session, collections) =>
      session.transaction((tx: MaskingTx) =>
        tx.rewrite(collections.get('customers')!, ['name'], () => ({ name: 'PERSONAL-VALUE-'.repeat(4) })),
      ),
    );
    const error = (await tooLong.catch((e: Error) => e)) as Error;
    expect(error.message).toMatch(
      /^Rewriting customers \(name\): value too long for type character varying\(40\) \(22001\)$/,
    );
    const notANumber = withSession((session, collections) =>
      session.transaction((tx: MaskingTx) =>
        tx.rewrite(collections.get('customers')!, ['visits'], () => ({ visits: 'PERSONAL-VALUE' })),
      ),
    );
    const error2 = (await notANumber.catch((e: Error) => e)) as Error;
    expect(error2.message).toContain('Rewriting customers (visits): invalid input syntax for type bigint');
    for (const e of [error, error2]) {
      expect(`${e.message} ${String(e.stack)} ${JSON.stringify(e)}`).not.toContain('PERSONAL');
      expect(e.cause).toBeUndefined();
    }
  });

  it('locks the clone: the master password is replaced by one nobody is told, and the old one is refused at once', async () => {
    const verifier = async () =>
      (await query<{ rolpassword: string | null }>("SELECT rolpassword FROM pg_authid WHERE rolname = 'master'"))[0]
        .rolpassword;
    expect(await verifier()).toMatch(/^SCRAM-SHA-256\$4096:/);
    // As a failed run does: the transaction rolled back, then the lock, in the same session.
    await withSession(async (session) => {
      await expect(session.transaction(() => Promise.reject(new Error('a check failed')))).rejects.toThrow(
        'a check failed',
      );
      await session.lock!();
    });
    await expect(verifier()).rejects.toThrow(/password authentication failed/);
  });
});
