import type { Collection, CollectionRules, Field, Inventory, MaskingRules, Rule } from './model.ts';
import { globRegExp } from './glob.ts';
import { VALUE_FIELD } from './model.ts';
import { FAKE_EMAIL_DOMAIN } from './transforms.ts';

/** The shortest fake e-mail address: four hex characters, '@' and the reserved domain. */
const FAKE_EMAIL_MIN = 5 + FAKE_EMAIL_DOMAIN.length;

const DAY_MS = 86_400_000;

/** Whether a clone of data from `restoreTime` may lack a field the rules say was added on `day` (to the end of that day, UTC+14 at the latest). */
const mayLack = (rules: CollectionRules, field: string, restoreTime: Date | undefined) => {
  const day = rules.added?.[field];
  return (
    day !== undefined &&
    restoreTime !== undefined &&
    restoreTime.getTime() < Date.parse(`${day}T00:00:00Z`) + DAY_MS + 14 * 3_600_000
  );
};

/** One reason masking refuses to run, naming the collection and field it is about. */
export interface Problem {
  collection: string;
  field?: string;
  message: string;
}

/** A sensitive pattern as a case-insensitive regular expression over the whole name. */
const sensitiveRegExp = (glob: string) => globRegExp(glob, { caseInsensitive: true });

/** The first sensitive pattern a field of a collection matches (`*email*` on the field, `customers.*` on both). */
export function sensitiveMatch(patterns: string[], collection: string, field: string): string | undefined {
  return patterns.find((p) => sensitiveRegExp(p).test(p.includes('.') ? `${collection}.${field}` : field));
}

const fieldLabel = (field: string) => (field === VALUE_FIELD ? 'the value' : field);

/** Whether a rule can apply to a field of this type, and why not when it cannot. */
function typeProblem(rule: Rule, field: Field): string | undefined {
  const t = field.type;
  switch (rule.transform) {
    case 'null':
      return field.nullable
        ? undefined
        : `'null' on a NOT NULL column (${field.typeName}) would fail at the update: choose fixed or another transform`;
    case 'date-shift':
      return t === 'date' || t === 'timestamp'
        ? undefined
        : `date-shift on a ${field.typeName} field: it moves dates and timestamps only`;
    case 'hash':
      if (t === 'integer' && /^(int2|smallint|tinyint|mediumint)/i.test(field.typeName)) {
        return `hash on a ${field.typeName} column: its hashes are 31-bit integers; keep it, or use fixed or null`;
      }
      return ['text', 'integer', 'bigint'].includes(t)
        ? undefined
        : `hash on a ${field.typeName} field: it maps text and integers`;
    case 'fake-email':
      if (t === 'text' && field.maxLength !== undefined && field.maxLength < FAKE_EMAIL_MIN)
        return `fake-email needs ${FAKE_EMAIL_MIN} characters; ${field.typeName} holds ${field.maxLength}`;
      return t === 'text' ? undefined : `fake-email on a ${field.typeName} field: it makes text`;
    case 'keep-format':
    case 'fake-phone':
    case 'fake-name':
      return t === 'text' ? undefined : `${rule.transform} on a ${field.typeName} field: it makes text`;
    case 'sql':
      return undefined;
    case 'fixed':
      if (typeof rule.value === 'string' && field.maxLength !== undefined && rule.value.length > field.maxLength) {
        return `the fixed value is longer than ${field.typeName} allows`;
      }
      return undefined;
  }
}

function checkRuled(
  rules: CollectionRules,
  collection: Collection,
  problems: Problem[],
  sqlAllowed: boolean,
  restoreTime?: Date,
): void {
  const named = collection.name;
  if (collection.unmaskable)
    problems.push({ collection: named, message: `${named} cannot be masked: ${collection.unmaskable}` });
  const fields = new Map(collection.fields.map((f) => [f.name, f]));
  for (const [name, rule] of Object.entries(rules.rules)) {
    const field = fields.get(name);
    // Keys and documents have no schema: a field no key holds that day has nothing to mask (a renamed field
    // shows up as a new one, without rule or keep). A table's missing column is a rename.
    if (!field && (mayLack(rules, name, restoreTime) || !sqlAllowed)) continue;
    if (!field) {
      problems.push({
        collection: named,
        field: name,
        message: `a rule names ${named}.${fieldLabel(name)}, which the clone does not have (renamed or dropped?)`,
      });
      continue;
    }
    if (rule.transform === 'sql' && !sqlAllowed)
      problems.push({
        collection: named,
        field: name,
        message: `${named}.${fieldLabel(name)}: sql rules are for SQL engines`,
      });
    const wrong = typeProblem(rule, field);
    if (wrong) problems.push({ collection: named, field: name, message: `${named}.${fieldLabel(name)}: ${wrong}` });
  }
  for (const name of rules.keep) {
    if (!fields.has(name) && sqlAllowed && !mayLack(rules, name, restoreTime))
      problems.push({
        collection: named,
        field: name,
        message: `keep names ${named}.${fieldLabel(name)}, which the clone does not have (renamed or dropped?)`,
      });
  }
  for (const field of collection.fields) {
    if (field.name in rules.rules || rules.keep.includes(field.name)) continue;
    problems.push({
      collection: named,
      field: field.name,
      message: `${named}.${fieldLabel(field.name)} (${field.typeName}) has neither a rule nor keep (added after the rules were written?)`,
    });
  }
}

/**
 * Every reason not to mask (and so not to hand over) a clone whose data looks like `inventory`: fail closed.
 * Nothing here reads data; it runs before anything is changed.
 */
export function checkInventory(masking: MaskingRules, inventory: Inventory, restoreTime?: Date): Problem[] {
  const problems: Problem[] = [];
  const sqlAllowed = masking.kind === 'tables';
  const byName = new Map(inventory.collections.map((c) => [c.name, c]));
  const ruled = new Set<string>();
  for (const rules of masking.collections) {
    const collection = byName.get(rules.name);
    ruled.add(rules.name);
    if (!collection) {
      // A key or index pattern may match nothing at some date (no carts that night); what it would have matched is
      // then unclaimed, and checked against the sensitive patterns. A table is named: its absence is a rename.
      if (masking.kind === 'tables')
        problems.push({
          collection: rules.name,
          message: `rules for the table ${rules.name}, which the clone does not have (renamed or dropped?)`,
        });
      continue;
    }
    checkRuled(rules, collection, problems, sqlAllowed, restoreTime);
  }
  for (const collection of inventory.collections) {
    if (ruled.has(collection.name)) continue;
    for (const field of collection.fields) {
      const pattern = sensitiveMatch(masking.sensitive, collection.name, field.name);
      if (pattern) {
        problems.push({
          collection: collection.name,
          field: field.name,
          message: `${collection.name}.${fieldLabel(field.name)} looks sensitive (matches '${pattern}') and ${collection.name} has no rules: add rules or keep for each of its fields`,
        });
      }
    }
  }
  problems.push(...unclaimedProblems(masking, inventory));
  problems.push(...(inventory.refusals ?? []));
  return problems;
}

/** A key's shape: runs of digits and long hex ids as `*` (session:4711 and session:4712 are alike). */
const shapeOf = (key: string) => {
  const at = key.search(/[:/.|_-]/);
  return at > 0 ? `${key.slice(0, at + 1)}*` : '*';
};

/** Keys no pattern claims whose names or fields look sensitive: one problem per shape of key, not per key. */
function unclaimedProblems(masking: MaskingRules, inventory: Inventory): Problem[] {
  const shapes = new Map<string, { keys: string[]; why: Set<string> }>();
  for (const key of inventory.unclaimed ?? []) {
    const byName = masking.sensitive.find((p) => !p.includes('.') && sensitiveRegExp(p).test(key.name));
    const why = [
      ...(byName ? [`its name matches '${byName}'`] : []),
      ...key.fields.flatMap((f) => {
        const p = sensitiveMatch(masking.sensitive, key.name, f);
        return p ? [`${fieldLabel(f)} matches '${p}'`] : [];
      }),
    ];
    if (why.length === 0) continue;
    const shape = shapeOf(key.name);
    const entry = shapes.get(shape) ?? { keys: [], why: new Set<string>() };
    entry.keys.push(key.name);
    for (const w of why) entry.why.add(w);
    shapes.set(shape, entry);
  }
  // Key names can hold personal data (email:alice@example.com): only their shape and count are said.
  return [...shapes].map(([shape, { keys, why }]) => ({
    collection: shape,
    message: `${keys.length} ${keys.length === 1 ? 'key' : 'keys'} like ${shape} match no rule's pattern and look sensitive (${[...why].join(', ')}): add a key pattern with rules for them`,
  }));
}
