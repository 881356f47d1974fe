import type { Connection, ConnectionOptions } from 'mysql2/promise';
import { SnapcloneError } from '../../core/errors.ts';
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
} from './shared.ts';

/**
 * MySQL and MariaDB (RDS for MySQL, RDS for MariaDB, Aurora MySQL) as a masking session, over mysql2.
 *
 * - Collections: the tables of every database but mysql, information_schema, performance_schema and sys, named
 *   `table` in the connection's database (or the only other database) and `database.table` elsewhere. A table
 *   that is not InnoDB cannot be masked in a transaction, one without a primary key cannot be rewritten row by
 *   row, and a MariaDB system-versioned table keeps every original value in its history: each is `unmaskable`.
 * - Row key: the primary key's columns as text (several: a JSON array of them). Keys handed out by `sample` follow
 *   their rows when `rewrite` changes key columns (an sql rule on a key column is not followed).
 * - Values: text as strings, integers as numbers, BIGINT as strings, DECIMAL/FLOAT/DOUBLE as numbers,
 *   TINYINT(1) (BOOLEAN) as booleans; dates as `YYYY-MM-DD`, DATETIME/TIMESTAMP (the session's time zone is UTC)
 *   as ISO 8601 text in UTC, `…Z`, fractions kept. Values written back may be Dates or ISO text.
 * - transaction: a temporary user `snapclone_masking_…`@'%' with a random password and SELECT, UPDATE on the
 *   databases, made by the master before (CREATE USER commits); the work runs on a second connection as that
 *   user, in one transaction (START TRANSACTION … COMMIT, or ROLLBACK when it throws); the master drops the user
 *   afterwards, whatever happened. Statements with values are prepared (server-side parameters), so the
 *   server's sql_mode cannot change how a value is read.
 * - One UPDATE per row, inside the transaction; reads go by primary key in batches of 500.
 */

const SYSTEM = ['mysql', 'information_schema', 'performance_schema', 'sys'];
const NOT_SYSTEM = `NOT IN (${SYSTEM.map((s) => `'${s}'`).join(', ')})`;

const quote = (name: string) => `\`${name.replaceAll('`', '``')}\``;

const FIELD_TYPES: Record<string, FieldType> = {
  char: 'text',
  varchar: 'text',
  tinytext: 'text',
  text: 'text',
  mediumtext: 'text',
  longtext: 'text',
  tinyint: 'integer',
  smallint: 'integer',
  mediumint: 'integer',
  int: 'integer',
  bigint: 'bigint',
  decimal: 'number',
  float: 'number',
  double: 'number',
  date: 'date',
  datetime: 'timestamp',
  timestamp: 'timestamp',
};

interface Table {
  collection: Collection;
  /** `` `db`.`table` ``. */
  sql: string;
  /** Primary key columns (none: the table is unmaskable). */
  key: string[];
  /** Per key column, its parameter as SQL: integers compared as text would go through DOUBLE and miss large ones. */
  keyParams: string[];
  /** Column → its COLUMN_TYPE. */
  columnTypes: Map<string, string>;
  types: Map<string, FieldType>;
  moving: MovingKeys;
}

/** Session settings of both connections: timestamps in UTC, and a value too long for its column an error. */
const SESSION = [
  "SET time_zone = '+00:00'",
  "SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@sql_mode, ''), 'STRICT_ALL_TABLES')",
];

async function connect(options: ConnectionOptions, what: string): Promise<Connection> {
  const mysql = (await import('mysql2/promise')).default;
  const connection = await naming(what, () =>
    mysql.createConnection({
      ...options,
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: true,
      multipleStatements: false,
    }),
  );
  // A connection lost between queries fails the next one; the event must not crash the process.
  connection.on('error', () => undefined);
  await naming(what, async () => {
    for (const statement of SESSION) await connection.query(statement);
  });
  return connection;
}

export async function openMysql(
  details: ConnectionDetails,
  at: { host: string; port: number },
): Promise<MaskingSession> {
  const base: ConnectionOptions = {
    host: at.host,
    port: at.port,
    database: details.database,
    ssl: details.tls ? {} : undefined,
  };
  const master = await connect(
    { ...base, user: details.username, password: details.password },
    `Connecting to MySQL at ${at.host}:${at.port} as ${details.username}`,
  );
  try {
    const [rows] = await master.query('SELECT VERSION() AS version');
    const version = String((rows as { version: string }[])[0].version);
    const mariadb = /mariadb/i.exec(version);
    const label = `${mariadb ? 'MariaDB' : 'MySQL'} ${version.split('-')[0]}`;
    return new MysqlSession(master, label, base, details);
  } catch (error) {
    await master.end().catch(() => undefined);
    throw error;
  }
}

/** A value as read, in the form model.ts gives the transforms. */
function readValue(type: FieldType | undefined, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'integer':
    case 'number':
      return typeof value === 'string' ? Number(value) : value;
    case 'bigint':
      return String(value);
    case 'boolean':
      return Number(value) !== 0;
    case 'timestamp':
      return typeof value === 'string' ? isoTimestamp(value) : value;
    default:
      return value;
  }
}

/** A value given by a change, as a parameter of its column's type. */
function writeValue(type: FieldType | undefined, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'boolean':
      return typeof value === 'boolean' ? Number(value) : value;
    case 'date':
      return utcDate(value);
    case 'timestamp':
      return utcTimestamp(value);
    default:
      if (typeof value === 'bigint') return value.toString();
      if (value instanceof Date) return utcTimestamp(value);
      return value;
  }
}

/** A key column's parameter: cast to the column's numeric type, else as text (dates and strings compare as text). */
function keyParam(columnType: string): string {
  const type = columnType.toLowerCase();
  if (/^(tinyint|smallint|mediumint|int|bigint)\b/.test(type))
    return type.includes('unsigned') ? 'CAST(? AS UNSIGNED)' : 'CAST(? AS SIGNED)';
  const decimal = /^decimal\((\d+),(\d+)\)/.exec(type);
  if (decimal) return `CAST(? AS DECIMAL(${decimal[1]},${decimal[2]}))`;
  return '?';
}

interface ColumnRow {
  db: string;
  name: string;
  column: string;
  data_type: string;
  column_type: string;
  nullable: string;
  max_length: string | number | null;
}

class MysqlSession implements MaskingSession {
  readonly transactional = true;
  private catalog?: Promise<{ tables: Map<string, Table>; databases: string[] }>;

  constructor(
    private readonly master: Connection,
    readonly label: string,
    private readonly base: ConnectionOptions,
    private readonly credentials: ConnectionDetails,
  ) {}

  async inventory(): Promise<Inventory> {
    const { tables } = await this.read();
    return { collections: [...tables.values()].map((t) => t.collection) };
  }

  private read() {
    this.catalog ??= naming('Reading the MySQL catalog', async () => {
      const q = async <R>(sql: string) => (await this.master.query(sql))[0] as R[];
      const databases = (
        await q<{ db: string }>(
          `SELECT SCHEMA_NAME AS db FROM information_schema.SCHEMATA WHERE SCHEMA_NAME ${NOT_SYSTEM} ORDER BY 1`,
        )
      ).map((r) => r.db);
      const home = this.credentials.database ?? (databases.length === 1 ? databases[0] : undefined);
      const tableRows = await q<{ db: string; name: string; engine: string | null; type: string }>(
        `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, ENGINE AS engine, TABLE_TYPE AS type FROM information_schema.TABLES
         WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') AND TABLE_SCHEMA ${NOT_SYSTEM} ORDER BY 1, 2`,
      );
      const columns = await q<ColumnRow>(
        `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, COLUMN_NAME AS \`column\`, DATA_TYPE AS data_type, COLUMN_TYPE AS column_type,
           IS_NULLABLE AS nullable, CHARACTER_MAXIMUM_LENGTH AS max_length
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA ${NOT_SYSTEM} ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
      );
      const keys = await q<{ db: string; name: string; column: string }>(
        `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, COLUMN_NAME AS \`column\` FROM information_schema.KEY_COLUMN_USAGE
         WHERE CONSTRAINT_NAME = 'PRIMARY' AND TABLE_SCHEMA ${NOT_SYSTEM} ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
      );
      const id = (db: string, name: string) => `${db}\0${name}`;
      const tables = new Map<string, Table>();
      for (const t of tableRows) {
        const name = t.db === home ? t.name : `${t.db}.${t.name}`;
        tables.set(id(t.db, t.name), {
          collection: { name, fields: [] },
          sql: `${quote(t.db)}.${quote(t.name)}`,
          key: [],
          keyParams: [],
          columnTypes: new Map(),
          types: new Map(),
          moving: new MovingKeys(),
        });
        const collection = tables.get(id(t.db, t.name))!.collection;
        if (t.type === 'SYSTEM VERSIONED')
          collection.unmaskable = 'system-versioned: its history keeps every original value';
        else if ((t.engine ?? '').toLowerCase() !== 'innodb')
          collection.unmaskable = `${t.engine ?? 'no storage engine'}: no transactions`;
      }
      for (const c of columns) {
        const table = tables.get(id(c.db, c.name));
        if (!table) continue;
        const dataType = c.data_type.toLowerCase();
        const type: FieldType = /^tinyint\(1\)/i.test(c.column_type) ? 'boolean' : (FIELD_TYPES[dataType] ?? 'other');
        const field: Field = { name: c.column, type, typeName: c.column_type, nullable: c.nullable === 'YES' };
        if ((dataType === 'varchar' || dataType === 'char') && c.max_length !== null)
          field.maxLength = Number(c.max_length);
        table.collection.fields.push(field);
        table.types.set(c.column, type);
        table.columnTypes.set(c.column, c.column_type);
      }
      for (const k of keys) {
        const table = tables.get(id(k.db, k.name));
        table?.key.push(k.column);
        table?.keyParams.push(keyParam(table.columnTypes.get(k.column) ?? ''));
      }
      for (const table of tables.values()) if (table.key.length === 0) table.collection.unmaskable ??= 'no primary key';
      return { tables: new Map([...tables.values()].map((t) => [t.collection.name, t])), databases };
    });
    return this.catalog;
  }

  async transaction<T>(work: (tx: MaskingTx) => Promise<T>): Promise<T> {
    const { tables, databases } = await this.read();
    const user = temporaryRoleName();
    const password = plainPassword(newPassword());
    const account = `'${user}'@'%'`;
    // CREATE USER and GRANT commit implicitly: they come before the masking transaction, on the master's connection.
    await naming('Creating the masking user', () =>
      this.master.query(`CREATE USER ${account} IDENTIFIED BY '${password}'`),
    );
    let outcome: { value: T } | { error: unknown };
    try {
      await naming('Creating the masking user', async () => {
        for (const db of databases) await this.master.query(`GRANT SELECT, UPDATE ON ${quote(db)}.* TO ${account}`);
      });
      const worker = await connect({ ...this.base, user, password }, `Connecting to MySQL as the masking user`);
      try {
        await naming('Starting the masking transaction', () => worker.query('START TRANSACTION'));
        try {
          const value = await work(new MysqlTx(worker, tables));
          await naming('Committing the masking transaction', () => worker.query('COMMIT'));
          outcome = { value };
        } catch (error) {
          await worker.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      } finally {
        await worker.end().catch(() => worker.destroy());
      }
    } catch (error) {
      outcome = { error };
    }
    try {
      await naming(`Dropping the masking user ${user}`, () => this.master.query(`DROP USER IF EXISTS ${account}`));
    } catch (error) {
      // The work's own failure says more; a user left behind is named either way.
      if ('value' in outcome) throw error;
      throw Object.assign(outcome.error as Error, {
        message: `${(outcome.error as Error).message} (and the masking user ${user} could not be dropped)`,
      });
    }
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }

  /**
   * The master's account by name: MariaDB 10.11 answers `ALTER USER CURRENT_USER() IDENTIFIED BY …` with OK and
   * changes nothing. Whether the old password is refused afterwards is then tried, not assumed.
   */
  async lock(): Promise<void> {
    const what = 'Locking the clone (replacing the master password)';
    const password = plainPassword(newPassword());
    const [rows] = await naming(what, () => this.master.query({ sql: 'SELECT CURRENT_USER()', rowsAsArray: true }));
    const account = String((rows as unknown[][])[0][0]);
    const at = account.lastIndexOf('@');
    const [user, host] = [account.slice(0, at), account.slice(at + 1)];
    if (at < 0 || /['\\]/.test(account))
      throw new SnapcloneError(`${what}: the account ${account} cannot be named in SQL here.`);
    await naming(what, () => this.master.query(`ALTER USER '${user}'@'${host}' IDENTIFIED BY '${password}'`));
    const old = await connect(
      { ...this.base, user: this.credentials.username, password: this.credentials.password },
      what,
    ).then(
      (c) => c.end().then(() => true),
      () => false,
    );
    if (old) throw new SnapcloneError(`${what}: the old password still opens the clone.`);
  }

  async close(): Promise<void> {
    await this.master.end().catch(() => this.master.destroy());
  }
}

class MysqlTx implements MaskingTx {
  constructor(
    private readonly connection: Connection,
    private readonly tables: Map<string, Table>,
  ) {}

  private table(c: Collection, fields: string[] = []): Table {
    const table = this.tables.get(c.name);
    if (!table) throw new Error(`${c.name} is not a table of the inventory`);
    for (const field of fields) if (!table.types.has(field)) throw new Error(`${c.name} has no column ${field}`);
    return table;
  }

  /** A table rows can be found in again: one with a primary key. */
  private keyed(c: Collection, fields: string[]): Table {
    const table = this.table(c, fields);
    if (table.key.length === 0) throw new Error(`${c.name} has no primary key: its rows cannot be told apart`);
    return table;
  }

  private async rows(what: string, sql: string, params: unknown[] = []): Promise<unknown[][]> {
    const [rows] = await naming(what, () => this.connection.execute({ sql, values: params, rowsAsArray: true }));
    return rows as unknown as unknown[][];
  }

  /** The key columns as text, then the fields. */
  private columns(table: Table, fields: string[]): string {
    return [...table.key.map((k) => `CAST(${quote(k)} AS CHAR)`), ...fields.map(quote)].join(', ');
  }

  private split(
    table: Table,
    fields: string[],
    row: unknown[],
  ): { key: RowKey; parts: string[]; values: Record<string, unknown> } {
    const parts = row.slice(0, table.key.length).map(String);
    const values = Object.fromEntries(
      fields.map((f, i) => [f, readValue(table.types.get(f), row[table.key.length + i])]),
    );
    return { key: keyOf(parts), parts, values };
  }

  private keyList(table: Table): string {
    return table.key.map(quote).join(', ');
  }

  async count(c: Collection): Promise<number> {
    const table = this.table(c);
    const [[n]] = await this.rows(`Counting the rows of ${c.name}`, `SELECT COUNT(*) FROM ${table.sql}`);
    return Number(n);
  }

  async sample(c: Collection, fields: string[], n: number): Promise<SampledRow[]> {
    const table = this.keyed(c, fields);
    const rows = await this.rows(
      `Sampling ${c.name} (${fields.join(', ')})`,
      `SELECT ${this.columns(table, fields)} FROM ${table.sql} ORDER BY RAND() LIMIT ${Math.max(0, Math.floor(n))}`,
    );
    return rows.map((row) => {
      const { key, values } = this.split(table, fields, row);
      return { key: table.moving.handOut(key), values };
    });
  }

  async read(c: Collection, keys: RowKey[], fields: string[]): Promise<Map<RowKey, Record<string, unknown>>> {
    const table = this.keyed(c, fields);
    const found = new Map<RowKey, Record<string, unknown>>();
    for (let i = 0; i < keys.length; i += BATCH) {
      const asked = new Map(keys.slice(i, i + BATCH).map((k) => [table.moving.current(k), k]));
      for (const row of await this.byKeys(
        table,
        fields,
        [...asked.keys()],
        `Reading rows of ${c.name} (${fields.join(', ')})`,
      )) {
        const { key, values } = this.split(table, fields, row);
        found.set(asked.get(key) ?? key, values);
      }
    }
    return found;
  }

  private byKeys(table: Table, fields: string[], keys: RowKey[], what: string): Promise<unknown[][]> {
    const tuple = `(${table.keyParams.join(', ')})`;
    const params = keys.flatMap((k) => partsOf(k, table.key.length));
    return this.rows(
      what,
      `SELECT ${this.columns(table, fields)} FROM ${table.sql} WHERE (${this.keyList(table)}) IN (${keys.map(() => tuple).join(', ')})`,
      params,
    );
  }

  /** Batches of rows in key order, by keyset: for reading, and for rewriting fields that are not key columns. */
  private async eachBatch(
    table: Table,
    fields: string[],
    what: string,
    handle: (rows: unknown[][]) => Promise<void>,
  ): Promise<void> {
    let after: string[] | undefined;
    for (;;) {
      const where = after ? `WHERE (${this.keyList(table)}) > (${table.keyParams.join(', ')})` : '';
      const rows = await this.rows(
        what,
        `SELECT ${this.columns(table, fields)} FROM ${table.sql} ${where} ORDER BY ${this.keyList(table)} LIMIT ${BATCH}`,
        after ?? [],
      );
      if (rows.length === 0) return;
      await handle(rows);
      if (rows.length < BATCH) return;
      after = rows[rows.length - 1].slice(0, table.key.length).map(String);
    }
  }

  async rewrite(
    c: Collection,
    fields: string[],
    change: (values: Record<string, unknown>) => Record<string, unknown>,
  ): Promise<number> {
    const table = this.keyed(c, fields);
    const what = `Rewriting ${c.name} (${fields.join(', ')})`;
    const set = fields.map((f) => `${quote(f)} = ?`).join(', ');
    const sql = `UPDATE ${table.sql} SET ${set} WHERE ${table.key.map((k, i) => `${quote(k)} = ${table.keyParams[i]}`).join(' AND ')}`;
    const movesKeys = table.key.some((k) => fields.includes(k));
    let rewritten = 0;
    const handle = async (rows: unknown[][]) => {
      const moves: [RowKey, RowKey][] = [];
      for (const row of rows) {
        const { key, parts, values } = this.split(table, fields, row);
        const changed = change(values);
        const missing = fields.find((f) => changed?.[f] === undefined);
        if (missing) throw new Error(`the change of ${c.name} gave no value for ${missing}`);
        const params = [...fields.map((f) => writeValue(table.types.get(f), changed[f])), ...parts];
        const [result] = await naming(what, () => this.connection.execute(sql, params as never[]));
        rewritten += (result as { affectedRows: number }).affectedRows;
        if (movesKeys)
          moves.push([
            key,
            keyOf(
              table.key.map((k, i) =>
                fields.includes(k) ? String(writeValue(table.types.get(k), changed[k])) : parts[i],
              ),
            ),
          ]);
      }
      table.moving.moved(moves);
    };
    if (!movesKeys) {
      await this.eachBatch(table, fields, what, handle);
      return rewritten;
    }
    // Key columns rewritten: the rows' keys are read first, so that no row is met again under its new key.
    const keys = (
      await this.rows(
        `Reading the keys of ${c.name}`,
        `SELECT ${this.columns(table, [])} FROM ${table.sql} ORDER BY ${this.keyList(table)}`,
      )
    ).map((r) => keyOf(r.map(String)));
    for (let i = 0; i < keys.length; i += BATCH)
      await handle(await this.byKeys(table, fields, keys.slice(i, i + BATCH), what));
    return rewritten;
  }

  async countKeptBy(c: Collection, field: string, sql: string): Promise<number> {
    // Compared as bytes: a case-insensitive collation would take UPPER(status) for status itself.
    const table = this.table(c, [field]);
    const [rows] = await naming(`Checking ${c.name}.${field}'s sql rule`, () =>
      this.connection.query(
        `SELECT COUNT(*) AS n FROM ${table.sql} WHERE ${quote(field)} IS NOT NULL AND BINARY (${sql}) <=> BINARY ${quote(field)}`,
      ),
    );
    return Number((rows as { n: number | string }[])[0].n);
  }

  async setExpression(c: Collection, field: string, sql: string): Promise<number> {
    const table = this.table(c, [field]);
    // The connection does not allow several statements: the rule cannot append another.
    const [result] = await naming(`Setting ${c.name}.${field} by its sql rule`, () =>
      this.connection.query(`UPDATE ${table.sql} SET ${quote(field)} = (${sql})`),
    );
    return (result as { affectedRows: number }).affectedRows;
  }

  async scan(c: Collection, fields: string[], each: (values: Record<string, unknown>) => void): Promise<void> {
    const table = this.keyed(c, fields);
    await this.eachBatch(table, fields, `Reading ${c.name} (${fields.join(', ')})`, async (rows) => {
      for (const row of rows) each(this.split(table, fields, row).values);
    });
  }
}
