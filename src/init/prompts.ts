import type { Reporter } from '../output/reporter.ts';
import type { DiscoveredSource, Discovery } from './discover.ts';
import { candidateGroups, candidateSecurityGroups, suggestedName, type InitChoices } from './plan.ts';

const list = (answer: string) => answer.split(',').map((s) => s.trim()).filter(Boolean);

/** A line of what a source can be restored from. */
function describe(s: DiscoveredSource): string {
  const backups = Object.values(s.backup).reduce((n, p) => n + p.count, 0);
  const snapshots = Object.values(s.snapshots).reduce((n, p) => n + p.count, 0);
  const parts = [`${s.engine} ${s.id} (${s.runs})`];
  if (backups) parts.push(`${backups} AWS Backup recovery points`);
  if (snapshots) parts.push(`${snapshots} snapshots`);
  if (s.pointInTime) parts.push('point-in-time');
  if (s.backupRules) parts.push(s.backupRules.length > 0 ? `backed up by ${s.backupRules.map((r) => `${r.plan}/${r.rule} (${r.schedule}${r.timezone ? ` ${r.timezone}` : ''}, vault ${r.vault}, ${r.deleteAfterDays ?? '∞'} days)`).join(' and ')}` : 'no AWS Backup plan');
  return parts.join(', ');
}

async function ask(reporter: Reporter, question: string, fallback?: string): Promise<string> {
  const answer = (await reporter.ask(fallback ? `${question} [${fallback}]: ` : `${question}: `)).trim();
  return answer || fallback || '';
}

/**
 * The questions init asks in a terminal, each with the flags' choice (or the only candidate) as its default:
 * which resources are sources and their names, where clones go, who may assume the role.
 */
export async function askChoices(d: Discovery, given: InitChoices, reporter: Reporter): Promise<InitChoices> {
  const c = { ...given, searchRepositories: { ...given.searchRepositories } };
  if (c.sources.length === 0) {
    d.sources.forEach((s, i) => reporter.info(`  ${i + 1}. ${describe(s)}`));
    const picked = list(await ask(reporter, 'Which are sources? (numbers or ids, comma-separated)'));
    c.sources = [];
    for (const p of picked) {
      const source = /^\d+$/.test(p) ? d.sources[Number(p) - 1] : d.sources.find((s) => s.id === p);
      if (!source) continue;
      c.sources.push({ name: await ask(reporter, `Name of ${source.id} in snapclone`, suggestedName(source)), id: source.id });
    }
  }
  const engines = new Set(c.sources.map((s) => d.sources.find((x) => x.id === s.id)?.engine));
  for (const { name, id } of c.sources) {
    if (d.sources.find((s) => s.id === id)?.engine !== 'opensearch' || c.searchRepositories[name]) continue;
    const repository = await ask(reporter, `${name}: the snapshot repository of its manual snapshots`);
    const bucket = await ask(reporter, `${name}: its S3 bucket`);
    const roleArn = await ask(reporter, `${name}: the read-only role clones register it with (docs/iam.md)`);
    c.searchRepositories[name] = { name: repository, bucket, roleArn };
  }
  let vpc: string | undefined;
  if (engines.has('rds') || engines.has('aurora') || engines.has('opensearch')) {
    const candidates = candidateGroups(d.dbSubnetGroups, d);
    reporter.info(`DB subnet groups outside the sources' VPCs: ${candidates.map((g) => `${g.name} (${g.vpcId})`).join(', ') || 'none'}`);
    c.subnetGroup = await ask(reporter, 'DB subnet group for clones', c.subnetGroup ?? (candidates.length === 1 ? candidates[0].name : undefined));
    vpc = d.dbSubnetGroups.find((g) => g.name === c.subnetGroup)?.vpcId;
  }
  if (engines.has('elasticache')) {
    const candidates = candidateGroups(d.cacheSubnetGroups, d);
    reporter.info(`Cache subnet groups outside the sources' VPCs: ${candidates.map((g) => `${g.name} (${g.vpcId})`).join(', ') || 'none'}`);
    c.cacheSubnetGroup = await ask(reporter, 'Cache subnet group for clones', c.cacheSubnetGroup ?? (candidates.length === 1 ? candidates[0].name : undefined));
    vpc ??= d.cacheSubnetGroups.find((g) => g.name === c.cacheSubnetGroup)?.vpcId;
  }
  if (vpc) {
    const groups = candidateSecurityGroups(d, vpc);
    reporter.info(`Security groups in ${vpc}: ${groups.map((g) => `${g.id} (${g.name})`).join(', ') || 'none'}`);
    const fallback = c.securityGroupIds?.join(',') ?? (groups.length === 1 ? groups[0].id : undefined);
    c.securityGroupIds = list(await ask(reporter, 'Security groups of the clones (comma-separated)', fallback));
  }
  if (c.githubRepositories.length === 0) c.githubRepositories = list(await ask(reporter, 'GitHub repositories whose workflows may clone (ORG/REPO, comma-separated; empty: none)'));
  return c;
}
