import { byKey } from '../../core/paging.ts';
import type { RequestContext } from '../../core/service.ts';
import { rdsState } from '../rds/state.ts';
import {
  backupErrors,
  backupState,
  deleteAt,
  findPoint,
  findVault,
  livePoints,
  createdBetween,
  orderedPoints,
  pageOf,
  pointKey,
  pointStatus,
  vaultArn,
  type RecoveryPoint,
} from './state.ts';

function lastRestoreTime(ctx: RequestContext, point: RecoveryPoint): Date | undefined {
  const jobs = [...backupState(ctx.world, ctx.accountId, ctx.region).jobs.values()].filter(
    (j) => j.recoveryPointArn === point.arn,
  );
  const latest = Math.max(...jobs.map((j) => j.createdAt));
  return jobs.length > 0 ? new Date(latest) : undefined;
}

function createdBy(point: RecoveryPoint) {
  return point.plan
    ? {
        BackupPlanId: point.plan.planId,
        BackupPlanArn: point.plan.planArn,
        BackupPlanName: point.plan.planName,
        BackupPlanVersion: point.plan.planVersion,
        BackupRuleId: point.plan.ruleId,
        BackupRuleName: point.plan.ruleName,
        BackupRuleCron: point.plan.cron,
        BackupRuleTimezone: point.plan.timezone,
      }
    : undefined;
}

function pointView(ctx: RequestContext, point: RecoveryPoint) {
  const status = pointStatus(point, ctx.world.clock.nowMs());
  return {
    RecoveryPointArn: point.arn,
    BackupVaultName: point.vaultName,
    BackupVaultArn: vaultArn(ctx.region, ctx.accountId, point.vaultName),
    ResourceArn: point.resourceArn,
    ResourceType: point.resourceType,
    CreatedBy: createdBy(point),
    IamRoleArn: point.iamRoleArn,
    Status: status,
    CreationDate: new Date(point.createdAt),
    InitiationDate: new Date(point.createdAt),
    CompletionDate: status === 'COMPLETED' ? new Date(point.completedAt) : undefined,
    BackupSizeInBytes: point.sizeBytes,
    CalculatedLifecycle: { DeleteAt: new Date(deleteAt(point)) },
    Lifecycle: { DeleteAfterDays: point.deleteAfterDays, OptInToArchiveForSupportedResources: false },
    EncryptionKeyArn: point.encryptionKeyArn,
    IsEncrypted: true,
    LastRestoreTime: lastRestoreTime(ctx, point),
    IsParent: false,
    ResourceName: point.resourceName,
    VaultType: 'BACKUP_VAULT',
  };
}

export function listRecoveryPointsByBackupVault(
  input: {
    BackupVaultName?: string;
    ByResourceArn?: string;
    ByResourceType?: string;
    ByBackupPlanId?: string;
    ByCreatedBefore?: Date;
    ByCreatedAfter?: Date;
    ByParentRecoveryPointArn?: string;
    NextToken?: string;
    MaxResults?: number;
  },
  ctx: RequestContext,
) {
  const state = backupState(ctx.world, ctx.accountId, ctx.region);
  const now = ctx.world.clock.nowMs();
  const vault = findVault(state, input.BackupVaultName);
  const before = input.ByCreatedBefore?.getTime();
  const after = input.ByCreatedAfter?.getTime();
  // Already in pointKey order: the dates select a slice, the other filters keep that order.
  const points = createdBetween(orderedPoints(ctx.world, ctx.accountId, ctx.region, now), after, before).filter(
    (p) =>
      p.vaultName === vault.name &&
      (!input.ByResourceArn || p.resourceArn === input.ByResourceArn) &&
      (!input.ByResourceType || p.resourceType === input.ByResourceType) &&
      (!input.ByBackupPlanId || p.plan?.planId === input.ByBackupPlanId) &&
      !input.ByParentRecoveryPointArn,
  );
  const result = pageOf(points, pointKey, input);
  return { RecoveryPoints: result.items.map((p) => pointView(ctx, p)), NextToken: result.next };
}

export function listRecoveryPointsByResource(
  input: { ResourceArn?: string; NextToken?: string; MaxResults?: number; ManagedByAWSBackupOnly?: boolean },
  ctx: RequestContext,
) {
  if (!input.ResourceArn) throw backupErrors.missing('ResourceArn');
  const now = ctx.world.clock.nowMs();
  const points = orderedPoints(ctx.world, ctx.accountId, ctx.region, now).filter((p) => p.resourceArn === input.ResourceArn);
  const result = pageOf(points, pointKey, input);
  return {
    RecoveryPoints: result.items.map((p) => ({
      RecoveryPointArn: p.arn,
      CreationDate: new Date(p.createdAt),
      Status: pointStatus(p, now),
      EncryptionKeyArn: p.encryptionKeyArn,
      BackupSizeBytes: p.sizeBytes,
      BackupVaultName: p.vaultName,
      IsParent: false,
      ResourceName: p.resourceName,
      VaultType: 'BACKUP_VAULT',
    })),
    NextToken: result.next,
  };
}

function pointInVault(ctx: RequestContext, input: { BackupVaultName?: string; RecoveryPointArn?: string }) {
  const state = backupState(ctx.world, ctx.accountId, ctx.region);
  const vault = findVault(state, input.BackupVaultName);
  const point = findPoint(ctx.world, ctx.accountId, ctx.region, input.RecoveryPointArn);
  if (point.vaultName !== vault.name) {
    throw backupErrors.notFound(`Recovery point ${point.arn} was not found in backup vault ${vault.name}.`);
  }
  return point;
}

export function describeRecoveryPoint(
  input: { BackupVaultName?: string; RecoveryPointArn?: string },
  ctx: RequestContext,
) {
  const point = pointInVault(ctx, input);
  return { ...pointView(ctx, point), StorageClass: 'WARM' };
}

/**
 * The metadata RDS restores start from: the source's configuration when it was backed up, in the
 * parameter names of RestoreDBInstanceFromDBSnapshot, every value a string (lists as JSON arrays).
 */
export function getRecoveryPointRestoreMetadata(
  input: { BackupVaultName?: string; RecoveryPointArn?: string },
  ctx: RequestContext,
) {
  const point = pointInVault(ctx, input);
  if (point.resourceType === 'Aurora') return clusterRestoreMetadata(ctx, point);
  const snapshot = rdsState(ctx.world, ctx.accountId, ctx.region).snapshots.get(point.snapshotId);
  if (!snapshot) throw backupErrors.notFound(`Recovery point ${point.arn} was not found.`);
  const c = snapshot.config;
  const metadata: Record<string, string> = {
    DBInstanceIdentifier: snapshot.instanceId,
    DBInstanceClass: c.instanceClass,
    Engine: c.engine,
    LicenseModel: c.licenseModel,
    Port: String(c.port),
    AllocatedStorage: String(c.allocatedStorage),
    StorageType: c.storageType,
    MultiAZ: String(c.multiAZ),
    PubliclyAccessible: String(c.publiclyAccessible),
    DBSubnetGroupName: c.subnetGroupName,
    VpcSecurityGroupIds: JSON.stringify(c.vpcSecurityGroupIds),
    DBParameterGroupName: c.parameterGroupName,
    OptionGroupName: c.optionGroupName,
    AutoMinorVersionUpgrade: String(c.autoMinorVersionUpgrade),
    CopyTagsToSnapshot: String(c.copyTagsToSnapshot),
    DeletionProtection: String(c.deletionProtection),
    EnableIAMDatabaseAuthentication: String(c.iamDatabaseAuthenticationEnabled),
  };
  if (!c.multiAZ) metadata.AvailabilityZone = c.availabilityZone;
  if (c.dbName) metadata.DBName = c.dbName;
  return {
    BackupVaultArn: vaultArn(ctx.region, ctx.accountId, point.vaultName),
    RecoveryPointArn: point.arn,
    RestoreMetadata: metadata,
    ResourceType: point.resourceType,
  };
}

/** The metadata of an Aurora recovery point: the cluster's configuration in RestoreDBClusterFromSnapshot's names. */
function clusterRestoreMetadata(ctx: RequestContext, point: RecoveryPoint) {
  const snapshot = rdsState(ctx.world, ctx.accountId, ctx.region).clusterSnapshots.get(point.snapshotId);
  if (!snapshot) throw backupErrors.notFound(`Recovery point ${point.arn} was not found.`);
  const c = snapshot.config;
  const metadata: Record<string, string> = {
    DBClusterIdentifier: snapshot.clusterId,
    Engine: c.engine,
    EngineVersion: c.engineVersion,
    EngineMode: c.engineMode,
    Port: String(c.port),
    DBSubnetGroupName: c.subnetGroupName,
    VpcSecurityGroupIds: JSON.stringify(c.vpcSecurityGroupIds),
    AvailabilityZones: JSON.stringify(c.availabilityZones),
    DBClusterParameterGroupName: c.clusterParameterGroupName,
    BackupRetentionPeriod: String(c.backupRetentionPeriod),
    CopyTagsToSnapshot: String(c.copyTagsToSnapshot),
    DeletionProtection: String(c.deletionProtection),
    EnableIAMDatabaseAuthentication: String(c.iamDatabaseAuthenticationEnabled),
  };
  if (c.databaseName) metadata.DatabaseName = c.databaseName;
  return {
    BackupVaultArn: vaultArn(ctx.region, ctx.accountId, point.vaultName),
    RecoveryPointArn: point.arn,
    RestoreMetadata: metadata,
    ResourceType: point.resourceType,
  };
}

export function listProtectedResources(input: { NextToken?: string; MaxResults?: number }, ctx: RequestContext) {
  const latest = new Map<string, RecoveryPoint>();
  for (const point of livePoints(ctx.world, ctx.accountId, ctx.region, ctx.world.clock.nowMs())) {
    const seen = latest.get(point.resourceArn);
    if (!seen || point.createdAt > seen.createdAt) latest.set(point.resourceArn, point);
  }
  const resources = [...latest.values()].sort(byKey((p) => p.resourceArn));
  const result = pageOf(resources, (p) => p.resourceArn, input);
  return {
    Results: result.items.map((p) => ({
      ResourceArn: p.resourceArn,
      ResourceType: p.resourceType,
      LastBackupTime: new Date(p.createdAt),
      ResourceName: p.resourceName,
      LastBackupVaultArn: vaultArn(ctx.region, ctx.accountId, p.vaultName),
      LastRecoveryPointArn: p.arn,
    })),
    NextToken: result.next,
  };
}

export function listBackupVaults(
  input: { ByVaultType?: string; ByShared?: boolean; NextToken?: string; MaxResults?: number },
  ctx: RequestContext,
) {
  const state = backupState(ctx.world, ctx.accountId, ctx.region);
  const points = livePoints(ctx.world, ctx.accountId, ctx.region, ctx.world.clock.nowMs());
  const vaults = [...state.vaults.values()]
    .filter(() => !input.ByVaultType || input.ByVaultType === 'BACKUP_VAULT')
    .filter(() => !input.ByShared)
    .sort(byKey((v) => v.name));
  const result = pageOf(vaults, (v) => v.name, input);
  return {
    BackupVaultList: result.items.map((v) => ({
      BackupVaultName: v.name,
      BackupVaultArn: v.arn,
      VaultType: 'BACKUP_VAULT',
      VaultState: 'AVAILABLE',
      CreationDate: new Date(v.createdAt),
      EncryptionKeyArn: v.encryptionKeyArn,
      NumberOfRecoveryPoints: points.filter((p) => p.vaultName === v.name).length,
      Locked: false,
    })),
    NextToken: result.next,
  };
}
