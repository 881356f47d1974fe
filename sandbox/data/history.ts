import type { Column, DataSet, Row, TableSchema } from './dataset.ts';
import { Random } from './random.ts';

/**
 * A source's history of data: rows created, updated and deleted at whole seconds, one change every 30 to 210
 * minutes, drawn from a seeded generator. The state at any time T is a pure function of the history and T
 * (stateAt), so a clone restored to T holds exactly what the source held then, and a test can compute it too.
 */

export type Change =
  | { op: 'insert'; table: string; row: Row }
  | { op: 'update'; table: string; id: number; set: Row }
  | { op: 'delete'; table: string; id: number };

/** A change and when it happened (epoch ms, whole seconds). */
export interface TimedChange {
  at: number;
  change: Change;
}

/** The rows so far, as a model reads them to choose its next change. */
export class Tables {
  private readonly rows = new Map<string, Map<number, Row>>();
  private readonly nextIds = new Map<string, number>();
  /** The time of the replay (epoch ms): which columns the tables have (Column.addedAfter). */
  at: number;

  constructor(
    private readonly schemas: readonly TableSchema[],
    private readonly origin = 0,
  ) {
    this.at = origin;
    for (const s of schemas) {
      this.rows.set(s.name, new Map());
      this.nextIds.set(s.name, 1);
    }
  }

  /** Ids in increasing order (ids only grow, so insertion order is id order). */
  ids(table: string): number[] {
    return [...this.table(table).keys()];
  }

  get(table: string, id: number): Row | undefined {
    return this.table(table).get(id);
  }

  /** Whether `table` has `column` at the time of the replay (a column added during the history has it from then on). */
  has(table: string, column: string): boolean {
    const found = this.schemas.find((s) => s.name === table)?.columns.find((c) => c.name === column);
    return found !== undefined && this.present(found);
  }

  nextId(table: string): number {
    return this.nextIds.get(table)!;
  }

  apply(change: Change): void {
    const rows = this.table(change.table);
    if (change.op === 'insert') {
      const id = Number(change.row.id);
      rows.set(id, { ...change.row });
      this.nextIds.set(change.table, Math.max(this.nextId(change.table), id + 1));
    } else if (change.op === 'update') {
      const row = rows.get(change.id);
      if (!row) throw new Error(`history: update of missing ${change.table} ${change.id}`);
      Object.assign(row, change.set);
    } else {
      rows.delete(change.id);
    }
  }

  /** The tables as they are at the time of the replay: only the columns they have then, NULL where a row has no value. */
  dataSet(): DataSet {
    return {
      tables: this.schemas.map((full) => {
        const schema = { name: full.name, columns: full.columns.filter((c) => this.present(c)) };
        const rows = [...this.table(full.name).values()].map((r) => Object.fromEntries(schema.columns.map((c) => [c.name, r[c.name] ?? null])));
        return { schema, rows };
      }),
    };
  }

  private present(column: Column): boolean {
    return column.addedAfter === undefined || this.at >= this.origin + column.addedAfter;
  }

  private table(name: string): Map<number, Row> {
    const rows = this.rows.get(name);
    if (!rows) throw new Error(`history: no table ${name}`);
    return rows;
  }
}

/** What a source's data looks like and how it changes. */
export interface DataModel {
  tables: readonly TableSchema[];
  /** Adds the rows the source held when its history starts. */
  initial(rng: Random, tables: Tables, at: number): void;
  /** The next change, given the rows now. */
  next(rng: Random, tables: Tables, at: number): Change;
}

export interface History {
  model: DataModel;
  seed: string;
  /** When the history starts (epoch ms, a whole second); before it the source held its initial rows. */
  origin: number;
}

const MIN_GAP_S = 30 * 60;
const MAX_GAP_S = 210 * 60;

/** Replays a history up to `until` (inclusive), telling `seen` of every change after the initial rows. */
function replay(history: History, until: number, seen?: (c: TimedChange) => void): Tables {
  const rng = new Random(history.seed);
  const tables = new Tables(history.model.tables, history.origin);
  history.model.initial(rng, tables, history.origin);
  let at = history.origin;
  for (;;) {
    // The gap is drawn before it is compared with `until`: every replay draws the same sequence.
    at += rng.int(MIN_GAP_S, MAX_GAP_S) * 1000;
    if (at > until) {
      // A column added between the last change and `until` is there (empty in older rows).
      tables.at = Math.max(tables.at, until);
      return tables;
    }
    tables.at = at;
    const change = history.model.next(rng, tables, at);
    tables.apply(change);
    seen?.({ at, change });
  }
}

/** The schema and rows the source held at `at` (epoch ms): every change up to and including `at`. */
export function stateAt(history: History, at: number): DataSet {
  return replay(history, at).dataSet();
}

/** The changes in (from, to]. */
export function changesBetween(history: History, from: number, to: number): TimedChange[] {
  const found: TimedChange[] = [];
  replay(history, to, (c) => {
    if (c.at > from) found.push(c);
  });
  return found;
}
