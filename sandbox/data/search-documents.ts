import type { Row, TableSchema, Value } from './dataset.ts';
import { stateAt, type Change, type DataModel, type History, type Tables } from './history.ts';
import { contactChange, person } from './people.ts';
import type { Random } from './random.ts';

/**
 * The production catalog search domain's documents: the `products` and `customers` indices as a history of
 * documents indexed, updated and deleted (the same machinery as the SQL sources, history.ts, one "table" per
 * index), so the documents an index holds at any time T are a pure function of the history and T
 * (documentsAt). A snapshot taken at T carries them; a clone restored from it holds exactly those.
 */

/** One document as the search API returns it: its id and its source. */
export interface SearchDocument {
  _id: string;
  _source: Record<string, Value>;
}

const products: TableSchema = {
  name: 'products',
  columns: [
    { name: 'id', type: 'id' },
    { name: 'sku', type: 'text' },
    { name: 'name', type: 'text' },
    { name: 'category', type: 'text' },
    { name: 'price_yen', type: 'int' },
    { name: 'stock', type: 'int' },
    { name: 'updated_at', type: 'time' },
  ],
};

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
  ],
};

/** The indices the history holds documents of. */
export const SEARCH_INDICES = [products.name, customers.name] as const;

const CATEGORIES = ['kitchen', 'stationery', 'outdoor', 'audio', 'books', 'tea'];
const ADJECTIVES = ['Compact', 'Classic', 'Wireless', 'Bamboo', 'Ceramic', 'Folding', 'Organic', 'Travel'];
const NOUNS = ['Kettle', 'Notebook', 'Lantern', 'Speaker', 'Teapot', 'Backpack', 'Fountain Pen', 'Sencha'];

type Step = (rng: Random, tables: Tables, at: number) => Change | undefined;

const newProduct: Step = (rng, tables, at) => {
  const id = tables.nextId('products');
  const row: Row = {
    id,
    sku: `SKU-${String(id).padStart(6, '0')}`,
    name: `${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}`,
    category: rng.pick(CATEGORIES),
    price_yen: rng.int(3, 400) * 100,
    stock: rng.int(0, 500),
    updated_at: at,
  };
  return { op: 'insert', table: 'products', row };
};

const newCustomer: Step = (rng, tables, at) => {
  const id = tables.nextId('customers');
  return { op: 'insert', table: 'customers', row: { id, ...person(rng, id), created_at: at, updated_at: at } };
};

const some = (rng: Random, tables: Tables, table: string): number | undefined => {
  const ids = tables.ids(table);
  return ids.length === 0 ? undefined : rng.pick(ids);
};

const update =
  (table: string, set: (rng: Random, row: Row) => Row): Step =>
  (rng, tables, at) => {
    const id = some(rng, tables, table);
    return id === undefined ? undefined : { op: 'update', table, id, set: { ...set(rng, tables.get(table, id)!), updated_at: at } };
  };

const remove =
  (table: string): Step =>
  (rng, tables) => {
    const id = some(rng, tables, table);
    return id === undefined ? undefined : { op: 'delete', table, id };
  };

const STEPS: [number, Step][] = [
  [20, newProduct],
  [14, update('products', (rng) => ({ price_yen: rng.int(3, 400) * 100 }))],
  [14, update('products', (rng) => ({ stock: rng.int(0, 500) }))],
  [5, remove('products')],
  [18, newCustomer],
  [10, update('customers', contactChange)],
  [4, remove('customers')],
];
const TOTAL = STEPS.reduce((sum, [w]) => sum + w, 0);

export const catalogSearchModel: DataModel = {
  tables: [products, customers],
  initial(rng, tables, at) {
    for (let i = 0; i < 120; i++) tables.apply(newProduct(rng, tables, at)!);
    for (let i = 0; i < 80; i++) tables.apply(newCustomer(rng, tables, at)!);
  },
  next(rng, tables, at) {
    let roll = rng.next() * TOTAL;
    const step = STEPS.find(([w]) => (roll -= w) < 0)?.[1] ?? newProduct;
    return step(rng, tables, at) ?? newProduct(rng, tables, at)!;
  },
};

/** A stored value as a JSON document carries it: times as ISO 8601 (UTC), the rest as they are. */
function sourceOf(schema: TableSchema, row: Row): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const column of schema.columns) {
    if (column.type === 'id') continue;
    const value = row[column.name] ?? null;
    out[column.name] = column.type === 'time' && value !== null ? new Date(Number(value)).toISOString() : value;
  }
  return out;
}

/** Each index's documents at `at` (epoch ms), in id order. */
export function documentsAt(history: History, at: number): Map<string, SearchDocument[]> {
  const data = stateAt(history, at);
  return new Map(data.tables.map((t) => [t.schema.name, t.rows.map((row) => ({ _id: String(row.id), _source: sourceOf(t.schema, row) }))]));
}
