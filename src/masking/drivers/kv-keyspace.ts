import { VALUE_FIELD, type Collection, type Field, type Inventory, type MaskingRules } from '../model.ts';
import { firstMatch, globRegExp } from '../glob.ts';

/** One key as SCAN and TYPE found it, with its hash fields (hashes only). */
export interface ScannedKey {
  key: string;
  type: string;
  fields?: string[];
}

/** At most this many unclaimed keys are listed in an inventory (the sensitive patterns are checked on them). */
export const UNCLAIMED_SAMPLES = 200;
/** The types masking rewrites; keys of any other type make their collection unmaskable when it has rules. */
const REWRITTEN = new Set(['string', 'hash']);

const hashField = (name: string): Field => ({ name, type: 'text', typeName: 'hash field', nullable: true });
/** A string key's value cannot be null (Redis has no null value; deleting the key would change the count). */
const valueField: Field = { name: VALUE_FIELD, type: 'text', typeName: 'string', nullable: false };

const fieldsOf = (k: ScannedKey): string[] =>
  k.type === 'hash' ? (k.fields ?? []) : k.type === 'string' ? [VALUE_FIELD] : [];

/**
 * Groups a keyspace under the rules' key patterns, each key under the first pattern it matches (the rules'
 * order): a collection's fields are the union of its hash keys' fields, plus VALUE_FIELD when it holds string
 * keys. Patterns that match no key are not collections of the clone. Keys no pattern matches are unclaimed; the
 * listed ones are those whose names or fields look sensitive first, then one of each set of fields, then the rest.
 */
export function groupKeys(
  keys: readonly ScannedKey[],
  rules: MaskingRules,
): { inventory: Inventory; members: Map<string, ScannedKey[]> } {
  const patterns = rules.collections.map((c) => globRegExp(c.name));
  const members = new Map<string, ScannedKey[]>();
  const unclaimed: ScannedKey[] = [];
  for (const k of keys) {
    const at = firstMatch(k.key, patterns);
    if (at < 0) unclaimed.push(k);
    else {
      const name = rules.collections[at].name;
      const list = members.get(name) ?? [];
      list.push(k);
      members.set(name, list);
    }
  }
  const collections: Collection[] = [];
  for (const c of rules.collections) {
    const held = members.get(c.name);
    if (!held) continue;
    const hashFields = [...new Set(held.flatMap((k) => (k.type === 'hash' ? (k.fields ?? []) : [])))].sort();
    const fields = [...hashFields.map(hashField), ...(held.some((k) => k.type === 'string') ? [valueField] : [])];
    const others = [...new Set(held.map((k) => k.type).filter((t) => !REWRITTEN.has(t)))].sort();
    const ruled = Object.keys(c.rules).length > 0;
    collections.push({
      name: c.name,
      fields,
      ...(others.length > 0 && ruled
        ? { unmaskable: `holds ${others.join(' and ')} keys: masking rewrites strings and hashes` }
        : {}),
    });
  }
  return { inventory: { collections, unclaimed: unclaimedSamples(unclaimed, rules.sensitive) }, members };
}

function unclaimedSamples(keys: ScannedKey[], sensitive: readonly string[]): { name: string; fields: string[] }[] {
  const looks = sensitive.map((s) => globRegExp(s, { caseInsensitive: true }));
  const sensitiveLooking = (k: ScannedKey) => [k.key, ...fieldsOf(k)].some((name) => looks.some((p) => p.test(name)));
  const chosen = new Set<ScannedKey>(keys.filter(sensitiveLooking).slice(0, UNCLAIMED_SAMPLES));
  const shapes = new Set([...chosen].map((k) => `${k.type}:${fieldsOf(k).sort().join(',')}`));
  for (const k of keys) {
    const shape = `${k.type}:${fieldsOf(k).sort().join(',')}`;
    if (chosen.size >= UNCLAIMED_SAMPLES) break;
    if (!shapes.has(shape)) {
      shapes.add(shape);
      chosen.add(k);
    }
  }
  for (const k of keys) {
    if (chosen.size >= UNCLAIMED_SAMPLES) break;
    chosen.add(k);
  }
  return [...chosen].map((k) => ({ name: k.key, fields: fieldsOf(k) }));
}
