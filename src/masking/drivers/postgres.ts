import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type { Client, QueryConfig } from 'pg';
import { newPassword } from '../../engines/shared/secret.ts';
import type { ConnectionDetails } from '../../engines/types.ts';
import type {
  Collection,
  Field,
  FieldType,
  Inventory,
  MaskingSession,
  MaskingTx,
  RowKey,
  SampledRow,
} from '../model.ts';
import {
  BATCH,
  isoTimestamp,
  keyOf,
  MovingKeys,
  naming,
  partsOf,
  plainPassword,
  temporaryRoleName,
  utcDate,
  utcTimestamp,
  withoutValues,
} from './shared.ts';

/**
 * PostgreSQL (RDS for PostgreSQL, Aurora PostgreSQL) as a masking session, over the pg driver, on ONE connection
 * as the master user (the sandbox's engine serves one session at a time, and SET ROLE works within a session).
 *
 * - Collections: every table (and partitioned table) of every schema but pg_*, information_schema and snapclone*,
 *   named `table` in public and `schema.table` elsewhere. Materialized views are listed as unmaskable: they hold
 *   copies of their tables' rows and are refreshed, not masked in place.
 * - Row key: the primary key's columns as text (several: a JSON array of them); a table without one is keyed by
 *   its ctid, the row version's place. An update gives a row a new ctid (and a rewritten key column a new key):
 *   keys handed out by `sample` follow their rows (MovingKeys), so `read` still finds them after masking.
 * - Values: text as strings, int2/int4 as numbers, int8 as strings, numeric and floats as numbers (numeric beyond
 *   15 significant digits loses precision), booleans; dates as `YYYY-MM-DD`, timestamps (with or without time
 *   zone; the session's time zone is UTC) as ISO 8601 text in UTC, `…Z`, fractions kept. Values written back may be
 *   Dates or ISO text; each is cast to its column's type in the statement, never spliced into SQL.
 * - transaction: BEGIN; a NOLOGIN role `snapclone_masking_…` with USAGE on the schemas and SELECT, UPDATE on their
 *   tables, granted to the master and SET ROLE to: the work cannot drop, alter or read beyond those tables. The
 *   role is dropped before COMMIT; on failure ROLLBACK undoes its creation with everything else (roles are
 *   transactional in PostgreSQL), so no role outlives the session whatever happens.
 */

interface KeyColumn {
  name: string;
  /** The column's type without modifier (format_type), to cast its text in statements. */
  cast: string;
}

interface Table {
  collection: Collection;
  /** pg_class.relkind: r table, p partitioned table, m materialized view. */
  kind: string;
  /** Row-level security is enabled on it. */
  rls: boolean;
  /** `"schema"."table"`. */
  sql: string;
  /** Primary key columns; empty when rows are keyed by ctid. */
  key: KeyColumn[];
  /** Field → its type without modifier: a value too long for varchar(n) fails instead of being cut. */
  casts: Map<string, string>;
  moving: MovingKeys;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
// Every schema but the system's: snapclone creates no table of its own, so none is left out by name.
const OWN_SCHEMA = `n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'`;
const OWN_TABLE = OWN_SCHEMA;

const FIELD_TYPES: Record<string, FieldType> = {
  text: 'text',
  varchar: 'text',
  bpchar: 'text',
  citext: 'text',
  int2: 'integer',
  int4: 'integer',
  int8: 'bigint',
  numeric: 'number',
  float4: 'number',
  float8: 'number',
  date: 'date',
  timestamp: 'timestamp',
  timestamptz: 'timestamp',
  bool: 'boolean',
};

/** Type OIDs whose text this session keeps as the transforms want it (model.ts): numeric, date, timestamp(tz). */
const PARSERS: Record<number, (text: string) => unknown> = {
  1700: Number,
  1082: (text) => text,
  1114: isoTimestamp,
  1184: isoTimestamp,
};

/** SCRAM-SHA-256 verifier of a password, as `\password` sends it: the server (and its log) never sees the password. */
export function scramVerifier(password: string, iterations = 4096): string {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const stored = createHash('sha256').update(createHmac('sha256', salted).update('Client Key').digest()).digest();
  const server = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${stored.toString('base64')}:${server.toString('base64')}`;
}

export async function openPostgres(
  details: ConnectionDetails,
  at: { host: string; port: number },
): Promise<MaskingSession> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({
    host: at.host,
    port: at.port,
    user: details.username,
    password: details.password,
    database: details.database,
    ssl: details.tls ? { servername: details.host } : undefined,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        PARSERS[oid] ?? pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // A connection lost between queries fails the next query; the event must not crash the process.
  client.on('error', () => undefined);
  await naming(`Connecting to PostgreSQL at ${at.host}:${at.port} as ${details.username}`, () => client.connect());
  try {
    await client.query("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'");
    const version = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
    return new PostgresSession(client, `PostgreSQL ${version.split(' ')[0]}`, details.username);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw withoutValues('Reading the PostgreSQL server version', error);
  }
}

interface CatalogRow {
  schema: string;
  table: string;
  kind: string;
  column: string;
  type_name: string;
  cast_type: string;
  base: string;
  typmod: number;
  not_null: boolean;
  /** pg_class.relrowsecurity. */
  rls: boolean;
}

class PostgresSession implements MaskingSession {
  readonly transactional = true;
  private catalog?: Promise<{ tables: Map<string, Table>; schemas: string[] }>;

  constructor(
    private readonly client: Client,
    readonly label: string,
    private readonly master: string,
  ) {}

  async inventory(): Promise<Inventory> {
    const { tables } = await this.read();
    return { collections: [...tables.values()].map((t) => t.collection) };
  }

  /** The tables, their columns and keys, read once (before anything changes). */
  private read() {
    this.catalog ??= naming('Reading the PostgreSQL catalog', async () => {
      const columns = await this.client.query<CatalogRow>(`
        SELECT n.nspname AS schema, c.relname AS table, c.relkind AS kind, a.attname AS column,
          format_type(a.atttypid, a.atttypmod) AS type_name, format_type(a.atttypid, NULL) AS cast_type,
          b.typname AS base, CASE WHEN a.atttypmod >= 0 THEN a.atttypmod ELSE t.typtypmod END AS typmod, a.attnotnull AS not_null,
          c.relrowsecurity AS rls
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        JOIN pg_type t ON t.oid = a.atttypid
        JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
        WHERE c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition AND ${OWN_TABLE}
        ORDER BY n.nspname, c.relname, a.attnum`);
      const keys = await this.client.query<{ schema: string; table: string; column: string; cast_type: string }>(`
        SELECT n.nspname AS schema, c.relname AS table, a.attname AS column, format_type(a.atttypid, NULL) AS cast_type
        FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
        WHERE i.indisprimary AND ${OWN_TABLE}
        ORDER BY n.nspname, c.relname, k.position`);
      const schemas = await this.client.query<{ schema: string }>(
        `SELECT n.nspname AS schema FROM pg_namespace n WHERE ${OWN_SCHEMA} ORDER BY 1`,
      );
      const tables = new Map<string, Table>();
      const nameOf = (schema: string, table: string) => (schema === 'public' ? table : `${schema}.${table}`);
      for (const row of columns.rows) {
        const name = nameOf(row.schema, row.table);
        let table = tables.get(name);
        const sql = `${quote(row.schema)}.${quote(row.table)}`;
        if (table && table.sql !== sql && !table.collection.unmaskable) {
          // public."sales.customers" and sales.customers would be one name: neither is masked or checked for the other.
          table.collection.unmaskable = `two tables go by the name ${name} (${table.sql} and ${sql}): rename one`;
        }
        if (table && table.sql !== sql) continue;
        if (!table) {
          table = {
            collection: { name, fields: [] },
            kind: row.kind,
            rls: row.rls,
            sql: `${quote(row.schema)}.${quote(row.table)}`,
            key: [],
            casts: new Map(),
            moving: new MovingKeys(),
          };
          tables.set(name, table);
        }
        const type = FIELD_TYPES[row.base] ?? 'other';
        const field: Field = { name: row.column, type, typeName: row.type_name, nullable: !row.not_null };
        if ((row.base === 'varchar' || row.base === 'bpchar') && row.typmod > 4) field.maxLength = row.typmod - 4;
        table.collection.fields.push(field);
        table.casts.set(row.column, row.cast_type);
      }
      for (const row of keys.rows) {
        const table = tables.get(nameOf(row.schema, row.table));
        if (!table) continue;
        table.key.push({ name: row.column, cast: row.cast_type });
      }
      for (const table of tables.values()) {
        if (table.kind === 'm')
          table.collection.unmaskable =
            "a materialized view holds copies of its tables' rows: it is refreshed from them, not masked";
        // The masking role is not the owner: its UPDATEs and checks would see only the rows the policies show it.
        if (table.rls)
          table.collection.unmaskable =
            'row-level security is enabled: a role that does not own the table sees (and would mask) only the rows its policies allow';
        if (table.kind === 'p' && table.key.length === 0)
          table.collection.unmaskable =
            'a partitioned table without a primary key (a ctid names a row only within one partition)';
      }
      return { tables, schemas: schemas.rows.map((r) => r.schema) };
    });
    return this.catalog;
  }

  async transaction<T>(work: (tx: MaskingTx) => Promise<T>): Promise<T> {
    const { tables, schemas } = await this.read();
    const role = quote(temporaryRoleName());
    const q = (sql: string) => this.client.query(sql);
    await naming('Starting the masking transaction', () => q('BEGIN'));
    try {
      // Back to this role afterwards rather than RESET ROLE: the sandbox's engine logs in as its bootstrap user and
      // SET ROLEs to the master user, which RESET ROLE would leave.
      const master = await naming(
        'Starting the masking transaction',
        async () => (await this.client.query<{ name: string }>('SELECT current_user AS name')).rows[0].name,
      );
      await naming('Creating the masking role', async () => {
        await q(`CREATE ROLE ${role} NOLOGIN`);
        for (const schema of schemas) {
          await q(`GRANT USAGE ON SCHEMA ${quote(schema)} TO ${role}`);
          await q(`GRANT SELECT, UPDATE ON ALL TABLES IN SCHEMA ${quote(schema)} TO ${role}`);
        }
        await q(`GRANT ${role} TO CURRENT_USER`);
        await q(`SET ROLE ${role}`);
      });
      const result = await work(new PostgresTx(this.client, tables));
      await naming('Ending the masking transaction', async () => {
        await q(`SET ROLE ${quote(master)}`);
        await q(`DROP OWNED BY ${role}`);
        await q(`DROP ROLE ${role}`);
        await q('COMMIT');
      });
      return result;
    } catch (error) {
      await q('ROLLBACK').catch(() => undefined);
      // Created in the transaction just rolled back, the role is gone; this only makes sure.
      await q(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      throw error;
    }
  }

  async lock(): Promise<void> {
    const verifier = scramVerifier(plainPassword(newPassword()));
    // The master user by name: CURRENT_USER is another role while a SET ROLE lasts.
    await naming('Locking the clone (replacing the master password)', () =>
      this.client.query(`ALTER ROLE ${quote(this.master)} PASSWORD '${verifier}'`),
    );
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

let cursors = 0;

class PostgresTx implements MaskingTx {
  constructor(
    private readonly client: Client,
    private readonly tables: Map<string, Table>,
  ) {}

  private table(c: Collection): Table {
    const table = this.tables.get(c.name);
    if (!table) throw new Error(`${c.name} is not a table of the inventory`);
    return table;
  }

  /** The key columns as text, then the fields (`prefix`: the table's alias and a dot). */
  private columns(table: Table, fields: string[], prefix = ''): string {
    for (const field of fields)
      if (!table.casts.has(field)) throw new Error(`${table.collection.name} has no column ${field}`);
    const keys = table.key.length ? table.key.map((k) => `${prefix}${quote(k.name)}::text`) : [`${prefix}ctid::text`];
    return [...keys, ...fields.map((f) => `${prefix}${quote(f)}`)].join(', ');
  }

  /** A row read with `columns` (rowMode array): its key now and its values. */
  private split(table: Table, fields: string[], row: unknown[]): { key: RowKey; values: Record<string, unknown> } {
    const width = Math.max(1, table.key.length);
    const key = keyOf(row.slice(0, width) as string[]);
    return { key, values: Object.fromEntries(fields.map((f, i) => [f, row[width + i]])) };
  }

  async count(c: Collection): Promise<number> {
    const table = this.table(c);
    const out = await naming(`Counting the rows of ${c.name}`, () =>
      this.client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table.sql}`),
    );
    return Number(out.rows[0].n);
  }

  async sample(c: Collection, fields: string[], n: number): Promise<SampledRow[]> {
    const table = this.table(c);
    const out = await naming(`Sampling ${c.name} (${fields.join(', ')})`, () =>
      this.client.query<unknown[]>({
        text: `SELECT ${this.columns(table, fields)} FROM ${table.sql} ORDER BY random() LIMIT ${Math.max(0, Math.floor(n))}`,
        rowMode: 'array',
      }),
    );
    return out.rows.map((row) => {
      const { key, values } = this.split(table, fields, row);
      return { key: table.moving.handOut(key), values };
    });
  }

  async read(c: Collection, keys: RowKey[], fields: string[]): Promise<Map<RowKey, Record<string, unknown>>> {
    const table = this.table(c);
    const found = new Map<RowKey, Record<string, unknown>>();
    for (let i = 0; i < keys.length; i += BATCH) {
      const asked = new Map(keys.slice(i, i + BATCH).map((k) => [table.moving.current(k), k]));
      const { values, params } = this.keyValues(table, [...asked.keys()]);
      const out = await naming(`Reading rows of ${c.name} (${fields.join(', ')})`, () =>
        this.client.query<unknown[]>({
          text: `SELECT ${this.columns(table, fields, 'target.')} FROM ${table.sql} AS target JOIN (VALUES ${values}) AS wanted(${this.keyNames(table)}) ON ${this.keyMatch(table, 'wanted')}`,
          values: params,
          rowMode: 'array',
        }),
      );
      for (const row of out.rows) {
        const { key, values: read } = this.split(table, fields, row);
        found.set(asked.get(key) ?? key, read);
      }
    }
    return found;
  }

  async rewrite(
    c: Collection,
    fields: string[],
    change: (values: Record<string, unknown>) => Record<string, unknown>,
  ): Promise<number> {
    const table = this.table(c);
    let rewritten = 0;
    await this.eachBatch(table, c, fields, async (batch) => {
      const rows = batch.map((row) => {
        const { key, values } = this.split(table, fields, row);
        const changed = change(values);
        const missing = fields.find((f) => changed?.[f] === undefined);
        if (missing) throw new Error(`the change of ${c.name} gave no value for ${missing}`);
        return { key, values: fields.map((f) => changed[f]) };
      });
      rewritten += await this.update(table, fields, rows);
    });
    return rewritten;
  }

  async countKeptBy(c: Collection, field: string, sql: string): Promise<number> {
    const table = this.table(c);
    if (!table.casts.has(field)) throw new Error(`${c.name} has no column ${field}`);
    const out = await naming(`Checking ${c.name}.${field}'s sql rule`, () =>
      this.client.query({
        text: `SELECT count(*)::int AS n FROM ${table.sql} WHERE ${quote(field)} IS NOT NULL AND (${sql}) IS NOT DISTINCT FROM ${quote(field)}`,
        queryMode: 'extended',
      } as QueryConfig),
    );
    return Number((out.rows[0] as { n: number }).n);
  }

  async setExpression(c: Collection, field: string, sql: string): Promise<number> {
    const table = this.table(c);
    if (!table.casts.has(field)) throw new Error(`${c.name} has no column ${field}`);
    const what = `Setting ${c.name}.${field} by its sql rule`;
    // The extended protocol takes one statement: the rule cannot append another.
    if (!this.moves(table, [field])) {
      const out = await naming(what, () =>
        this.client.query({
          text: `UPDATE ${table.sql} SET ${quote(field)} = (${sql})`,
          queryMode: 'extended',
        } as QueryConfig),
      );
      return out.rowCount ?? 0;
    }
    const keys = table.key.length
      ? table.key.map((k, i) => `${quote(k.name)}::text AS snapclone_k${i}`)
      : ['ctid::text AS snapclone_k0'];
    const before = table.key.length
      ? table.key.map((_, i) => `snapclone_before.snapclone_k${i}`)
      : ['snapclone_before.snapclone_k0'];
    const after = table.key.length
      ? table.key.map((k) => `${table.sql}.${quote(k.name)}::text`)
      : [`${table.sql}.ctid::text`];
    const out = await naming(what, () =>
      this.client.query<unknown[]>({
        text: `UPDATE ${table.sql} SET ${quote(field)} = (${sql})
          FROM (SELECT tableoid AS snapclone_table, ctid AS snapclone_place, ${keys.join(', ')} FROM ${table.sql}) AS snapclone_before
          WHERE ${table.sql}.tableoid = snapclone_before.snapclone_table AND ${table.sql}.ctid = snapclone_before.snapclone_place
          RETURNING ${[...before, ...after].join(', ')}`,
        rowMode: 'array',
        queryMode: 'extended',
      } as QueryConfig),
    );
    this.recordMoves(table, out.rows as unknown as unknown[][]);
    return out.rowCount ?? 0;
  }

  async scan(c: Collection, fields: string[], each: (values: Record<string, unknown>) => void): Promise<void> {
    const table = this.table(c);
    await this.eachBatch(table, c, fields, async (batch) => {
      for (const row of batch) each(this.split(table, fields, row).values);
    });
  }

  /**
   * Hands `onBatch` the rows of `fields` (key columns first) in batches of BATCH, through a cursor: it reads the
   * table as it was when declared, so rows a batch updates are not met again.
   */
  private async eachBatch(
    table: Table,
    c: Collection,
    fields: string[],
    onBatch: (rows: unknown[][]) => Promise<void>,
  ): Promise<void> {
    const cursor = `snapclone_rows_${++cursors}`;
    await naming(`Reading ${c.name}`, () =>
      this.client.query(
        `DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT ${this.columns(table, fields)} FROM ${table.sql}`,
      ),
    );
    try {
      for (;;) {
        const out = await naming(`Reading ${c.name} (${fields.join(', ')})`, () =>
          this.client.query<unknown[]>({ text: `FETCH ${BATCH} FROM ${cursor}`, rowMode: 'array' }),
        );
        if (out.rows.length === 0) break;
        await onBatch(out.rows);
      }
    } finally {
      await this.client.query(`CLOSE ${cursor}`).catch(() => undefined);
    }
  }

  /** Whether updating `fields` may move rows that keys were handed out for (ctid, or key columns rewritten). */
  private moves(table: Table, fields: string[]): boolean {
    return table.moving.tracking && (table.key.length === 0 || table.key.some((k) => fields.includes(k.name)));
  }

  private keyNames(table: Table): string {
    return Array.from({ length: Math.max(1, table.key.length) }, (_, i) => `k${i}`).join(', ');
  }

  /** `target.<key> = <alias>.k0 AND …`. */
  private keyMatch(table: Table, alias: string): string {
    if (table.key.length === 0) return `target.ctid = ${alias}.k0`;
    return table.key.map((k, i) => `target.${quote(k.name)} = ${alias}.k${i}`).join(' AND ');
  }

  private keyCasts(table: Table): string[] {
    return table.key.length ? table.key.map((k) => k.cast) : ['tid'];
  }

  /** VALUES rows of keys, each key column cast to its type. */
  private keyValues(table: Table, keys: RowKey[]): { values: string; params: string[] } {
    const casts = this.keyCasts(table);
    const params: string[] = [];
    const values = keys
      .map(
        (key) =>
          `(${partsOf(key, casts.length)
            .map((part, i) => `$${params.push(part)}::${casts[i]}`)
            .join(', ')})`,
      )
      .join(', ');
    return { values, params };
  }

  /** One UPDATE … FROM (VALUES …) per chunk of rows; returns the rows updated. */
  private async update(table: Table, fields: string[], rows: { key: RowKey; values: unknown[] }[]): Promise<number> {
    const casts = this.keyCasts(table);
    const fieldCasts = fields.map((f) => table.casts.get(f)!);
    const types = new Map(table.collection.fields.map((f) => [f.name, f.type]));
    const perRow = casts.length + fields.length;
    const chunk = Math.max(1, Math.min(BATCH, Math.floor(60_000 / perRow)));
    const tracked = this.moves(table, fields);
    const returning = tracked
      ? ` RETURNING ${[...casts.map((_, i) => `masked.k${i}::text`), ...(table.key.length ? table.key.map((k) => `target.${quote(k.name)}::text`) : ['target.ctid::text'])].join(', ')}`
      : '';
    const names = [...casts.map((_, i) => `k${i}`), ...fields.map((_, i) => `v${i}`)].join(', ');
    const set = fields.map((f, i) => `${quote(f)} = masked.v${i}`).join(', ');
    let updated = 0;
    for (let i = 0; i < rows.length; i += chunk) {
      const params: unknown[] = [];
      const values = rows
        .slice(i, i + chunk)
        .map((row) => {
          const key = partsOf(row.key, casts.length).map((part, j) => `$${params.push(part)}::${casts[j]}`);
          const vals = row.values.map((v, j) => `$${params.push(toParam(v, types.get(fields[j])!))}::${fieldCasts[j]}`);
          return `(${[...key, ...vals].join(', ')})`;
        })
        .join(', ');
      const out = await naming(`Rewriting ${table.collection.name} (${fields.join(', ')})`, () =>
        this.client.query<unknown[]>({
          text: `UPDATE ${table.sql} AS target SET ${set} FROM (VALUES ${values}) AS masked(${names}) WHERE ${this.keyMatch(table, 'masked')}${returning}`,
          values: params,
          rowMode: 'array',
        }),
      );
      if (tracked) this.recordMoves(table, out.rows);
      updated += out.rowCount ?? 0;
    }
    return updated;
  }

  /** RETURNING rows of (old key columns…, new key columns…) as text. */
  private recordMoves(table: Table, rows: unknown[][]): void {
    const width = Math.max(1, table.key.length);
    table.moving.moved(rows.map((r) => [keyOf(r.slice(0, width) as string[]), keyOf(r.slice(width) as string[])]));
  }
}

/**
 * A value for a parameter: the pg driver would write a Date in the machine's time zone, so dates and timestamps
 * go as UTC text without a zone (the session's time zone is UTC; a timestamp without time zone would ignore one).
 */
function toParam(value: unknown, type: FieldType): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'date') return utcDate(value);
  if (type === 'timestamp' || value instanceof Date) return utcTimestamp(value);
  if (typeof value === 'bigint') return value.toString();
  return value;
}
