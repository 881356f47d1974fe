import { Document, isMap, type Scalar } from 'yaml';
import { ConfigSchema } from '../config/schema.ts';
import { UsageError } from '../core/errors.ts';
import { candidateGroups, candidateSecurityGroups, defaultClass, onlyCandidate, smallClasses, sourceById, NAME, type InitChoices } from './plan.ts';
import { describeRule } from './backup-plans.ts';
import type { DiscoveredSource, DiscoveredSubnetGroup, Discovery, PointSpan } from './discover.ts';

/** A comment above a key of the YAML, by its path. */
type Comments = [path: string[], text: string][];

const day = (d?: Date) => (d ? d.toISOString().slice(0, 10) : '?');
const span = (s: PointSpan) => `${s.count} (${day(s.oldest)} … ${day(s.newest)})`;

/** What a source's backups are, in one comment: where `create` restores from and what else there is. */
function backupsComment(s: DiscoveredSource): string {
  const lines = [`${s.engine} ${s.id}: ${s.runs}`];
  for (const [vault, points] of Object.entries(s.backup)) lines.push(`AWS Backup vault ${vault}: ${span(points)} recovery points`);
  if (s.backupRules) lines.push(...planLines(s));
  for (const [type, points] of Object.entries(s.snapshots)) lines.push(`${type} snapshots: ${span(points)}`);
  if (s.pointInTime) lines.push(`point-in-time restore: ${s.pointInTime.earliest?.toISOString() ?? '?'} … ${s.pointInTime.latest?.toISOString() ?? '?'}`);
  if (s.retentionDays !== undefined) lines.push(`retention: ${s.retentionDays} days`);
  if (s.engine === 'opensearch') lines.push('its automated snapshots restore only into this domain: clones use the manual snapshots of snapshotRepository');
  if (s.kmsKeyId) lines.push(`encrypted with ${s.kmsKeyId}: if that is a customer-managed key, add kmsKeyArn: ${s.kmsKeyId} (doctor says so)`);
  lines.push('backupTag: a tag AWS copies onto its snapshots and recovery points binds restores to this source (docs/iam.md)');
  return lines.join('\n');
}

/** Which AWS Backup plan rules back a source up (RDS, Aurora), or that none does. */
export function planLines(s: DiscoveredSource): string[] {
  if (!s.backupRules || s.backupRules.length === 0) return ['AWS Backup: no backup plan selects it'];
  return s.backupRules.map((r) => `AWS Backup plan ${describeRule(r)}`);
}

/**
 * The vault `create` restores from: only where a backup plan backs the source up and recovery points exist —
 * the vault of one of its rules that holds points, else the one with the newest points. Without a plan, points
 * stop coming and age out, so snapshots are the steadier choice.
 */
function backupVault(s: DiscoveredSource): string | undefined {
  if (!s.backupRules || s.backupRules.length === 0) return undefined;
  const withPoints = Object.entries(s.backup).filter(([, p]) => p.count > 0);
  const ruled = withPoints.find(([vault]) => s.backupRules!.some((r) => r.vault === vault));
  return (ruled ?? withPoints.sort((a, b) => (b[1].newest?.getTime() ?? 0) - (a[1].newest?.getTime() ?? 0))[0])?.[0];
}

function subnetGroupOf(groups: DiscoveredSubnetGroup[], d: Discovery, name: string | undefined, what: string, flag: string): DiscoveredSubnetGroup {
  if (name === undefined) return onlyCandidate(what, flag, candidateGroups(groups, d), (g) => `${g.name} (${g.vpcId})`);
  const group = groups.find((g) => g.name === name);
  if (!group) throw new UsageError(`No ${what} '${name}' in ${d.account} ${d.region}`, `Found: ${groups.map((g) => g.name).join(', ') || 'none'}.`);
  return group;
}

/** The security groups of a placement: named ones must exist in its VPC; else the only non-default one there. */
function securityGroupsIn(d: Discovery, vpcId: string, ids: string[] | undefined): string[] {
  if (!ids || ids.length === 0) return [onlyCandidate(`security group in ${vpcId}`, '--security-group', candidateSecurityGroups(d, vpcId), (g) => `${g.id} (${g.name})`).id];
  for (const id of ids) {
    const group = d.securityGroups.find((g) => g.id === id);
    if (!group) throw new UsageError(`No security group ${id} in ${d.account} ${d.region}`, `In ${vpcId}: ${candidateSecurityGroups(d, vpcId).map((g) => `${g.id} (${g.name})`).join(', ') || 'none'}.`);
    if (group.vpcId !== vpcId) throw new UsageError(`Security group ${id} is in ${group.vpcId}, the clones' subnets in ${vpcId}`, 'Name a security group of the same VPC as the subnet group.');
  }
  return ids;
}

export interface PlannedConfig {
  config: Record<string, unknown>;
  comments: Comments;
  /** Things to look at, said once init has written the file. */
  warnings: string[];
}

/** The config the choices make of what was discovered, with a comment for everything that was chosen. */
export function planConfig(d: Discovery, c: InitChoices): PlannedConfig {
  if (c.sources.length === 0) throw new UsageError('No source chosen', 'Name at least one with --source NAME=ID.');
  const warnings: string[] = [];
  const comments: Comments = [];
  const chosen = c.sources.map(({ name, id }) => {
    if (!NAME.test(name)) throw new UsageError(`Source name '${name}' is not lower-case letters, digits and dashes`, 'Write --source orders-db=orders-prod.');
    return { name, source: sourceById(d, id) };
  });
  const engines = new Set(chosen.map((x) => x.source.engine));
  const runsOf = (engine: string) => chosen.find((x) => x.source.engine === engine)!.source.runs;
  const target: Record<string, unknown> = { account: d.account, region: d.region };
  const t = ['targets', c.target];
  let dbGroup: DiscoveredSubnetGroup | undefined;
  if (engines.has('rds') || engines.has('aurora') || engines.has('opensearch')) {
    dbGroup = subnetGroupOf(d.dbSubnetGroups, d, c.subnetGroup, 'DB subnet group', '--subnet-group');
  }
  const sgs = (vpcId: string) => securityGroupsIn(d, vpcId, c.securityGroupIds);
  const sourceVpcs = new Set(chosen.map((x) => x.source.vpcId));
  const placed = (what: string, vpcId: string) => {
    if (sourceVpcs.has(vpcId)) warnings.push(`${what} is in ${vpcId}, where a source is: clones would sit next to production.`);
  };
  if (engines.has('rds')) {
    const classes = smallClasses(d.region, `rds/${runsOf('rds').split(' ')[0]}`).slice(0, 4);
    target.rds = { subnetGroup: dbGroup!.name, securityGroupIds: sgs(dbGroup!.vpcId), instanceClass: c.instanceClass ?? defaultClass(d.region, 'rds', runsOf('rds')), password: 'generated' };
    comments.push([[...t, 'rds'], `RDS clones: private, in ${dbGroup!.name} (${dbGroup!.vpcId}); small classes priced here: ${classes.join(', ') || 'see docs/cost.md'}`]);
    placed(`DB subnet group ${dbGroup!.name}`, dbGroup!.vpcId);
  }
  if (engines.has('aurora')) {
    target.aurora = { subnetGroup: dbGroup!.name, securityGroupIds: sgs(dbGroup!.vpcId), instanceClass: c.auroraInstanceClass ?? defaultClass(d.region, 'aurora', runsOf('aurora')), password: 'generated' };
    comments.push([[...t, 'aurora'], 'Aurora clones: one writer of this class (db.serverless with serverless: {minCapacity: 0} pauses idle clones)']);
  }
  if (engines.has('elasticache')) {
    const group = subnetGroupOf(d.cacheSubnetGroups, d, c.cacheSubnetGroup, 'cache subnet group', '--cache-subnet-group');
    target.elasticache = { subnetGroup: group.name, securityGroupIds: sgs(group.vpcId), nodeType: c.nodeType ?? defaultClass(d.region, 'elasticache', runsOf('elasticache')), replicas: 0 };
    comments.push([[...t, 'elasticache'], `ElastiCache clones: one node in ${group.name} (${group.vpcId})`]);
    placed(`cache subnet group ${group.name}`, group.vpcId);
  }
  if (engines.has('opensearch')) {
    target.opensearch = { subnetIds: dbGroup!.subnetIds.slice(0, 1), securityGroupIds: sgs(dbGroup!.vpcId), instanceType: c.searchInstanceType ?? defaultClass(d.region, 'opensearch', ''), instanceCount: 1, volumeGb: 20 };
    comments.push([[...t, 'opensearch'], `OpenSearch clones: one node in a subnet of ${dbGroup!.name} (one subnet per node; more nodes, more subnets)`]);
  }
  const roleArn = `arn:aws:iam::${d.account}:role/${c.roleName}`;
  const github = c.githubRepositories.length > 0
    ? { repositories: c.githubRepositories, environments: c.githubEnvironments, ...(d.githubProviderArn ? { providerArn: d.githubProviderArn } : {}) }
    : undefined;
  target.access = { roleArn, externalId: c.externalId, trust: { ...(github ? { github } : {}), principals: c.principals } };
  comments.push([[...t, 'access'], `The role snapclone runs as: create it with snapclone iam template (docs/iam.md); snapclone doctor then checks it`]);
  comments.push([[...t, 'access', 'trust', 'principals'], 'Who may assume the role with the external id: you (so that you can run doctor), and your CI user or login role']);
  if (github && d.githubProviderArn) comments.push([[...t, 'access', 'trust', 'github', 'providerArn'], 'The account already has GitHub\'s OIDC provider: the template reuses it']);
  if (github) comments.push([[...t, 'access', 'trust', 'github', 'environments'], 'Only jobs in these GitHub environments: protect them (docs/github.md)']);
  const sources: Record<string, unknown> = {};
  for (const { name, source } of chosen) {
    const vault = backupVault(source);
    const base = { engine: source.engine, id: source.id, account: d.account, region: d.region };
    if (source.engine === 'opensearch') {
      const repository = c.searchRepositories[name];
      if (!repository) throw new UsageError(`The OpenSearch source ${name} needs its snapshot repository`, `Pass --search-repository ${name}=REPOSITORY,BUCKET,READER_ROLE_ARN (the S3 repository of its manual snapshots, and a read-only role for clones: docs/iam.md).`);
      sources[name] = { ...base, restoreFrom: 'snapshot', snapshotRepository: repository };
    } else if (vault && source.engine !== 'elasticache') sources[name] = { ...base, restoreFrom: 'backup', backupVault: vault };
    else sources[name] = { ...base, restoreFrom: 'snapshot' };
    comments.push([['sources', name], backupsComment(source)]);
    if (!vault && Object.keys(source.backup).length > 0) warnings.push(`${name} (${source.id}) has AWS Backup recovery points but no backup plan selects it: it restores from snapshots (restoreFrom: snapshot).`);
    if (Object.values(source.snapshots).every((s) => s.count === 0) && !vault && !source.pointInTime) warnings.push(`${name} (${source.id}) has no backups snapclone can restore yet.`);
  }
  const config = { timezone: c.timezone, prefix: 'snapclone', defaultTarget: c.target, targets: { [c.target]: target }, sources };
  comments.push([['timezone'], '--date names a day in this time zone']);
  comments.push([['prefix'], 'Every clone is named <prefix>-…; snapclone never touches anything else']);
  // What is written must load: the schema is the judge, not this function.
  const parsed = ConfigSchema.safeParse(config);
  if (!parsed.success) throw new Error(`snapclone init made a config the schema refuses: ${parsed.error.message}`);
  return { config, comments, warnings };
}

/** The config as YAML with its comments: a header saying where it came from, a comment above each decision. */
export function renderConfig(plan: PlannedConfig, header: string): string {
  const doc = new Document(plan.config);
  doc.commentBefore = header;
  for (const [path, text] of plan.comments) {
    const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
    if (!isMap(parent)) continue;
    const pair = parent.items.find((p) => (p.key as Scalar).value === path[path.length - 1]);
    if (pair) (pair.key as Scalar).commentBefore = text.split('\n').map((l) => ` ${l}`).join('\n');
  }
  return doc.toString({ lineWidth: 0 });
}
