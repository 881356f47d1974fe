/**
 * Masking: the rules of a source (config `masking:`), what a clone holds (its inventory), and the small interface
 * each data store implements (PostgreSQL, MySQL, Redis, OpenSearch) so that one run (run.ts) checks, masks and
 * verifies every engine the same way. docs/masking.md.
 */

/** The built-in transforms; `sql` is a raw SQL expression for the column's new value (SQL engines only). */
export const TRANSFORMS = [
  'null',
  'fixed',
  'keep-format',
  'hash',
  'fake-email',
  'fake-phone',
  'fake-name',
  'date-shift',
  'sql',
] as const;
export type TransformName = (typeof TRANSFORMS)[number];

/** One field's rule, normalised from the config's short and long forms. */
export interface Rule {
  transform: TransformName;
  /** fixed: the value every row gets. */
  value?: string | number | boolean;
  /** date-shift: the most days a value moves (each by 1..days, earlier or later, never 0). */
  days?: number;
  /** sql: the expression of the new value (`UPDATE t SET col = <sql>`). */
  sql?: string;
}

/** What the rules say of one collection: a table (SQL), a key pattern (Redis) or an index pattern (OpenSearch). */
export interface CollectionRules {
  /** As the config names it: `customers`, `sales.customers`, `session:*`, `customers-*`. */
  name: string;
  /** Field → rule: columns, hash fields (a string key's value is the field VALUE_FIELD), document fields. */
  rules: Record<string, Rule>;
  /** Fields deliberately kept as they are. */
  keep: string[];
  /** Fields that appeared in the source on a day (YYYY-MM-DD): older clones may lack them. */
  added?: Record<string, string>;
}

/** The field name under which a Redis string key's value is ruled (config `value:`). */
export const VALUE_FIELD = '(value)';

export type StoreKind = 'tables' | 'keys' | 'indices';

/** A source's masking, normalised (config.ts). */
export interface MaskingRules {
  kind: StoreKind;
  /** What a failure leaves: the clone locked (its password replaced by one nobody is told) or deleted. */
  onFailure: 'lock' | 'delete';
  /** Globs (case-insensitive) on field names, or on `collection.field`, that no collection without rules may hold. */
  sensitive: string[];
  collections: CollectionRules[];
}

/** What a field holds, as far as the transforms care. */
export type FieldType = 'text' | 'integer' | 'bigint' | 'number' | 'date' | 'timestamp' | 'boolean' | 'other';

export interface Field {
  name: string;
  type: FieldType;
  /** The engine's own type name (varchar(40), int8, keyword…), for messages. */
  typeName: string;
  nullable: boolean;
  /** Longest text the field takes (varchar(n)), when bounded. */
  maxLength?: number;
}

export interface Collection {
  /** As rules name it (see CollectionRules.name). */
  name: string;
  fields: Field[];
  /** Why it cannot be masked at all (no primary key, a non-transactional table), when it cannot. */
  unmaskable?: string;
}

/** What a clone holds, read before anything is changed. */
export interface Inventory {
  collections: Collection[];
  /**
   * Redis: keys no rule's pattern matches, by name (at most a sample of them), each with its fields: the
   * sensitive patterns apply to their names and fields.
   */
  unclaimed?: { name: string; fields: string[] }[];
  /** What the store holds that masking cannot read or rewrite at all (Redis keys outside database 0): each stops the run. */
  refusals?: { collection: string; message: string }[];
}

/** A row's identity within its collection (a primary key, a ctid, a Redis key, a document id), as text. */
export type RowKey = string;

export interface SampledRow {
  key: RowKey;
  values: Record<string, unknown>;
}

/** The operations of one masking transaction (or of no transaction, where the store has none). */
export interface MaskingTx {
  /** Rows (keys, documents) of a collection. */
  count(c: Collection): Promise<number>;
  /** Up to `n` rows, chosen at random, with the given fields' values. */
  sample(c: Collection, fields: string[], n: number): Promise<SampledRow[]>;
  /** The given fields of the rows with these keys (rows that are gone are absent). */
  read(c: Collection, keys: RowKey[], fields: string[]): Promise<Map<RowKey, Record<string, unknown>>>;
  /**
   * Rewrites every row's `fields` with `change` (given the row's current values of `fields`, it returns the new
   * ones), in batches; returns the rows rewritten.
   */
  rewrite(
    c: Collection,
    fields: string[],
    change: (values: Record<string, unknown>) => Record<string, unknown>,
  ): Promise<number>;
  /** A raw SQL rule: `UPDATE <c> SET <field> = <sql>` (SQL engines only); returns the rows updated. */
  setExpression?(c: Collection, field: string, sql: string): Promise<number>;
  /** Rows whose non-null `field` a raw SQL rule would leave as it is (`(<sql>) IS NOT DISTINCT FROM field`), counted before it runs. */
  countKeptBy?(c: Collection, field: string, sql: string): Promise<number>;
  /** Calls `each` with the given fields of every row, in batches (full checks after masking). */
  scan(c: Collection, fields: string[], each: (values: Record<string, unknown>) => void): Promise<void>;
}

/** An open connection to a clone's data, as its master user. */
export interface MaskingSession {
  /** "PostgreSQL 16.4", "MariaDB 11.8", "Redis 7.2", "OpenSearch 2.11": for the report. */
  readonly label: string;
  inventory(rules: MaskingRules): Promise<Inventory>;
  /**
   * Runs `work` as a role that does not own the data where the engine allows it, in one transaction where the
   * engine allows it: committed when `work` returns, rolled back when it throws. `transactional` says which.
   */
  transaction<T>(work: (tx: MaskingTx) => Promise<T>): Promise<T>;
  readonly transactional: boolean;
  /** Replaces the master user's password by a random one nobody is told (the clone is then locked). */
  lock?(): Promise<void>;
  close(): Promise<void>;
}
