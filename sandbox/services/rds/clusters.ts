import { createHash } from 'node:crypto';
import { checkPermission, requestTagContext } from '../../core/authorize.ts';
import { upperId } from '../../core/ids.ts';
import type { RequestContext } from '../../core/service.ts';
import {
  CLUSTER_DURATIONS,
  clusterMembers,
  clusterSnapshotOf,
  clusterStatus,
  findCluster,
  findClusterSnapshot,
  liveClusters,
  liveClusterSnapshotsWhere,
  byId as byClusterSnapshotId,
  clusterArn,
  type ClusterPhase,
  type ClusterSnapshot,
  type DbCluster,
} from './cluster-state.ts';
import { clusterSnapshotView, clusterView } from './cluster-view.ts';
import { checkIdentifier, checkPasswordChange, checkSecurityGroups, rdsErrors } from './errors.ts';
import { applyFilters, page, type Filter } from './paging.ts';
import { stopServing } from './data-plane.ts';
import { checkRotation, createManagedSecret, deleteManagedSecret, notManaged, rotateManagedSecret } from './secrets.ts';
import { checkServerlessScaling } from './aurora-versions.ts';
import { dbArn, idOf, identifierTaken, rdsState, type DbInstance, type RdsState } from './state.ts';
import { tagsFromInput } from './tags.ts';
import { instanceView } from './view.ts';
import { checkSnapshotType } from './snapshots.ts';

/** Default (cluster) parameter and option group names of an Aurora engine version. */
export function auroraGroups(engine: string, engineVersion: string): { parameterGroup: string; optionGroup: string } {
  const [major, minor] = engineVersion.split('.');
  if (engine === 'aurora-postgresql') {
    return { parameterGroup: `default.aurora-postgresql${major}`, optionGroup: `default:aurora-postgresql-${major}` };
  }
  return { parameterGroup: `default.${engine}${major}.${minor}`, optionGroup: `default:${engine}-${major}-${minor}` };
}

/** Aurora's BackupRetentionPeriod: 1 to 35 days (automated backups cannot be turned off). */
export function checkClusterRetention(retention: number): void {
  if (!Number.isInteger(retention) || retention < 1 || retention > 35) {
    throw rdsErrors.invalidParameterValue(
      `Invalid value ${retention} for BackupRetentionPeriod. Must be between 1 and 35.`,
    );
  }
}

export function mustFindCluster(state: RdsState, now: number, id: string | undefined): DbCluster {
  if (!id) throw rdsErrors.missingParameter('DBClusterIdentifier');
  const cluster = findCluster(state, now, id);
  if (!cluster) throw rdsErrors.clusterNotFound(id);
  return cluster;
}

export function describeDBClusters(
  input: { DBClusterIdentifier?: string; Filters?: Filter[]; Marker?: string; MaxRecords?: number },
  ctx: RequestContext,
) {
  const { world, accountId, region } = ctx;
  const state = rdsState(world, accountId, region);
  const now = world.clock.nowMs();
  let clusters = input.DBClusterIdentifier
    ? [mustFindCluster(state, now, input.DBClusterIdentifier)]
    : liveClusters(state, now);
  clusters = applyFilters(clusters, input.Filters, {
    'db-cluster-id': (c) => [c.id, c.arn],
    'db-cluster-resource-id': (c) => [c.resourceId],
    'clone-group-id': (c) => [c.cloneGroupId],
    engine: (c) => [c.engine],
    domain: () => [],
  });
  const result = page(clusters, (c) => c.id, input);
  return { DBClusters: result.items.map((c) => clusterView(state, c, now, region, accountId)), Marker: result.marker };
}

export function describeDBClusterSnapshots(
  input: {
    DBClusterIdentifier?: string;
    DBClusterSnapshotIdentifier?: string;
    SnapshotType?: string;
    DbClusterResourceId?: string;
    Filters?: Filter[];
    Marker?: string;
    MaxRecords?: number;
  },
  ctx: RequestContext,
) {
  const { world, accountId, region } = ctx;
  const state = rdsState(world, accountId, region);
  const now = world.clock.nowMs();
  checkSnapshotType(input.SnapshotType);
  const clusterId = input.DBClusterIdentifier ? idOf(input.DBClusterIdentifier) : undefined;
  const keep = (s: ClusterSnapshot) =>
    (clusterId === undefined || s.clusterId === clusterId) &&
    (!input.SnapshotType || s.type === input.SnapshotType) &&
    (!input.DbClusterResourceId || s.clusterResourceId === input.DbClusterResourceId);
  let snapshots: ClusterSnapshot[];
  if (input.DBClusterSnapshotIdentifier) {
    const found = findClusterSnapshot(state, now, input.DBClusterSnapshotIdentifier);
    if (!found) throw rdsErrors.clusterSnapshotNotFound(input.DBClusterSnapshotIdentifier);
    // "If this identifier is for an automated snapshot, the SnapshotType parameter must also be specified."
    // (API reference): without it the sandbox answers nothing.
    snapshots = found.type === 'automated' && input.SnapshotType !== 'automated' ? [] : [found].filter(keep);
  } else {
    snapshots = liveClusterSnapshotsWhere(state, now, keep);
  }
  snapshots = applyFilters(snapshots, input.Filters, {
    'db-cluster-id': (s) => [s.clusterId, clusterArn(region, accountId, s.clusterId)],
    'db-cluster-snapshot-id': (s) => [s.id, s.arn],
    'snapshot-type': (s) => [s.type],
    engine: (s) => [s.config.engine],
  });
  // Sorted after filtering: a long history costs a pass per page, not a sort of all of it.
  const result = page(snapshots.sort(byClusterSnapshotId), (s) => s.id, input);
  return {
    DBClusterSnapshots: result.items.map((s) => clusterSnapshotView(state, s, now)),
    Marker: result.marker,
  };
}

interface ModifyClusterInput {
  DBClusterIdentifier?: string;
  NewDBClusterIdentifier?: string;
  ApplyImmediately?: boolean;
  BackupRetentionPeriod?: number;
  MasterUserPassword?: string;
  ManageMasterUserPassword?: boolean;
  RotateMasterUserPassword?: boolean;
  MasterUserSecretKmsKeyId?: string;
  DeletionProtection?: boolean;
  CopyTagsToSnapshot?: boolean;
  VpcSecurityGroupIds?: string[];
  EnableIAMDatabaseAuthentication?: boolean;
  ServerlessV2ScalingConfiguration?: { MinCapacity?: number; MaxCapacity?: number; SecondsUntilAutoPause?: number };
}

/**
 * ModifyDBCluster: DeletionProtection, CopyTagsToSnapshot and IAM authentication at once; a new password
 * as 'resetting-master-credentials'; retention, security groups, Serverless v2 capacity and managing the
 * password in Secrets Manager as 'modifying'. Aurora applies these as soon as possible whatever
 * ApplyImmediately says (it only matters for settings the sandbox does not model).
 */
export function modifyDBCluster(input: ModifyClusterInput, ctx: RequestContext) {
  const { world, accountId, region } = ctx;
  const state = rdsState(world, accountId, region);
  const now = world.clock.nowMs();
  const cluster = mustFindCluster(state, now, input.DBClusterIdentifier);
  if (input.NewDBClusterIdentifier !== undefined) {
    throw rdsErrors.invalidParameterValue(
      'The snapclone sandbox does not rename DB clusters (NewDBClusterIdentifier).',
    );
  }
  checkPasswordChange(input, Boolean(cluster.masterUserSecret), cluster.engine, true);
  if (input.ManageMasterUserPassword === false && !cluster.masterUserSecret) throw notManaged();
  checkRotation(cluster, input);
  if (input.ServerlessV2ScalingConfiguration) checkServerlessScaling(input.ServerlessV2ScalingConfiguration, cluster);
  if (input.BackupRetentionPeriod !== undefined) checkClusterRetention(input.BackupRetentionPeriod);
  checkSecurityGroups(state, input.VpcSecurityGroupIds ?? [], state.subnetGroups.get(cluster.subnetGroupName)?.vpcId);
  const status = clusterStatus(cluster, now);
  if (status !== 'available') {
    throw rdsErrors.clusterState(`DB cluster is not in available state (status: ${status}).`);
  }

  if (input.DeletionProtection !== undefined) cluster.deletionProtection = input.DeletionProtection;
  if (input.CopyTagsToSnapshot !== undefined) cluster.copyTagsToSnapshot = input.CopyTagsToSnapshot;
  if (input.EnableIAMDatabaseAuthentication !== undefined) {
    cluster.iamDatabaseAuthenticationEnabled = input.EnableIAMDatabaseAuthentication;
  }

  const pending: Record<string, unknown> = {};
  const apply: NonNullable<ClusterPhase['apply']> = {};
  let duration = 0;
  let onlyPassword = true;
  if (input.ManageMasterUserPassword === true && !cluster.masterUserSecret) {
    createManagedSecret(ctx, cluster, input.MasterUserSecretKmsKeyId);
    duration = Math.max(duration, CLUSTER_DURATIONS.modify);
    onlyPassword = false;
  }
  if (input.ManageMasterUserPassword === false && cluster.masterUserSecret) deleteManagedSecret(ctx, cluster);
  if (input.MasterUserPassword !== undefined) {
    pending.MasterUserPassword = '****';
    apply.masterPassword = input.MasterUserPassword;
    duration = Math.max(duration, CLUSTER_DURATIONS.passwordReset);
  }
  const rotated = rotateManagedSecret(ctx, cluster, input);
  if (rotated !== undefined) {
    apply.masterPassword = rotated;
    duration = Math.max(duration, CLUSTER_DURATIONS.passwordReset);
  }
  if (input.BackupRetentionPeriod !== undefined && input.BackupRetentionPeriod !== cluster.backupRetentionPeriod) {
    pending.BackupRetentionPeriod = input.BackupRetentionPeriod;
    apply.backupRetentionPeriod = input.BackupRetentionPeriod;
    duration = Math.max(duration, CLUSTER_DURATIONS.modify);
    onlyPassword = false;
  }
  if (input.VpcSecurityGroupIds?.length) {
    apply.vpcSecurityGroupIds = [...input.VpcSecurityGroupIds];
    duration = Math.max(duration, CLUSTER_DURATIONS.modify);
    onlyPassword = false;
  }
  if (input.ServerlessV2ScalingConfiguration) {
    apply.serverlessV2 = { ...input.ServerlessV2ScalingConfiguration };
    duration = Math.max(duration, CLUSTER_DURATIONS.modify);
    onlyPassword = false;
  }
  if (duration > 0) {
    cluster.phases.push({
      status: onlyPassword ? 'resetting-master-credentials' : 'modifying',
      until: now + world.scaled(duration),
      pending,
      apply,
    });
  }
  return { DBCluster: clusterView(state, cluster, now, region, accountId) };
}

/**
 * DeleteDBCluster: refused while deletion protection is on (InvalidParameterCombination, as for instances)
 * and while any member instance is not being deleted (InvalidDBClusterStateFault); a final cluster snapshot
 * unless SkipFinalSnapshot.
 */
export function deleteDBCluster(
  input: {
    DBClusterIdentifier?: string;
    SkipFinalSnapshot?: boolean;
    FinalDBSnapshotIdentifier?: string;
    DeleteAutomatedBackups?: boolean;
  },
  ctx: RequestContext,
) {
  const { world, accountId, region } = ctx;
  const state = rdsState(world, accountId, region);
  const now = world.clock.nowMs();
  const cluster = mustFindCluster(state, now, input.DBClusterIdentifier);
  const skip = input.SkipFinalSnapshot === true;
  if (skip && input.FinalDBSnapshotIdentifier) {
    throw rdsErrors.invalidParameterCombination('Cannot specify both SkipFinalSnapshot and FinalDBSnapshotIdentifier.');
  }
  if (!skip && !input.FinalDBSnapshotIdentifier) {
    throw rdsErrors.invalidParameterCombination(
      'FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.',
    );
  }
  const status = clusterStatus(cluster, now);
  if (cluster.deletion) throw rdsErrors.clusterState(`Cluster ${cluster.id} is already being deleted.`);
  if (cluster.deletionProtection) {
    throw rdsErrors.invalidParameterCombination(
      'Cannot delete protected Cluster, please disable deletion protection and try again.',
    );
  }
  if (clusterMembers(state, cluster, now).some((m) => !m.deletion)) {
    throw rdsErrors.clusterState('Cluster cannot be deleted, it still contains DB instances in non-deleting state.');
  }
  let finalId: string | undefined;
  if (!skip) {
    finalId = checkIdentifier('FinalDBSnapshotIdentifier', input.FinalDBSnapshotIdentifier, 255);
    if (status === 'creating') {
      throw rdsErrors.clusterState(`Cluster ${cluster.id} is currently creating - a final snapshot cannot be taken.`);
    }
    if (state.clusterSnapshots.has(finalId)) throw rdsErrors.clusterSnapshotExists(finalId);
  }
  const goneAt = now + world.scaled(CLUSTER_DURATIONS.deletion);
  if (finalId) {
    state.clusterSnapshots.set(
      finalId,
      clusterSnapshotOf(cluster, finalId, 'manual', { createdAt: now, availableAt: goneAt }),
    );
  }
  deleteManagedSecret(ctx, cluster);
  cluster.deletion = { requestedAt: now, goneAt, deleteAutomatedBackups: input.DeleteAutomatedBackups !== false };
  stopServing(ctx, cluster.arn);
  return { DBCluster: clusterView(state, cluster, now, region, accountId) };
}

interface CreateInstanceInput {
  DBInstanceIdentifier?: string;
  DBInstanceClass?: string;
  Engine?: string;
  DBClusterIdentifier?: string;
  AvailabilityZone?: string;
  PubliclyAccessible?: boolean;
  CopyTagsToSnapshot?: boolean;
  PromotionTier?: number;
  Tags?: { Key?: string; Value?: string }[];
}

const pick = (id: string, n: number) => (n === 0 ? 0 : createHash('sha256').update(id).digest()[0] % n);

/**
 * CreateDBInstance, for Aurora cluster members only: the instance takes the cluster's engine, network and
 * credentials, is 'creating' for a few minutes, and is the writer when the cluster has none yet.
 * DBInstanceClass may be `db.serverless` (Serverless v2) when the cluster has a ServerlessV2ScalingConfiguration.
 */
export function createDBInstance(input: CreateInstanceInput, ctx: RequestContext) {
  const { world, accountId, region } = ctx;
  const state = rdsState(world, accountId, region);
  const now = world.clock.nowMs();
  const id = checkIdentifier('DBInstanceIdentifier', input.DBInstanceIdentifier);
  if (!input.DBInstanceClass) throw rdsErrors.missingParameter('DBInstanceClass');
  if (!input.Engine) throw rdsErrors.missingParameter('Engine');
  if (!input.DBClusterIdentifier) {
    throw rdsErrors.invalidParameterValue(
      'The snapclone sandbox creates DB instances only in Aurora DB clusters: specify DBClusterIdentifier.',
    );
  }
  const cluster = mustFindCluster(state, now, input.DBClusterIdentifier);
  if (input.Engine !== cluster.engine) {
    throw rdsErrors.invalidParameterCombination(
      `The engine name requested for your DB instance (${input.Engine}) doesn't match the engine name of your DB cluster (${cluster.engine}).`,
    );
  }
  const serverless = input.DBInstanceClass === 'db.serverless';
  if (!serverless && !/^db\.[a-z0-9]+\.[a-z0-9]+$/.test(input.DBInstanceClass)) {
    throw rdsErrors.invalidParameterCombination(
      `RDS does not support creating a DB instance with the following combination: DBInstanceClass=${input.DBInstanceClass}, Engine=${cluster.engine}, EngineVersion=${cluster.engineVersion}.`,
    );
  }
  if (serverless && !cluster.serverlessV2) {
    throw rdsErrors.invalidParameterCombination(
      'Set the Serverless v2 scaling configuration on the parent DB cluster before creating a Serverless v2 DB instance.',
    );
  }
  if (identifierTaken(state, now, id)) throw rdsErrors.instanceExists(id);
  const status = clusterStatus(cluster, now);
  if (status === 'creating' || status === 'deleting') {
    throw rdsErrors.clusterState(`DB cluster ${cluster.id} is not in available state (status: ${status}).`);
  }
  const group = state.subnetGroups.get(cluster.subnetGroupName);
  const zones = cluster.availabilityZones;
  if (input.AvailabilityZone && !zones.includes(input.AvailabilityZone)) {
    throw rdsErrors.invalidParameterCombination(
      `The DB cluster ${cluster.id} has no subnet in the Availability Zone ${input.AvailabilityZone}.`,
    );
  }
  const tags = tagsFromInput(input.Tags);
  if (tags.size > 0) {
    checkPermission(
      ctx,
      'rds:AddTagsToResource',
      [dbArn(region, accountId, id)],
      requestTagContext(Object.fromEntries(tags)),
    );
  }
  const groups = auroraGroups(cluster.engine, cluster.engineVersion);
  const availableAt = now + world.scaled(CLUSTER_DURATIONS.memberCreate);
  const instance: DbInstance = {
    engine: cluster.engine,
    engineVersion: cluster.engineVersion,
    instanceClass: input.DBInstanceClass,
    allocatedStorage: 1,
    storageType: cluster.storageType,
    port: cluster.port,
    masterUsername: cluster.masterUsername,
    dbName: cluster.databaseName,
    multiAZ: false,
    publiclyAccessible:
      input.PubliclyAccessible ?? (group ? (state.vpcs.get(group.vpcId)?.internetGateway ?? false) : false),
    availabilityZone: input.AvailabilityZone ?? zones[pick(id, zones.length)],
    subnetGroupName: cluster.subnetGroupName,
    vpcSecurityGroupIds: [...cluster.vpcSecurityGroupIds],
    parameterGroupName: groups.parameterGroup,
    optionGroupName: groups.optionGroup,
    licenseModel: cluster.engine === 'aurora-postgresql' ? 'postgresql-license' : 'general-public-license',
    backupRetentionPeriod: cluster.backupRetentionPeriod,
    deletionProtection: false,
    copyTagsToSnapshot: input.CopyTagsToSnapshot ?? false,
    autoMinorVersionUpgrade: true,
    iamDatabaseAuthenticationEnabled: cluster.iamDatabaseAuthenticationEnabled,
    storageEncrypted: cluster.storageEncrypted,
    kmsKeyId: cluster.kmsKeyId,
    preferredBackupWindow: cluster.preferredBackupWindow,
    preferredMaintenanceWindow: cluster.preferredMaintenanceWindow,
    id,
    arn: dbArn(region, accountId, id),
    dbiResourceId: `db-${upperId(26)}`,
    masterPassword: cluster.masterPassword,
    tags,
    createdAt: availableAt,
    visibleFrom: now,
    phases: [{ status: 'creating', until: availableAt }],
    pendingMaintenance: {},
    lastAutomatedSnapshotAt: availableAt,
    clusterId: cluster.id,
    clusterWriter: !clusterMembers(state, cluster, now).some((m) => m.clusterWriter),
    memberSince: now,
  };
  state.instances.set(id, instance);
  return { DBInstance: instanceView(state, instance, now, region, accountId) };
}
