import { byKey } from '../../core/paging.ts';
import { automatedSnapshotId, dueAutomatedSnapshots, windowOf, type FirstBackup, type RestoreWindow } from './backup-window.ts';
import type { DbInstance, RdsState, SnapshotType } from './state.ts';

/**
 * Aurora DB clusters in the RDS state: the cluster (storage, endpoints, backups, the point-in-time window)
 * and its cluster snapshots. Member DB instances are ordinary DbInstances whose `clusterId` names the
 * cluster. As for instances, nothing runs in the background: status is computed from the clock when read.
 * This module imports only types from state.ts (state.ts imports it for the tag source).
 */

/** What a cluster is configured as; cluster snapshots keep a copy of it, restores start from one. */
export interface ClusterConfig {
  engine: string;
  engineVersion: string;
  engineMode: string;
  port: number;
  masterUsername: string;
  databaseName?: string;
  subnetGroupName: string;
  vpcSecurityGroupIds: string[];
  availabilityZones: string[];
  clusterParameterGroupName: string;
  backupRetentionPeriod: number;
  preferredBackupWindow: string;
  preferredMaintenanceWindow: string;
  deletionProtection: boolean;
  copyTagsToSnapshot: boolean;
  iamDatabaseAuthenticationEnabled: boolean;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  storageType: string;
  /** Hidden: the size of the cluster volume in GB (Aurora reports AllocatedStorage 1); restores last longer with it. */
  storageGb: number;
  serverlessV2?: { MinCapacity?: number; MaxCapacity?: number; SecondsUntilAutoPause?: number };
  /** A MasterUserSecret inherited from the source's metadata, reported though not managed (see InstanceConfig). */
  inheritedSecret?: { arn: string; kmsKeyId: string };
}

export interface ClusterPhase {
  status: string;
  until: number;
  pending?: Record<string, unknown>;
  apply?: Partial<ClusterConfig> & { masterPassword?: string };
}

export interface DbCluster extends ClusterConfig {
  id: string;
  arn: string;
  resourceId: string;
  /** Hidden: never in any API output; a restore or clone inherits its source's. */
  masterPassword: string;
  /** How many times the master password was set since the cluster was made (its data plane applies each). */
  masterPasswordSets?: number;
  tags: Map<string, string>;
  /** ClusterCreateTime: when the cluster became available (ms). */
  createdAt: number;
  visibleFrom: number;
  phases: ClusterPhase[];
  deletion?: { requestedAt: number; goneAt: number; deleteAutomatedBackups: boolean };
  masterUserSecret?: { arn: string; kmsKeyId: string };
  /** The first automated backup, until it is taken; the point-in-time window opens once it is complete. */
  firstBackup?: FirstBackup;
  lastAutomatedSnapshotAt: number;
  /** Shared by a copy and its copy-on-write clones (CloneGroupId). */
  cloneGroupId?: string;
  /** Made by RestoreType copy-on-write (counts against the group's 15 clones). */
  isClone: boolean;
}

export interface ClusterSnapshot {
  id: string;
  arn: string;
  type: SnapshotType;
  clusterId: string;
  clusterResourceId: string;
  clusterCreatedAt: number;
  createdAt: number;
  availableAt: number;
  expiresAt?: number;
  config: ClusterConfig;
  masterPassword: string;
  tags: Map<string, string>;
  sourceTags: Map<string, string>;
}

const MINUTE = 60_000;
/** Real AWS durations for clusters (ms); callers scale them with world.scaled(). */
export const CLUSTER_DURATIONS = {
  /** A full copy (snapshot restore or full-copy PITR): 10 minutes plus 15 s per GB of volume. */
  fullCopy: (storageGb: number) => 10 * MINUTE + storageGb * 15_000,
  logReplay: 3 * MINUTE,
  /** A copy-on-write clone shares the volume: a few minutes whatever its size. */
  clone: 4 * MINUTE,
  /** A DB instance joining a cluster. */
  memberCreate: 8 * MINUTE,
  deletion: 3 * MINUTE,
  /** The first automated backup of a new cluster (status backing-up): a storage snapshot, whatever the volume's size. */
  firstBackup: 2 * MINUTE,
  passwordReset: MINUTE,
  modify: 2 * MINUTE,
};

/** At most this many copy-on-write clones share one copy (the Aurora User Guide's cloning limitations). */
export const MAX_CLONES_PER_COPY = 15;

export const clusterArn = (region: string, accountId: string, id: string) =>
  `arn:aws:rds:${region}:${accountId}:cluster:${id}`;
export const clusterSnapshotArn = (region: string, accountId: string, id: string) =>
  `arn:aws:rds:${region}:${accountId}:cluster-snapshot:${id}`;

export const byId = byKey((item: { id: string }) => item.id);
const idOf = (idOrArn: string): string =>
  idOrArn.startsWith('arn:') ? idOrArn.split(':').slice(6).join(':') : idOrArn.toLowerCase();

function dropAutomatedClusterSnapshots(state: RdsState, resourceId: string): void {
  for (const [id, snap] of state.clusterSnapshots) {
    if (snap.type === 'automated' && snap.clusterResourceId === resourceId) state.clusterSnapshots.delete(id);
  }
}

function purgeDeletedClusters(state: RdsState, now: number): void {
  for (const [id, cluster] of state.clusters) {
    if (!cluster.deletion || now < cluster.deletion.goneAt) continue;
    state.clusters.delete(id);
    if (cluster.deletion.deleteAutomatedBackups) dropAutomatedClusterSnapshots(state, cluster.resourceId);
  }
}

export function liveClusters(state: RdsState, now: number): DbCluster[] {
  purgeDeletedClusters(state, now);
  return [...state.clusters.values()].filter((c) => now >= c.visibleFrom).sort(byId);
}

export function findCluster(state: RdsState, now: number, idOrArn: string): DbCluster | undefined {
  purgeDeletedClusters(state, now);
  const cluster = state.clusters.get(idOf(idOrArn));
  return cluster && now >= cluster.visibleFrom ? cluster : undefined;
}

export function clusterIdentifierTaken(state: RdsState, now: number, id: string): boolean {
  purgeDeletedClusters(state, now);
  return state.clusters.has(id);
}

export function settleCluster(cluster: DbCluster, now: number): void {
  while (cluster.phases.length > 0 && now >= cluster.phases[0].until) {
    const phase = cluster.phases.shift()!;
    if (phase.apply) Object.assign(cluster, phase.apply);
    if (phase.apply?.masterPassword !== undefined) cluster.masterPasswordSets = (cluster.masterPasswordSets ?? 0) + 1;
  }
}

export function clusterStatus(cluster: DbCluster, now: number): string {
  if (cluster.deletion) return 'deleting';
  settleCluster(cluster, now);
  return cluster.phases[0]?.status ?? 'available';
}

export function clusterConfigOf(c: ClusterConfig & { masterUserSecret?: { arn: string; kmsKeyId: string } }): ClusterConfig {
  return {
    engine: c.engine,
    engineVersion: c.engineVersion,
    engineMode: c.engineMode,
    port: c.port,
    masterUsername: c.masterUsername,
    databaseName: c.databaseName,
    subnetGroupName: c.subnetGroupName,
    vpcSecurityGroupIds: [...c.vpcSecurityGroupIds],
    availabilityZones: [...c.availabilityZones],
    clusterParameterGroupName: c.clusterParameterGroupName,
    backupRetentionPeriod: c.backupRetentionPeriod,
    preferredBackupWindow: c.preferredBackupWindow,
    preferredMaintenanceWindow: c.preferredMaintenanceWindow,
    deletionProtection: c.deletionProtection,
    copyTagsToSnapshot: c.copyTagsToSnapshot,
    iamDatabaseAuthenticationEnabled: c.iamDatabaseAuthenticationEnabled,
    storageEncrypted: c.storageEncrypted,
    kmsKeyId: c.kmsKeyId,
    storageType: c.storageType,
    storageGb: c.storageGb,
    serverlessV2: c.serverlessV2 ? { ...c.serverlessV2 } : undefined,
    inheritedSecret: (c.masterUserSecret ?? c.inheritedSecret) ? { ...(c.masterUserSecret ?? c.inheritedSecret)! } : undefined,
  };
}

/** A cluster snapshot of a cluster as it is now; tags are copied when the cluster says CopyTagsToSnapshot. */
export function clusterSnapshotOf(
  cluster: DbCluster,
  id: string,
  type: SnapshotType,
  times: { createdAt: number; availableAt: number; expiresAt?: number },
): ClusterSnapshot {
  const [, , , region, accountId] = cluster.arn.split(':');
  return {
    id,
    arn: clusterSnapshotArn(region, accountId, id),
    type,
    clusterId: cluster.id,
    clusterResourceId: cluster.resourceId,
    clusterCreatedAt: cluster.createdAt,
    ...times,
    config: clusterConfigOf(cluster),
    masterPassword: cluster.masterPassword,
    tags: cluster.copyTagsToSnapshot || type === 'awsbackup' ? new Map(cluster.tags) : new Map(),
    sourceTags: new Map(cluster.tags),
  };
}

/** Aurora's automated backups: a cluster snapshot a day in the backup window, kept BackupRetentionPeriod days. */
function takeAutomatedClusterSnapshots(state: RdsState, now: number): void {
  for (const cluster of state.clusters.values()) {
    if (cluster.deletion || now < cluster.createdAt) continue;
    settleCluster(cluster, now);
    for (const times of dueAutomatedSnapshots(cluster, now)) {
      const id = automatedSnapshotId(cluster.id, times.createdAt);
      state.clusterSnapshots.set(id, clusterSnapshotOf(cluster, id, 'automated', times));
    }
  }
}

function catchUpClusterSnapshots(state: RdsState, now: number): void {
  for (const hook of state.beforeSnapshotRead) hook(now);
  purgeDeletedClusters(state, now);
  takeAutomatedClusterSnapshots(state, now);
  for (const [id, snap] of state.clusterSnapshots) {
    if (snap.expiresAt !== undefined && now >= snap.expiresAt) state.clusterSnapshots.delete(id);
  }
}

export function liveClusterSnapshots(state: RdsState, now: number): ClusterSnapshot[] {
  return liveClusterSnapshotsWhere(state, now, () => true).sort(byId);
}

/** The live cluster snapshots `keep` keeps, unsorted: listings filter a long history first, then sort. */
export function liveClusterSnapshotsWhere(state: RdsState, now: number, keep: (snapshot: ClusterSnapshot) => boolean): ClusterSnapshot[] {
  catchUpClusterSnapshots(state, now);
  const kept: ClusterSnapshot[] = [];
  for (const snapshot of state.clusterSnapshots.values()) if (keep(snapshot)) kept.push(snapshot);
  return kept;
}

export function findClusterSnapshot(state: RdsState, now: number, idOrArn: string): ClusterSnapshot | undefined {
  catchUpClusterSnapshots(state, now);
  return state.clusterSnapshots.get(idOf(idOrArn));
}

export const clusterSnapshotStatus = (snapshot: ClusterSnapshot, now: number) =>
  now >= snapshot.availableAt ? 'available' : 'creating';

/** EarliestRestorableTime … LatestRestorableTime (backup-window.ts), or undefined before the first automated backup is complete. */
export function clusterRestoreWindow(state: RdsState, cluster: DbCluster, now: number): RestoreWindow | undefined {
  if (now < cluster.createdAt || cluster.backupRetentionPeriod === 0) return undefined;
  catchUpClusterSnapshots(state, now);
  const complete = [...state.clusterSnapshots.values()]
    .filter((s) => s.type === 'automated' && s.clusterResourceId === cluster.resourceId && now >= s.availableAt)
    .map((s) => s.createdAt);
  return windowOf(complete, cluster.backupRetentionPeriod, now, now);
}

/**
 * The DB instances of a cluster (deleting ones included until they are gone), oldest first. The writer is
 * the member marked so; when it is gone or going, the oldest other member is promoted (a failover).
 */
export function clusterMembers(state: RdsState, cluster: DbCluster, now: number): DbInstance[] {
  const members = [...state.instances.values()]
    .filter((i) => i.clusterId === cluster.id && now >= i.visibleFrom && !(i.deletion && now >= i.deletion.goneAt))
    .sort((a, b) => a.memberSince! - b.memberSince! || (a.id < b.id ? -1 : 1));
  const writer = members.find((m) => m.clusterWriter && !m.deletion);
  if (!writer) {
    for (const m of members) m.clusterWriter = false;
    const next = members.find((m) => !m.deletion);
    if (next) next.clusterWriter = true;
  }
  return members;
}

/** The clusters of a clone group that are copy-on-write clones (and not gone). */
export function clonesInGroup(state: RdsState, groupId: string, now: number): DbCluster[] {
  purgeDeletedClusters(state, now);
  return [...state.clusters.values()].filter((c) => c.cloneGroupId === groupId && c.isClone);
}
