import { randomUUID } from 'node:crypto';
import { byKey } from '../../core/paging.ts';
import type { World } from '../../core/world.ts';
import { automatedSnapshotId, dueAutomatedSnapshots, windowOf, type FirstBackup, type RestoreWindow } from './backup-window.ts';
import type { ServedCopy } from './data-plane.ts';
import { findCluster, findClusterSnapshot, liveClusters, liveClusterSnapshots, type ClusterSnapshot, type DbCluster } from './cluster-state.ts';

/**
 * The RDS state of one account and region. Nothing runs in the background: each asynchronous resource
 * keeps the times at which it changes, and its status is computed from `world.clock` when read.
 */

/** What a DB instance is configured as; snapshots keep a copy of it, restores start from one. */
export interface InstanceConfig {
  engine: string;
  engineVersion: string;
  instanceClass: string;
  allocatedStorage: number;
  storageType: string;
  port: number;
  masterUsername: string;
  dbName?: string;
  multiAZ: boolean;
  publiclyAccessible: boolean;
  availabilityZone: string;
  subnetGroupName: string;
  vpcSecurityGroupIds: string[];
  parameterGroupName: string;
  optionGroupName: string;
  licenseModel: string;
  backupRetentionPeriod: number;
  deletionProtection: boolean;
  copyTagsToSnapshot: boolean;
  autoMinorVersionUpgrade: boolean;
  iamDatabaseAuthenticationEnabled: boolean;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  preferredBackupWindow: string;
  preferredMaintenanceWindow: string;
  /**
   * A MasterUserSecret carried in the metadata of a copy of an instance whose password RDS managed: a restored
   * instance reports its source's secret although RDS does not manage its password, which stays the source's
   * until changed (terraform-provider-aws #40538 and #48901, third-party; AWS documents nothing either way, so
   * the sandbox takes the case that misleads most).
   */
  inheritedSecret?: { arn: string; kmsKeyId: string };
}

/** A stretch of time during which the instance shows a status other than 'available'. */
export interface Phase {
  status: string;
  until: number;
  /** What PendingModifiedValues shows meanwhile. */
  pending?: Record<string, unknown>;
  /** Applied to the instance once the phase is over. */
  apply?: Partial<InstanceConfig> & { masterPassword?: string; firstBackup?: FirstBackup };
}



export interface DbInstance extends InstanceConfig {
  id: string;
  arn: string;
  dbiResourceId: string;
  /** Hidden: never in any API output; a restored copy inherits its source's. */
  masterPassword: string;
  /** How many times the master password was set since the instance was made (its data plane applies each). */
  masterPasswordSets?: number;
  tags: Map<string, string>;
  /** InstanceCreateTime: when the instance became available (ms). */
  createdAt: number;
  /** Before this time the instance does not show at all (AWS Backup restores show once their job runs). */
  visibleFrom: number;
  /** Status phases in order; 'available' once all are over. */
  phases: Phase[];
  /** Changes waiting for the maintenance window (which the sandbox never reaches). */
  pendingMaintenance: Record<string, unknown>;
  deletion?: { requestedAt: number; goneAt: number; deleteAutomatedBackups: boolean };
  masterUserSecret?: { arn: string; kmsKeyId: string };
  /** The first automated backup, until it is taken; the point-in-time window opens once it is complete. */
  firstBackup?: FirstBackup;
  /** When the latest automated snapshot was taken (the next comes in the next backup window). */
  lastAutomatedSnapshotAt: number;
  /** An Aurora cluster member: the cluster's identifier (its storage, backups and PITR are the cluster's). */
  clusterId?: string;
  /** The member that is the cluster's writer (IsClusterWriter). */
  clusterWriter?: boolean;
  /** When the instance joined its cluster (members are listed oldest first; the oldest takes over as writer). */
  memberSince?: number;
}

export type SnapshotType = 'automated' | 'manual' | 'awsbackup';

export interface DbSnapshot {
  id: string;
  arn: string;
  type: SnapshotType;
  instanceId: string;
  dbiResourceId: string;
  instanceCreatedAt: number;
  createdAt: number;
  /** 'creating' before this time, 'available' after. */
  availableAt: number;
  /** Automated and AWS Backup snapshots expire with their retention. */
  expiresAt?: number;
  config: InstanceConfig;
  masterPassword: string;
  tags: Map<string, string>;
  /** The instance's tags when the snapshot was taken (AWS Backup's CopySourceTagsToRestoredResource). */
  sourceTags: Map<string, string>;
}

/** The automated backups of a deleted instance, kept (DeleteAutomatedBackups=false) until their snapshots expire. */
export interface RetainedBackup {
  instanceId: string;
  instanceArn: string;
  dbiResourceId: string;
  instanceCreatedAt: number;
  /** When the instance's deletion was asked for: the latest time it can be restored to. */
  deletedAt: number;
  config: InstanceConfig;
  /** Hidden, as the instance's: a restore from the backups gets it. */
  masterPassword: string;
}

export interface Vpc {
  id: string;
  /** A VPC with an internet gateway makes instances public unless told otherwise. */
  internetGateway: boolean;
  isDefault: boolean;
  defaultSecurityGroupId: string;
}

export interface SubnetGroup {
  name: string;
  description: string;
  vpcId: string;
  subnets: { id: string; az: string }[];
}

export interface RdsState {
  instances: Map<string, DbInstance>;
  snapshots: Map<string, DbSnapshot>;
  subnetGroups: Map<string, SubnetGroup>;
  vpcs: Map<string, Vpc>;
  /** Security group id → VPC id. */
  securityGroups: Map<string, string>;
  parameterGroups: Set<string>;
  /** The aws/rds key: storage encryption. */
  defaultKmsKeyId: string;
  /** The aws/secretsmanager key: master user secrets. */
  secretsKmsKeyId: string;
  /** Run before snapshots are read (AWS Backup's schedules add their awsbackup snapshots). */
  beforeSnapshotRead: ((now: number) => void)[];
  /** Automated backups of deleted instances, by DbiResourceId. */
  retainedBackups: Map<string, RetainedBackup>;
  /** Aurora DB clusters and their cluster snapshots (see cluster-state.ts). */
  clusters: Map<string, DbCluster>;
  clusterSnapshots: Map<string, ClusterSnapshot>;
  /** The engines serving copies' data, by the copy's ARN (data-plane.ts). */
  dataPlanes: Map<string, ServedCopy>;
}

const tagSourceRegistered = new WeakSet<World>();

export function rdsState(world: World, accountId: string, region: string): RdsState {
  registerTagSource(world);
  return world.state<RdsState>('rds', accountId, region, () => ({
    instances: new Map(),
    snapshots: new Map(),
    subnetGroups: new Map(),
    vpcs: new Map(),
    securityGroups: new Map(),
    parameterGroups: new Set(),
    defaultKmsKeyId: `arn:aws:kms:${region}:${accountId}:key/${randomUUID()}`,
    secretsKmsKeyId: `arn:aws:kms:${region}:${accountId}:key/${randomUUID()}`,
    beforeSnapshotRead: [],
    retainedBackups: new Map(),
    clusters: new Map(),
    clusterSnapshots: new Map(),
    dataPlanes: new Map(),
  }));
}

/** RDS tags for the Tagging API and IAM conditions: every visible DB instance, cluster and (cluster) snapshot. */
function registerTagSource(world: World): void {
  if (tagSourceRegistered.has(world)) return;
  tagSourceRegistered.add(world);
  world.addTagSource((w, accountId, region) => {
    if (!w.regionsOf('rds', accountId).includes(region)) return [];
    const state = rdsState(w, accountId, region);
    const now = w.clock.nowMs();
    return [
      ...liveInstances(state, now).map((i) => ({ arn: i.arn, tags: Object.fromEntries(i.tags) })),
      ...liveSnapshots(state, now).map((s) => ({ arn: s.arn, tags: Object.fromEntries(s.tags) })),
      ...liveClusters(state, now).map((c) => ({ arn: c.arn, tags: Object.fromEntries(c.tags) })),
      ...liveClusterSnapshots(state, now).map((s) => ({ arn: s.arn, tags: Object.fromEntries(s.tags) })),
    ];
  }, { service: 'rds', find: findTagged });
}

/**
 * The tags of the one instance, cluster or (cluster) snapshot an ARN names, as the tag source lists them. Each
 * lookup catches the state up as the listing does (deletions over, phases settled, backups taken), in the
 * same order, whatever the ARN names: handlers may rely on an IAM check having done so.
 */
function findTagged(w: World, arn: string): Record<string, string> | undefined {
  const [, , , region, accountId] = arn.split(':');
  if (!w.regionsOf('rds', accountId).includes(region)) return undefined;
  const state = rdsState(w, accountId, region);
  const now = w.clock.nowMs();
  const candidates = [findInstance(state, now, arn), findSnapshot(state, now, arn), findCluster(state, now, arn), findClusterSnapshot(state, now, arn)];
  const found = candidates.find((c) => c?.arn === arn);
  return found ? Object.fromEntries(found.tags) : undefined;
}

// Durations of real AWS, in milliseconds; callers scale them with world.scaled().
const MINUTE = 60_000;
export const DURATIONS = {
  /** Restoring from a snapshot: 10 minutes plus 15 s per GB (20 GB ≈ 15 minutes). */
  restore: (storageGb: number) => 10 * MINUTE + storageGb * 15_000,
  /** Point-in-time restores replay logs on top. */
  logReplay: 3 * MINUTE,
  /** The first automated backup of a new instance is a full snapshot: 2 minutes plus 6 s per GB (20 GB ≈ 4 minutes). */
  firstBackup: (storageGb: number) => 2 * MINUTE + storageGb * 6_000,
  deletion: 5 * MINUTE,
  passwordReset: MINUTE,
  modify: 2 * MINUTE,
  classChange: 10 * MINUTE,
};

export const dbArn = (region: string, accountId: string, id: string) => `arn:aws:rds:${region}:${accountId}:db:${id}`;
export const snapshotArn = (region: string, accountId: string, id: string) =>
  `arn:aws:rds:${region}:${accountId}:snapshot:${id}`;
export const subnetGroupArn = (region: string, accountId: string, name: string) =>
  `arn:aws:rds:${region}:${accountId}:subgrp:${name}`;

/** Code-unit order of identifiers: the order RDS markers compare in. */
export const byId = byKey((item: { id: string }) => item.id);

/** The identifier an identifier-or-ARN names (identifiers are case-insensitive; ARNs carry the lower-case one). */
export const idOf = (idOrArn: string): string =>
  idOrArn.startsWith('arn:') ? idOrArn.split(':').slice(6).join(':') : idOrArn.toLowerCase();

/** Drops instances whose deletion is over; their automated backups go with them or are retained, as asked. */
function purgeDeleted(state: RdsState, now: number): void {
  for (const [id, instance] of state.instances) {
    if (!instance.deletion || now < instance.deletion.goneAt) continue;
    state.instances.delete(id);
    if (instance.deletion.deleteAutomatedBackups) dropAutomatedSnapshots(state, instance.dbiResourceId);
    else if (instance.backupRetentionPeriod > 0 && !instance.clusterId) {
      state.retainedBackups.set(instance.dbiResourceId, {
        instanceId: instance.id,
        instanceArn: instance.arn,
        dbiResourceId: instance.dbiResourceId,
        instanceCreatedAt: instance.createdAt,
        deletedAt: instance.deletion.requestedAt,
        config: configOf(instance),
        masterPassword: instance.masterPassword,
      });
    }
  }
}

/** Live instances in identifier order, hidden ones excluded. */
export function liveInstances(state: RdsState, now: number): DbInstance[] {
  purgeDeleted(state, now);
  return [...state.instances.values()].filter((i) => now >= i.visibleFrom).sort(byId);
}

export function dropAutomatedSnapshots(state: RdsState, dbiResourceId: string): void {
  for (const [id, snap] of state.snapshots) {
    if (snap.type === 'automated' && snap.dbiResourceId === dbiResourceId) state.snapshots.delete(id);
  }
}

/** A snapshot of an instance as it is now; tags are copied when the instance says CopyTagsToSnapshot. */
export function snapshotOf(
  instance: DbInstance,
  id: string,
  type: SnapshotType,
  times: { createdAt: number; availableAt: number; expiresAt?: number },
): DbSnapshot {
  const [, , , region, accountId] = instance.arn.split(':');
  return {
    id,
    arn: snapshotArn(region, accountId, id),
    type,
    instanceId: instance.id,
    dbiResourceId: instance.dbiResourceId,
    instanceCreatedAt: instance.createdAt,
    ...times,
    config: configOf(instance),
    masterPassword: instance.masterPassword,
    tags: instance.copyTagsToSnapshot || type === 'awsbackup' ? new Map(instance.tags) : new Map(),
    sourceTags: new Map(instance.tags),
  };
}

/**
 * The first automated backup of an instance, starting at `at`: the 'backing-up' phase it shows meanwhile and
 * the backup to record on the instance (its snapshot is taken when the clock reaches `at`).
 */
export function firstBackupOf(world: World, instance: InstanceConfig, at: number): { phase: Phase; backup: FirstBackup } {
  const until = at + world.scaled(DURATIONS.firstBackup(instance.allocatedStorage));
  return { phase: { status: 'backing-up', until }, backup: { at, until } };
}

/**
 * RDS's automated backups, caught up to `now`: a snapshot a day in the backup window of every running
 * instance with a retention period, kept that many days; an instance without one keeps none.
 */
function takeAutomatedSnapshots(state: RdsState, now: number): void {
  for (const instance of state.instances.values()) {
    // Aurora members keep no instance backups: the cluster's volume is backed up (cluster-state.ts).
    if (instance.deletion || now < instance.createdAt || instance.clusterId) continue;
    settle(instance, now);
    if (instance.backupRetentionPeriod === 0) {
      dropAutomatedSnapshots(state, instance.dbiResourceId);
      instance.lastAutomatedSnapshotAt = now;
      continue;
    }
    for (const times of dueAutomatedSnapshots(instance, now)) {
      const id = automatedSnapshotId(instance.id, times.createdAt);
      state.snapshots.set(id, snapshotOf(instance, id, 'automated', times));
    }
  }
}

/** Brings `state.snapshots` up to `now`: scheduled backups taken, expired snapshots dropped. */
function catchUpSnapshots(state: RdsState, now: number): void {
  for (const hook of state.beforeSnapshotRead) hook(now);
  takeAutomatedSnapshots(state, now);
  for (const [id, snap] of state.snapshots) {
    if (snap.expiresAt !== undefined && now >= snap.expiresAt) state.snapshots.delete(id);
  }
}

/** Snapshots that have not expired, in identifier order. */
export function liveSnapshots(state: RdsState, now: number): DbSnapshot[] {
  return liveSnapshotsWhere(state, now, () => true).sort(byId);
}

/**
 * The live snapshots `keep` keeps, in no particular order: listings filter a large history in one pass and
 * sort only what is left.
 */
export function liveSnapshotsWhere(state: RdsState, now: number, keep: (snapshot: DbSnapshot) => boolean): DbSnapshot[] {
  catchUpSnapshots(state, now);
  const kept: DbSnapshot[] = [];
  for (const snapshot of state.snapshots.values()) if (keep(snapshot)) kept.push(snapshot);
  return kept;
}

/** A visible instance by identifier (case-insensitive) or ARN. */
export function findInstance(state: RdsState, now: number, idOrArn: string): DbInstance | undefined {
  purgeDeleted(state, now);
  const instance = state.instances.get(idOf(idOrArn));
  return instance && now >= instance.visibleFrom ? instance : undefined;
}

/** An instance identifier is taken while any instance holds it, including hidden and deleting ones. */
export function identifierTaken(state: RdsState, now: number, id: string): boolean {
  purgeDeleted(state, now);
  return state.instances.has(id);
}

export function findSnapshot(state: RdsState, now: number, idOrArn: string): DbSnapshot | undefined {
  catchUpSnapshots(state, now);
  return state.snapshots.get(idOf(idOrArn));
}

/** Applies the changes of finished phases and drops them. */
export function settle(instance: DbInstance, now: number): void {
  while (instance.phases.length > 0 && now >= instance.phases[0].until) {
    const phase = instance.phases.shift()!;
    if (phase.apply) Object.assign(instance, phase.apply);
    if (phase.apply?.masterPassword !== undefined) instance.masterPasswordSets = (instance.masterPasswordSets ?? 0) + 1;
  }
}

export function instanceStatus(instance: DbInstance, now: number): string {
  if (instance.deletion) return 'deleting';
  settle(instance, now);
  return instance.phases[0]?.status ?? 'available';
}

/** The point-in-time window of an instance's automated backups (backup-window.ts), up to `until`. */
function backupWindow(state: RdsState, dbiResourceId: string, retentionDays: number, now: number, until: number) {
  catchUpSnapshots(state, now);
  const complete = [...state.snapshots.values()]
    .filter((s) => s.type === 'automated' && s.dbiResourceId === dbiResourceId && now >= s.availableAt)
    .map((s) => s.createdAt);
  return windowOf(complete, retentionDays, now, until);
}

/** The point-in-time window of a live instance, or undefined when automated backups are off or none is complete yet. */
export function restoreWindow(state: RdsState, instance: DbInstance, now: number): RestoreWindow | undefined {
  if (instance.backupRetentionPeriod === 0 || now < instance.createdAt || instance.clusterId) return undefined;
  return backupWindow(state, instance.dbiResourceId, instance.backupRetentionPeriod, now, now);
}

/** The window of a deleted instance's retained backups: up to its deletion; undefined once their snapshots expired. */
export function retainedWindow(state: RdsState, backup: RetainedBackup, now: number): RestoreWindow | undefined {
  return backupWindow(state, backup.dbiResourceId, backup.config.backupRetentionPeriod, now, backup.deletedAt);
}

export function snapshotStatus(snapshot: DbSnapshot, now: number): string {
  return now >= snapshot.availableAt ? 'available' : 'creating';
}

/**
 * The hidden master password of a DB instance (tests check that a clone's credentials were rotated);
 * undefined when there is no such instance.
 */
export function masterPasswordOf(world: World, accountId: string, region: string, id: string): string | undefined {
  return rdsState(world, accountId, region).instances.get(id.toLowerCase())?.masterPassword;
}

/** The hidden master password of an Aurora DB cluster; undefined when there is no such cluster. */
export function clusterMasterPasswordOf(world: World, accountId: string, region: string, id: string): string | undefined {
  return rdsState(world, accountId, region).clusters.get(id.toLowerCase())?.masterPassword;
}

/** The configuration fields of an instance, copied (for snapshots and restores). */
export function configOf(instance: InstanceConfig): InstanceConfig {
  return {
    engine: instance.engine,
    engineVersion: instance.engineVersion,
    instanceClass: instance.instanceClass,
    allocatedStorage: instance.allocatedStorage,
    storageType: instance.storageType,
    port: instance.port,
    masterUsername: instance.masterUsername,
    dbName: instance.dbName,
    multiAZ: instance.multiAZ,
    publiclyAccessible: instance.publiclyAccessible,
    availabilityZone: instance.availabilityZone,
    subnetGroupName: instance.subnetGroupName,
    vpcSecurityGroupIds: [...instance.vpcSecurityGroupIds],
    parameterGroupName: instance.parameterGroupName,
    optionGroupName: instance.optionGroupName,
    licenseModel: instance.licenseModel,
    backupRetentionPeriod: instance.backupRetentionPeriod,
    deletionProtection: instance.deletionProtection,
    copyTagsToSnapshot: instance.copyTagsToSnapshot,
    autoMinorVersionUpgrade: instance.autoMinorVersionUpgrade,
    iamDatabaseAuthenticationEnabled: instance.iamDatabaseAuthenticationEnabled,
    storageEncrypted: instance.storageEncrypted,
    kmsKeyId: instance.kmsKeyId,
    preferredBackupWindow: instance.preferredBackupWindow,
    preferredMaintenanceWindow: instance.preferredMaintenanceWindow,
    inheritedSecret: secretOfCopy(instance),
  };
}

/** The secret a copy (snapshot, restore) of an instance or cluster reports: the one RDS manages for it, else the one it reports itself. */
export function secretOfCopy(resource: { inheritedSecret?: { arn: string; kmsKeyId: string }; masterUserSecret?: { arn: string; kmsKeyId: string } }) {
  const secret = resource.masterUserSecret ?? resource.inheritedSecret;
  return secret ? { ...secret } : undefined;
}

/** Default parameter and option group names, as RDS names them for an engine version. */
export function defaultGroups(engine: string, engineVersion: string): { parameterGroup: string; optionGroup: string } {
  const [major, minor] = engineVersion.split('.');
  const family = engine === 'postgres' ? `postgres${major}` : `${engine}${major}.${minor}`;
  const option = engine === 'postgres' ? `default:postgres-${major}` : `default:${engine}-${major}-${minor}`;
  return { parameterGroup: `default.${family}`, optionGroup: option };
}
