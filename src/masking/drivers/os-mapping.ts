import type { Field, FieldType } from '../model.ts';

/** An index mapping's `properties`, as GET _mapping answers. */
export type Properties = Record<string, { type?: string; properties?: Properties; fields?: unknown }>;

const TYPES: Record<string, FieldType> = {
  text: 'text',
  keyword: 'text',
  match_only_text: 'text',
  wildcard: 'text',
  constant_keyword: 'text',
  long: 'bigint',
  unsigned_long: 'bigint',
  integer: 'integer',
  short: 'integer',
  byte: 'integer',
  float: 'number',
  double: 'number',
  half_float: 'number',
  scaled_float: 'number',
  date: 'timestamp',
  date_nanos: 'timestamp',
  boolean: 'boolean',
};

/** A mapping type as masking sees it (text/keyword → text, long → bigint, integer/short/byte → integer, …). */
export const fieldTypeOf = (typeName: string): FieldType => TYPES[typeName] ?? 'other';

/**
 * The leaf fields of a mapping as dotted paths (object properties joined by '.'; multi-fields such as `.keyword`
 * are views of their field, not fields of the document, and are left out). Fields under a `nested` field are
 * listed with type other: a partial update cannot reach one element of an array of objects.
 */
export function flattenMapping(properties: Properties, prefix = '', nested = false): Field[] {
  const out: Field[] = [];
  for (const [name, spec] of Object.entries(properties)) {
    const path = `${prefix}${name}`;
    if (spec.properties) {
      out.push(...flattenMapping(spec.properties, `${path}.`, nested || spec.type === 'nested'));
      continue;
    }
    const typeName = spec.type ?? 'object';
    out.push({
      name: path,
      type: nested ? 'other' : fieldTypeOf(typeName),
      typeName: nested ? `${typeName} in nested` : typeName,
      nullable: true,
    });
  }
  return out;
}

/** Fields of several indices under one collection: each path once; differing types make it `other`. */
export function unionFields(lists: Field[][]): Field[] {
  const byName = new Map<string, Field>();
  for (const field of lists.flat()) {
    const known = byName.get(field.name);
    if (!known) byName.set(field.name, { ...field });
    else if (known.typeName !== field.typeName && !known.typeName.split(' | ').includes(field.typeName)) {
      byName.set(field.name, {
        ...known,
        type: known.type === field.type ? known.type : 'other',
        typeName: `${known.typeName} | ${field.typeName}`,
      });
    }
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A field's value in a `_source` by dotted path (a literal dotted key first, as OpenSearch accepts both). */
export function valueAt(source: Record<string, unknown> | undefined, path: string): unknown {
  if (!source) return undefined;
  if (Object.hasOwn(source, path)) return source[path];
  for (let at = path.indexOf('.'); at > 0; at = path.indexOf('.', at + 1)) {
    const head = path.slice(0, at);
    const inner = Object.hasOwn(source, head) ? source[head] : undefined;
    if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
      const found = valueAt(inner as Record<string, unknown>, path.slice(at + 1));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Dotted paths and their values as a partial document: `{a.b: 1}` → `{a: {b: 1}}`. */
export function expandPaths(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(values)) {
    const parts = path.split('.');
    let at = out;
    for (const part of parts.slice(0, -1)) {
      if (!at[part] || typeof at[part] !== 'object') at[part] = {};
      at = at[part] as Record<string, unknown>;
    }
    at[parts[parts.length - 1]] = value;
  }
  return out;
}
