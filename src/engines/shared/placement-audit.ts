import { read, type EnginePermissions, type Permission } from '../../iam/declare.ts';

/**
 * An engine's declarations plus the reads only the janitor's placement audit makes. They go with `delete`:
 * the janitor deletes through the engine, and audits what it may delete with these reads.
 */
export const withAuditReads = (permissions: EnginePermissions, reads: Permission[]): EnginePermissions => ({
  ...permissions,
  delete: [...permissions.delete, ...reads],
});

/**
 * The reads the audit needs beyond the engines' own declarations (each engine's index.ts adds its own with
 * withAuditReads, until they move to its permissions.ts):
 * - ElastiCache: a replication group does not name its cache subnet group, its member clusters do
 *   (DescribeCacheClusters, authorized on `cluster:<prefix>-*`, the clone scope);
 * - OpenSearch: the names of every domain, tagged or not (the Tagging API lists only tagged ones):
 *   ListDomainNames has no resource type, so it is authorized on `*`; and when a domain was created, which
 *   only DescribeDomainConfig reports (on `domain/<prefix>-*`, the clone scope).
 */
export const CACHE_AUDIT_READS = [read('elasticache:DescribeCacheClusters', 'clone')];
export const SEARCH_AUDIT_READS = [read('es:ListDomainNames', 'none'), read('es:DescribeDomainConfig', 'clone')];

/** "<what> X, not the target's Y" when X is set and differs from Y (case-insensitively: AWS lower-cases some names). */
export function differs(what: string, actual: string | undefined, wanted: string): string | undefined {
  if (actual === undefined || actual.toLowerCase() === wanted.toLowerCase()) return undefined;
  return `${what} ${actual}, not the target's ${wanted}`;
}

/** The values that are not among the allowed ones. */
export const outside = (values: readonly string[], allowed: readonly string[]): string[] =>
  values.filter((v) => !allowed.includes(v));

/** The breaches that are said (drops the checks that passed). */
export const said = (checks: (string | undefined | false)[]): string[] =>
  checks.filter((c): c is string => typeof c === 'string');
