import { DescribeDBClustersCommand, DescribeDBInstancesCommand, ListTagsForResourceCommand, paginateDescribeDBClusters, paginateDescribeDBInstances, type DBCluster, type DBInstance, RDSClient } from '@aws-sdk/client-rds';
import { paginateGetResources, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { hasPrefix } from '../../core/naming.ts';
import { fromTagList, readCloneTags, TAG, type CloneTags } from '../../core/tags.ts';
import type { Meter } from '../../cost/estimate.ts';
import { idInTarget, isError, type Where } from '../shared/aws.ts';
import type { Clone, ResourceRef } from '../types.ts';
import { CLUSTER_KIND, ENGINE, parseClusterArn, writerId } from './aws.ts';

/** The tag by which RDS ties the master user secret it manages to its DB cluster. */
export const CLUSTER_OWNER_TAG = 'aws:rds:primaryDBClusterArn';

/** What can be a DB cluster identifier (any case); anything else names no cluster and is not sent to RDS. */
const CLUSTER_IDENTIFIER = /^[A-Za-z][A-Za-z0-9-]{0,62}$/;

/** One DB cluster by identifier, or undefined when there is none. */
export async function describeCluster(w: Where, id: string): Promise<DBCluster | undefined> {
  try {
    const out = await w.clients.of(RDSClient).send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
    return out.DBClusters?.[0];
  } catch (error) {
    if (isError(error, 'DBClusterNotFound')) return undefined;
    throw error;
  }
}

/** The DB instances of a cluster (one filtered call). */
export async function membersOf(w: Where, clusterId: string): Promise<DBInstance[]> {
  const out = await w.clients.of(RDSClient).send(
    new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: [clusterId] }] }),
  );
  return out.DBInstances ?? [];
}

/** The tags of a cluster or instance, read from RDS right now (what the guard acts on); undefined when it is gone. */
export async function readTags(w: Where, arn: string): Promise<Record<string, string> | undefined> {
  try {
    const out = await w.clients.of(RDSClient).send(new ListTagsForResourceCommand({ ResourceName: arn }));
    return fromTagList(out.TagList);
  } catch (error) {
    if (isError(error, 'DBClusterNotFound', 'DBInstanceNotFound')) return undefined;
    throw error;
  }
}

function credentialsState(tags: Record<string, string>): Clone['credentials'] {
  const value = tags[TAG.password];
  return value === 'generated' || value === 'managed' ? value : 'pending';
}

/** The clone's writer: the member snapclone created (`<clone>-1`), else whichever is the writer. */
export const writerOf = (cluster: DBCluster, members: DBInstance[]) =>
  members.find((m) => m.DBInstanceIdentifier === writerId(cluster.DBClusterIdentifier ?? '')) ??
  members.find((m) => cluster.DBClusterMembers?.some((c) => c.IsClusterWriter && c.DBInstanceIdentifier === m.DBInstanceIdentifier));

/**
 * One status for the clone: the cluster's while it is not available, then its writer's; 'no-instance'
 * while the cluster waits for its writer (a create that was interrupted: re-running it adds the writer).
 */
export function cloneStatus(cluster: DBCluster, writer: DBInstance | undefined): string {
  const status = cluster.Status ?? 'unknown';
  if (status !== 'available') return status;
  return writer?.DBInstanceStatus ?? 'no-instance';
}

/** What an Aurora clone is billed for: its writer (instance class, or Serverless v2 ACUs at the minimum capacity). */
export function metersOf(cluster: DBCluster, writer: DBInstance | undefined): Meter[] {
  const engine = cluster.Engine;
  const cls = writer?.DBInstanceClass;
  if (!engine || !cls) return [];
  if (cls === 'db.serverless') {
    const min = cluster.ServerlessV2ScalingConfiguration?.MinCapacity ?? 0.5;
    return [{ label: `Serverless v2 at ${min} ACU (its minimum; more while busy)`, key: 'aurora/acu', unit: 'hour', quantity: min }];
  }
  return [{ label: `${cls} (${engine})`, key: `aurora/${engine}/${cls}`, unit: 'hour', quantity: 1 }];
}

function details(cluster: DBCluster, writer: DBInstance | undefined, tags: CloneTags, credentials: Clone['credentials']) {
  const v2 = cluster.ServerlessV2ScalingConfiguration;
  const d: Record<string, string | undefined> = {
    dbEngine: cluster.Engine ? `${cluster.Engine} ${cluster.EngineVersion ?? ''}`.trim() : undefined,
    clusterStatus: cluster.Status,
    writer: writer ? `${writer.DBInstanceIdentifier} (${writer.DBInstanceClass}, ${writer.DBInstanceStatus})` : 'none yet',
    serverless: v2 ? `${v2.MinCapacity}–${v2.MaxCapacity} ACU${v2.MinCapacity === 0 ? `, pauses after ${v2.SecondsUntilAutoPause ?? 300} s idle` : ''}` : undefined,
    // AWS shows the same CloneGroupId on a cluster and its copy-on-write clones.
    storage: cluster.CloneGroupId ? `copy-on-write (clone group ${cluster.CloneGroupId})` : 'full copy',
    readerEndpoint: cluster.ReaderEndpoint,
    subnetGroup: cluster.DBSubnetGroup,
    securityGroups: cluster.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId).join(',') || undefined,
    deletionProtection: cluster.DeletionProtection === undefined ? undefined : String(cluster.DeletionProtection),
    backupRetentionPeriod: cluster.BackupRetentionPeriod === undefined ? undefined : String(cluster.BackupRetentionPeriod),
    masterUsername: cluster.MasterUsername,
    secret: credentials === 'generated' ? tags.clone : cluster.MasterUserSecret?.SecretArn,
  };
  return Object.fromEntries(Object.entries(d).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
}

/** A clone from its cluster, its members and its tags. */
export function cloneFromCluster(cluster: DBCluster, members: DBInstance[], tags: CloneTags, raw: Record<string, string>): Clone {
  const credentials = credentialsState(raw);
  const writer = writerOf(cluster, members);
  return {
    ...tags,
    engine: ENGINE,
    arn: cluster.DBClusterArn ?? '',
    id: cluster.DBClusterIdentifier ?? tags.clone,
    status: cloneStatus(cluster, writer),
    endpoint: cluster.Endpoint && cluster.Port ? { host: cluster.Endpoint, port: cluster.Port } : undefined,
    secretArn: credentials === 'managed' ? cluster.MasterUserSecret?.SecretArn : undefined,
    tagged: true,
    credentials,
    meters: metersOf(cluster, writer),
    details: details(cluster, writer, tags, credentials),
  };
}

/** The clone named `name`, given its cluster as just described (undefined: none). */
export async function cloneOf(w: Where, name: string, cluster: DBCluster | undefined): Promise<Clone | undefined> {
  if (!cluster?.DBClusterIdentifier) return undefined;
  const raw = fromTagList(cluster.TagList);
  const tags = readCloneTags(raw);
  if (!tags || (tags.clone !== name && tags.clone !== name.toLowerCase())) return undefined;
  return cloneFromCluster(cluster, await membersOf(w, cluster.DBClusterIdentifier), tags, raw);
}

/** The clone named `name` in a target: its tagged cluster. */
export async function describeClone(w: Where, name: string): Promise<Clone | undefined> {
  if (!CLUSTER_IDENTIFIER.test(name) || !hasPrefix(name.toLowerCase(), w.ctx.config.prefix)) return undefined;
  return cloneOf(w, name, await describeCluster(w, name.toLowerCase()));
}

/** Every Aurora clone in a target: tagged clusters (Tagging API) joined with live clusters and their instances. */
export async function listClones(w: Where): Promise<Clone[]> {
  const tagged = new Map<string, Record<string, string>>();
  const pages = paginateGetResources(
    { client: w.clients.of(ResourceGroupsTaggingAPIClient) },
    { TagFilters: [{ Key: TAG.managed, Values: ['true'] }], ResourceTypeFilters: ['rds:cluster'] },
  );
  for await (const page of pages) {
    for (const r of page.ResourceTagMappingList ?? []) if (r.ResourceARN) tagged.set(r.ResourceARN, fromTagList(r.Tags));
  }
  if (tagged.size === 0) return [];
  const clusters = new Map<string, DBCluster>();
  for await (const page of paginateDescribeDBClusters({ client: w.clients.of(RDSClient), pageSize: 100 }, {})) {
    for (const c of page.DBClusters ?? []) if (c.DBClusterArn) clusters.set(c.DBClusterArn, c);
  }
  const members = new Map<string, DBInstance[]>();
  for await (const page of paginateDescribeDBInstances({ client: w.clients.of(RDSClient), pageSize: 100 }, {})) {
    for (const i of page.DBInstances ?? []) {
      if (i.DBClusterIdentifier) members.set(i.DBClusterIdentifier, [...(members.get(i.DBClusterIdentifier) ?? []), i]);
    }
  }
  const clones: Clone[] = [];
  for (const [arn, raw] of tagged) {
    const cluster = clusters.get(arn);
    const tags = readCloneTags(raw);
    // The Tagging API can lag behind a deletion: a cluster RDS no longer knows is gone.
    if (!cluster || !tags) continue;
    clones.push(cloneFromCluster(cluster, members.get(cluster.DBClusterIdentifier ?? '') ?? [], tags, raw));
  }
  return clones.sort((a, b) => a.clone.localeCompare(b.clone));
}

/** Any DB cluster by identifier or ARN, managed or not, with its tags read right now. */
export async function lookupCluster(w: Where, ref: string): Promise<ResourceRef | undefined> {
  const id = idInTarget(w, ref, parseClusterArn);
  if (id === undefined) return undefined;
  if (!CLUSTER_IDENTIFIER.test(id)) return undefined;
  const cluster = await describeCluster(w, id.toLowerCase());
  if (!cluster?.DBClusterArn) return undefined;
  // Without the prefix the guard refuses on the name alone (the role may not read tags outside the prefix).
  const tags = hasPrefix(cluster.DBClusterIdentifier, w.ctx.config.prefix)
    ? ((await readTags(w, cluster.DBClusterArn)) ?? {})
    : fromTagList(cluster.TagList);
  return { kind: CLUSTER_KIND, id: cluster.DBClusterIdentifier ?? id, arn: cluster.DBClusterArn, tags };
}
