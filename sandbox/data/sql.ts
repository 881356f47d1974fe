import type { DataSet, TableData, Value } from './dataset.ts';

/** SQL text both engines share: quoted literals and the INSERTs of a data set (types rendered by each engine). */

/** A string literal, quotes doubled (standard SQL; MySQL with NO_BACKSLASH_ESCAPES, which mysql.ts sets). */
export const literal = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** The SQL of one value of a column: `time` as `timeLiteral` renders an epoch-ms instant, money in decimal. */
export function valueSql(type: string, value: Value, timeLiteral: (ms: number) => string): string {
  if (value === null) return 'NULL';
  if (type === 'time') return timeLiteral(Number(value));
  if (type === 'money') return (Number(value) / 100).toFixed(2);
  if (type === 'id' || type === 'int') return String(Number(value));
  return literal(String(value));
}

/** One multi-row INSERT per table that has rows. */
export function insertsOf(data: DataSet, quote: (name: string) => string, timeLiteral: (ms: number) => string): string[] {
  return data.tables.filter((t) => t.rows.length > 0).map((t: TableData) => {
    const columns = t.schema.columns;
    const values = t.rows.map((row) => `(${columns.map((c) => valueSql(c.type, row[c.name] ?? null, timeLiteral)).join(', ')})`);
    return `INSERT INTO ${quote(t.schema.name)} (${columns.map((c) => quote(c.name)).join(', ')}) VALUES\n${values.join(',\n')};`;
  });
}
