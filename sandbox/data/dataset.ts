/**
 * What a database holds, engine-neutral: tables of rows. Each engine (postgres.ts, mysql.ts) renders it in its own
 * SQL. The first column of every table is its integer primary key `id`.
 */

/** money: integer cents, shown with two decimals; time: epoch milliseconds, stored in UTC; date: 'YYYY-MM-DD'. */
export type ColumnType = 'id' | 'int' | 'text' | 'money' | 'time' | 'date';

export interface Column {
  name: string;
  type: ColumnType;
  /**
   * A column added to its table during the history (ALTER TABLE … ADD COLUMN): this long (ms) after the history's
   * origin. Before that the table has no such column; rows older than it hold NULL until a change sets it.
   */
  addedAfter?: number;
}

export interface TableSchema {
  name: string;
  columns: readonly Column[];
}

export type Value = string | number | null;
export type Row = Record<string, Value>;

export interface TableData {
  schema: TableSchema;
  /** In id order. */
  rows: Row[];
}

export interface DataSet {
  tables: TableData[];
}

/** A value as both engines print it when cast to text (money with two decimals, times as UTC ISO with milliseconds). */
export function textOf(type: ColumnType, value: Value): string | null {
  if (value === null) return null;
  if (type === 'money') {
    const cents = Number(value);
    const sign = cents < 0 ? '-' : '';
    const abs = Math.abs(cents);
    return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
  }
  if (type === 'time') return new Date(Number(value)).toISOString();
  return String(value);
}
