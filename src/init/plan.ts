import { UsageError } from '../core/errors.ts';
import { PRICE_TABLE } from '../cost/prices.ts';
import type { DiscoveredSecurityGroup, DiscoveredSource, DiscoveredSubnetGroup, Discovery, SourceEngine } from './discover.ts';

/** What the person setting snapclone up decided (from flags, or answers in a terminal). */
export interface InitChoices {
  target: string;
  /** Config name → the discovered resource's id. */
  sources: { name: string; id: string }[];
  /** DB subnet group of RDS and Aurora clones. */
  subnetGroup?: string;
  cacheSubnetGroup?: string;
  securityGroupIds?: string[];
  instanceClass?: string;
  auroraInstanceClass?: string;
  nodeType?: string;
  searchInstanceType?: string;
  /** OpenSearch sources: the S3 repository of their manual snapshots and the read-only role clones register it with. */
  searchRepositories: Record<string, { name: string; bucket: string; roleArn: string }>;
  roleName: string;
  externalId: string;
  githubRepositories: string[];
  githubEnvironments: string[];
  /** IAM users or roles that may assume the role with the external id (the caller by default, so that doctor runs). */
  principals: string[];
  timezone: string;
}

export const NAME = /^[a-z][a-z0-9-]*$/;

/** A config name for a resource id: lower case, `-prod`/`-production` dropped (orders-prod → orders). */
export function suggestedName(source: DiscoveredSource): string {
  const base = source.id.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-(prod|production|prd)$/, '').replace(/^[^a-z]+/, '');
  const suffix = source.engine === 'elasticache' ? 'cache' : source.engine === 'opensearch' ? 'search' : 'db';
  return base.endsWith(`-${suffix}`) ? base : `${base || source.engine}-${suffix}`;
}

/** The discovered source of an id; a UsageError lists what exists. */
export function sourceById(d: Discovery, id: string): DiscoveredSource {
  const found = d.sources.filter((s) => s.id === id);
  if (found.length === 1) return found[0];
  if (found.length > 1) throw new UsageError(`'${id}' names several resources (${found.map((s) => s.engine).join(', ')})`, 'Rename one of them in AWS, or write that source into snapclone.yaml by hand.');
  throw new UsageError(`No RDS DB instance, Aurora DB cluster, ElastiCache replication group or OpenSearch domain '${id}' in ${d.account} ${d.region}`, `Found: ${d.sources.map((s) => s.id).join(', ') || 'none'}.`);
}

/** Placements where no discovered source lives (never the VPC's `default`): what a clone may go to without asking. */
export function candidateGroups(groups: DiscoveredSubnetGroup[], d: Discovery): DiscoveredSubnetGroup[] {
  const sourceVpcs = new Set(d.sources.map((s) => s.vpcId).filter(Boolean));
  return groups.filter((g) => g.name !== 'default' && !sourceVpcs.has(g.vpcId));
}

export function candidateSecurityGroups(d: Discovery, vpcId: string): DiscoveredSecurityGroup[] {
  return d.securityGroups.filter((g) => g.vpcId === vpcId && g.name !== 'default');
}

/** The cheapest classes the bundled price table knows for an engine in a region, cheapest first (burstable ones). */
export function smallClasses(region: string, key: string): string[] {
  const table = (PRICE_TABLE.regions as Record<string, Record<string, number>>)[region] ?? PRICE_TABLE.regions['us-east-1'];
  return Object.entries(table)
    .filter(([k]) => k.startsWith(`${key}/`) && !k.includes('/storage/'))
    .sort((a, b) => a[1] - b[1])
    .map(([k]) => k.slice(key.length + 1));
}

const FALLBACK: Record<SourceEngine, string> = { rds: 'db.t4g.micro', aurora: 'db.t4g.medium', elasticache: 'cache.t4g.micro', opensearch: 't3.small.search' };

/** The default class of an engine's clones: the cheapest priced one, else a small burstable class. */
export function defaultClass(region: string, engine: SourceEngine, runs: string): string {
  const key = engine === 'opensearch' ? 'opensearch' : `${engine}/${runs.split(' ')[0]}`;
  return smallClasses(region, key).find((c) => /\.t\d/.test(c) || c.startsWith('t')) ?? FALLBACK[engine];
}

/** The one placement to take without being told, or a UsageError listing the candidates and the flag. */
export function onlyCandidate<T>(what: string, flag: string, candidates: T[], show: (c: T) => string): T {
  if (candidates.length === 1) return candidates[0];
  throw new UsageError(
    candidates.length === 0 ? `Found no ${what} outside the sources' VPCs` : `Found several ${what}s: ${candidates.map(show).join(', ')}`,
    `Name the one clones go to with ${flag}.`,
  );
}
