import { randomUUID } from 'node:crypto';
import { checkPermission, requestTagContext } from '../../core/authorize.ts';
import { upperId } from '../../core/ids.ts';
import type { RequestContext } from '../../core/service.ts';
import {
  CLUSTER_DURATIONS,
  clonesInGroup,
  clusterArn,
  clusterConfigOf,
  clusterIdentifierTaken,
  clusterRestoreWindow,
  clusterSnapshotStatus,
  clusterStatus,
  findClusterSnapshot,
  liveClusters,
  MAX_CLONES_PER_COPY,
  type ClusterConfig,
  type DbCluster,
} from './cluster-state.ts';
import { clusterView } from './cluster-view.ts';
import { checkClusterRetention, mustFindCluster } from './clusters.ts';
import { checkIdentifier, checkSecurityGroups, rdsErrors } from './errors.ts';
import { checkServerlessScaling, restoredVersion } from './aurora-versions.ts';
import { serveClusterCopy, type CopyOrigin } from './data-plane.ts';
import { rdsState, type RdsState } from './state.ts';
import { tagsFromInput } from './tags.ts';

type TagInput = { Key?: string; Value?: string }[];

/** What RestoreDBClusterFromSnapshot and RestoreDBClusterToPointInTime share (the sandbox reads these). */
export interface ClusterRestoreParams {
  Port?: number;
  DBSubnetGroupName?: string;
  VpcSecurityGroupIds?: string[];
  DBClusterParameterGroupName?: string;
  DeletionProtection?: boolean;
  CopyTagsToSnapshot?: boolean;
  EnableIAMDatabaseAuthentication?: boolean;
  BackupRetentionPeriod?: number;
  PreferredBackupWindow?: string;
  StorageType?: string;
  ServerlessV2ScalingConfiguration?: { MinCapacity?: number; MaxCapacity?: number; SecondsUntilAutoPause?: number };
  Tags?: TagInput;
}

interface ClusterPlan {
  targetId: string;
  source: ClusterConfig;
  masterPassword: string;
  params: ClusterRestoreParams;
  tags: Map<string, string>;
  availableAt: number;
  clone?: { groupId: string };
  /** The source and time the copy holds the data of (served by a real engine when the source has data). */
  origin?: CopyOrigin;
}

/**
 * Builds the cluster a restore creates, with RDS's defaults for what the call does not say (the default
 * subnet group and its VPC's default security group, the engine's default cluster parameter group, no
 * deletion protection). A restored cluster has no DB instances: they are added with CreateDBInstance.
 */
function createRestoredCluster(ctx: RequestContext, plan: ClusterPlan): DbCluster {
  const { world, accountId, region } = ctx;
  const state = rdsState(world, accountId, region);
  const now = world.clock.nowMs();
  const p = plan.params;
  const id = plan.targetId;
  if (clusterIdentifierTaken(state, now, id)) throw rdsErrors.clusterExists(id);
  const subnetGroupName = p.DBSubnetGroupName?.toLowerCase() ?? 'default';
  const group = state.subnetGroups.get(subnetGroupName);
  if (!group) throw rdsErrors.subnetGroupNotFound(subnetGroupName);
  const securityGroups = p.VpcSecurityGroupIds?.length
    ? p.VpcSecurityGroupIds
    : [defaultSecurityGroup(state, group.vpcId)];
  checkSecurityGroups(state, securityGroups, group.vpcId);
  const parameterGroup = p.DBClusterParameterGroupName ?? plan.source.clusterParameterGroupName;
  if (!state.parameterGroups.has(parameterGroup)) throw rdsErrors.clusterParameterGroupNotFound(parameterGroup);
  const retention = p.BackupRetentionPeriod ?? plan.source.backupRetentionPeriod;
  checkClusterRetention(retention);
  if (p.ServerlessV2ScalingConfiguration) checkServerlessScaling(p.ServerlessV2ScalingConfiguration, plan.source);
  const cluster: DbCluster = {
    ...clusterConfigOf(plan.source),
    port: p.Port ?? plan.source.port,
    subnetGroupName,
    vpcSecurityGroupIds: [...securityGroups],
    availabilityZones: [...new Set(group.subnets.map((s) => s.az))],
    clusterParameterGroupName: parameterGroup,
    backupRetentionPeriod: retention,
    preferredBackupWindow: p.PreferredBackupWindow ?? plan.source.preferredBackupWindow,
    deletionProtection: p.DeletionProtection ?? false,
    copyTagsToSnapshot: p.CopyTagsToSnapshot ?? false,
    iamDatabaseAuthenticationEnabled: p.EnableIAMDatabaseAuthentication ?? plan.source.iamDatabaseAuthenticationEnabled,
    storageType: p.StorageType ?? plan.source.storageType,
    serverlessV2: p.ServerlessV2ScalingConfiguration ? { ...p.ServerlessV2ScalingConfiguration } : undefined,
    id,
    arn: clusterArn(region, accountId, id),
    resourceId: `cluster-${upperId(26)}`,
    masterPassword: plan.masterPassword,
    tags: new Map(plan.tags),
    createdAt: plan.availableAt,
    visibleFrom: now,
    phases: plan.availableAt > now ? [{ status: 'creating', until: plan.availableAt }] : [],
    lastAutomatedSnapshotAt: plan.availableAt,
    cloneGroupId: plan.clone?.groupId,
    isClone: plan.clone !== undefined,
  };
  // As on RDS: creating → backing-up (the first automated backup) → available.
  const backedUp = plan.availableAt + world.scaled(CLUSTER_DURATIONS.firstBackup);
  cluster.phases.push({ status: 'backing-up', until: backedUp });
  cluster.firstBackup = { at: plan.availableAt, until: backedUp };
  state.clusters.set(id, cluster);
  serveClusterCopy(ctx, cluster, plan.origin);
  return cluster;
}

function defaultSecurityGroup(state: RdsState, vpcId: string): string {
  const vpc = state.vpcs.get(vpcId);
  if (!vpc) throw rdsErrors.invalidParameterValue(`The VPC ${vpcId} of the DB subnet group does not exist.`);
  return vpc.defaultSecurityGroupId;
}

/** A restore that tags at creation also needs rds:AddTagsToResource on the new cluster, with those tags. */
function checkTagging(ctx: RequestContext, targetId: string, tags: Map<string, string>): void {
  if (tags.size === 0) return;
  checkPermission(
    ctx,
    'rds:AddTagsToResource',
    [clusterArn(ctx.region, ctx.accountId, targetId)],
    requestTagContext(Object.fromEntries(tags)),
  );
}

function checkEngine(requested: string | undefined, source: ClusterConfig, version?: string): void {
  if (!requested) throw rdsErrors.missingParameter('Engine');
  if (requested !== source.engine) {
    throw rdsErrors.invalidParameterCombination(
      `The engine ${requested} is not compatible with the engine of the snapshot (${source.engine}).`,
    );
  }
  if (version !== undefined && version.split('.')[0] !== source.engineVersion.split('.')[0]) {
    throw rdsErrors.invalidParameterCombination(
      `Cannot restore a ${source.engine} ${source.engineVersion} snapshot as version ${version}: upgrade the major version after the restore.`,
    );
  }
}

/**
 * RestoreDBClusterFromSnapshot: SnapshotIdentifier is a cluster snapshot's identifier or ARN (AWS Backup's
 * `cluster-snapshot:awsbackup:job-…` included). The new cluster is 'creating' for as long as a full copy
 * of its volume takes, then 'available', with no instances.
 */
export function restoreDBClusterFromSnapshot(
  input: ClusterRestoreParams & {
    DBClusterIdentifier?: string;
    SnapshotIdentifier?: string;
    Engine?: string;
    EngineVersion?: string;
  },
  ctx: RequestContext,
) {
  const { world, accountId, region } = ctx;
  const state = rdsState(world, accountId, region);
  const now = world.clock.nowMs();
  const targetId = checkIdentifier('DBClusterIdentifier', input.DBClusterIdentifier);
  if (!input.SnapshotIdentifier) throw rdsErrors.missingParameter('SnapshotIdentifier');
  const snapshot = findClusterSnapshot(state, now, input.SnapshotIdentifier);
  if (!snapshot) throw rdsErrors.clusterSnapshotNotFound(input.SnapshotIdentifier);
  checkEngine(input.Engine, snapshot.config, input.EngineVersion);
  // Without EngineVersion the clone gets the Region's default version of the engine, not the snapshot's.
  const engineVersion = restoredVersion(snapshot.config.engine, snapshot.config.engineVersion, input.EngineVersion);
  checkEngine(input.Engine, snapshot.config, engineVersion);
  const status = clusterSnapshotStatus(snapshot, now);
  if (status !== 'available') throw rdsErrors.clusterSnapshotState(snapshot.id, status);
  const tags = tagsFromInput(input.Tags);
  checkTagging(ctx, targetId, tags);
  const cluster = createRestoredCluster(ctx, {
    targetId,
    source: { ...snapshot.config, engineVersion },
    masterPassword: snapshot.masterPassword,
    params: input,
    tags,
    availableAt: now + world.scaled(CLUSTER_DURATIONS.fullCopy(snapshot.config.storageGb)),
    origin: { sourceId: snapshot.clusterId, sourceArn: clusterArn(region, accountId, snapshot.clusterId), at: snapshot.createdAt },
  });
  return { DBCluster: clusterView(state, cluster, now, region, accountId) };
}

/**
 * RestoreDBClusterToPointInTime. RestoreType full-copy (the default) copies the volume as it was at
 * RestoreToTime (inside EarliestRestorableTime … LatestRestorableTime, else InvalidRestoreFault) or at the
 * latest restorable time; its duration grows with the volume. copy-on-write makes a clone sharing the
 * source's volume in a few minutes whatever its size; it is only possible at the latest time
 * (RestoreToTime with copy-on-write is InvalidParameterCombination, as the model documents), and a copy
 * takes at most 15 clones: "After you have 15 clones, the next clone that you create is a full copy" (the
 * Aurora User Guide, cloning limitations), made silently, without a CloneGroupId.
 */
export function restoreDBClusterToPointInTime(
  input: ClusterRestoreParams & {
    DBClusterIdentifier?: string;
    SourceDBClusterIdentifier?: string;
    SourceDbClusterResourceId?: string;
    RestoreType?: string;
    RestoreToTime?: Date;
    UseLatestRestorableTime?: boolean;
  },
  ctx: RequestContext,
) {
  const { world, accountId, region } = ctx;
  const state = rdsState(world, accountId, region);
  const now = world.clock.nowMs();
  const targetId = checkIdentifier('DBClusterIdentifier', input.DBClusterIdentifier);
  const restoreType = input.RestoreType ?? 'full-copy';
  if (restoreType !== 'full-copy' && restoreType !== 'copy-on-write') {
    throw rdsErrors.invalidParameterValue(
      `Invalid value ${restoreType} for RestoreType. Valid values: full-copy, copy-on-write.`,
    );
  }
  const source = pitrSource(state, now, input);
  if (input.RestoreToTime && input.UseLatestRestorableTime) {
    throw rdsErrors.invalidParameterCombination('Cannot specify both RestoreToTime and UseLatestRestorableTime.');
  }
  if (!input.RestoreToTime && !input.UseLatestRestorableTime) {
    throw rdsErrors.invalidParameterCombination('Either RestoreToTime or UseLatestRestorableTime must be specified.');
  }
  if (input.RestoreToTime && restoreType === 'copy-on-write') {
    throw rdsErrors.invalidParameterCombination(
      'RestoreToTime cannot be specified with RestoreType copy-on-write: a clone can only be made at the latest restorable time.',
    );
  }
  const status = clusterStatus(source, now);
  if (status === 'deleting') throw rdsErrors.clusterState(`DB cluster ${source.id} is being deleted.`);
  const window = clusterRestoreWindow(state, source, now);
  if (!window) throw rdsErrors.clusterState(`DB cluster ${source.id} has no restorable time yet.`);
  if (input.RestoreToTime) {
    const at = input.RestoreToTime.getTime();
    if (at < window.earliest || at > window.latest) {
      throw rdsErrors.invalidRestore(
        `The restore time ${input.RestoreToTime.toISOString()} is outside the restorable window of DB cluster ${source.id}: ` +
          `${new Date(window.earliest).toISOString()} to ${new Date(window.latest).toISOString()}.`,
      );
    }
  }
  let clone: { groupId: string } | undefined;
  if (restoreType === 'copy-on-write') {
    const groupId = source.cloneGroupId ?? randomUUID();
    // "After you have 15 clones, the next clone that you create is a full copy": no error, no clone group.
    if (clonesInGroup(state, groupId, now).length < MAX_CLONES_PER_COPY) clone = { groupId };
  }
  const tags = tagsFromInput(input.Tags);
  checkTagging(ctx, targetId, tags);
  const duration = clone
    ? CLUSTER_DURATIONS.clone
    : CLUSTER_DURATIONS.fullCopy(source.storageGb) + CLUSTER_DURATIONS.logReplay;
  const cluster = createRestoredCluster(ctx, {
    targetId,
    source,
    masterPassword: source.masterPassword,
    params: input,
    tags,
    availableAt: now + world.scaled(duration),
    clone,
    // A copy-on-write clone shares the source's volume as it is now: its data is of the latest restorable time.
    origin: { sourceId: source.id, sourceArn: source.arn, at: input.RestoreToTime?.getTime() ?? window.latest },
  });
  // The source joins the clone group once it has a clone (AWS shows the same CloneGroupId on both).
  if (clone) source.cloneGroupId = clone.groupId;
  return { DBCluster: clusterView(state, cluster, now, region, accountId) };
}

function pitrSource(
  state: RdsState,
  now: number,
  input: { SourceDBClusterIdentifier?: string; SourceDbClusterResourceId?: string },
): DbCluster {
  if (input.SourceDBClusterIdentifier) return mustFindCluster(state, now, input.SourceDBClusterIdentifier);
  if (input.SourceDbClusterResourceId) {
    const found = liveClusters(state, now).find((c) => c.resourceId === input.SourceDbClusterResourceId);
    if (!found) throw rdsErrors.clusterNotFound(input.SourceDbClusterResourceId);
    return found;
  }
  throw rdsErrors.invalidParameterCombination(
    'One of SourceDBClusterIdentifier or SourceDbClusterResourceId must be specified.',
  );
}
