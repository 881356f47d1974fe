import { BackupClient, paginateListBackupVaults, paginateListProtectedResources, paginateListRecoveryPointsByResource } from '@aws-sdk/client-backup';
import { EC2Client, paginateDescribeSecurityGroups } from '@aws-sdk/client-ec2';
import {
  ElastiCacheClient,
  paginateDescribeCacheClusters,
  paginateDescribeCacheSubnetGroups,
  paginateDescribeReplicationGroups,
  paginateDescribeSnapshots,
} from '@aws-sdk/client-elasticache';
import { IAMClient, ListOpenIDConnectProvidersCommand } from '@aws-sdk/client-iam';
import { DescribeDomainsCommand, ListDomainNamesCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import {
  paginateDescribeDBClusters,
  paginateDescribeDBClusterSnapshots,
  paginateDescribeDBInstanceAutomatedBackups,
  paginateDescribeDBInstances,
  paginateDescribeDBSnapshots,
  paginateDescribeDBSubnetGroups,
  RDSClient,
} from '@aws-sdk/client-rds';
import { paginateGetResources, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsClients } from '../aws/session.ts';
import { fromTagList, TAG } from '../core/tags.ts';
import { AURORA_ENGINES, RDS_INSTANCE_ENGINES } from '../engines/rds/engines.ts';
import { isError } from '../engines/shared/aws.ts';
import { protectingRules, readPlans, type PlanRule } from './backup-plans.ts';

/**
 * What `snapclone init` reads of an account and region, with read-only calls only (src/iam/init.ts declares
 * them): the databases, caches and search domains that could be sources with the backups each has, and the
 * placements clones could go to. Nothing here writes.
 */

export type SourceEngine = 'rds' | 'aurora' | 'elasticache' | 'opensearch';

/** A time span of restore points: how many, the oldest and the newest. */
export interface PointSpan {
  count: number;
  oldest?: Date;
  newest?: Date;
}

export interface DiscoveredSource {
  engine: SourceEngine;
  id: string;
  arn?: string;
  /** mysql 8.0.39, aurora-postgresql 16.4, valkey 8.0, OpenSearch_2.17. */
  runs: string;
  /** The VPC the resource sits in (where known): clones never go there by default. */
  vpcId?: string;
  /** Its storage's KMS key (RDS, Aurora, ElastiCache), as AWS reports it. */
  kmsKeyId?: string;
  /** AWS Backup recovery points per vault (RDS, Aurora). */
  backup: Record<string, PointSpan>;
  /** RDS, Aurora: the AWS Backup plan rules whose selections select it (empty: no plan backs it up). */
  backupRules?: PlanRule[];
  /** RDS, Aurora: its tags, which backup selections may select by. */
  tags?: Record<string, string>;
  /** The service's own snapshots by type (manual, automated, awsbackup). */
  snapshots: Record<string, PointSpan>;
  /** The point-in-time restore window (RDS, Aurora). */
  pointInTime?: { earliest?: Date; latest?: Date };
  /** Retention of automated backups or snapshots, in days. */
  retentionDays?: number;
  /** OpenSearch: the hour (UTC) of the automated snapshot, which restores only into the same domain. */
  automatedSnapshotHour?: number;
}

export interface DiscoveredSubnetGroup {
  name: string;
  vpcId: string;
  subnetIds: string[];
}

export interface DiscoveredSecurityGroup {
  id: string;
  name: string;
  vpcId: string;
  description: string;
}

export interface Discovery {
  account: string;
  region: string;
  /** Who ran init (an IAM user, or the role of an assumed-role session). */
  caller: string;
  sources: DiscoveredSource[];
  dbSubnetGroups: DiscoveredSubnetGroup[];
  cacheSubnetGroups: DiscoveredSubnetGroup[];
  securityGroups: DiscoveredSecurityGroup[];
  backupVaults: string[];
  backupPlans: string[];
  /** The account's GitHub Actions OIDC provider, if it has one (the template then reuses it). */
  githubProviderArn?: string;
}

async function all<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

/** Adds a point's time to a span. */
function count(span: PointSpan | undefined, at: Date | undefined): PointSpan {
  const s = span ?? { count: 0 };
  s.count++;
  if (at && (!s.oldest || at < s.oldest)) s.oldest = at;
  if (at && (!s.newest || at > s.newest)) s.newest = at;
  return s;
}

/** The role an assumed-role session belongs to (the trust names roles, not sessions); a user as it is. */
export function principalOf(callerArn: string): string {
  const m = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(callerArn);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : callerArn;
}

/** The ARNs of snapclone's own clones (tagged snapclone:managed=true, in any state): never candidate sources. */
async function cloneArns(tagging: ResourceGroupsTaggingAPIClient): Promise<Set<string>> {
  const pages = paginateGetResources(
    { client: tagging },
    { TagFilters: [{ Key: TAG.managed, Values: ['true'] }], ResourceTypeFilters: ['rds:db', 'rds:cluster', 'elasticache:replicationgroup', 'es:domain'] },
  );
  return new Set((await all(pages)).flatMap((p) => p.ResourceTagMappingList ?? []).map((r) => r.ResourceARN!));
}

const isClone = (clones: Set<string>, arn: string | undefined, tags: Record<string, string> = {}) =>
  tags[TAG.managed] === 'true' || (arn !== undefined && clones.has(arn));

/** An instance's automated backups; none (DBInstanceAutomatedBackupNotFound) when it has never had any. */
async function automatedBackups(rds: RDSClient, id: string) {
  try {
    return (await all(paginateDescribeDBInstanceAutomatedBackups({ client: rds }, { DBInstanceIdentifier: id }))).flatMap((p) => p.DBInstanceAutomatedBackups ?? []);
  } catch (error) {
    if (isError(error, 'DBInstanceAutomatedBackupNotFound')) return [];
    throw error;
  }
}

async function rdsSources(rds: RDSClient, clones: Set<string>): Promise<{ sources: DiscoveredSource[]; subnetGroups: DiscoveredSubnetGroup[] }> {
  const subnetGroups = (await all(paginateDescribeDBSubnetGroups({ client: rds }, {}))).flatMap((p) => p.DBSubnetGroups ?? []).map((g) => ({
    name: g.DBSubnetGroupName ?? '',
    vpcId: g.VpcId ?? '',
    subnetIds: (g.Subnets ?? []).map((s) => s.SubnetIdentifier ?? '').filter(Boolean),
  }));
  const vpcOf = (group?: string) => subnetGroups.find((g) => g.name === group)?.vpcId;
  const sources: DiscoveredSource[] = [];
  const instances = (await all(paginateDescribeDBInstances({ client: rds }, {}))).flatMap((p) => p.DBInstances ?? []);
  for (const db of instances) {
    // Aurora members are cloned through their cluster; other engines are not supported.
    if (db.DBClusterIdentifier || !(RDS_INSTANCE_ENGINES as readonly string[]).includes(db.Engine ?? '')) continue;
    const tags = fromTagList(db.TagList);
    if (isClone(clones, db.DBInstanceArn, tags)) continue;
    const id = db.DBInstanceIdentifier!;
    const snapshots: Record<string, PointSpan> = {};
    for (const page of await all(paginateDescribeDBSnapshots({ client: rds }, { DBInstanceIdentifier: id }))) {
      for (const s of page.DBSnapshots ?? []) snapshots[s.SnapshotType ?? 'manual'] = count(snapshots[s.SnapshotType ?? 'manual'], s.SnapshotCreateTime);
    }
    const automated = await automatedBackups(rds, id);
    const window = automated.find((b) => b.Status === 'active')?.RestoreWindow ?? automated[0]?.RestoreWindow;
    sources.push({
      engine: 'rds',
      id,
      arn: db.DBInstanceArn,
      runs: `${db.Engine} ${db.EngineVersion ?? ''}`.trim(),
      vpcId: db.DBSubnetGroup?.VpcId ?? vpcOf(db.DBSubnetGroup?.DBSubnetGroupName),
      kmsKeyId: db.KmsKeyId,
      backup: {},
      tags,
      snapshots,
      pointInTime: (db.BackupRetentionPeriod ?? 0) > 0 ? { earliest: window?.EarliestTime, latest: db.LatestRestorableTime ?? window?.LatestTime } : undefined,
      retentionDays: db.BackupRetentionPeriod,
    });
  }
  const clusters = (await all(paginateDescribeDBClusters({ client: rds }, {}))).flatMap((p) => p.DBClusters ?? []);
  for (const c of clusters) {
    if (!(AURORA_ENGINES as readonly string[]).includes(c.Engine ?? '')) continue;
    const tags = fromTagList(c.TagList);
    if (isClone(clones, c.DBClusterArn, tags)) continue;
    const id = c.DBClusterIdentifier!;
    const snapshots: Record<string, PointSpan> = {};
    for (const page of await all(paginateDescribeDBClusterSnapshots({ client: rds }, { DBClusterIdentifier: id }))) {
      for (const s of page.DBClusterSnapshots ?? []) snapshots[s.SnapshotType ?? 'manual'] = count(snapshots[s.SnapshotType ?? 'manual'], s.SnapshotCreateTime);
    }
    sources.push({
      engine: 'aurora',
      id,
      arn: c.DBClusterArn,
      runs: `${c.Engine} ${c.EngineVersion ?? ''}`.trim(),
      vpcId: vpcOf(c.DBSubnetGroup),
      kmsKeyId: c.KmsKeyId,
      backup: {},
      tags,
      snapshots,
      pointInTime: { earliest: c.EarliestRestorableTime, latest: c.LatestRestorableTime },
      retentionDays: c.BackupRetentionPeriod,
    });
  }
  return { sources, subnetGroups };
}

async function cacheSources(ec: ElastiCacheClient, clones: Set<string>): Promise<{ sources: DiscoveredSource[]; subnetGroups: DiscoveredSubnetGroup[] }> {
  const subnetGroups = (await all(paginateDescribeCacheSubnetGroups({ client: ec }, {}))).flatMap((p) => p.CacheSubnetGroups ?? []).map((g) => ({
    name: g.CacheSubnetGroupName ?? '',
    vpcId: g.VpcId ?? '',
    subnetIds: (g.Subnets ?? []).map((s) => s.SubnetIdentifier ?? '').filter(Boolean),
  }));
  const clusters = (await all(paginateDescribeCacheClusters({ client: ec }, {}))).flatMap((p) => p.CacheClusters ?? []);
  const groups = (await all(paginateDescribeReplicationGroups({ client: ec }, {}))).flatMap((p) => p.ReplicationGroups ?? []);
  const sources: DiscoveredSource[] = [];
  for (const g of groups) {
    const id = g.ReplicationGroupId!;
    if (isClone(clones, g.ARN)) continue;
    const member = clusters.find((c) => c.ReplicationGroupId === id);
    const engine = g.Engine ?? member?.Engine ?? 'redis';
    if (engine !== 'redis' && engine !== 'valkey') continue;
    const snapshots: Record<string, PointSpan> = {};
    for (const page of await all(paginateDescribeSnapshots({ client: ec }, { ReplicationGroupId: id }))) {
      for (const s of page.Snapshots ?? []) snapshots[s.SnapshotSource ?? 'manual'] = count(snapshots[s.SnapshotSource ?? 'manual'], s.NodeSnapshots?.[0]?.SnapshotCreateTime);
    }
    sources.push({
      engine: 'elasticache',
      id,
      arn: g.ARN,
      runs: `${engine} ${member?.EngineVersion ?? ''}`.trim(),
      vpcId: subnetGroups.find((s) => s.name === member?.CacheSubnetGroupName)?.vpcId,
      kmsKeyId: g.KmsKeyId,
      backup: {},
      snapshots,
      retentionDays: g.SnapshotRetentionLimit,
    });
  }
  return { sources, subnetGroups };
}

async function searchSources(os: OpenSearchClient, clones: Set<string>): Promise<DiscoveredSource[]> {
  const names = ((await os.send(new ListDomainNamesCommand({}))).DomainNames ?? []).map((d) => d.DomainName!).filter(Boolean);
  const sources: DiscoveredSource[] = [];
  // DescribeDomains takes at most five names.
  for (let i = 0; i < names.length; i += 5) {
    const out = await os.send(new DescribeDomainsCommand({ DomainNames: names.slice(i, i + 5) }));
    for (const d of out.DomainStatusList ?? []) {
      if (isClone(clones, d.ARN)) continue;
      sources.push({
        engine: 'opensearch',
        id: d.DomainName!,
        arn: d.ARN,
        runs: d.EngineVersion ?? 'OpenSearch',
        vpcId: d.VPCOptions?.VPCId,
        backup: {},
        snapshots: {},
        automatedSnapshotHour: d.SnapshotOptions?.AutomatedSnapshotStartHour,
      });
    }
  }
  return sources;
}

/**
 * AWS Backup: the vaults and plans; for each RDS or Aurora source the plan rules that back it up and its
 * recovery points per vault.
 */
async function backups(backup: BackupClient, sources: DiscoveredSource[]): Promise<{ vaults: string[]; plans: string[] }> {
  const vaults = (await all(paginateListBackupVaults({ client: backup }, {}))).flatMap((p) => p.BackupVaultList ?? []).map((v) => v.BackupVaultName!);
  const protectedArns = new Set(
    (await all(paginateListProtectedResources({ client: backup }, {}))).flatMap((p) => p.Results ?? []).map((r) => r.ResourceArn),
  );
  const plans = await readPlans(backup);
  for (const source of sources) {
    if (source.arn && (source.engine === 'rds' || source.engine === 'aurora')) source.backupRules = protectingRules(plans, source.arn, source.tags ?? {});
    if (!source.arn || !protectedArns.has(source.arn)) continue;
    for (const page of await all(paginateListRecoveryPointsByResource({ client: backup }, { ResourceArn: source.arn }))) {
      for (const p of page.RecoveryPoints ?? []) {
        if (p.Status && p.Status !== 'COMPLETED') continue;
        const vault = p.BackupVaultName ?? 'Default';
        source.backup[vault] = count(source.backup[vault], p.CreationDate);
      }
    }
  }
  return { vaults, plans: plans.map((p) => p.name) };
}

/** Reads the account: every call read-only, each declared in src/iam/init.ts. */
export async function discover(clients: AwsClients, onStep: (what: string) => void = () => {}): Promise<Discovery> {
  onStep('who you are');
  const me = await clients.of(STSClient).send(new GetCallerIdentityCommand({}));
  onStep("snapclone's own clones (tagged snapclone:managed=true), which are never sources");
  const clones = await cloneArns(clients.of(ResourceGroupsTaggingAPIClient));
  onStep('RDS DB instances and Aurora DB clusters, their snapshots and point-in-time windows');
  const rds = await rdsSources(clients.of(RDSClient), clones);
  onStep('ElastiCache replication groups and their snapshots');
  const caches = await cacheSources(clients.of(ElastiCacheClient), clones);
  onStep('OpenSearch domains');
  const search = await searchSources(clients.of(OpenSearchClient), clones);
  const sources = [...rds.sources, ...caches.sources, ...search];
  onStep('AWS Backup vaults, plans and recovery points');
  const backup = await backups(clients.of(BackupClient), sources);
  onStep('VPC security groups');
  const securityGroups = (await all(paginateDescribeSecurityGroups({ client: clients.of(EC2Client) }, {})))
    .flatMap((p) => p.SecurityGroups ?? [])
    .map((g) => ({ id: g.GroupId!, name: g.GroupName ?? '', vpcId: g.VpcId ?? '', description: g.Description ?? '' }));
  onStep('the GitHub Actions OIDC provider');
  const providers = (await clients.of(IAMClient).send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? [];
  return {
    account: me.Account!,
    region: clients.region,
    caller: principalOf(me.Arn!),
    sources,
    dbSubnetGroups: rds.subnetGroups,
    cacheSubnetGroups: caches.subnetGroups,
    securityGroups,
    backupVaults: backup.vaults,
    backupPlans: backup.plans,
    githubProviderArn: providers.map((p) => p.Arn!).find((arn) => arn.endsWith(':oidc-provider/token.actions.githubusercontent.com')),
  };
}
