import { UsageError } from './errors.ts';

/**
 * What an engine accepts as a resource identifier. Every engine so far follows the RDS shape: a letter
 * first, then lower-case letters, digits and single hyphens, no trailing hyphen, up to `maxLength`.
 */
export interface IdentifierRules {
  /** Who imposes the rules, for messages ("RDS DB instance identifiers"). */
  label: string;
  maxLength: number;
}

export const RDS_INSTANCE_IDENTIFIER: IdentifierRules = { label: 'RDS DB instance identifiers', maxLength: 63 };

/** Why `name` is not a valid identifier, or undefined when it is. */
export function identifierProblem(name: string, rules: IdentifierRules): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > rules.maxLength) return `it is ${name.length} characters long; at most ${rules.maxLength} are allowed`;
  if (/[A-Z]/.test(name)) return 'it contains upper-case letters; use lower case';
  if (!/^[a-z]/.test(name)) return 'it must start with a letter';
  const bad = name.match(/[^a-z0-9-]/);
  if (bad) return `it contains '${bad[0]}'; only letters, digits and hyphens are allowed`;
  if (name.includes('--')) return "it contains two consecutive hyphens ('--')";
  if (name.endsWith('-')) return 'it ends with a hyphen';
  return undefined;
}

/** Lower-cases and replaces what an identifier cannot hold, collapsing hyphens. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * The default clone name `<prefix>-<source>-<yyyymmdd>-<owner>`, made valid for the engine: lower case,
 * invalid characters replaced, and when too long the owner and then the source are shortened (never the
 * prefix or the date, so the name stays recognisable and guarded).
 */
export function defaultCloneName(
  parts: { prefix: string; source: string; day: string; owner: string },
  rules: IdentifierRules,
): string {
  const prefix = slug(parts.prefix);
  const day = parts.day.replace(/-/g, '');
  let source = slug(parts.source) || 'source';
  let owner = slug(parts.owner) || 'unknown';
  const total = () => `${prefix}-${source}-${day}-${owner}`.length;
  if (total() > rules.maxLength) owner = slug(owner.slice(0, Math.max(1, owner.length - (total() - rules.maxLength))));
  if (total() > rules.maxLength) source = slug(source.slice(0, Math.max(1, source.length - (total() - rules.maxLength))));
  const name = `${prefix}-${source}-${day}-${owner}`.slice(0, rules.maxLength).replace(/-+$/, '');
  const problem = identifierProblem(name, rules);
  if (problem) throw new UsageError(`Cannot build a valid clone name from '${name}': ${problem}`, 'Pass --name.');
  return name;
}

/**
 * Checks a --name: a valid identifier for the engine that starts with `<prefix>-` (the safety guard only
 * touches resources whose name carries the prefix). Throws a UsageError saying what is wrong.
 */
export function validateCloneName(name: string, prefix: string, rules: IdentifierRules): string {
  const problem = identifierProblem(name, rules);
  if (problem) {
    throw new UsageError(
      `--name '${name}' is not a valid clone name: ${problem}`,
      `${rules.label} allow 1–${rules.maxLength} characters: a letter first, then lower-case letters, digits and single hyphens, not ending with a hyphen; e.g. ${prefix}-orders-test.`,
    );
  }
  if (!name.startsWith(`${prefix}-`) || name.length === prefix.length + 1) {
    throw new UsageError(
      `--name '${name}' does not start with the configured prefix '${prefix}-'`,
      `Clone names must start with '${prefix}-' (config key: prefix), e.g. ${prefix}-${name.replace(/^-+/, '')}.`.replace(
        /-{2,}/g,
        '-',
      ),
    );
  }
  return name;
}

/** Whether a resource name carries the configured prefix. */
export function hasPrefix(name: string | undefined, prefix: string): boolean {
  return name !== undefined && name.startsWith(`${prefix}-`) && name.length > prefix.length + 1;
}
