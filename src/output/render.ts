import { paint, type Tone } from './colour.ts';
import { displayWidth, fitWidth } from './width.ts';

export type OutputFormat = 'table' | 'json' | 'markdown';

/** A column a table may cut to fit its width: down to `min` columns, keeping both ends where `keepEnd`. */
export interface Shrinkable {
  column: number;
  min: number;
  /** Cut in the middle (a clone name's end, its day and owner, tells it apart from its neighbours). */
  keepEnd?: boolean;
}

export interface Table {
  columns: string[];
  /** A row of a single cell is a heading across the columns (a set, over its members). */
  rows: string[][];
  /** The colour of a cell in a terminal (doctor's PROBLEM in red); cells are measured without it. */
  tone?: (cell: string, column: number) => Tone | undefined;
  /** The terminal table at most this wide: columns cut, in this order, only as much as needed. */
  fit?: { width: number; shrink: Shrinkable[] };
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
  /** The formats that print the table (default: table and markdown); the others print the lines alone. */
  tableIn?: OutputFormat[];
}

/** `cell` (as `shown`, e.g. coloured) followed by the spaces that make it `width` columns wide. */
function pad(cell: string, width: number, shown = cell): string {
  return shown + ' '.repeat(Math.max(0, width - displayWidth(cell)));
}

/** `cell` cut to `width` columns; with `keepEnd`, the middle goes ("snapclone-orders…-20261120-alice"). */
function cut(cell: string, width: number, keepEnd = false): string {
  if (displayWidth(cell) <= width) return cell;
  if (!keepEnd || width < 5) return fitWidth(cell, width);
  const chars = [...cell];
  const tail = Math.floor((width - 1) / 2);
  const head = fitWidth(chars.slice(0, chars.length - tail).join(''), width - tail);
  return head.endsWith('…') ? head + chars.slice(chars.length - tail).join('') : fitWidth(cell, width);
}

const isHeading = (row: string[], table: Table) => row.length === 1 && table.columns.length > 1;

/** The column widths: each its widest cell, then cut in the table's order until the table fits. */
/** A cell's lines: a multi-line cell (doctor's list of likely causes) goes on under its own column. */
const cellLines = (cell: string): string[] => cell.split('\n').map((line, k) => (k === 0 ? line : line.trimStart()));
const cellWidth = (cell: string): number => Math.max(...cellLines(cell).map(displayWidth));

function columnWidths(table: Table): number[] {
  const full = table.rows.filter((r) => !isHeading(r, table));
  const widths = table.columns.map((c, i) => Math.max(displayWidth(c), ...full.map((r) => cellWidth(r[i] ?? ''))));
  if (!table.fit) return widths;
  let excess = widths.reduce((n, w) => n + w, 0) + 2 * (widths.length - 1) - table.fit.width;
  for (const { column, min } of table.fit.shrink) {
    if (excess <= 0) break;
    const by = Math.min(excess, Math.max(0, widths[column] - Math.max(min, displayWidth(table.columns[column]))));
    widths[column] -= by;
    excess -= by;
  }
  return widths;
}

/** A plain-text table; with `colour`, cells take the table's tones (the padding stays outside the colour). */
export function renderTable(table: Table, colour = false): string {
  const widths = columnWidths(table);
  const keepEnd = new Set(table.fit?.shrink.filter((s) => s.keepEnd).map((s) => s.column));
  const subLine = (cells: string[], k: number, tone?: Table['tone']) =>
    cells
      .map((c, i) => {
        const shown = cut(cellLines(c)[k] ?? '', widths[i], keepEnd.has(i));
        return pad(shown, widths[i], paint(shown, tone?.(c, i), colour));
      })
      .join('  ')
      .trimEnd();
  const line = (cells: string[], tone?: Table['tone']) =>
    Array.from({ length: Math.max(1, ...cells.map((c) => cellLines(c).length)) }, (_, k) => subLine(cells, k, tone)).join('\n');
  const total = widths.reduce((n, w) => n + w, 0) + 2 * (widths.length - 1);
  const heading = (row: string[]) => (table.fit ? cut(row[0], Math.max(table.fit.width, total)) : row[0]);
  return [line(table.columns.map((c) => c.toUpperCase())), ...table.rows.map((r) => (isHeading(r, table) ? heading(r) : line(r, table.tone)))].join('\n');
}

const escapeMd = (cell: string) => cell.replace(/\|/g, '\\|').replace(/\n\s*/g, '<br>');

export function renderMarkdown(table: Table): string {
  return [
    `| ${table.columns.join(' | ')} |`,
    `| ${table.columns.map(() => '---').join(' | ')} |`,
    ...table.rows.map((r) =>
      isHeading(r, table) ? `| **${escapeMd(r[0])}** |${' |'.repeat(table.columns.length - 1)}` : `| ${r.map(escapeMd).join(' | ')} |`,
    ),
  ].join('\n');
}

function renderFields(fields: [string, string][]): string {
  const width = Math.max(...fields.map(([name]) => name.length)) + 1;
  return fields.map(([name, value]) => `${`${name}:`.padEnd(width)} ${value}`).join('\n');
}

export function render(result: CommandResult, format: OutputFormat, options: { colour?: boolean } = {}): string {
  if (format === 'json') return JSON.stringify(result.json, null, 2);
  const parts: string[] = [];
  if (result.table && (result.tableIn ?? ['table', 'markdown']).includes(format)) {
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
