// Issue 23: the MySQL masking session (src/masking/drivers/mysql.ts) against the sandbox's MySQL engine (a real
// mariadbd; skipped where MariaDB is not installed), on a schema of its own: what it reads, what it changes, as
// whom, and what a failure leaves.
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveLazily, type LazyEndpoint } from '../../sandbox/data/lazy.ts';
import { mysql as mysqlEngine, mysqlAvailable } from '../../sandbox/data/mysql.ts';
import type { ConnectionDetails } from '../../src/engines/types.ts';
import { openMysql } from '../../src/masking/drivers/mysql.ts';
import type { Collection, MaskingSession } from '../../src/masking/model.ts';

const PASSWORD = 'AdminPassword1234567890';
const CUSTOMERS = 1200;
/** Keys above 2^53: compared as DOUBLE they would collide. */
const BIG = 9007199254740993n;
const BIGS = 700;

let endpoint: LazyEndpoint;
let details: ConnectionDetails;
const at = () => ({ host: '127.0.0.1', port: endpoint.port! });

async function connectAs(user: string, password: string): Promise<mysql.Connection> {
  const connection = await mysql.createConnection({ ...at(), user, password, database: 'shop', multipleStatements: true, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
  await connection.query("SET time_zone = '+00:00'");
  return connection;
}

/** Rows as the master user sees them (a connection of its own). */
async function query<R = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<R[]> {
  const connection = await connectAs('admin', PASSWORD);
  try {
    return (await connection.query(sql, values))[0] as R[];
  } finally {
    await connection.end();
  }
}

async function withSession<T>(use: (session: MaskingSession, collections: Map<string, Collection>) => Promise<T>): Promise<T> {
  const session = await openMysql(details, at());
  try {
    const inventory = await session.inventory({ kind: 'tables', onFailure: 'lock', sensitive: [], collections: [] });
    return await use(session, new Map(inventory.collections.map((c) => [c.name, c])));
  } finally {
    await session.close();
  }
}

const maskingUsers = async () => (await query<{ User: string }>("SELECT User FROM mysql.user WHERE User LIKE 'snapclone_masking%'")).map((r) => r.User);
const pad = (n: number) => String(n).padStart(2, '0');

describe.skipIf(!mysqlAvailable())(mysqlAvailable() ? 'MySQL masking session' : `MySQL masking session: SKIPPED, ${mysqlEngine.unavailable()}`, () => {
  beforeAll(async () => {
    endpoint = serveLazily(mysqlEngine, { data: () => ({ tables: [] }), database: 'shop', username: 'admin', password: () => PASSWORD });
    while (endpoint.port === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    details = { host: '127.0.0.1', port: endpoint.port, username: 'admin', password: PASSWORD, database: 'shop', engine: 'mysql' };
    const c = await connectAs('admin', PASSWORD);
    try {
      await c.query(`
        CREATE TABLE customers (
          id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, email TEXT, phone CHAR(13), born DATE, seen DATETIME(6),
          visits BIGINT, balance DECIMAL(12,2), active BOOLEAN NOT NULL DEFAULT TRUE, kind ENUM('a', 'b')
        ) ENGINE=InnoDB;
        CREATE TABLE notes (body TEXT, written DATETIME) ENGINE=InnoDB;
        CREATE TABLE legacy (id INT PRIMARY KEY, email TEXT) ENGINE=MyISAM;
        CREATE TABLE big (id BIGINT UNSIGNED PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB;
        CREATE TABLE contacts (id INT PRIMARY KEY, email TEXT) ENGINE=InnoDB WITH SYSTEM VERSIONING;
        CREATE DATABASE sales;
        CREATE TABLE sales.orders (region VARCHAR(8), number INT, customer_id INT NOT NULL, total DECIMAL(10,2), PRIMARY KEY (region, number)) ENGINE=InnoDB;`);
      const customers = Array.from({ length: CUSTOMERS }, (_, k) => {
        const i = k + 1;
        const seen = new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString().replace('T', ' ').replace('.000Z', '.123456');
        return [i, `Customer ${i}`, `person${i}@example.com`, `+81-90-${String(i).padStart(6, '0')}`, new Date(Date.UTC(1980, 0, 1 + i)).toISOString().slice(0, 10), seen, String(9000000000 + i), (i * 1.25).toFixed(2), i % 2 === 0 ? 1 : 0, 'a'];
      });
      await c.query('INSERT INTO customers VALUES ?', [customers]);
      await c.query('INSERT INTO notes VALUES ?', [Array.from({ length: 30 }, (_, i) => [`note ${i + 1}`, `2026-02-01 10:${pad(i)}:00`])]);
      await c.query('INSERT INTO legacy VALUES (1, ?)', ['legacy@example.com']);
      await c.query('INSERT INTO big VALUES ?', [Array.from({ length: BIGS }, (_, i) => [String(BIG + BigInt(i)), `v${i}`])]);
      await c.query('INSERT INTO sales.orders VALUES ?', [Array.from({ length: 40 }, (_, k) => [(k + 1) % 2 === 0 ? 'east' : 'west', k + 1, k + 1, (k + 1) * 10])]);
    } finally {
      await c.end();
    }
  }, 120_000);

  afterAll(async () => {
    await endpoint?.stop();
  });

  it('reads the inventory: tables of every database (the connection\'s by their name), columns with types, lengths and nullability; what cannot be masked and why', async () => {
    await withSession(async (session, collections) => {
      expect(session.label).toMatch(/^MariaDB \d+\.\d+\.\d+$/);
      expect(session.transactional).toBe(true);
      expect([...collections.keys()].sort()).toEqual(['big', 'contacts', 'customers', 'legacy', 'notes', 'sales.orders']);
      expect(collections.get('customers')!.fields).toEqual([
        { name: 'id', type: 'integer', typeName: 'int(11)', nullable: false },
        { name: 'name', type: 'text', typeName: 'varchar(40)', nullable: false, maxLength: 40 },
        { name: 'email', type: 'text', typeName: 'text', nullable: true },
        { name: 'phone', type: 'text', typeName: 'char(13)', nullable: true, maxLength: 13 },
        { name: 'born', type: 'date', typeName: 'date', nullable: true },
        { name: 'seen', type: 'timestamp', typeName: 'datetime(6)', nullable: true },
        { name: 'visits', type: 'bigint', typeName: 'bigint(20)', nullable: true },
        { name: 'balance', type: 'number', typeName: 'decimal(12,2)', nullable: true },
        { name: 'active', type: 'boolean', typeName: 'tinyint(1)', nullable: false },
        { name: 'kind', type: 'other', typeName: "enum('a','b')", nullable: true },
      ]);
      expect(collections.get('sales.orders')!.fields.map((f) => [f.name, f.nullable])).toEqual([['region', false], ['number', false], ['customer_id', false], ['total', true]]);
      expect(Object.fromEntries([...collections.values()].map((c) => [c.name, c.unmaskable]))).toEqual({
        big: undefined,
        contacts: 'system-versioned: its history keeps every original value',
        customers: undefined,
        legacy: 'MyISAM: no transactions',
        notes: 'no primary key',
        'sales.orders': undefined,
      });
    });
  });

  it('counts, samples and reads rows by key (composite keys as a JSON array, keys beyond 2^53 exact), values typed as the transforms take them', async () => {
    await withSession((session, collections) =>
      session.transaction(async (tx) => {
        const customers = collections.get('customers')!;
        expect(await tx.count(customers)).toBe(CUSTOMERS);
        const sample = await tx.sample(customers, ['email', 'visits', 'born', 'seen', 'balance', 'active'], 25);
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
        for (const { key, values } of await tx.sample(orders, ['customer_id'], 5)) {
          const [region, number] = JSON.parse(key) as string[];
          expect(region).toBe(Number(number) % 2 === 0 ? 'east' : 'west');
          expect(values).toEqual({ customer_id: Number(number) });
        }
        expect((await tx.read(orders, ['["east","2"]', '["west","2"]'], ['total'])).get('["east","2"]')).toEqual({ total: 20 });

        const big = collections.get('big')!;
        const wanted = [String(BIG), String(BIG + 1n), String(BIG + 2n)];
        expect([...(await tx.read(big, wanted, ['v'])).entries()]).toEqual(wanted.map((k, i) => [k, { v: `v${i}` }]));
        const ids: string[] = [];
        await tx.scan(big, ['id'], (values) => ids.push(values.id as string));
        expect(ids).toEqual(Array.from({ length: BIGS }, (_, i) => String(BIG + BigInt(i))));
        expect(await tx.count(collections.get('notes')!)).toBe(30);
        await expect(tx.sample(collections.get('notes')!, ['body'], 1)).rejects.toThrow('notes has no primary key');
      }),
    );
  });

  it('rewrites exactly the fields and rows given, in batches, keeping types; sql rules run as UPDATE … SET; sampled keys follow rewritten keys', async () => {
    const before = await query<Record<string, unknown>>('SELECT * FROM customers ORDER BY id');
    const counts = await withSession((session, collections) =>
      session.transaction(async (tx) => {
        const customers = collections.get('customers')!;
        const rewritten = await tx.rewrite(customers, ['email', 'visits', 'born', 'seen', 'balance', 'active'], (v) => ({
          email: (v.email as string).replace('@example.com', '@masked.example'),
          visits: String(BigInt(v.visits as string) + 1n),
          born: new Date(Date.parse(`${v.born as string}T00:00:00Z`) + 86_400_000),
          seen: (v.seen as string).replace(/^2026-/, '2025-'),
          balance: (v.balance as number) + 1,
          active: !(v.active as boolean),
        }));
        const expression = await tx.setExpression!(customers, 'phone', "CONCAT('+00-00-', LPAD(id, 6, '0'))");
        const big = await tx.rewrite(collections.get('big')!, ['v'], (v) => ({ v: `masked ${v.v as string}` }));

        const orders = collections.get('sales.orders')!;
        const orderSample = await tx.sample(orders, ['number'], 10);
        await tx.rewrite(orders, ['number'], (v) => ({ number: (v.number as number) + 1000 }));
        const ordersRead = await tx.read(orders, orderSample.map((r) => r.key), ['number']);
        for (const row of orderSample) expect(ordersRead.get(row.key)).toEqual({ number: (row.values.number as number) + 1000 });
        return { rewritten, expression, big };
      }),
    );
    expect(counts).toEqual({ rewritten: CUSTOMERS, expression: CUSTOMERS, big: BIGS });

    const after = await query<Record<string, unknown>>('SELECT * FROM customers ORDER BY id');
    expect(after).toHaveLength(CUSTOMERS);
    after.forEach((row, i) => {
      const was = before[i];
      expect(row).toEqual({
        ...was,
        email: (was.email as string).replace('@example.com', '@masked.example'),
        visits: String(BigInt(was.visits as string) + 1n),
        born: new Date(Date.parse(`${was.born as string}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10),
        seen: (was.seen as string).replace(/^2026-/, '2025-'),
        balance: (Number(was.balance) + 1).toFixed(2),
        active: was.active === 1 ? 0 : 1,
        phone: `+00-00-${String(was.id).padStart(6, '0')}`,
      });
    });
    expect(Number((await query<{ n: number }>("SELECT COUNT(*) AS n FROM big WHERE v LIKE 'masked v%'"))[0].n)).toBe(BIGS);
    expect(Number((await query<{ n: number }>('SELECT COUNT(*) AS n FROM sales.orders WHERE number > 1000'))[0].n)).toBe(40);
    expect(await maskingUsers()).toEqual([]);
  });

  it('rolls everything back when the work throws, and leaves no masking user either way', async () => {
    const before = await query('SELECT * FROM customers ORDER BY id');
    const failed = withSession((session, collections) =>
      session.transaction(async (tx) => {
        await tx.rewrite(collections.get('customers')!, ['email'], () => ({ email: 'gone@masked.example' }));
        await tx.setExpression!(collections.get('big')!, 'v', "'gone'");
        throw new Error('a check failed');
      }),
    );
    await expect(failed).rejects.toThrow('a check failed');
    expect(await query('SELECT * FROM customers ORDER BY id')).toEqual(before);
    expect(Number((await query<{ n: number }>("SELECT COUNT(*) AS n FROM big WHERE v = 'gone'"))[0].n)).toBe(0);
    expect(await maskingUsers()).toEqual([]);
  });

  it('works as a user of its own with SELECT and UPDATE only: the server refuses it DDL, and a sql rule cannot add a statement', async () => {
    const refusals = await withSession((session, collections) =>
      session.transaction(async (tx) => {
        const customers = collections.get('customers')!;
        await tx.setExpression!(customers, 'name', 'CURRENT_USER()');
        const who = (await tx.read(customers, ['1'], ['name'])).get('1')!.name as string;
        expect(who).toMatch(/^snapclone_masking_[0-9a-f]{12}@%$/);
        // The same account, signed in with a password the test gives it: what the server lets it do.
        const user = who.split('@')[0];
        await query(`SET PASSWORD FOR '${user}'@'%' = PASSWORD('KnownToTheTest123')`);
        const as = await connectAs(user, 'KnownToTheTest123');
        try {
          const refused = async (sql: string) => (await as.query(sql).then(() => 'accepted', (e: { code: string }) => e.code)) as string;
          return {
            drop: await refused('DROP TABLE notes'),
            alter: await refused('ALTER TABLE notes ADD COLUMN x INT'),
            create: await refused('CREATE TABLE stolen (a INT)'),
            users: await refused('SELECT * FROM mysql.user'),
            appended: await tx.setExpression!(customers, 'email', "'x'); DROP TABLE notes; SELECT ('x'").then(() => 'accepted', (e: Error) => e.message),
          };
        } finally {
          await as.end();
        }
      }),
    );
    expect(refusals).toEqual({
      drop: 'ER_TABLEACCESS_DENIED_ERROR',
      alter: 'ER_TABLEACCESS_DENIED_ERROR',
      create: 'ER_TABLEACCESS_DENIED_ERROR',
      users: 'ER_TABLEACCESS_DENIED_ERROR',
      appended: expect.stringMatching(/^Setting customers\.email by its sql rule: .*syntax.* \(ER_PARSE_ERROR\)$/),
    });
    expect(Number((await query<{ n: number }>('SELECT COUNT(*) AS n FROM notes'))[0].n)).toBe(30);
    expect(await maskingUsers()).toEqual([]);
  });

  it('names the table and columns of a failed rewrite, never the values', async () => {
    const failure = (fields: string[], value: unknown) =>
      withSession((session, collections) => session.transaction((tx) => tx.rewrite(collections.get('customers')!, fields, () => Object.fromEntries(fields.map((f) => [f, value]))))).catch((e: Error) => e);
    const tooLong = (await failure(['name'], 'PERSONAL-VALUE-'.repeat(4))) as Error;
    expect(tooLong.message).toMatch(/^Rewriting customers \(name\): Data too long for column … at row 1 \(ER_DATA_TOO_LONG\)$/);
    const notANumber = (await failure(['visits'], 'PERSONAL-VALUE')) as Error;
    expect(notANumber.message).toBe('Rewriting customers (visits): Incorrect integer value: … for column `shop`.`customers`.`visits` at row 1 (ER_TRUNCATED_WRONG_VALUE_FOR_FIELD)');
    for (const e of [tooLong, notANumber]) {
      expect(`${e.message} ${String(e.stack)} ${JSON.stringify(e)}`).not.toContain('PERSONAL');
      expect(e.cause).toBeUndefined();
    }
    expect(await maskingUsers()).toEqual([]);
  });

  it('locks the clone: the master password is replaced by one nobody is told, and the old one is refused', async () => {
    await withSession(async (session) => {
      await expect(session.transaction(() => Promise.reject(new Error('a check failed')))).rejects.toThrow('a check failed');
      await session.lock!();
    });
    const refused = await connectAs('admin', PASSWORD).then(async (c) => (await c.end(), 'accepted'), (e: { code: string }) => e.code);
    expect(refused).toBe('ER_ACCESS_DENIED_ERROR');
  });
});
