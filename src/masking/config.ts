import * as z from 'zod';
import { VALUE_FIELD, type CollectionRules, type MaskingRules, type Rule, type StoreKind } from './model.ts';

/** Column, field and key names that no collection without rules may hold, when the config names none. */
export const DEFAULT_SENSITIVE = [
  '*email*',
  '*mail_address*',
  '*phone*',
  '*tel*',
  '*address*',
  '*name*',
  'card*',
  '*birth*',
  '*password*',
  '*token*',
  '*ip_addr*',
];

const SIMPLE = ['null', 'keep-format', 'hash', 'fake-email', 'fake-phone', 'fake-name'] as const;

const simpleRule = z.enum(SIMPLE, {
  error: (issue) =>
    issue.input === null || issue.input === undefined
      ? "a transform: write 'null' in quotes to empty the column (a bare null or nothing is not a rule)"
      : `one of ${SIMPLE.join(', ')}; or {transform: fixed, value: …}, {transform: date-shift, days: N}, {sql: "…"}`,
});

export const RuleSchema = z.union(
  [
    simpleRule,
    z.object({ transform: simpleRule }).strict(),
    z.object({ transform: z.literal('fixed'), value: z.union([z.string(), z.number(), z.boolean()]) }).strict(),
    z.object({ transform: z.literal('date-shift'), days: z.number().int().min(1).max(3650) }).strict(),
    /** A raw SQL expression of the column's new value (it may use the column itself): `left(note, 0)`. */
    z.object({ sql: z.string().min(1) }).strict(),
  ],
  {
    error: (issue) =>
      issue.input === null || issue.input === undefined
        ? "a rule: write 'null' in quotes to empty the column (a bare null, or nothing, is not a rule)"
        : `a rule: one of ${SIMPLE.join(', ')}, or {transform: fixed, value: …}, {transform: date-shift, days: N}, {sql: "…"}`,
  },
);

const fieldName = z.string().min(1);

/** Rules of one collection: `rules` under the engine's word for fields, `keep` for those left as they are. */
/**
 * `added`: fields that appeared in the source on a day (YYYY-MM-DD): a clone of data from before the end of that
 * day may lack them without its rules failing; a later clone without them is refused (a rename).
 */
const added = z
  .record(fieldName, z.string().regex(/^\d{4}-\d\d-\d\d$/, 'the day the field was added, YYYY-MM-DD'))
  .optional();

function collectionSchema<K extends string>(fields: K, extra: Record<string, z.ZodType> = {}) {
  return z
    .object({
      [fields]: z.record(fieldName, RuleSchema).optional(),
      keep: z.array(fieldName).optional(),
      added,
      ...extra,
    } as Record<K | 'keep', z.ZodType>)
    .strict();
}

const TableRules = collectionSchema('columns');
const KeyRules = collectionSchema('fields', { value: RuleSchema.optional() });
const IndexRules = collectionSchema('fields');

const glob = z.string().regex(/^[^\s]+$/, 'a pattern such as *email* (no spaces)');

export const MaskingSchema = z
  .object({
    /** What a masking failure leaves: lock (the password replaced by one nobody is told; SQL engines) or delete. */
    onFailure: z.enum(['lock', 'delete']).optional(),
    /** Field names (or table.column) no collection without rules may hold; default DEFAULT_SENSITIVE. */
    sensitive: z.array(glob).min(1, 'at least one pattern (omit sensitive: for the default list)').optional(),
    /** rds, aurora: table (or schema.table) → its columns' rules and the columns kept. */
    tables: z.record(z.string().regex(/^[^\s]+$/, 'a table name'), TableRules).optional(),
    /** elasticache: key pattern (glob, as SCAN MATCH) → hash fields' rules, or the string value's rule. */
    keys: z.record(glob, KeyRules).optional(),
    /** opensearch: index pattern → document fields' (dotted paths) rules. */
    indices: z.record(glob, IndexRules).optional(),
  })
  .strict();

export type MaskingConfig = z.infer<typeof MaskingSchema>;

const KIND_OF_ENGINE: Record<string, StoreKind> = {
  rds: 'tables',
  aurora: 'tables',
  elasticache: 'keys',
  opensearch: 'indices',
};

/** Problems of a masking block that the schema alone cannot see (engine fit, overlaps), as [path, message]. */
export function maskingProblems(engine: string, masking: MaskingConfig): [string[], string][] {
  const problems: [string[], string][] = [];
  const kind = KIND_OF_ENGINE[engine];
  for (const other of ['tables', 'keys', 'indices'] as const) {
    if (other !== kind && masking[other] !== undefined) {
      problems.push([
        [other],
        `a ${engine} source's masking names ${kind} (${other} are for ${Object.entries(KIND_OF_ENGINE)
          .filter(([, k]) => k === other)
          .map(([e]) => e)
          .join(' and ')} sources)`,
      ]);
    }
  }
  if (masking.onFailure === 'lock' && kind !== 'tables') {
    problems.push([
      ['onFailure'],
      `a ${engine} clone cannot be locked by snapclone (its access is not a master password it can replace): use onFailure: delete`,
    ]);
  }
  for (const [name, rules] of Object.entries(masking[kind] ?? {}) as [string, Record<string, unknown>][]) {
    const fields = Object.keys((rules.columns ?? rules.fields ?? {}) as object);
    const keep = (rules.keep ?? []) as string[];
    for (const field of fields.filter((f) => keep.includes(f)))
      problems.push([[kind, name, 'keep'], `${field} has a rule and is kept: choose one`]);
    const twice = keep.filter((f, i) => keep.indexOf(f) !== i);
    if (twice.length > 0) problems.push([[kind, name, 'keep'], `${twice[0]} is kept twice`]);
    for (const field of Object.keys((rules.added ?? {}) as object).filter(
      (f) => !fields.includes(f) && !keep.includes(f),
    )) {
      problems.push([[kind, name, 'added'], `${field} is named under added but has no rule and is not kept`]);
    }
    if (fields.length + keep.length === 0 && rules.value === undefined)
      problems.push([[kind, name], 'no rules and nothing kept: name each field with a rule or under keep']);
  }
  return problems;
}

function normalRule(rule: z.infer<typeof RuleSchema>): Rule {
  if (typeof rule === 'string') return { transform: rule };
  if ('sql' in rule) return { transform: 'sql', sql: rule.sql };
  return { ...rule } as Rule;
}

/** The masking of a source, normalised; undefined when it has none. */
export function maskingRules(source: { engine: string; masking?: MaskingConfig }): MaskingRules | undefined {
  const masking = source.masking;
  if (!masking) return undefined;
  const kind = KIND_OF_ENGINE[source.engine];
  const collections: CollectionRules[] = Object.entries(masking[kind] ?? {}).map(([name, c]) => {
    const entry = c as {
      columns?: Record<string, z.infer<typeof RuleSchema>>;
      fields?: Record<string, z.infer<typeof RuleSchema>>;
      value?: z.infer<typeof RuleSchema>;
      keep?: string[];
      added?: Record<string, string>;
    };
    const rules = Object.fromEntries(
      Object.entries(entry.columns ?? entry.fields ?? {}).map(([f, r]) => [f, normalRule(r)]),
    );
    if (entry.value !== undefined) rules[VALUE_FIELD] = normalRule(entry.value);
    return { name, rules, keep: entry.keep ?? [], ...(entry.added ? { added: entry.added } : {}) };
  });
  return {
    kind,
    onFailure: masking.onFailure ?? (kind === 'tables' ? 'lock' : 'delete'),
    sensitive: masking.sensitive ?? DEFAULT_SENSITIVE,
    collections,
  };
}
