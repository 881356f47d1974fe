import { createHash } from 'node:crypto';
import { checkPermission, requestTagContext } from '../../core/authorize.ts';
import { upperId } from '../../core/ids.ts';
import type { RequestContext } from '../../core/service.ts';
import type { World } from '../../core/world.ts';
import { findAutomatedBackups } from './automated-backups.ts';
import type { RestoreWindow } from './backup-window.ts';
import { checkIdentifier, checkInstanceClass, checkRetention, checkSecurityGroups, rdsErrors } from './errors.ts';
import { serveInstanceCopy, type CopyOrigin } from './data-plane.ts';
import { createManagedSecret } from './secrets.ts';
import {
  configOf,
  dbArn,
  defaultGroups,
  DURATIONS,
  findInstance,
  findSnapshot,
  firstBackupOf,
  identifierTaken,
  liveInstances,
  rdsState,
  restoreWindow,
  snapshotStatus,
  type DbInstance,
  type InstanceConfig,
  type RdsState,
} from './state.ts';
import { tagsFromInput } from './tags.ts';
import { instanceView } from './view.ts';

/** The restore parameters RestoreDBInstanceFromDBSnapshot, RestoreDBInstanceToPointInTime and AWS Backup share. */
export interface RestoreParams {
  DBInstanceClass?: string;
  Port?: number;
  AvailabilityZone?: string;
  DBSubnetGroupName?: string;
  MultiAZ?: boolean;
  PubliclyAccessible?: boolean;
  AutoMinorVersionUpgrade?: boolean;
  LicenseModel?: string;
  DBName?: string;
  Engine?: string;
  OptionGroupName?: string;
  CopyTagsToSnapshot?: boolean;
  StorageType?: string;
  AllocatedStorage?: number;
  VpcSecurityGroupIds?: string[];
  EnableIAMDatabaseAuthentication?: boolean;
  DBParameterGroupName?: string;
  DeletionProtection?: boolean;
  BackupRetentionPeriod?: number;
  ManageMasterUserPassword?: boolean;
  MasterUserSecretKmsKeyId?: string;
}

export interface RestorePlan {
  targetId: string;
  source: InstanceConfig;
  masterPassword: string;
  params: RestoreParams;
  tags: Map<string, string>;
  /** When the instance shows up (now for RDS restores; when the job runs for AWS Backup). */
  visibleFrom: number;
  /** When its creation is over (then it takes its first automated backup, if it keeps any). */
  availableAt: number;
  /** The source and time the copy holds the data of (served by a real engine when the source has data). */
  origin?: CopyOrigin;
}

interface Where {
  world: World;
  accountId: string;
  region: string;
}

/**
 * Builds the instance a restore creates and adds it to the state, with RDS's defaults for what the call
 * does not say: the default subnet group, the default security group of its VPC, the engine's default
 * parameter group, Single-AZ, public only where the VPC has an internet gateway, no deletion protection.
 * Throws the AwsError RDS answers when the restore cannot be done.
 */
export function createRestoredInstance(where: Where, plan: RestorePlan): DbInstance {
  const { world, accountId, region } = where;
  const state = rdsState(world, accountId, region);
  const now = world.clock.nowMs();
  const p = plan.params;
  const id = plan.targetId;
  if (identifierTaken(state, now, id)) throw rdsErrors.instanceExists(id);
  const instanceClass = p.DBInstanceClass ?? plan.source.instanceClass;
  checkInstanceClass(instanceClass, plan.source);
  if (p.Engine !== undefined && p.Engine !== plan.source.engine) {
    throw rdsErrors.invalidParameterCombination(
      `The engine ${p.Engine} is not compatible with the source engine ${plan.source.engine}.`,
    );
  }
  // The API reference (and the SDK model) on ManageMasterUserPassword of both instance restores: "Constraints:
  // Applies to RDS for Oracle only." It names no error for other engines; the sandbox refuses with RDS's
  // InvalidParameterCombination, so that a restore relying on it fails here rather than keep the source's password.
  if (p.ManageMasterUserPassword === true && !plan.source.engine.startsWith('oracle')) {
    throw rdsErrors.invalidParameterCombination(
      `ManageMasterUserPassword is not supported when restoring a DB instance of engine ${plan.source.engine}: it applies to RDS for Oracle only. Set it with ModifyDBInstance after the restore.`,
    );
  }
  const multiAZ = p.MultiAZ ?? false;
  if (multiAZ && p.AvailabilityZone) {
    throw rdsErrors.invalidParameterCombination(
      'Requesting a specific availability zone is not valid for Multi-AZ instances.',
    );
  }
  const subnetGroupName = p.DBSubnetGroupName?.toLowerCase() ?? 'default';
  const group = state.subnetGroups.get(subnetGroupName);
  if (!group) throw rdsErrors.subnetGroupNotFound(subnetGroupName);
  const vpc = state.vpcs.get(group.vpcId);
  const securityGroups = p.VpcSecurityGroupIds?.length
    ? p.VpcSecurityGroupIds
    : [defaultSecurityGroup(state, group.vpcId)];
  checkSecurityGroups(state, securityGroups, group.vpcId);
  const parameterGroupName =
    p.DBParameterGroupName ?? defaultGroups(plan.source.engine, plan.source.engineVersion).parameterGroup;
  if (!state.parameterGroups.has(parameterGroupName)) throw rdsErrors.parameterGroupNotFound(parameterGroupName);
  const zones = group.subnets.map((s) => s.az);
  if (p.AvailabilityZone && !zones.includes(p.AvailabilityZone)) {
    throw rdsErrors.invalidParameterCombination(
      `The DB subnet group ${subnetGroupName} has no subnet in the Availability Zone ${p.AvailabilityZone}.`,
    );
  }
  const retention = p.BackupRetentionPeriod ?? plan.source.backupRetentionPeriod;
  checkRetention(retention);
  const instance: DbInstance = {
    ...configOf(plan.source),
    vpcSecurityGroupIds: [...securityGroups],
    instanceClass,
    port: p.Port ?? plan.source.port,
    availabilityZone: p.AvailabilityZone ?? zones[pick(id, zones.length)],
    subnetGroupName,
    multiAZ,
    publiclyAccessible: p.PubliclyAccessible ?? vpc?.internetGateway ?? false,
    autoMinorVersionUpgrade: p.AutoMinorVersionUpgrade ?? plan.source.autoMinorVersionUpgrade,
    licenseModel: p.LicenseModel ?? plan.source.licenseModel,
    dbName: p.DBName ?? plan.source.dbName,
    optionGroupName: p.OptionGroupName ?? plan.source.optionGroupName,
    copyTagsToSnapshot: p.CopyTagsToSnapshot ?? false,
    storageType: p.StorageType ?? plan.source.storageType,
    allocatedStorage: Math.max(p.AllocatedStorage ?? 0, plan.source.allocatedStorage),
    iamDatabaseAuthenticationEnabled: p.EnableIAMDatabaseAuthentication ?? plan.source.iamDatabaseAuthenticationEnabled,
    parameterGroupName,
    deletionProtection: p.DeletionProtection ?? false,
    backupRetentionPeriod: retention,
    id,
    arn: dbArn(region, accountId, id),
    dbiResourceId: `db-${upperId(26)}`,
    masterPassword: plan.masterPassword,
    tags: new Map(plan.tags),
    createdAt: plan.availableAt,
    visibleFrom: plan.visibleFrom,
    phases: plan.availableAt > now ? [{ status: 'creating', until: plan.availableAt }] : [],
    pendingMaintenance: {},
    lastAutomatedSnapshotAt: plan.availableAt,
  };
  if (retention > 0) {
    // As on RDS: creating → backing-up (the first automated backup) → available.
    const { phase, backup } = firstBackupOf(world, instance, plan.availableAt);
    instance.phases.push(phase);
    instance.firstBackup = backup;
  }
  if (p.ManageMasterUserPassword) createManagedSecret(where, instance, p.MasterUserSecretKmsKeyId);
  state.instances.set(id, instance);
  serveInstanceCopy(where, instance, plan.origin);
  return instance;
}

/** A stable choice among n for an identifier (the AZ a Single-AZ restore lands in). */
function pick(id: string, n: number): number {
  return n === 0 ? 0 : createHash('sha256').update(id).digest()[0] % n;
}

function defaultSecurityGroup(state: RdsState, vpcId: string): string {
  const vpc = state.vpcs.get(vpcId);
  if (!vpc) throw rdsErrors.invalidParameterValue(`The VPC ${vpcId} of the DB subnet group does not exist.`);
  return vpc.defaultSecurityGroupId;
}

const restoreDuration = (world: World, storageGb: number, extra = 0) =>
  world.scaled(DURATIONS.restore(storageGb) + extra);

/** A restore that tags at creation also needs rds:AddTagsToResource on the new instance, with those tags. */
function checkTagging(ctx: RequestContext, targetId: string, tags: Map<string, string>): void {
  if (tags.size === 0) return;
  checkPermission(ctx, 'rds:AddTagsToResource', [dbArn(ctx.region, ctx.accountId, targetId)], requestTagContext(Object.fromEntries(tags)));
}

export function restoreFromSnapshot(
  input: RestoreParams & {
    DBInstanceIdentifier?: string;
    DBSnapshotIdentifier?: string;
    Tags?: { Key?: string; Value?: string }[];
  },
  ctx: RequestContext,
) {
  const { world, accountId, region } = ctx;
  const state = rdsState(world, accountId, region);
  const now = world.clock.nowMs();
  const targetId = checkIdentifier('DBInstanceIdentifier', input.DBInstanceIdentifier);
  if (!input.DBSnapshotIdentifier) throw rdsErrors.missingParameter('DBSnapshotIdentifier');
  const snapshot = findSnapshot(state, now, input.DBSnapshotIdentifier);
  if (!snapshot) throw rdsErrors.snapshotNotFound(input.DBSnapshotIdentifier);
  const status = snapshotStatus(snapshot, now);
  if (status !== 'available') throw rdsErrors.snapshotState(snapshot.id, status);
  const tags = tagsFromInput(input.Tags);
  checkTagging(ctx, targetId, tags);
  const instance = createRestoredInstance(ctx, {
    targetId,
    source: snapshot.config,
    masterPassword: snapshot.masterPassword,
    params: input,
    tags,
    visibleFrom: now,
    availableAt: now + restoreDuration(world, snapshot.config.allocatedStorage),
    origin: { sourceId: snapshot.instanceId, sourceArn: dbArn(region, accountId, snapshot.instanceId), at: snapshot.createdAt },
  });
  return { DBInstance: instanceView(state, instance, now, region, accountId) };
}

export function restoreToPointInTime(
  input: RestoreParams & {
    TargetDBInstanceIdentifier?: string;
    SourceDBInstanceIdentifier?: string;
    SourceDbiResourceId?: string;
    SourceDBInstanceAutomatedBackupsArn?: string;
    RestoreTime?: Date;
    UseLatestRestorableTime?: boolean;
    Tags?: { Key?: string; Value?: string }[];
  },
  ctx: RequestContext,
) {
  const { world, accountId, region } = ctx;
  const state = rdsState(world, accountId, region);
  const now = world.clock.nowMs();
  const targetId = checkIdentifier('TargetDBInstanceIdentifier', input.TargetDBInstanceIdentifier);
  const source = pitrSource(state, now, input);
  if (input.RestoreTime && input.UseLatestRestorableTime) {
    throw rdsErrors.invalidParameterCombination('Cannot specify both RestoreTime and UseLatestRestorableTime.');
  }
  if (!input.RestoreTime && !input.UseLatestRestorableTime) {
    throw rdsErrors.invalidParameterCombination('Either RestoreTime or UseLatestRestorableTime must be specified.');
  }
  if (source.config.backupRetentionPeriod === 0) throw rdsErrors.pitrNotEnabled(source.id);
  const window = source.window;
  if (!window) throw rdsErrors.invalidState(`DB instance ${source.id} has no restorable time yet.`);
  if (input.RestoreTime) {
    const at = input.RestoreTime.getTime();
    if (at < window.earliest || at > window.latest) {
      throw rdsErrors.invalidRestore(
        `The restore time ${input.RestoreTime.toISOString()} is outside the restorable window of DB instance ${source.id}: ` +
          `${new Date(window.earliest).toISOString()} to ${new Date(window.latest).toISOString()}.`,
      );
    }
  }
  const tags = tagsFromInput(input.Tags);
  checkTagging(ctx, targetId, tags);
  const instance = createRestoredInstance(ctx, {
    targetId,
    source: source.config,
    masterPassword: source.masterPassword,
    params: input,
    tags,
    visibleFrom: now,
    availableAt: now + restoreDuration(world, source.config.allocatedStorage, DURATIONS.logReplay),
    origin: { sourceId: source.id, sourceArn: dbArn(region, accountId, source.id), at: input.RestoreTime?.getTime() ?? window.latest },
  });
  return { DBInstance: instanceView(state, instance, now, region, accountId) };
}

/** What a point-in-time restore starts from: a live instance, or the retained automated backups of a deleted one. */
interface PitrSource {
  id: string;
  config: InstanceConfig;
  masterPassword: string;
  window?: RestoreWindow;
}

function pitrSource(
  state: RdsState,
  now: number,
  input: { SourceDBInstanceIdentifier?: string; SourceDbiResourceId?: string; SourceDBInstanceAutomatedBackupsArn?: string },
): PitrSource {
  const live = (i: DbInstance) => ({ id: i.id, config: i, masterPassword: i.masterPassword, window: restoreWindow(state, i, now) });
  if (input.SourceDBInstanceIdentifier) {
    const found = findInstance(state, now, input.SourceDBInstanceIdentifier);
    if (!found) throw rdsErrors.instanceNotFound(input.SourceDBInstanceIdentifier);
    return live(found);
  }
  const { SourceDbiResourceId: dbi, SourceDBInstanceAutomatedBackupsArn: arn } = input;
  const instance = dbi ? liveInstances(state, now).find((i) => i.dbiResourceId === dbi) : undefined;
  if (instance) return live(instance);
  if (dbi || arn) {
    const backups = findAutomatedBackups(state, now, { dbiResourceId: dbi, arn });
    if (backups) return { id: backups.instanceId, config: backups.config, masterPassword: backups.masterPassword, window: backups.window };
    throw dbi ? rdsErrors.instanceNotFound(dbi) : rdsErrors.automatedBackupNotFound(arn!);
  }
  throw rdsErrors.invalidParameterCombination(
    'One of SourceDBInstanceIdentifier, SourceDbiResourceId or SourceDBInstanceAutomatedBackupsArn must be specified.',
  );
}
