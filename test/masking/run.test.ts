import { describe, expect, it } from 'vitest';
import { maskingRules } from '../../src/masking/config.ts';
import type { Field } from '../../src/masking/model.ts';
import { maskData, MaskingStopped } from '../../src/masking/run.ts';
import { FAKE_EMAIL_DOMAIN } from '../../src/masking/transforms.ts';
import { MemoryStore, type MemoryTable } from './memory-store.ts';

const text = (name: string, nullable = true): Field => ({ name, type: 'text', typeName: 'text', nullable });
const int = (name: string): Field => ({ name, type: 'integer', typeName: 'int4', nullable: false });

function world(): MemoryTable[] {
  const customers = Array.from({ length: 40 }, (_, i) => ({
    id: i + 1,
    name: `Taro Yamada${i}`,
    email: `taro${i}@corp.jp`,
    phone: `090-1234-${String(1000 + i)}`,
    note: i % 3 ? null : 'vip',
  }));
  const orders = Array.from({ length: 90 }, (_, i) => ({ id: i + 1, customer_id: (i % 40) + 1, total: i * 100 }));
  return [
    {
      name: 'customers',
      fields: [int('id'), text('name', false), text('email'), text('phone'), text('note')],
      rows: customers,
    },
    {
      name: 'orders',
      fields: [int('id'), int('customer_id'), { name: 'total', type: 'number', typeName: 'numeric', nullable: false }],
      rows: orders,
    },
  ];
}

const rules = (tables: object, extra: object = {}) =>
  maskingRules({ engine: 'rds', masking: { tables, ...extra } as never })!;

const RULES = {
  customers: { columns: { id: 'hash', name: 'fake-name', email: 'fake-email', phone: 'keep-format', note: 'null' } },
  orders: { columns: { customer_id: 'hash' }, keep: ['id', 'total'] },
};

describe('a masking run', () => {
  it('masks every ruled column, keeps the kept ones, and joins on hashed keys still match', async () => {
    const tables = world();
    const before = structuredClone(tables);
    const report = await maskData(new MemoryStore(tables), rules(RULES));
    expect(report).toMatchObject({ rows: 130, rules: 6, transactional: true });
    expect(report.checks).toBeGreaterThan(10);
    const [customers, orders] = tables;
    customers.rows.forEach((row, i) => {
      const was = before[0].rows[i];
      expect(row.id).not.toBe(was.id);
      expect(row.name).not.toBe(was.name);
      expect(row.email).toMatch(new RegExp(`@${FAKE_EMAIL_DOMAIN.replace('.', '\\.')}$`));
      expect(String(row.phone)).toMatch(/^\d{3}-\d{4}-\d{4}$/);
      expect(row.phone).not.toBe(was.phone);
      expect(row.note).toBeNull();
    });
    // The join customers.id = orders.customer_id pairs the same rows as before masking.
    orders.rows.forEach((order, i) => {
      const owner = before[0].rows.findIndex((c) => c.id === before[1].rows[i].customer_id);
      expect(order.customer_id).toBe(customers.rows[owner].id);
      expect(order.total).toBe(before[1].rows[i].total);
    });
  });

  it('refuses before changing anything: a column without rule or keep, a rule for a dropped column, a missing table, a sensitive column elsewhere', async () => {
    const tables = world();
    tables[0].fields.push(text('birth_date'));
    tables.push({
      name: 'reviewers',
      fields: [int('id'), text('display_name')],
      rows: [{ id: 1, display_name: 'Hanako' }],
    });
    const before = structuredClone(tables);
    const ruled = rules({
      ...RULES,
      orders: { columns: { customer_id: 'hash', coupon: 'null' }, keep: ['id', 'total'] },
      invoices: { keep: ['id'] },
    });
    const stopped = await maskData(new MemoryStore(tables), ruled).catch((e: unknown) => e);
    expect(stopped).toBeInstanceOf(MaskingStopped);
    const { stage, problems } = stopped as MaskingStopped;
    expect(stage).toBe('refused');
    const said = problems.map((p) => p.message).join('\n');
    expect(said).toMatch(/customers\.birth_date \(text\) has neither a rule nor keep/);
    expect(said).toMatch(/orders\.coupon, which the clone does not have/);
    expect(said).toMatch(/table invoices, which the clone does not have/);
    expect(said).toMatch(/reviewers\.display_name looks sensitive \(matches '\*name\*'\)/);
    expect(problems).toHaveLength(4);
    expect(tables).toEqual(before);
  });

  it("refuses 'null' on a NOT NULL column and transforms that do not fit the type, before changing anything", async () => {
    const tables = world();
    const stopped = (await maskData(
      new MemoryStore(tables),
      rules({
        ...RULES,
        customers: { columns: { ...RULES.customers.columns, name: 'null' } },
        orders: { columns: { customer_id: 'fake-email', total: { transform: 'date-shift', days: 3 } }, keep: ['id'] },
      }),
    ).catch((e: unknown) => e)) as MaskingStopped;
    expect(stopped.problems.map((p) => p.field).sort()).toEqual(['customer_id', 'name', 'total']);
  });

  it('a failing rule rolls every table back and names the rule', async () => {
    const tables = world();
    const before = structuredClone(tables);
    const store = new MemoryStore(tables);
    store.failRewriteOf = 'orders';
    const stopped = (await maskData(store, rules(RULES)).catch((e: unknown) => e)) as MaskingStopped;
    expect(stopped.stage).toBe('failed');
    expect(stopped.problems[0].message).toMatch(/^orders: column customer_id of orders: value too long/);
    expect(tables).toEqual(before);
  });

  it('verification catches rows the masking left as they were (and the run rolls back)', async () => {
    const tables = world();
    const store = new MemoryStore(tables);
    store.skipHalfOf = 'customers';
    const stopped = (await maskData(store, rules(RULES)).catch((e: unknown) => e)) as MaskingStopped;
    expect(stopped.stage).toBe('failed');
    const fields = new Set(stopped.problems.map((p) => p.field));
    for (const f of ['id', 'name', 'email', 'phone']) expect(fields).toContain(f);
    expect(stopped.problems.find((p) => p.field === 'email')!.message).toMatch(
      /20 of 40 sampled rows still hold their original value/,
    );
  });

  it('fixed values and raw SQL: fixed is checked on every row; sql needs an engine that runs SQL', async () => {
    const tables = world();
    await maskData(
      new MemoryStore(tables),
      rules({
        ...RULES,
        customers: { columns: { ...RULES.customers.columns, note: { transform: 'fixed', value: 'n/a' } } },
      }),
    );
    expect(new Set(tables[0].rows.map((r) => r.note))).toEqual(new Set(['n/a']));
    const stopped = (await maskData(
      new MemoryStore(world()),
      rules({ ...RULES, customers: { columns: { ...RULES.customers.columns, note: { sql: "''" } } } }),
    ).catch((e: unknown) => e)) as MaskingStopped;
    expect(stopped.problems[0].message).toMatch(/sql rules are for SQL engines/);
  });

  it('refuses hash on a smallint and fake-email on a column too short for it', async () => {
    const tables = world();
    tables[1].fields[1] = { name: 'customer_id', type: 'integer', typeName: 'int2', nullable: false };
    tables[0].fields[2] = { name: 'email', type: 'text', typeName: 'varchar(12)', nullable: true, maxLength: 12 };
    const stopped = (await maskData(new MemoryStore(tables), rules(RULES)).catch((e: unknown) => e)) as MaskingStopped;
    const said = stopped.problems.map((p) => p.message).join('\n');
    expect(said).toMatch(/orders\.customer_id: hash on a int2 column/);
    expect(said).toMatch(/customers\.email: fake-email needs 19 characters; varchar\(12\) holds 12/);
  });

  it("added: a clone of data from before the day a column was added may lack it; a later one without it is refused", async () => {
    const withAdded = rules({ ...RULES, customers: { columns: { ...RULES.customers.columns, birth_date: { transform: 'date-shift', days: 30 } }, added: { birth_date: '2026-11-26' } } });
    await expect(maskData(new MemoryStore(world()), withAdded, { restoreTime: new Date('2026-11-26T10:00:00Z') })).resolves.toMatchObject({ rows: 130 });
    const later = (await maskData(new MemoryStore(world()), withAdded, { restoreTime: new Date('2026-11-28T00:00:00Z') }).catch((e: unknown) => e)) as MaskingStopped;
    expect(later.problems.map((p) => p.message)).toEqual(['a rule names customers.birth_date, which the clone does not have (renamed or dropped?)']);
  });
});
