import type { Document } from 'yaml';
import * as z from 'zod';

// The config's common mistakes told as what to do: a misspelled key names the key meant, a value YAML read as a
// number (an unquoted account id) says to quote it, and a key reported as unknown is not reported missing too.

type Path = readonly PropertyKey[];

const keyPath = (path: Path) => (path.length > 0 ? path.map(String).join('.') : '(top level)');

function valueAt(data: unknown, path: Path): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The object schemas found at `path` (a union may give several). */
function objectsAt(schema: z.ZodType, path: Path): z.ZodObject[] {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
  if (s instanceof z.ZodUnion) return (s.options as z.ZodType[]).flatMap((option) => objectsAt(option, path));
  if (path.length === 0) return s instanceof z.ZodObject ? [s] : [];
  const [key, ...rest] = path;
  if (s instanceof z.ZodObject) return Object.hasOwn(s.shape, key) ? objectsAt(s.shape[key as string] as z.ZodType, rest) : [];
  if (s instanceof z.ZodRecord) return objectsAt(s.valueType as z.ZodType, rest);
  if (s instanceof z.ZodArray) return objectsAt(s.element as z.ZodType, rest);
  return [];
}

/** The keys the object at `path` accepts (none when the path leads to no object). */
export function knownKeys(schema: z.ZodType, path: Path): string[] {
  return [...new Set(objectsAt(schema, path).flatMap((object) => Object.keys(object.shape)))];
}

/** Edit distance with swapped neighbours counting as one edit (optimal string alignment), ignoring case. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d = Array.from({ length: s.length + 1 }, (_, i) => Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[s.length][t.length];
}

/** The known key closest to `key`, when it is close enough to be a misspelling (a third of the longer name). */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(key, name);
    if (distance <= Math.max(1, Math.floor(Math.max(key.length, name.length) / 3)) && (!best || distance < best.distance)) {
      best = { name, distance };
    }
  }
  return best?.name;
}

/** How the value was written in the file (YAML reads 012345678901 as the number 12345678901). */
function sourceText(doc: Document, path: Path, value: unknown): string {
  const node = doc.getIn(path as PropertyKey[], true) as { source?: unknown } | undefined;
  return typeof node?.source === 'string' ? node.source : String(value);
}

function quoteHint(doc: Document, path: Path, value: number | boolean): string {
  const written = sourceText(doc, path, value);
  const key = String(path.at(-1));
  const quoted = typeof path.at(-1) === 'number' ? `'${written}'` : `${key}: '${written}'`;
  if (key === 'account' && typeof value === 'number') {
    const lost = written !== String(value) ? ` (${written} became ${value})` : '';
    const digits = /^\d{12}$/.test(written) ? '' : '; an account id has 12 digits';
    return `quote the account id, or YAML reads it as a number${lost}: write ${quoted}${digits}`;
  }
  return `YAML read ${written} as a ${typeof value}; quote it: ${quoted}`;
}

const EXPECTED: Record<string, string> = { record: 'a map of names', object: 'a map of keys', array: 'a list' };

/** What is wrong with one key (other than being unknown). */
function describeIssue(issue: z.core.$ZodIssue, data: unknown, doc: Document): string {
  const where = keyPath(issue.path);
  const value = valueAt(data, issue.path);
  if (issue.code === 'invalid_type' && value === undefined) return `  ${where}: missing, expected ${EXPECTED[issue.expected] ?? `a ${issue.expected}`}`;
  if (issue.code === 'invalid_type' && issue.expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
    return `  ${where}: ${quoteHint(doc, issue.path, value)}`;
  }
  return `  ${where}: ${issue.message}`;
}

/** Unknown keys, each with the known key it most likely meant (one not already given), if one is close. */
function unknownKeys(issue: z.core.$ZodIssueUnrecognizedKeys, schema: z.ZodType, data: unknown): { key: string; meant?: string; known: string[] }[] {
  const present = valueAt(data, issue.path);
  const known = knownKeys(schema, issue.path);
  const free = known.filter((k) => !(present && typeof present === 'object' && Object.hasOwn(present, k)));
  return issue.keys.map((key) => ({ key, meant: closestKey(key, free), known }));
}

/** One line per mistake, in the order zod found them, each with the key path and what to do. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], schema: z.ZodType, data: unknown, doc: Document): string[] {
  const unknown = new Map(issues.map((issue) => [issue, issue.code === 'unrecognized_keys' ? unknownKeys(issue, schema, data) : []]));
  // A key reported as "did you mean" is not reported missing as well: it is the same mistake.
  const meant = new Set(issues.flatMap((issue) => unknown.get(issue)!.flatMap((u) => (u.meant ? [keyPath([...issue.path, u.meant])] : []))));
  return issues.flatMap((issue) => {
    if (issue.code !== 'unrecognized_keys') {
      const missing = issue.code === 'invalid_type' && valueAt(data, issue.path) === undefined;
      return missing && meant.has(keyPath(issue.path)) ? [] : [describeIssue(issue, data, doc)];
    }
    return unknown.get(issue)!.map(({ key, meant, known }) => {
      const where = keyPath([...issue.path, key]);
      if (meant) return `  ${where} is not a known key: did you mean ${meant}?`;
      return `  ${where} is not a known key${known.length > 0 ? ` (known: ${known.join(', ')})` : ''}`;
    });
  });
}
