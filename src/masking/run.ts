import { checkInventory, type Problem } from './check.ts';
import { FAKE_EMAIL_DOMAIN, hasLettersOrDigits, newTransformer, type Transformer } from './transforms.ts';
import type {
  Collection,
  CollectionRules,
  MaskingRules,
  MaskingSession,
  MaskingTx,
  Rule,
  SampledRow,
} from './model.ts';
import { VALUE_FIELD } from './model.ts';

/** Rows sampled per collection before masking (their originals, in memory only) to prove after it that none remains. */
export const SAMPLE_ROWS = 1000;

/** What one masking run did and proved. */
export interface MaskingReport {
  store: string;
  transactional: boolean;
  collections: { name: string; rows: number; rules: Record<string, string>; kept: string[] }[];
  /** Collections masked (those with rules that the clone holds). */
  masked: number;
  rows: number;
  rules: number;
  checks: number;
}

/** Why a run stopped: before anything changed (`refused`, the check) or after (`failed`, the masking or a check). */
export class MaskingStopped extends Error {
  constructor(
    readonly stage: 'refused' | 'failed',
    readonly problems: Problem[],
  ) {
    super(`masking ${stage}: ${problems.map((p) => p.message).join('; ')}`);
  }
}

const textOf = (value: unknown) =>
  value instanceof Date ? value.toISOString() : value === null || value === undefined ? null : String(value);

/** The same value as the driver and the config may spell it differently (5 and '5.00', true and 't'). */
function sameValue(a: unknown, b: unknown): boolean {
  const x = textOf(a);
  const y = textOf(b);
  if (x === y) return true;
  if (x === null || y === null) return false;
  if (x.trim() !== '' && y.trim() !== '' && !Number.isNaN(Number(x)) && Number(x) === Number(y)) return true;
  const bool = (s: string) => ({ t: 'true', f: 'false', '1': 'true', '0': 'false' })[s] ?? s;
  return bool(x) === bool(y);
}

/** Whether a transform of `original` must have changed it (keep-format leaves text without letters or digits alone). */
function mustChange(rule: Rule, original: unknown): boolean {
  if (original === null || original === undefined) return false;
  if (rule.transform === 'keep-format' || rule.transform === 'fake-phone') return hasLettersOrDigits(textOf(original)!);
  return rule.transform !== 'fixed' && rule.transform !== 'null';
}

const label = (c: string, f: string) => `${c}.${f === VALUE_FIELD ? '(value)' : f}`;

interface Masked {
  rules: CollectionRules;
  collection: Collection;
  before: number;
  sample: SampledRow[];
}

async function maskCollection(
  tx: MaskingTx,
  m: Omit<Masked, 'before' | 'sample'>,
  transformer: Transformer,
): Promise<Masked> {
  const { rules, collection } = m;
  const fields = Object.keys(rules.rules);
  const before = await tx.count(collection);
  const sample = await tx.sample(collection, fields, SAMPLE_ROWS);
  const inJs = fields.filter((f) => rules.rules[f].transform !== 'sql');
  const byName = new Map(collection.fields.map((f) => [f.name, f]));
  // The dates of one row move together (by a shift drawn from all of them), so that their order holds.
  const dated = inJs.filter((f) => rules.rules[f].transform === 'date-shift');
  if (inJs.length > 0) {
    await tx.rewrite(collection, inJs, (values) => {
      const seed = dated.length > 1 ? JSON.stringify(dated.map((f) => textOf(values[f]))) : undefined;
      return Object.fromEntries(
        inJs.map((f) => [f, transformer.apply(rules.rules[f], byName.get(f)!, values[f], seed)]),
      );
    });
  }
  for (const f of fields.filter((f) => rules.rules[f].transform === 'sql')) {
    if (!tx.setExpression) throw new Error(`${label(collection.name, f)}: sql rules are for SQL engines`);
    // Every row, not a sample: a rule such as CASE WHEN … THEN col ELSE … END would keep some originals.
    const kept = (await tx.countKeptBy?.(collection, f, rules.rules[f].sql!)) ?? 0;
    if (kept > 0)
      throw new Error(`${label(collection.name, f)}: its sql rule would leave ${kept} rows with their original value`);
    await tx.setExpression(collection, f, rules.rules[f].sql!);
  }
  return { ...m, before, sample };
}

/** The checks of one masked collection; each failure named. Returns the number of checks run. */
async function verifyCollection(
  tx: MaskingTx,
  m: Masked,
  failures: Problem[],
  transactional: boolean,
): Promise<number> {
  const { rules, collection, sample } = m;
  const name = collection.name;
  const fields = Object.keys(rules.rules);
  let checks = 1;
  const after = await tx.count(collection);
  // Without a transaction (Redis), keys expiring during the run lower the count; none can appear.
  if (transactional ? after !== m.before : after > m.before)
    failures.push({ collection: name, message: `${name} had ${m.before} rows before masking and ${after} after` });
  const now = await tx.read(
    collection,
    sample.map((r) => r.key),
    fields,
  );
  for (const field of fields) {
    const rule = rules.rules[field];
    checks++;
    const kept = sample.filter((row) => {
      const masked = now.get(row.key)?.[field];
      if (rule.transform === 'null') return masked !== null && masked !== undefined;
      if (rule.transform === 'fixed') return !sameValue(masked, rule.value);
      return mustChange(rule, row.values[field]) && sameValue(masked, row.values[field]);
    }).length;
    const missing = transactional ? sample.filter((row) => !now.has(row.key)).length : 0;
    if (kept > 0)
      failures.push({
        collection: name,
        field,
        message: `${label(name, field)} (${rule.transform}): ${kept} of ${sample.length} sampled rows still hold their original value`,
      });
    if (missing > 0)
      failures.push({
        collection: name,
        field,
        message: `${label(name, field)}: ${missing} sampled rows are gone after masking`,
      });
  }
  // Every row, for the transforms whose result has a shape of its own; and no sampled original anywhere for
  // the transforms whose results cannot meet one by chance.
  const whole = fields.filter((f) => ['null', 'fixed', 'fake-email', 'hash'].includes(rules.rules[f].transform));
  if (whole.length > 0) {
    const bad = new Map<string, number>();
    const originals = new Map(
      whole.map((f) => [f, new Set(sample.map((r) => textOf(r.values[f])).filter((v): v is string => v !== null))]),
    );
    await tx.scan(collection, whole, (values) => {
      for (const f of whole) {
        const rule = rules.rules[f];
        const v = values[f];
        const wrong =
          rule.transform === 'null'
            ? v !== null && v !== undefined
            : rule.transform === 'fixed'
              ? !sameValue(v, rule.value)
              : v !== null &&
                v !== undefined &&
                ((rule.transform === 'fake-email' && !String(v).endsWith(`@${FAKE_EMAIL_DOMAIN}`)) ||
                  originals.get(f)!.has(textOf(v)!));
        if (wrong) bad.set(f, (bad.get(f) ?? 0) + 1);
      }
    });
    for (const f of whole) {
      checks++;
      const n = bad.get(f);
      if (n)
        failures.push({
          collection: name,
          field: f,
          message: `${label(name, f)} (${rules.rules[f].transform}): ${n} rows are not masked as the rule says`,
        });
    }
  }
  return checks;
}

/**
 * Masks a clone's data as `masking` says and proves it, or throws MaskingStopped: the inventory is read and
 * checked first (nothing is changed when it fails: fail closed), then every ruled collection is masked and
 * verified in one transaction where the store allows it (a failed check rolls the masking back).
 */
export async function maskData(
  session: MaskingSession,
  masking: MaskingRules,
  options: { transformer?: Transformer; onProgress?: (phase: string) => void; restoreTime?: Date } = {},
): Promise<MaskingReport> {
  const progress = options.onProgress ?? (() => {});
  progress(`reading the schema (${session.label})`);
  const inventory = await session.inventory(masking);
  const problems = checkInventory(masking, inventory, options.restoreTime);
  if (problems.length > 0) throw new MaskingStopped('refused', problems);
  const transformer = options.transformer ?? newTransformer();
  const byName = new Map(inventory.collections.map((c) => [c.name, c]));
  // Rules of fields the clone lacks (the check let them pass: added after the clone's data) have nothing to mask.
  const work = masking.collections
    .filter((r) => byName.has(r.name))
    .map((r) => {
      const collection = byName.get(r.name)!;
      const present = new Set(collection.fields.map((f) => f.name));
      return {
        rules: { ...r, rules: Object.fromEntries(Object.entries(r.rules).filter(([f]) => present.has(f))) },
        collection,
      };
    })
    .filter((m) => Object.keys(m.rules.rules).length > 0);
  return session.transaction(async (tx) => {
    const masked: Masked[] = [];
    for (const m of work) {
      progress(`masking ${m.collection.name}`);
      try {
        masked.push(await maskCollection(tx, m, transformer));
      } catch (error) {
        // The drivers' errors name tables and columns, never values.
        throw new MaskingStopped('failed', [
          { collection: m.collection.name, message: `${m.collection.name}: ${(error as Error).message}` },
        ]);
      }
    }
    progress('verifying');
    const failures: Problem[] = [];
    let checks = 0;
    for (const m of masked) checks += await verifyCollection(tx, m, failures, session.transactional);
    if (failures.length > 0) throw new MaskingStopped('failed', failures);
    return {
      store: session.label,
      transactional: session.transactional,
      collections: masking.collections.map((r) => ({
        name: r.name,
        rows: masked.find((m) => m.rules.name === r.name)?.before ?? 0,
        rules: Object.fromEntries(Object.entries(r.rules).map(([f, rule]) => [f, rule.transform])),
        kept: r.keep,
      })),
      masked: masked.length,
      rows: masked.reduce((sum, m) => sum + m.before, 0),
      rules: masked.reduce((sum, m) => sum + Object.keys(m.rules.rules).length, 0),
      checks,
    };
  });
}
