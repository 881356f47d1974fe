import type { Collection, Field, Inventory, MaskingSession, MaskingTx, SampledRow } from '../../src/masking/model.ts';

/**
 * A table store in memory behind the MaskingSession interface, for the tests of the masking run's logic (the
 * check, the verification, what a failure leaves) over many random schemas; the drivers of the real engines
 * have their own tests, and the end-to-end tests run the same logic on them. Transactions copy the data and
 * put the copy back on a throw, as a database rolls back.
 */
export interface MemoryTable {
  name: string;
  fields: Field[];
  rows: Record<string, unknown>[];
  unmaskable?: string;
}

export class MemoryStore implements MaskingSession {
  readonly label = 'memory';
  readonly transactional = true;
  locked = false;
  closed = false;
  /** Breaks `rewrite` of this table (a failing rule). */
  failRewriteOf?: string;
  /** Makes `rewrite` of this table skip every other row (a driver bug the verification must catch). */
  skipHalfOf?: string;

  constructor(readonly tables: MemoryTable[]) {}

  async inventory(): Promise<Inventory> {
    return {
      collections: this.tables.map((t) => ({
        name: t.name,
        fields: t.fields,
        ...(t.unmaskable ? { unmaskable: t.unmaskable } : {}),
      })),
    };
  }

  private table(c: Collection): MemoryTable {
    const t = this.tables.find((x) => x.name === c.name);
    if (!t) throw new Error(`no table ${c.name}`);
    return t;
  }

  private tx(): MaskingTx {
    const pick = (row: Record<string, unknown>, fields: string[]) => Object.fromEntries(fields.map((f) => [f, row[f]]));
    return {
      count: async (c) => this.table(c).rows.length,
      sample: async (c, fields, n) =>
        this.table(c)
          .rows.slice(0, n)
          .map((row, i): SampledRow => ({ key: String(i), values: pick(row, fields) })),
      read: async (c, keys, fields) => {
        const rows = this.table(c).rows;
        return new Map(
          keys.filter((k) => rows[Number(k)] !== undefined).map((k) => [k, pick(rows[Number(k)], fields)]),
        );
      },
      rewrite: async (c, fields, change) => {
        const t = this.table(c);
        if (this.failRewriteOf === t.name) throw new Error(`column ${fields[0]} of ${t.name}: value too long`);
        t.rows.forEach((row, i) => {
          if (this.skipHalfOf === t.name && i % 2 === 1) return;
          Object.assign(row, change(pick(row, fields)));
        });
        return t.rows.length;
      },
      scan: async (c, fields, each) => {
        for (const row of this.table(c).rows) each(pick(row, fields));
      },
    };
  }

  async transaction<T>(work: (tx: MaskingTx) => Promise<T>): Promise<T> {
    const saved = structuredClone(this.tables.map((t) => t.rows));
    try {
      return await work(this.tx());
    } catch (error) {
      this.tables.forEach((t, i) => (t.rows = saved[i]));
      throw error;
    }
  }

  async lock(): Promise<void> {
    this.locked = true;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
