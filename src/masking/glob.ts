/**
 * Globs as Redis's SCAN MATCH reads them (stringmatchlen): `*` any run, `?` one character, `[abc]`, `[a-z]`,
 * `[^abc]` a class, `\x` the character x. A `[` without its `]` stands for itself. OpenSearch index patterns
 * (only `*`) are a subset.
 */
export function globRegExp(glob: string, options: { caseInsensitive?: boolean } = {}): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '\\' && i + 1 < glob.length) source += escapeChar(glob[++i]);
    else if (c === '[' && glob.indexOf(']', i + 2) > i) {
      const end = glob.indexOf(']', i + 2);
      let body = glob.slice(i + 1, end);
      const negated = body.startsWith('^');
      if (negated) body = body.slice(1);
      source += `[${negated ? '^' : ''}${classBody(body)}]`;
      i = end;
    } else source += escapeChar(c);
  }
  return new RegExp(`^${source}$`, options.caseInsensitive ? 'si' : 's');
}

const escapeChar = (c: string) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** A class's characters and ranges, each character escaped for a RegExp class. */
function classBody(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\' && i + 1 < body.length) out += escapeChar(body[++i]);
    else if (body[i + 1] === '-' && i + 2 < body.length) {
      const [from, to] = [body[i], body[i + 2]].sort();
      out += `${escapeChar(from)}-${escapeChar(to)}`;
      i += 2;
    } else out += escapeChar(body[i]);
  }
  return out;
}

/** The first of `patterns` a name matches (its index), or -1. */
export function firstMatch(name: string, patterns: readonly RegExp[]): number {
  return patterns.findIndex((p) => p.test(name));
}
