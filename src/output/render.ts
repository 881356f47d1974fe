import { paint, type Tone } from './colour.ts';

export type OutputFormat = 'table' | 'json' | 'markdown';

export interface Table {
  columns: string[];
  rows: string[][];
  /** The colour of a cell in a terminal (doctor's PROBLEM in red); cells are measured without it. */
  tone?: (cell: string, column: number) => Tone | undefined;
}

/**
 * What a command returns: `json` is the stable, documented document printed with --output json; `table`
 * and `lines` are the human views of the same data.
 */
export interface CommandResult {
  json: unknown;
  table?: Table;
  /** One record's fields, in order: aligned `name: value` lines, or a two-column table with --output markdown. */
  fields?: [string, string][];
  /** Lines printed after the table (or alone), e.g. how to connect. */
  lines?: string[];
  /** A result that is printed but is not a success (doctor found problems): the exit code to end with. */
  exitCode?: number;
}

/** `cell` (as `shown`, e.g. coloured) followed by the spaces that make it `width` characters wide. */
function pad(cell: string, width: number, shown = cell): string {
  return shown + ' '.repeat(Math.max(0, width - [...cell].length));
}

/** A plain-text table; with `colour`, cells take the table's tones (the padding stays outside the colour). */
export function renderTable(table: Table, colour = false): string {
  const widths = table.columns.map((c, i) => Math.max([...c].length, ...table.rows.map((r) => [...(r[i] ?? '')].length)));
  const line = (cells: string[], tone?: Table['tone']) =>
    cells
      .map((c, i) => pad(c, widths[i], paint(c, tone?.(c, i), colour)))
      .join('  ')
      .trimEnd();
  return [line(table.columns.map((c) => c.toUpperCase())), ...table.rows.map((row) => line(row, table.tone))].join('\n');
}

const escapeMd = (cell: string) => cell.replace(/\|/g, '\\|');

export function renderMarkdown(table: Table): string {
  return [
    `| ${table.columns.join(' | ')} |`,
    `| ${table.columns.map(() => '---').join(' | ')} |`,
    ...table.rows.map((r) => `| ${r.map(escapeMd).join(' | ')} |`),
  ].join('\n');
}

function renderFields(fields: [string, string][]): string {
  const width = Math.max(...fields.map(([name]) => name.length)) + 1;
  return fields.map(([name, value]) => `${`${name}:`.padEnd(width)} ${value}`).join('\n');
}

export function render(result: CommandResult, format: OutputFormat, options: { colour?: boolean } = {}): string {
  if (format === 'json') return JSON.stringify(result.json, null, 2);
  const parts: string[] = [];
  if (result.table) {
    parts.push(
      result.table.rows.length === 0
        ? '(none)'
        : format === 'markdown'
          ? renderMarkdown(result.table)
          : renderTable(result.table, options.colour),
    );
  }
  if (result.fields?.length) parts.push(format === 'markdown' ? renderMarkdown({ columns: ['field', 'value'], rows: result.fields }) : renderFields(result.fields));
  if (result.lines?.length) parts.push(result.lines.join('\n'));
  return parts.join('\n\n');
}
