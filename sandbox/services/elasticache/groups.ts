import { createHash } from 'node:crypto';
import { checkPermission, requestTagContext } from '../../core/authorize.ts';
import type { RequestContext } from '../../core/service.ts';
import {
  checkAuthToken,
  checkGroupId,
  checkMaintenanceWindow,
  checkNodeType,
  checkRetentionLimit,
  checkSecurityGroups,
  checkSnapshotName,
  checkSnapshotWindow,
  ecErrors,
} from './errors.ts';
import { serveGroupCopy, stopServing } from './data-plane.ts';
import { page } from './paging.ts';
import {
  cacheClusterArn,
  cacheSnapshotArn,
  compareVersions,
  configOf,
  defaultParameterGroup,
  DURATIONS,
  elasticacheState,
  ENGINE_VERSIONS,
  findGroup,
  findSnapshot,
  groupStatus,
  liveGroups,
  memberClusterIds,
  parameterGroupExists,
  replicationGroupArn,
  snapshotOfGroup,
  snapshotSizeMb,
  snapshotStatus,
  SUPPORTED_ENGINES,
  type CacheCluster,
  type CacheSnapshot,
  type ElastiCacheState,
  type GroupPhase,
  type NodeGroupLayout,
  type ReplicationGroup,
} from './state.ts';
import { tagsFromInput } from './tags.ts';
import { groupView } from './view.ts';

type TagInput = { Key?: string; Value?: string }[];

export interface CreateGroupInput {
  ReplicationGroupId?: string;
  ReplicationGroupDescription?: string;
  GlobalReplicationGroupId?: string;
  PrimaryClusterId?: string;
  AutomaticFailoverEnabled?: boolean;
  MultiAZEnabled?: boolean;
  NumCacheClusters?: number;
  PreferredCacheClusterAZs?: string[];
  NumNodeGroups?: number;
  ReplicasPerNodeGroup?: number;
  NodeGroupConfiguration?: unknown[];
  CacheNodeType?: string;
  Engine?: string;
  EngineVersion?: string;
  CacheParameterGroupName?: string;
  CacheSubnetGroupName?: string;
  CacheSecurityGroupNames?: string[];
  SecurityGroupIds?: string[];
  Tags?: TagInput;
  SnapshotArns?: string[];
  SnapshotName?: string;
  PreferredMaintenanceWindow?: string;
  Port?: number;
  AutoMinorVersionUpgrade?: boolean;
  SnapshotRetentionLimit?: number;
  SnapshotWindow?: string;
  AuthToken?: string;
  TransitEncryptionEnabled?: boolean;
  AtRestEncryptionEnabled?: boolean;
  KmsKeyId?: string;
  UserGroupIds?: string[];
  ClusterMode?: string;
  ServerlessCacheSnapshotName?: string;
}

const HASH_SLOTS = 16384;
const MAX_SHARDS = 90;
const MAX_REPLICAS = 5;

/** The node groups' shape a create asks for (or its snapshot implies): cluster mode, shard and replica counts. */
export interface Shape {
  clusterMode: boolean;
  shards: number;
  replicas: number;
}

/** The shape of a CreateReplicationGroup call, checked as ElastiCache does (InvalidParameterValue / Combination). */
export function shapeOf(input: CreateGroupInput, snapshot: CacheSnapshot | undefined): Shape {
  const shards = input.NumNodeGroups ?? snapshot?.nodeGroups.length ?? 1;
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_SHARDS) {
    throw ecErrors.invalidParameterValue(`Invalid value ${shards} for NumNodeGroups. Must be between 1 and ${MAX_SHARDS}.`);
  }
  if (snapshot && shards !== snapshot.nodeGroups.length) {
    throw ecErrors.invalidParameterValue(
      `The number of node groups (${shards}) must match the number of node groups in snapshot ${snapshot.name} (${snapshot.nodeGroups.length}).`,
    );
  }
  const clusterMode = shards > 1 || input.ClusterMode === 'enabled' || (snapshot?.clusterMode ?? false);
  if (input.NumCacheClusters !== undefined && (clusterMode || input.ReplicasPerNodeGroup !== undefined)) {
    throw ecErrors.invalidParameterCombination(
      'NumCacheClusters cannot be used with more than one node group or with ReplicasPerNodeGroup: use ReplicasPerNodeGroup.',
    );
  }
  let replicas: number;
  if (input.NumCacheClusters !== undefined) {
    if (!Number.isInteger(input.NumCacheClusters) || input.NumCacheClusters < 1 || input.NumCacheClusters > 6) {
      throw ecErrors.invalidParameterValue(
        `Invalid value ${input.NumCacheClusters} for NumCacheClusters. Must be between 1 and 6.`,
      );
    }
    replicas = input.NumCacheClusters - 1;
  } else {
    replicas = input.ReplicasPerNodeGroup ?? 0;
    if (!Number.isInteger(replicas) || replicas < 0 || replicas > MAX_REPLICAS) {
      throw ecErrors.invalidParameterValue(
        `Invalid value ${input.ReplicasPerNodeGroup} for ReplicasPerNodeGroup. Must be between 0 and ${MAX_REPLICAS}.`,
      );
    }
  }
  return { clusterMode, shards, replicas };
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Member cluster ids: `<id>-001`, `<id>-002`… (cluster mode disabled) or `<id>-0001-001`… (one set per shard). */
export function memberIdsOf(id: string, shape: Shape): string[][] {
  return Array.from({ length: shape.shards }, (_, s) =>
    Array.from({ length: shape.replicas + 1 }, (_, n) =>
      shape.clusterMode ? `${id}-${pad(s + 1, 4)}-${pad(n + 1, 3)}` : `${id}-${pad(n + 1, 3)}`,
    ),
  );
}

/**
 * The member cluster ARNs a CreateReplicationGroup call names (IAM evaluates each): the shape it asks for,
 * with counts capped at the service maxima so that a malformed call still names a bounded set (the handler
 * then refuses it).
 */
export function plannedMemberArns(input: CreateGroupInput, ctx: RequestContext): string[] {
  const id = (input.ReplicationGroupId ?? '').toLowerCase();
  const state = elasticacheState(ctx.world, ctx.accountId, ctx.region);
  const snapshot = input.SnapshotName ? state.snapshots.get(input.SnapshotName.toLowerCase()) : undefined;
  const clamp = (n: number | undefined, lo: number, hi: number, fallback: number) =>
    Number.isInteger(n) ? Math.min(hi, Math.max(lo, n!)) : fallback;
  const shards = clamp(input.NumNodeGroups, 1, MAX_SHARDS, snapshot?.nodeGroups.length ?? 1);
  const clusterMode = shards > 1 || input.ClusterMode === 'enabled' || (snapshot?.clusterMode ?? false);
  const replicas =
    input.NumCacheClusters !== undefined
      ? clamp(input.NumCacheClusters, 1, 6, 1) - 1
      : clamp(input.ReplicasPerNodeGroup, 0, MAX_REPLICAS, 0);
  return memberIdsOf(id, { clusterMode, shards, replicas })
    .flat()
    .map((clusterId) => cacheClusterArn(ctx.region, ctx.accountId, clusterId));
}

/** The default parameter group a create resolves to (IAM evaluates it even when the call names none). */
export function plannedParameterGroup(input: CreateGroupInput, ctx: RequestContext): string {
  if (input.CacheParameterGroupName) return input.CacheParameterGroupName;
  const state = elasticacheState(ctx.world, ctx.accountId, ctx.region);
  const snapshot = input.SnapshotName ? state.snapshots.get(input.SnapshotName.toLowerCase()) : undefined;
  const engine = input.Engine ?? snapshot?.config.engine ?? 'redis';
  const version = input.EngineVersion ?? snapshot?.config.engineVersion ?? latestVersion(engine);
  const clusterMode = (input.NumNodeGroups ?? snapshot?.nodeGroups.length ?? 1) > 1 || input.ClusterMode === 'enabled' || (snapshot?.clusterMode ?? false);
  return defaultParameterGroup(engine, version, clusterMode);
}

const latestVersion = (engine: string): string => (ENGINE_VERSIONS[engine] ?? ENGINE_VERSIONS.redis).at(-1)!;

/** A stable starting point among n for an identifier (the AZ the first primary lands in). */
const pick = (id: string, n: number) => (n === 0 ? 0 : createHash('sha256').update(id).digest()[0] % n);

/** Slot ranges of n shards, split evenly over the 16384 hash slots. */
function slotsOf(index: number, shards: number): string {
  const start = Math.floor((HASH_SLOTS * index) / shards);
  const end = Math.floor((HASH_SLOTS * (index + 1)) / shards) - 1;
  return `${start}-${end}`;
}

/** The node groups of a new group: members spread over the subnet group's zones, the primary first. */
function layoutOf(id: string, shape: Shape, zones: string[]): NodeGroupLayout[] {
  const first = pick(id, zones.length);
  return memberIdsOf(id, shape).map((ids, s) => ({
    id: pad(s + 1, 4),
    slots: shape.clusterMode ? slotsOf(s, shape.shards) : undefined,
    members: ids.map((clusterId, n) => ({
      clusterId,
      role: n === 0 ? ('primary' as const) : ('replica' as const),
      az: zones.length > 0 ? zones[(first + s + n) % zones.length] : '',
    })),
  }));
}

function checkEngine(input: CreateGroupInput, snapshot: CacheSnapshot | undefined): { engine: string; engineVersion: string } {
  const engine = input.Engine ?? snapshot?.config.engine ?? 'redis';
  if (!(SUPPORTED_ENGINES as readonly string[]).includes(engine)) {
    throw ecErrors.invalidParameterValue(`Invalid value ${engine} for Engine: replication groups run valkey or redis.`);
  }
  if (snapshot && engine !== snapshot.config.engine) {
    throw ecErrors.invalidParameterCombination(
      `Snapshot ${snapshot.name} is of engine ${snapshot.config.engine}; it cannot be restored as ${engine}.`,
    );
  }
  const engineVersion = input.EngineVersion ?? snapshot?.config.engineVersion ?? latestVersion(engine);
  if (!ENGINE_VERSIONS[engine].includes(engineVersion)) {
    throw ecErrors.invalidParameterValue(`Cannot find version ${engineVersion} for ${engine}`);
  }
  if (snapshot && compareVersions(engineVersion, snapshot.config.engineVersion) < 0) {
    throw ecErrors.invalidParameterCombination(
      `Snapshot ${snapshot.name} was taken with ${snapshot.config.engine} ${snapshot.config.engineVersion}; it cannot be restored to the older version ${engineVersion}.`,
    );
  }
  return { engine, engineVersion };
}

const UNSUPPORTED: (keyof CreateGroupInput)[] = [
  'GlobalReplicationGroupId',
  'PrimaryClusterId',
  'NodeGroupConfiguration',
  'PreferredCacheClusterAZs',
  'CacheSecurityGroupNames',
  'SnapshotArns',
  'ServerlessCacheSnapshotName',
];

/**
 * CreateReplicationGroup, empty or from a snapshot (SnapshotName). The group is 'creating' for about eight
 * minutes plus a minute per GB of the snapshot's data (scaled by the speed), with its member clusters; the
 * snapshot shows 'restoring' meanwhile. Tags go on the group and its clusters. The AUTH token is whatever the
 * call sets (a snapshot carries none).
 */
export function createReplicationGroup(input: CreateGroupInput, ctx: RequestContext) {
  const { world, accountId, region } = ctx;
  const state = elasticacheState(world, accountId, region);
  const now = world.clock.nowMs();
  const id = checkGroupId('ReplicationGroupId', input.ReplicationGroupId);
  if (!input.ReplicationGroupDescription) throw ecErrors.missingParameter('ReplicationGroupDescription');
  for (const name of UNSUPPORTED) if (input[name] !== undefined) throw ecErrors.unsupported(name);
  if (findGroup(state, now, id)) throw ecErrors.groupExists(id);

  let snapshot: CacheSnapshot | undefined;
  if (input.SnapshotName !== undefined) {
    const name = checkSnapshotName('SnapshotName', input.SnapshotName);
    snapshot = findSnapshot(state, now, name);
    if (!snapshot) throw ecErrors.snapshotNotFound(name);
    const status = snapshotStatus(state, snapshot, now);
    if (status === 'creating') throw ecErrors.snapshotState(snapshot.name, status);
  }
  const { engine, engineVersion } = checkEngine(input, snapshot);
  const nodeType = input.CacheNodeType ?? snapshot?.config.cacheNodeType;
  if (!nodeType) throw ecErrors.missingParameter('CacheNodeType');
  checkNodeType(nodeType);

  const shape = shapeOf(input, snapshot);
  const automaticFailover = input.AutomaticFailoverEnabled ?? shape.clusterMode;
  if (shape.clusterMode && !automaticFailover) {
    throw ecErrors.invalidParameterCombination(
      'AutomaticFailoverEnabled must be enabled for replication groups with cluster mode enabled.',
    );
  }
  if (automaticFailover && !shape.clusterMode && shape.replicas < 1) {
    throw ecErrors.invalidParameterCombination(
      'AutomaticFailoverEnabled needs at least one read replica: NumCacheClusters must be at least 2.',
    );
  }
  const multiAZ = input.MultiAZEnabled ?? false;
  if (multiAZ && !automaticFailover) {
    throw ecErrors.invalidParameterCombination('MultiAZEnabled requires AutomaticFailoverEnabled.');
  }

  const subnetGroupName = (input.CacheSubnetGroupName ?? 'default').toLowerCase();
  const subnetGroup = state.subnetGroups.get(subnetGroupName);
  if (!subnetGroup) throw ecErrors.subnetGroupNotFound(subnetGroupName);
  const defaultSg = state.vpcDefaultSecurityGroups.get(subnetGroup.vpcId);
  const securityGroupIds = input.SecurityGroupIds?.length ? [...input.SecurityGroupIds] : defaultSg ? [defaultSg] : [];
  checkSecurityGroups(state, securityGroupIds, subnetGroup.vpcId);
  const zones = [...new Set(subnetGroup.subnets.map((s) => s.az))];
  if (multiAZ && zones.length < 2) {
    throw ecErrors.invalidParameterCombination(
      `Multi-AZ needs subnets in at least two Availability Zones; cache subnet group ${subnetGroupName} has ${zones.length}.`,
    );
  }

  const parameterGroupName =
    input.CacheParameterGroupName ?? defaultParameterGroup(engine, engineVersion, shape.clusterMode);
  if (!parameterGroupExists(state, parameterGroupName)) throw ecErrors.parameterGroupNotFound(parameterGroupName);

  const transit = input.TransitEncryptionEnabled ?? false;
  if (input.AuthToken !== undefined) {
    if (!transit) {
      throw ecErrors.invalidParameterCombination(
        'AuthToken can be specified only on replication groups where TransitEncryptionEnabled is true.',
      );
    }
    checkAuthToken(input.AuthToken);
  }
  const userGroupIds = input.UserGroupIds ?? [];
  if (userGroupIds.length > 0) {
    if (input.AuthToken !== undefined) {
      throw ecErrors.invalidParameterCombination('AuthToken and UserGroupIds cannot be specified together.');
    }
    if (!transit) {
      throw ecErrors.invalidParameterCombination('User groups can only be used with TransitEncryptionEnabled.');
    }
    for (const ug of userGroupIds) if (!state.userGroups.has(ug)) throw ecErrors.userGroupNotFound(ug);
  }
  const retention = input.SnapshotRetentionLimit ?? 0;
  checkRetentionLimit(retention);
  const snapshotWindow = input.SnapshotWindow ?? '18:00-19:00';
  checkSnapshotWindow(snapshotWindow);
  const maintenanceWindow = input.PreferredMaintenanceWindow ?? 'sun:19:00-sun:20:00';
  checkMaintenanceWindow(maintenanceWindow);
  const port = input.Port ?? snapshot?.config.port ?? 6379;
  if (!Number.isInteger(port) || port < 1024 || port > 65535) {
    throw ecErrors.invalidParameterValue(`Invalid value ${port} for Port. Must be between 1024 and 65535.`);
  }

  // A member id taken by another cluster (a primary kept by RetainPrimaryCluster) refuses the group.
  for (const clusterId of memberIdsOf(id, shape).flat()) {
    if (state.clusters.has(clusterId)) throw ecErrors.clusterExists(clusterId);
  }

  const tags = tagsFromInput(input.Tags);
  // AWS authorises tagging at creation a second time, as elasticache:AddTagsToResource on the new group.
  if (tags.size > 0) {
    checkPermission(
      ctx,
      'elasticache:AddTagsToResource',
      [replicationGroupArn(region, accountId, id)],
      requestTagContext(Object.fromEntries(tags)),
    );
  }

  const dataSizeMb = snapshot ? snapshotSizeMb(snapshot) : 0;
  const availableAt = now + world.scaled(DURATIONS.create(dataSizeMb));
  const group: ReplicationGroup = {
    engine,
    engineVersion,
    cacheNodeType: nodeType,
    port,
    subnetGroupName,
    securityGroupIds,
    parameterGroupName,
    transitEncryptionEnabled: transit,
    atRestEncryptionEnabled: input.AtRestEncryptionEnabled ?? engine === 'valkey',
    kmsKeyId: input.KmsKeyId,
    snapshotRetentionLimit: retention,
    snapshotWindow,
    preferredMaintenanceWindow: maintenanceWindow,
    autoMinorVersionUpgrade: input.AutoMinorVersionUpgrade ?? true,
    id,
    arn: replicationGroupArn(region, accountId, id),
    description: input.ReplicationGroupDescription,
    clusterMode: shape.clusterMode,
    nodeGroups: layoutOf(id, shape, zones),
    automaticFailover,
    multiAZ,
    userGroupIds: [...userGroupIds],
    authToken: input.AuthToken,
    authTokenLastModified: input.AuthToken !== undefined ? now : undefined,
    tags: new Map(tags),
    createdAt: now,
    availableAt,
    phases: [],
    fromSnapshot: snapshot
      ? { name: snapshot.name, arn: snapshot.arn, replicationGroupId: snapshot.replicationGroupId, takenAt: snapshot.createdAt }
      : undefined,
    dataSizeMb,
    lastAutomaticSnapshotAt: availableAt,
  };
  state.replicationGroups.set(id, group);
  for (const ng of group.nodeGroups) {
    for (const m of ng.members) state.clusters.set(m.clusterId, memberCluster(group, ng.id, m, now));
  }
  serveGroupCopy(ctx, group);
  return { ReplicationGroup: groupView(state, group, now, region, accountId) };
}

function memberCluster(
  group: ReplicationGroup,
  nodeGroupId: string,
  member: NodeGroupLayout['members'][number],
  now: number,
): CacheCluster {
  const [, , , region, accountId] = group.arn.split(':');
  return {
    ...configOf(group),
    id: member.clusterId,
    arn: cacheClusterArn(region, accountId, member.clusterId),
    replicationGroupId: group.id,
    nodeGroupId,
    role: member.role,
    az: member.az,
    authToken: group.authToken,
    authTokenLastModified: group.authTokenLastModified,
    tags: new Map(group.tags),
    createdAt: now,
    availableAt: group.availableAt,
  };
}

function mustFindGroup(state: ElastiCacheState, now: number, id: string | undefined): ReplicationGroup {
  if (!id) throw ecErrors.missingParameter('ReplicationGroupId');
  const group = findGroup(state, now, id);
  if (!group) throw ecErrors.groupNotFound(id.toLowerCase());
  return group;
}

export function describeReplicationGroups(
  input: { ReplicationGroupId?: string; Marker?: string; MaxRecords?: number },
  ctx: RequestContext,
) {
  const { world, accountId, region } = ctx;
  const state = elasticacheState(world, accountId, region);
  const now = world.clock.nowMs();
  const groups = input.ReplicationGroupId ? [mustFindGroup(state, now, input.ReplicationGroupId)] : liveGroups(state, now);
  const result = page(groups, (g) => g.id, input);
  return {
    ReplicationGroups: result.items.map((g) => groupView(state, g, now, region, accountId)),
    Marker: result.marker,
  };
}

/**
 * DeleteReplicationGroup: only an available or create-failed group (ElastiCache answers InvalidReplicationGroupState
 * while it is creating, modifying or already deleting). FinalSnapshotIdentifier takes a manual snapshot from the primary
 * first (which also needs elasticache:CreateSnapshot on it); RetainPrimaryCluster keeps the primary as a
 * standalone cache cluster (one node group only). The group shows 'deleting' for a few minutes, then is gone.
 */
export function deleteReplicationGroup(
  input: { ReplicationGroupId?: string; RetainPrimaryCluster?: boolean; FinalSnapshotIdentifier?: string },
  ctx: RequestContext,
) {
  const { world, accountId, region } = ctx;
  const state = elasticacheState(world, accountId, region);
  const now = world.clock.nowMs();
  const group = mustFindGroup(state, now, input.ReplicationGroupId);
  const status = groupStatus(group, now);
  if (status === 'creating') {
    throw ecErrors.groupState(`Cache cluster ${memberClusterIds(group)[0]} is not in a valid state to be deleted.`);
  }
  if (status === 'deleting') throw ecErrors.groupState(`Replication group ${group.id} is already being deleted.`);
  if (status !== 'available' && status !== 'create-failed') {
    throw ecErrors.groupState(`Replication group ${group.id} must be in available state to be deleted (status: ${status}).`);
  }
  if (status === 'create-failed' && input.FinalSnapshotIdentifier !== undefined) {
    throw ecErrors.groupState(`Replication group ${group.id} failed to create: it has no data to take a final snapshot of.`);
  }
  const retain = input.RetainPrimaryCluster === true;
  if (retain && (group.clusterMode || group.nodeGroups.length > 1)) {
    throw ecErrors.invalidParameterCombination(
      'RetainPrimaryCluster is only valid for replication groups with a single node group (cluster mode disabled).',
    );
  }
  const primary = group.nodeGroups[0].members.find((m) => m.role === 'primary')!;
  let goneAt = now + world.scaled(DURATIONS.deletion);
  if (input.FinalSnapshotIdentifier !== undefined) {
    const name = checkSnapshotName('FinalSnapshotIdentifier', input.FinalSnapshotIdentifier);
    if (findSnapshot(state, now, name)) throw ecErrors.snapshotExists(name);
    checkPermission(ctx, 'elasticache:CreateSnapshot', [cacheSnapshotArn(region, accountId, name)]);
    const snapshot = snapshotOfGroup(state, group, name, 'manual', { createdAt: now, availableAt: now }, primary.clusterId);
    snapshot.availableAt = now + world.scaled(DURATIONS.snapshot(snapshotSizeMb(snapshot)));
    state.snapshots.set(name, snapshot);
    goneAt = snapshot.availableAt + world.scaled(DURATIONS.deletion);
  }
  group.deletion = { requestedAt: now, goneAt };
  stopServing(ctx, group.arn);
  for (const cluster of state.clusters.values()) {
    if (cluster.replicationGroupId !== group.id) continue;
    if (retain && cluster.id === primary.clusterId) continue;
    cluster.deletion = { requestedAt: now, goneAt };
  }
  return { ReplicationGroup: groupView(state, group, now, region, accountId) };
}

interface ModifyGroupInput {
  ReplicationGroupId?: string;
  ApplyImmediately?: boolean;
  ReplicationGroupDescription?: string;
  SnapshotRetentionLimit?: number;
  SnapshotWindow?: string;
  PreferredMaintenanceWindow?: string;
  SecurityGroupIds?: string[];
  AuthToken?: string;
  AuthTokenUpdateStrategy?: string;
  [other: string]: unknown;
}

const MODIFIABLE = new Set([
  'ReplicationGroupId',
  'ApplyImmediately',
  'ReplicationGroupDescription',
  'SnapshotRetentionLimit',
  'SnapshotWindow',
  'PreferredMaintenanceWindow',
  'SecurityGroupIds',
  'AuthToken',
  'AuthTokenUpdateStrategy',
]);

/**
 * ModifyReplicationGroup, for what a clone's owner may change: the description, SnapshotRetentionLimit,
 * SnapshotWindow and maintenance window (at once), the VPC security groups and the AUTH token (ROTATE or SET,
 * which need in-transit encryption; DELETE) as a few minutes of 'modifying'. Anything else is refused as not
 * supported by the sandbox. Only an available group can be modified.
 */
export function modifyReplicationGroup(input: ModifyGroupInput, ctx: RequestContext) {
  const { world, accountId, region } = ctx;
  const state = elasticacheState(world, accountId, region);
  const now = world.clock.nowMs();
  const group = mustFindGroup(state, now, input.ReplicationGroupId);
  for (const [name, value] of Object.entries(input)) {
    if (value !== undefined && !MODIFIABLE.has(name)) throw ecErrors.unsupported(`modifying ${name}`);
  }
  if (input.SnapshotRetentionLimit !== undefined) checkRetentionLimit(input.SnapshotRetentionLimit);
  if (input.SnapshotWindow !== undefined) checkSnapshotWindow(input.SnapshotWindow);
  if (input.PreferredMaintenanceWindow !== undefined) checkMaintenanceWindow(input.PreferredMaintenanceWindow);
  const vpcId = state.subnetGroups.get(group.subnetGroupName)?.vpcId ?? '';
  if (input.SecurityGroupIds?.length) checkSecurityGroups(state, input.SecurityGroupIds, vpcId);
  const strategy = input.AuthTokenUpdateStrategy ?? (input.AuthToken !== undefined ? 'ROTATE' : undefined);
  if (strategy !== undefined) {
    if (!['ROTATE', 'SET', 'DELETE'].includes(strategy)) {
      throw ecErrors.invalidParameterValue(`Invalid value ${strategy} for AuthTokenUpdateStrategy. Valid values: ROTATE, SET, DELETE.`);
    }
    if (strategy !== 'DELETE' && input.AuthToken === undefined) {
      throw ecErrors.invalidParameterCombination('AuthTokenUpdateStrategy must be specified with AuthToken.');
    }
    if (strategy === 'DELETE' && input.AuthToken !== undefined) {
      throw ecErrors.invalidParameterCombination('AuthToken cannot be specified with AuthTokenUpdateStrategy DELETE.');
    }
    if (input.AuthToken !== undefined) {
      if (!group.transitEncryptionEnabled) {
        throw ecErrors.invalidParameterCombination(
          'AuthToken can be specified only on replication groups where TransitEncryptionEnabled is true.',
        );
      }
      checkAuthToken(input.AuthToken);
    }
  }
  const status = groupStatus(group, now);
  if (status !== 'available') throw ecErrors.groupState('Replication group must be in available state to modify.');

  if (input.ReplicationGroupDescription !== undefined) group.description = input.ReplicationGroupDescription;
  const members = [...state.clusters.values()].filter((c) => c.replicationGroupId === group.id);
  const immediate: Partial<ReplicationGroup> = {};
  if (input.SnapshotRetentionLimit !== undefined) immediate.snapshotRetentionLimit = input.SnapshotRetentionLimit;
  if (input.SnapshotWindow !== undefined) immediate.snapshotWindow = input.SnapshotWindow;
  if (input.PreferredMaintenanceWindow !== undefined) immediate.preferredMaintenanceWindow = input.PreferredMaintenanceWindow;
  // A retention turned on counts from now: no backups appear for the days it was off.
  if (immediate.snapshotRetentionLimit && group.snapshotRetentionLimit === 0) group.lastAutomaticSnapshotAt = now;
  Object.assign(group, immediate);
  for (const c of members) Object.assign(c, immediate);

  // Security groups and the AUTH token take effect at once; the group shows 'modifying' while they propagate.
  const pending: Record<string, unknown> = {};
  if (input.SecurityGroupIds?.length) {
    group.securityGroupIds = [...input.SecurityGroupIds];
    for (const c of members) c.securityGroupIds = [...input.SecurityGroupIds];
  }
  if (strategy !== undefined) {
    // ROTATE keeps the old token valid too until the next change; the sandbox keeps only the new one.
    pending.AuthTokenStatus = strategy === 'ROTATE' ? 'ROTATING' : 'SETTING';
    group.authToken = strategy === 'DELETE' ? undefined : input.AuthToken;
    group.authTokenLastModified = now;
    for (const c of members) {
      c.authToken = group.authToken;
      c.authTokenLastModified = now;
    }
  }
  if (input.SecurityGroupIds?.length || strategy !== undefined) {
    const phase: GroupPhase = { status: 'modifying', until: now + world.scaled(DURATIONS.modify), pending };
    group.phases.push(phase);
  }
  return { ReplicationGroup: groupView(state, group, now, region, accountId) };
}
