import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sensitiveMatch } from '../../src/masking/check.ts';
import { DEFAULT_SENSITIVE, maskingRules } from '../../src/masking/config.ts';
import { assertHandOut } from '../../src/masking/gate.ts';
import type { Field } from '../../src/masking/model.ts';
import { maskData, MaskingStopped } from '../../src/masking/run.ts';
import { MemoryStore, type MemoryTable } from './memory-store.ts';

// Random schemas and rule sets: no run ever lets credentials out while a column named as sensitive, or a column
// of a ruled table without rule or keep, holds a source value — and every ruled column holds none either.

const COLUMN_NAMES = [
  'id',
  'email',
  'phone',
  'full_name',
  'address',
  'card_number',
  'birth_date',
  'status',
  'amount',
  'created_at',
  'note',
  'code',
  'mail_address',
  'tel',
  'sku',
];
const TEXT_RULES = ['null', 'keep-format', 'hash', 'fake-email', 'fake-phone', 'fake-name', 'fixed'] as const;

type Decision = 'rule' | 'keep' | 'none';

const schemaArb = fc.uniqueArray(
  fc.record({
    name: fc.constantFrom('customers', 'orders', 'payments', 'reviews', 'sessions', 'audit'),
    columns: fc.uniqueArray(fc.constantFrom(...COLUMN_NAMES), { minLength: 1, maxLength: 6 }),
    ruled: fc.constantFrom(true, true, true, true, false),
    decisions: fc.array(
      fc.constantFrom<Decision>('rule', 'rule', 'rule', 'rule', 'rule', 'rule', 'rule', 'keep', 'keep', 'none'),
      { minLength: 6, maxLength: 6 },
    ),
    transforms: fc.array(fc.constantFrom(...TEXT_RULES), { minLength: 6, maxLength: 6 }),
    ghost: fc.constantFrom(false, false, false, false, false, false, true),
    rows: fc.array(fc.array(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 6, maxLength: 6 }), {
      minLength: 1,
      maxLength: 15,
    }),
  }),
  { minLength: 1, maxLength: 4, selector: (t) => t.name },
);

describe('masking, over random schemas and rule sets (fast-check)', () => {
  it('hands out credentials only when no sensitive or undecided column, and no ruled column, holds a source value', async () => {
    const outcomes = { handedOut: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        schemaArb,
        fc.constantFrom(false, false, false, false, false, false, true),
        async (schema, ghostTable) => {
          const tables: MemoryTable[] = schema.map((t) => ({
            name: t.name,
            fields: t.columns.map((c): Field => ({ name: c, type: 'text', typeName: 'text', nullable: true })),
            rows: t.rows.map((values) => Object.fromEntries(t.columns.map((c, i) => [c, values[i]]))),
          }));
          const original = structuredClone(tables);
          const config: Record<string, { columns: Record<string, unknown>; keep: string[] }> = {};
          for (const t of schema.filter((t) => t.ruled)) {
            const columns: Record<string, unknown> = {};
            const keep: string[] = [];
            t.columns.forEach((c, i) => {
              if (t.decisions[i] === 'rule')
                columns[c] = t.transforms[i] === 'fixed' ? { transform: 'fixed', value: 'x' } : t.transforms[i];
              else if (t.decisions[i] === 'keep') keep.push(c);
            });
            if (t.ghost) columns.dropped_column = 'null';
            if (Object.keys(columns).length + keep.length > 0) config[t.name] = { columns, keep };
          }
          if (ghostTable) config.renamed_table = { columns: {}, keep: ['id'] };
          const masking = maskingRules({ engine: 'rds', masking: { tables: config } as never })!;

          let tag: string;
          try {
            const report = await maskData(new MemoryStore(tables), masking);
            tag = `verified rows=${report.rows}`;
          } catch (error) {
            expect(error).toBeInstanceOf(MaskingStopped);
            tag = 'failed rules=1 locked';
          }
          const clone = {
            clone: 'snapclone-x',
            source: 'db',
            target: 'dev',
            restorePoint: 'p',
            restoreTime: new Date(0),
            masking: tag,
          };
          const config2 = { sources: { db: { masking: {} } } as never, targets: { dev: {} } as never };
          let handedOut = true;
          try {
            assertHandOut(clone, config2, 'hand out its credentials');
          } catch {
            handedOut = false;
          }
          outcomes[handedOut ? 'handedOut' : 'refused']++;
          if (!handedOut) {
            expect(tables).toEqual(original);
            return;
          }
          for (const [ti, table] of tables.entries()) {
            const rules = config[table.name];
            for (const field of table.fields) {
              const decided = rules && (field.name in rules.columns || rules.keep.includes(field.name));
              const sensitive = !rules && sensitiveMatch(DEFAULT_SENSITIVE, table.name, field.name);
              const ruled = rules && field.name in rules.columns;
              if ((rules && !decided) || sensitive || ruled) {
                const rule = rules?.columns[field.name];
                table.rows.forEach((row, ri) => {
                  const was = original[ti].rows[ri][field.name];
                  // keep-format leaves text without letters or digits as it is: there is nothing in it to mask.
                  const nothingToMask =
                    (rule === 'keep-format' || rule === 'fake-phone') && !/[A-Za-z0-9]/.test(String(was));
                  if (!nothingToMask && !(typeof rule === 'object' && was === 'x'))
                    expect(row[field.name]).not.toBe(was);
                });
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    );
    // Both ways were taken many times: the property was tested on masked clones, not only on refusals.
    expect(outcomes.handedOut).toBeGreaterThan(20);
    expect(outcomes.refused).toBeGreaterThan(20);
  });
});
