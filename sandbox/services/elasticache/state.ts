import { createHash } from 'node:crypto';
import { DAY_MS, nextDailyUtc } from '../../core/clock.ts';
import { byKey } from '../../core/paging.ts';
import type { World } from '../../core/world.ts';

/**
 * The ElastiCache state of one account and region: replication groups, their member cache clusters, snapshots,
 * cache subnet groups and the EC2 facts ElastiCache checks (security group → VPC). Nothing runs in the
 * background: each asynchronous resource keeps the times at which it changes, and its status is computed from
 * `world.clock` when read; automatic snapshots are caught up to the clock on every read.
 */

/** What a replication group is configured as; its member clusters and its snapshots keep a copy. */
export interface CacheConfig {
  engine: string;
  engineVersion: string;
  cacheNodeType: string;
  port: number;
  subnetGroupName: string;
  securityGroupIds: string[];
  parameterGroupName: string;
  transitEncryptionEnabled: boolean;
  atRestEncryptionEnabled: boolean;
  kmsKeyId?: string;
  snapshotRetentionLimit: number;
  /** Daily UTC window 'HH:MM-HH:MM'; automatic snapshots are taken at its start. */
  snapshotWindow: string;
  preferredMaintenanceWindow: string;
  autoMinorVersionUpgrade: boolean;
}

/** One node group (shard): its slots (cluster mode) and the member clusters in it, primary first. */
export interface NodeGroupLayout {
  id: string;
  slots?: string;
  members: { clusterId: string; role: 'primary' | 'replica'; az: string }[];
}

/** A stretch of time during which a group shows a status other than 'available' (ModifyReplicationGroup). */
export interface GroupPhase {
  status: string;
  until: number;
  pending?: Record<string, unknown>;
  apply?: Partial<CacheConfig> & { authToken?: string | null };
}

/** Where a group's data came from: the snapshot it was created from (hidden, for tests). */
export interface DataOrigin {
  name: string;
  arn: string;
  /** The group the snapshot was taken of, and when. */
  replicationGroupId?: string;
  takenAt: number;
}

export interface ReplicationGroup extends CacheConfig {
  id: string;
  arn: string;
  description: string;
  clusterMode: boolean;
  nodeGroups: NodeGroupLayout[];
  automaticFailover: boolean;
  multiAZ: boolean;
  userGroupIds: string[];
  /** Hidden: never in any API output. Only what CreateReplicationGroup or ModifyReplicationGroup set. */
  authToken?: string;
  authTokenLastModified?: number;
  tags: Map<string, string>;
  /** ReplicationGroupCreateTime: when creation was requested (ms). */
  createdAt: number;
  /** 'creating' before this time. */
  availableAt: number;
  phases: GroupPhase[];
  deletion?: { requestedAt: number; goneAt: number };
  /** Hidden: the snapshot whose data the group was created with (none: created empty). */
  fromSnapshot?: DataOrigin;
  /** Hidden: the size of its data set, in MB (what its snapshots report as CacheSize). */
  dataSizeMb: number;
  /** When the latest automatic snapshot was taken (the next comes in the next snapshot window). */
  lastAutomaticSnapshotAt: number;
}

export interface CacheCluster extends CacheConfig {
  id: string;
  arn: string;
  /** The group it belongs to; undefined for a standalone cluster (a primary kept by RetainPrimaryCluster). */
  replicationGroupId?: string;
  nodeGroupId: string;
  role: 'primary' | 'replica';
  az: string;
  /** Hidden, as on the group. */
  authToken?: string;
  authTokenLastModified?: number;
  tags: Map<string, string>;
  createdAt: number;
  availableAt: number;
  deletion?: { requestedAt: number; goneAt: number };
}

export type SnapshotSource = 'automated' | 'manual';

export interface NodeSnapshotRecord {
  nodeGroupId: string;
  cacheClusterId: string;
  slots?: string;
  replicaCount: number;
  primaryAz: string;
  replicaAzs: string[];
  sizeMb: number;
}

export interface CacheSnapshot {
  name: string;
  arn: string;
  source: SnapshotSource;
  replicationGroupId?: string;
  replicationGroupDescription?: string;
  /** The cluster it was taken from (cluster mode disabled). */
  cacheClusterId?: string;
  config: CacheConfig;
  clusterMode: boolean;
  automaticFailover: boolean;
  nodeGroups: NodeSnapshotRecord[];
  clusterCreatedAt: number;
  createdAt: number;
  /** 'creating' before this time. */
  availableAt: number;
  /** Automatic snapshots expire after SnapshotRetentionLimit days. */
  expiresAt?: number;
  vpcId?: string;
  tags: Map<string, string>;
}

export interface CacheSubnetGroup {
  name: string;
  description: string;
  vpcId: string;
  subnets: { id: string; az: string }[];
}

export interface ElastiCacheState {
  replicationGroups: Map<string, ReplicationGroup>;
  clusters: Map<string, CacheCluster>;
  snapshots: Map<string, CacheSnapshot>;
  subnetGroups: Map<string, CacheSubnetGroup>;
  /** EC2 facts ElastiCache checks: security group id → VPC id, and each VPC's default security group. */
  securityGroups: Map<string, string>;
  vpcDefaultSecurityGroups: Map<string, string>;
  /** Custom cache parameter groups (the engines' default ones always exist). */
  parameterGroups: Set<string>;
  /** RBAC user groups by id. */
  userGroups: Map<string, { engine: string }>;
}

const tagSourceRegistered = new WeakSet<World>();

export function elasticacheState(world: World, accountId: string, region: string): ElastiCacheState {
  registerTagSource(world);
  return world.state<ElastiCacheState>('elasticache', accountId, region, () => ({
    replicationGroups: new Map(),
    clusters: new Map(),
    snapshots: new Map(),
    subnetGroups: new Map(),
    securityGroups: new Map(),
    vpcDefaultSecurityGroups: new Map(),
    parameterGroups: new Set(),
    userGroups: new Map(),
  }));
}

/** ElastiCache tags for the Tagging API and IAM conditions: replication groups, cache clusters, snapshots. */
function registerTagSource(world: World): void {
  if (tagSourceRegistered.has(world)) return;
  tagSourceRegistered.add(world);
  world.addTagSource((w, accountId, region) => {
    if (!w.regionsOf('elasticache', accountId).includes(region)) return [];
    const state = elasticacheState(w, accountId, region);
    const now = w.clock.nowMs();
    return [
      ...liveGroups(state, now).map((g) => ({ arn: g.arn, tags: Object.fromEntries(g.tags) })),
      ...liveClusters(state, now).map((c) => ({ arn: c.arn, tags: Object.fromEntries(c.tags) })),
      ...liveSnapshots(state, now).map((s) => ({ arn: s.arn, tags: Object.fromEntries(s.tags) })),
    ];
  }, { service: 'elasticache' });
}

// Durations of real AWS, in milliseconds; callers scale them with world.scaled().
const MINUTE = 60_000;
const GB = 1024;
export const DURATIONS = {
  /** Creating a replication group: about 8 minutes, plus loading the snapshot's data at about a minute per GB. */
  create: (dataSizeMb: number) => 8 * MINUTE + (dataSizeMb / GB) * MINUTE,
  /** Taking a snapshot: 2 minutes plus 20 s per GB. */
  snapshot: (dataSizeMb: number) => 2 * MINUTE + (dataSizeMb / GB) * 20_000,
  deletion: 5 * MINUTE,
  modify: 3 * MINUTE,
};

export const SUPPORTED_ENGINES = ['redis', 'valkey'] as const;

/** Engine versions CreateReplicationGroup accepts (DescribeCacheEngineVersions, Valkey and Redis OSS). */
export const ENGINE_VERSIONS: Record<string, string[]> = {
  redis: ['4.0.10', '5.0.6', '6.0', '6.2', '6.x', '7.0', '7.1'],
  valkey: ['7.2', '8.0', '8.1'],
};

/**
 * The version a node-based cluster runs and reports (DescribeCacheClusters, DescribeSnapshots EngineVersion):
 * "When operating node-based clusters, ElastiCache for Redis OSS also exposes the patch component, such as
 * Redis OSS 6.2.1" (ElastiCache guide, Version Management), while CreateReplicationGroup takes <major>.<minor>
 * for Redis OSS 6+ and Valkey (ENGINE_VERSIONS; terraform-provider-aws #32252, third-party). The patch numbers
 * are the sandbox's choice.
 */
const RUNNING_PATCH: Record<string, string> = {
  'redis 6.0': '6.0.5',
  'redis 6.2': '6.2.6',
  'redis 6.x': '6.2.6',
  'redis 7.0': '7.0.7',
  'redis 7.1': '7.1.0',
  'valkey 7.2': '7.2.6',
  'valkey 8.0': '8.0.1',
  'valkey 8.1': '8.1.1',
};

export const runningVersion = (engine: string, version: string): string => RUNNING_PATCH[`${engine} ${version}`] ?? version;

/** Comparable numbers of a version ('6.x' counts as 6.0). */
export const versionParts = (version: string): number[] => version.split('.').map((p) => (p === 'x' ? 0 : Number(p)));

/** Negative when a is older than b, by major then minor (then patch). */
export function compareVersions(a: string, b: string): number {
  const x = versionParts(a);
  const y = versionParts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The engine's default cache parameter group for a version (e.g. default.valkey8, default.redis7.cluster.on). */
export function defaultParameterGroup(engine: string, engineVersion: string, clusterMode: boolean): string {
  const [major, minor] = versionParts(engineVersion);
  let family: string;
  if (engine === 'valkey') family = `valkey${major}`;
  else if (major >= 7) family = `redis${major}`;
  else if (major === 6) family = 'redis6.x';
  else family = `redis${major}.${minor}`;
  return `default.${family}${clusterMode ? '.cluster.on' : ''}`;
}

/** Every default parameter group of the supported engines (they exist in every region). */
export const DEFAULT_PARAMETER_GROUPS = new Set(
  Object.entries(ENGINE_VERSIONS).flatMap(([engine, versions]) =>
    versions.flatMap((v) => [defaultParameterGroup(engine, v, false), defaultParameterGroup(engine, v, true)]),
  ),
);

export const parameterGroupExists = (state: ElastiCacheState, name: string): boolean =>
  DEFAULT_PARAMETER_GROUPS.has(name) || state.parameterGroups.has(name);

const arnOf = (type: string) => (region: string, accountId: string, name: string) =>
  `arn:aws:elasticache:${region}:${accountId}:${type}:${name}`;
export const replicationGroupArn = arnOf('replicationgroup');
export const cacheClusterArn = arnOf('cluster');
export const cacheSnapshotArn = arnOf('snapshot');
export const cacheSubnetGroupArn = arnOf('subnetgroup');
export const cacheParameterGroupArn = arnOf('parametergroup');
export const userGroupArn = arnOf('usergroup');

/** Code-unit order of identifiers: the order markers compare in. */
export const byId = byKey((item: { id: string }) => item.id);
const byName = byKey((item: { name: string }) => item.name);

/** The identifier an identifier-or-ARN names (ElastiCache stores identifiers in lower case). */
export const idOf = (idOrArn: string): string =>
  idOrArn.startsWith('arn:') ? idOrArn.split(':').slice(6).join(':') : idOrArn.toLowerCase();

/** Drops groups and clusters whose deletion is over; a kept primary leaves its deleted group. */
function purgeDeleted(state: ElastiCacheState, now: number): void {
  for (const [id, group] of state.replicationGroups) {
    if (!group.deletion || now < group.deletion.goneAt) continue;
    state.replicationGroups.delete(id);
    // ElastiCache deletes a group's automatic snapshots with it; manual (and final) snapshots stay.
    for (const [name, snap] of state.snapshots) {
      if (snap.source === 'automated' && snap.replicationGroupId === id) state.snapshots.delete(name);
    }
  }
  for (const [id, cluster] of state.clusters) {
    if (cluster.deletion && now >= cluster.deletion.goneAt) state.clusters.delete(id);
    else if (cluster.replicationGroupId && !state.replicationGroups.has(cluster.replicationGroupId)) {
      cluster.replicationGroupId = undefined;
    }
  }
}

export function liveGroups(state: ElastiCacheState, now: number): ReplicationGroup[] {
  purgeDeleted(state, now);
  return [...state.replicationGroups.values()].sort(byId);
}

export function findGroup(state: ElastiCacheState, now: number, idOrArn: string): ReplicationGroup | undefined {
  purgeDeleted(state, now);
  return state.replicationGroups.get(idOf(idOrArn));
}

export function liveClusters(state: ElastiCacheState, now: number): CacheCluster[] {
  purgeDeleted(state, now);
  return [...state.clusters.values()].sort(byId);
}

export function findCluster(state: ElastiCacheState, now: number, idOrArn: string): CacheCluster | undefined {
  purgeDeleted(state, now);
  return state.clusters.get(idOf(idOrArn));
}

/** Applies the changes of finished phases and drops them. */
export function settle(group: ReplicationGroup, now: number): void {
  while (group.phases.length > 0 && now >= group.phases[0].until) {
    const phase = group.phases.shift()!;
    if (!phase.apply) continue;
    const { authToken, ...config } = phase.apply;
    Object.assign(group, config);
    if (authToken !== undefined) group.authToken = authToken ?? undefined;
  }
}

export function groupStatus(group: ReplicationGroup, now: number): string {
  if (group.deletion) return 'deleting';
  if (now < group.availableAt) return 'creating';
  settle(group, now);
  return group.phases[0]?.status ?? 'available';
}

export function clusterStatus(state: ElastiCacheState, cluster: CacheCluster, now: number): string {
  if (cluster.deletion) return 'deleting';
  if (now < cluster.availableAt) return 'creating';
  const group = cluster.replicationGroupId ? state.replicationGroups.get(cluster.replicationGroupId) : undefined;
  const status = group ? groupStatus(group, now) : 'available';
  return status === 'modifying' || status === 'create-failed' ? status : 'available';
}

/** 'creating' until taken, 'restoring' while a replication group is being created from it, else 'available'. */
export function snapshotStatus(state: ElastiCacheState, snapshot: CacheSnapshot, now: number): string {
  if (now < snapshot.availableAt) return 'creating';
  for (const group of state.replicationGroups.values()) {
    if (group.fromSnapshot?.name === snapshot.name && !group.deletion && now < group.availableAt) return 'restoring';
  }
  return 'available';
}

/** The cluster of a cluster-mode-disabled group that daily snapshots are taken from: the first replica, else the primary. */
export function snapshottingClusterId(group: ReplicationGroup): string | undefined {
  if (group.clusterMode) return undefined;
  const members = group.nodeGroups[0]?.members ?? [];
  return (members.find((m) => m.role === 'replica') ?? members[0])?.clusterId;
}

export const memberClusterIds = (group: { nodeGroups: NodeGroupLayout[] }): string[] =>
  group.nodeGroups.flatMap((ng) => ng.members.map((m) => m.clusterId));

/** The configuration fields, copied (for member clusters and snapshots). */
export function configOf(c: CacheConfig): CacheConfig {
  return {
    engine: c.engine,
    engineVersion: c.engineVersion,
    cacheNodeType: c.cacheNodeType,
    port: c.port,
    subnetGroupName: c.subnetGroupName,
    securityGroupIds: [...c.securityGroupIds],
    parameterGroupName: c.parameterGroupName,
    transitEncryptionEnabled: c.transitEncryptionEnabled,
    atRestEncryptionEnabled: c.atRestEncryptionEnabled,
    kmsKeyId: c.kmsKeyId,
    snapshotRetentionLimit: c.snapshotRetentionLimit,
    snapshotWindow: c.snapshotWindow,
    preferredMaintenanceWindow: c.preferredMaintenanceWindow,
    autoMinorVersionUpgrade: c.autoMinorVersionUpgrade,
  };
}

/** A stable factor in [0.96, 1.04] for a name: snapshot sizes vary a little from day to day. */
function jitter(name: string): number {
  return 0.96 + (createHash('sha256').update(name).digest()[0] / 255) * 0.08;
}

/**
 * A snapshot of a group's data as it is now (its AUTH token is configuration, not data: snapshots carry none).
 * `fromClusterId` is the node it is taken from in cluster mode disabled (the snapshotting cluster, or the
 * primary for a final snapshot).
 */
export function snapshotOfGroup(
  state: ElastiCacheState,
  group: ReplicationGroup,
  name: string,
  source: SnapshotSource,
  times: { createdAt: number; availableAt: number; expiresAt?: number },
  fromClusterId?: string,
): CacheSnapshot {
  const [, , , region, accountId] = group.arn.split(':');
  const sizeMb = Math.round(group.dataSizeMb * (source === 'automated' ? jitter(name) : 1));
  const shards = group.nodeGroups.length;
  const from = group.clusterMode ? undefined : (fromClusterId ?? snapshottingClusterId(group));
  return {
    name,
    arn: cacheSnapshotArn(region, accountId, name),
    source,
    replicationGroupId: group.id,
    replicationGroupDescription: group.description,
    cacheClusterId: from,
    config: configOf(group),
    clusterMode: group.clusterMode,
    automaticFailover: group.automaticFailover,
    nodeGroups: group.nodeGroups.map((ng) => {
      const primary = ng.members.find((m) => m.role === 'primary') ?? ng.members[0];
      const replicas = ng.members.filter((m) => m.role === 'replica');
      const takenFrom = group.clusterMode ? (replicas[0] ?? primary) : ng.members.find((m) => m.clusterId === from);
      return {
        nodeGroupId: ng.id,
        cacheClusterId: (takenFrom ?? primary).clusterId,
        slots: ng.slots,
        replicaCount: replicas.length,
        primaryAz: primary.az,
        replicaAzs: replicas.map((r) => r.az),
        sizeMb: Math.round(sizeMb / shards),
      };
    }),
    clusterCreatedAt: group.createdAt,
    ...times,
    vpcId: state.subnetGroups.get(group.subnetGroupName)?.vpcId,
    tags: new Map(),
  };
}

/** The total data size of a snapshot, in MB. */
export const snapshotSizeMb = (snapshot: CacheSnapshot): number =>
  snapshot.nodeGroups.reduce((sum, ng) => sum + ng.sizeMb, 0);

/** 'automatic.<group>-YYYY-MM-DD-HH-MM', as ElastiCache names automatic snapshots (UTC). */
export const automaticSnapshotName = (groupId: string, at: number): string =>
  `automatic.${groupId}-${new Date(at).toISOString().slice(0, 16).replace(/[T:]/g, '-')}`;

/** The first daily snapshot time after `after`: the start of the SnapshotWindow (UTC). */
export function nextSnapshotTime(group: CacheConfig, after: number): number {
  const [hour, minute] = group.snapshotWindow.split('-')[0].split(':').map(Number);
  return nextDailyUtc(after, hour, minute);
}

/**
 * ElastiCache's automatic backups, caught up to `now`: a snapshot a day at the start of the snapshot window of
 * every group with a SnapshotRetentionLimit, each kept that many days; a group without one keeps none.
 */
function takeAutomaticSnapshots(state: ElastiCacheState, now: number): void {
  for (const group of state.replicationGroups.values()) {
    if (group.deletion || now < group.availableAt) continue;
    settle(group, now);
    const limit = group.snapshotRetentionLimit;
    if (limit === 0) {
      group.lastAutomaticSnapshotAt = now;
      continue;
    }
    const from = Math.max(group.lastAutomaticSnapshotAt, now - limit * DAY_MS);
    for (let t = nextSnapshotTime(group, from); t <= now; t += DAY_MS) {
      const name = automaticSnapshotName(group.id, t);
      const snapshot = snapshotOfGroup(state, group, name, 'automated', { createdAt: t, availableAt: t, expiresAt: t + limit * DAY_MS });
      snapshot.availableAt = t + DURATIONS.snapshot(snapshotSizeMb(snapshot));
      state.snapshots.set(name, snapshot);
      group.lastAutomaticSnapshotAt = t;
    }
  }
}

/** Brings `state.snapshots` up to `now`: groups gone, automatic snapshots taken, expired ones dropped. */
function catchUpSnapshots(state: ElastiCacheState, now: number): void {
  purgeDeleted(state, now);
  takeAutomaticSnapshots(state, now);
  for (const [name, snap] of state.snapshots) {
    if (snap.expiresAt !== undefined && now >= snap.expiresAt) state.snapshots.delete(name);
  }
}

/** Snapshots that have not expired, in name order. */
export function liveSnapshots(state: ElastiCacheState, now: number): CacheSnapshot[] {
  catchUpSnapshots(state, now);
  return [...state.snapshots.values()].sort(byName);
}

export function findSnapshot(state: ElastiCacheState, now: number, name: string): CacheSnapshot | undefined {
  catchUpSnapshots(state, now);
  return state.snapshots.get(name.toLowerCase());
}

/**
 * The hidden AUTH token of a replication group (or of a standalone cache cluster), for tests: undefined when
 * there is no such resource or it has no token.
 */
export function authTokenOf(world: World, accountId: string, region: string, id: string): string | undefined {
  const state = elasticacheState(world, accountId, region);
  const key = id.toLowerCase();
  const group = state.replicationGroups.get(key);
  if (group) return group.authToken;
  return state.clusters.get(key)?.authToken;
}

/** The short region code of ElastiCache host names (ap-northeast-1 → apne1, us-west-2 → usw2). */
export function regionCode(region: string): string {
  const DIRECTIONS: Record<string, string> = {
    north: 'n', south: 's', east: 'e', west: 'w', central: 'c',
    northeast: 'ne', northwest: 'nw', southeast: 'se', southwest: 'sw',
  };
  const [area, direction, number] = region.split('-');
  return `${area}${DIRECTIONS[direction] ?? direction}${number}`;
}

/** The account's part of ElastiCache host names (a stable 6-character id per account and region). */
export const hostId = (accountId: string, region: string): string =>
  createHash('sha256').update(`${accountId}/${region}`).digest('hex').slice(0, 6);
