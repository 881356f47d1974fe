import { DAY_MS } from '../core/clock.ts';
import type { Row, TableSchema } from './dataset.ts';
import type { Change, DataModel, Tables } from './history.ts';
import { birthDate, contactChange, person } from './people.ts';
import type { Random } from './random.ts';
import { HISTORY_DAYS } from './sources.ts';

/** The data models of the scenario's SQL sources: billing (payments), orders (orders) and catalog (products, reviews). */

/**
 * The schema change in the middle of the scenario's history: the customers tables of billing-db and orders-db
 * gain `birth_date` (a date, personal) this many days before the scenario's "today" (the sandbox's now when
 * it seeded the histories), as a column added after masking rules were written would. From then on new
 * customers have one and a customer gets one when next updated; older rows hold NULL until then.
 */
export const BIRTH_DATE_DAYS_BEFORE_TODAY = 10;
const BIRTH_DATE_ADDED_AFTER = (HISTORY_DAYS - BIRTH_DATE_DAYS_BEFORE_TODAY) * DAY_MS;

/** When a history's customers table gained birth_date (epoch ms, a whole second): a clone of this time or later has it. */
export const birthDateAddedAt = (history: { origin: number }): number => history.origin + BIRTH_DATE_ADDED_AFTER;

const customers: TableSchema = {
  name: 'customers',
  columns: [
    { name: 'id', type: 'id' },
    { name: 'name', type: 'text' },
    { name: 'email', type: 'text' },
    { name: 'phone', type: 'text' },
    { name: 'address', type: 'text' },
    { name: 'created_at', type: 'time' },
    { name: 'updated_at', type: 'time' },
    { name: 'birth_date', type: 'date', addedAfter: BIRTH_DATE_ADDED_AFTER },
  ],
};

/** A birth date for a customer row once the table has the column (nothing is drawn before: the past stays as it was). */
const withBirthDate = (rng: Random, tables: Tables): Row => (tables.has('customers', 'birth_date') ? { birth_date: birthDate(rng) } : {});

function newCustomer(rng: Random, tables: Tables, at: number): Change {
  const id = tables.nextId('customers');
  return { op: 'insert', table: 'customers', row: { id, ...person(rng, id), created_at: at, updated_at: at, ...withBirthDate(rng, tables) } };
}

/** One of the rows of `table`, or undefined when it has none. */
function anyId(rng: Random, tables: Tables, table: string): number | undefined {
  const ids = tables.ids(table);
  return ids.length === 0 ? undefined : rng.pick(ids);
}

type Step = (rng: Random, tables: Tables, at: number) => Change | undefined;

/** Draws a step by weight; a step that has nothing to act on (undefined) falls back to `fallback`. */
function weighted(steps: [number, Step][], fallback: Step): DataModel['next'] {
  const total = steps.reduce((sum, [w]) => sum + w, 0);
  return (rng, tables, at) => {
    let roll = rng.next() * total;
    const step = steps.find(([w]) => (roll -= w) < 0)?.[1] ?? fallback;
    return step(rng, tables, at) ?? fallback(rng, tables, at)!;
  };
}

const customerSteps: [number, Step][] = [
  [25, newCustomer],
  [
    12,
    (rng, tables, at) => {
      const id = anyId(rng, tables, 'customers');
      if (id === undefined) return undefined;
      const row = tables.get('customers', id)!;
      const set = { ...contactChange(rng, row), updated_at: at, ...(row.birth_date == null ? withBirthDate(rng, tables) : {}) };
      return { op: 'update', table: 'customers', id, set };
    },
  ],
  [
    4,
    (rng, tables) => {
      const id = anyId(rng, tables, 'customers');
      return id === undefined ? undefined : { op: 'delete', table: 'customers', id };
    },
  ],
];

/** Fills `tables` with the rows a source starts with: `count[table]` rows of each, made by `make[table]`. */
function initialRows(rng: Random, tables: Tables, at: number, count: Record<string, number>, make: Record<string, Step>): void {
  for (const [table, n] of Object.entries(count)) {
    for (let i = 0; i < n; i++) tables.apply(make[table](rng, tables, at)!);
  }
}

const payments: TableSchema = {
  name: 'payments',
  columns: [
    { name: 'id', type: 'id' },
    { name: 'customer_id', type: 'int' },
    { name: 'amount', type: 'money' },
    { name: 'currency', type: 'text' },
    { name: 'status', type: 'text' },
    { name: 'card_last4', type: 'text' },
    { name: 'created_at', type: 'time' },
  ],
};

const newPayment: Step = (rng, tables, at) => {
  const customer = anyId(rng, tables, 'customers');
  if (customer === undefined) return undefined;
  const id = tables.nextId('payments');
  const row = { id, customer_id: customer, amount: rng.int(500, 250_000), currency: 'JPY', status: 'pending', card_last4: rng.digits(4), created_at: at };
  return { op: 'insert', table: 'payments', row };
};

/** billing-db: customers and their payments (pending → paid or refunded). */
export const billing: DataModel = {
  tables: [customers, payments],
  initial: (rng, tables, at) => initialRows(rng, tables, at, { customers: 40, payments: 60 }, { customers: newCustomer, payments: newPayment }),
  next: weighted(
    [
      ...customerSteps,
      [35, newPayment],
      [
        18,
        (rng, tables) => {
          const pending = tables.ids('payments').filter((id) => tables.get('payments', id)!.status === 'pending');
          if (pending.length === 0) return undefined;
          return { op: 'update', table: 'payments', id: rng.pick(pending), set: { status: rng.next() < 0.9 ? 'paid' : 'refunded' } };
        },
      ],
      [
        6,
        (rng, tables) => {
          const id = anyId(rng, tables, 'payments');
          return id === undefined ? undefined : { op: 'delete', table: 'payments', id };
        },
      ],
    ],
    newCustomer,
  ),
};

const orders: TableSchema = {
  name: 'orders',
  columns: [
    { name: 'id', type: 'id' },
    { name: 'customer_id', type: 'int' },
    { name: 'status', type: 'text' },
    { name: 'total', type: 'money' },
    { name: 'items', type: 'int' },
    { name: 'created_at', type: 'time' },
    { name: 'updated_at', type: 'time' },
  ],
};

const ORDER_FLOW: Record<string, string> = { placed: 'paid', paid: 'shipped', shipped: 'delivered' };

const newOrder: Step = (rng, tables, at) => {
  const customer = anyId(rng, tables, 'customers');
  if (customer === undefined) return undefined;
  const id = tables.nextId('orders');
  const row = { id, customer_id: customer, status: 'placed', total: rng.int(800, 80_000), items: rng.int(1, 6), created_at: at, updated_at: at };
  return { op: 'insert', table: 'orders', row };
};

/** orders-db: customers and their orders (placed → paid → shipped → delivered, or cancelled). */
export const ordersModel: DataModel = {
  tables: [customers, orders],
  initial: (rng, tables, at) => initialRows(rng, tables, at, { customers: 50, orders: 80 }, { customers: newCustomer, orders: newOrder }),
  next: weighted(
    [
      ...customerSteps,
      [35, newOrder],
      [
        22,
        (rng, tables, at) => {
          const open = tables.ids('orders').filter((id) => ORDER_FLOW[String(tables.get('orders', id)!.status)]);
          if (open.length === 0) return undefined;
          const id = rng.pick(open);
          const status = rng.next() < 0.08 ? 'cancelled' : ORDER_FLOW[String(tables.get('orders', id)!.status)];
          return { op: 'update', table: 'orders', id, set: { status, updated_at: at } };
        },
      ],
      [
        4,
        (rng, tables) => {
          const id = anyId(rng, tables, 'orders');
          return id === undefined ? undefined : { op: 'delete', table: 'orders', id };
        },
      ],
    ],
    newCustomer,
  ),
};

const products: TableSchema = {
  name: 'products',
  columns: [
    { name: 'id', type: 'id' },
    { name: 'sku', type: 'text' },
    { name: 'name', type: 'text' },
    { name: 'price', type: 'money' },
    { name: 'stock', type: 'int' },
    { name: 'updated_at', type: 'time' },
  ],
};

const reviews: TableSchema = {
  name: 'reviews',
  columns: [
    { name: 'id', type: 'id' },
    { name: 'product_id', type: 'int' },
    { name: 'reviewer_name', type: 'text' },
    { name: 'reviewer_email', type: 'text' },
    { name: 'rating', type: 'int' },
    { name: 'created_at', type: 'time' },
  ],
};

const KINDS = ['Mug', 'Notebook', 'Backpack', 'Lamp', 'Kettle', 'Umbrella', 'Headphones', 'Chair'];
const COLOURS = ['Red', 'Indigo', 'Sand', 'Black', 'White', 'Olive'];

const newProduct: Step = (rng, tables, at) => {
  const id = tables.nextId('products');
  const row = { id, sku: `SKU-${String(id).padStart(5, '0')}`, name: `${rng.pick(COLOURS)} ${rng.pick(KINDS)}`, price: rng.int(300, 30_000), stock: rng.int(0, 500), updated_at: at };
  return { op: 'insert', table: 'products', row };
};

const newReview: Step = (rng, tables, at) => {
  const product = anyId(rng, tables, 'products');
  if (product === undefined) return undefined;
  const id = tables.nextId('reviews');
  const who = person(rng, id);
  return { op: 'insert', table: 'reviews', row: { id, product_id: product, reviewer_name: who.name, reviewer_email: who.email, rating: rng.int(1, 5), created_at: at } };
};

/** catalog-db: products (prices and stock change) and their reviews (with reviewers' names and e-mail addresses). */
export const catalog: DataModel = {
  tables: [products, reviews],
  initial: (rng, tables, at) => initialRows(rng, tables, at, { products: 60, reviews: 50 }, { products: newProduct, reviews: newReview }),
  next: weighted(
    [
      [15, newProduct],
      [
        35,
        (rng, tables, at) => {
          const id = anyId(rng, tables, 'products');
          if (id === undefined) return undefined;
          const set: Row = rng.next() < 0.5 ? { price: rng.int(300, 30_000) } : { stock: rng.int(0, 500) };
          return { op: 'update', table: 'products', id, set: { ...set, updated_at: at } };
        },
      ],
      [
        5,
        (rng, tables) => {
          const id = anyId(rng, tables, 'products');
          return id === undefined ? undefined : { op: 'delete', table: 'products', id };
        },
      ],
      [35, newReview],
      [
        5,
        (rng, tables) => {
          const id = anyId(rng, tables, 'reviews');
          return id === undefined ? undefined : { op: 'delete', table: 'reviews', id };
        },
      ],
    ],
    newProduct,
  ),
};
