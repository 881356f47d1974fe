import type { RequestContext } from '../../core/service.ts';
import {
  checkIdentifier,
  checkInstanceClass,
  checkPasswordChange,
  checkRetention,
  checkSecurityGroups,
  rdsErrors,
} from './errors.ts';
import { applyFilters, page, type Filter } from './paging.ts';
import { stopServing } from './data-plane.ts';
import { checkRotation, createManagedSecret, deleteManagedSecret, notManaged, rotateManagedSecret } from './secrets.ts';
import {
  DURATIONS,
  findInstance,
  firstBackupOf,
  instanceStatus,
  liveInstances,
  rdsState,
  snapshotOf,
  type DbInstance,
  type Phase,
  type RdsState,
} from './state.ts';
import { instanceView } from './view.ts';

function mustFind(state: RdsState, now: number, id: string | undefined): DbInstance {
  if (!id) throw rdsErrors.missingParameter('DBInstanceIdentifier');
  const instance = findInstance(state, now, id);
  if (!instance) throw rdsErrors.instanceNotFound(id);
  return instance;
}

export function describeDBInstances(
  input: { DBInstanceIdentifier?: string; Filters?: Filter[]; Marker?: string; MaxRecords?: number },
  ctx: RequestContext,
) {
  const { world, accountId, region } = ctx;
  const state = rdsState(world, accountId, region);
  const now = world.clock.nowMs();
  let instances = input.DBInstanceIdentifier
    ? [mustFind(state, now, input.DBInstanceIdentifier)]
    : liveInstances(state, now);
  instances = applyFilters(instances, input.Filters, {
    'db-instance-id': (i) => [i.id, i.arn],
    'dbi-resource-id': (i) => [i.dbiResourceId],
    engine: (i) => [i.engine],
    'db-cluster-id': (i) => [i.clusterId],
    domain: () => [],
  });
  const result = page(instances, (i) => i.id, input);
  return {
    DBInstances: result.items.map((i) => instanceView(state, i, now, region, accountId)),
    Marker: result.marker,
  };
}

interface ModifyInput {
  DBInstanceIdentifier?: string;
  ApplyImmediately?: boolean;
  MasterUserPassword?: string;
  ManageMasterUserPassword?: boolean;
  RotateMasterUserPassword?: boolean;
  MasterUserSecretKmsKeyId?: string;
  BackupRetentionPeriod?: number;
  DeletionProtection?: boolean;
  DBInstanceClass?: string;
  MultiAZ?: boolean;
  AllocatedStorage?: number;
  PubliclyAccessible?: boolean;
  VpcSecurityGroupIds?: string[];
  DBParameterGroupName?: string;
  CopyTagsToSnapshot?: boolean;
  AutoMinorVersionUpgrade?: boolean;
  DBPortNumber?: number;
  NewDBInstanceIdentifier?: string;
  EnableIAMDatabaseAuthentication?: boolean;
}

export function modifyDBInstance(input: ModifyInput, ctx: RequestContext) {
  const { world, accountId, region } = ctx;
  const state = rdsState(world, accountId, region);
  const now = world.clock.nowMs();
  const instance = mustFind(state, now, input.DBInstanceIdentifier);
  if (input.NewDBInstanceIdentifier !== undefined) {
    throw rdsErrors.invalidParameterValue(
      'The snapclone sandbox does not rename DB instances (NewDBInstanceIdentifier).',
    );
  }
  checkPasswordChange(input, Boolean(instance.masterUserSecret), instance.engine);
  if (input.ManageMasterUserPassword === false && !instance.masterUserSecret) throw notManaged();
  checkRotation(instance, input);
  if (input.BackupRetentionPeriod !== undefined) checkRetention(input.BackupRetentionPeriod);
  if (input.DBInstanceClass !== undefined) checkInstanceClass(input.DBInstanceClass, instance);
  if (input.AllocatedStorage !== undefined && input.AllocatedStorage < instance.allocatedStorage) {
    throw rdsErrors.invalidParameterValue('Invalid storage size: storage can only grow.');
  }
  checkSecurityGroups(state, input.VpcSecurityGroupIds ?? [], state.subnetGroups.get(instance.subnetGroupName)?.vpcId);
  if (input.DBParameterGroupName !== undefined && !state.parameterGroups.has(input.DBParameterGroupName)) {
    throw rdsErrors.parameterGroupNotFound(input.DBParameterGroupName);
  }

  const status = instanceStatus(instance, now);
  if (status !== 'available') {
    throw rdsErrors.invalidState(`Database instance is not in available state (status: ${status}).`);
  }

  // Applied at once, whatever ApplyImmediately says.
  if (input.DeletionProtection !== undefined) instance.deletionProtection = input.DeletionProtection;
  if (input.PubliclyAccessible !== undefined) instance.publiclyAccessible = input.PubliclyAccessible;
  if (input.CopyTagsToSnapshot !== undefined) instance.copyTagsToSnapshot = input.CopyTagsToSnapshot;
  if (input.AutoMinorVersionUpgrade !== undefined) instance.autoMinorVersionUpgrade = input.AutoMinorVersionUpgrade;
  if (input.DBParameterGroupName !== undefined) instance.parameterGroupName = input.DBParameterGroupName;
  if (input.EnableIAMDatabaseAuthentication !== undefined) {
    instance.iamDatabaseAuthenticationEnabled = input.EnableIAMDatabaseAuthentication;
  }

  const phase = nextPhase(ctx, instance, input);
  if (phase) instance.phases.push(phase);
  if (phase?.apply?.backupRetentionPeriod && instance.backupRetentionPeriod === 0) {
    // Turning automated backups on takes the first one right after the change.
    const first = firstBackupOf(world, instance, phase.until);
    phase.apply.firstBackup = first.backup;
    instance.phases.push(first.phase);
  }
  return { DBInstance: instanceView(state, instance, now, region, accountId) };
}

/**
 * The asynchronous part of a modification: one phase ('resetting-master-credentials' when only the
 * password changes, else 'modifying') lasting as long as its slowest change; changes that wait for the
 * maintenance window without ApplyImmediately go to pendingMaintenance.
 */
function nextPhase(ctx: RequestContext, instance: DbInstance, input: ModifyInput): Phase | undefined {
  const { world } = ctx;
  const now = world.clock.nowMs();
  const immediate = input.ApplyImmediately === true;
  const pending: Record<string, unknown> = {};
  const apply: NonNullable<Phase['apply']> = {};
  let duration = 0;
  let onlyPassword = true;
  const later = (field: string, value: unknown) => {
    instance.pendingMaintenance[field] = value;
  };

  if (input.ManageMasterUserPassword === true && !instance.masterUserSecret) {
    createManagedSecret(ctx, instance, input.MasterUserSecretKmsKeyId);
    duration = Math.max(duration, DURATIONS.modify);
    onlyPassword = false;
  }
  if (input.ManageMasterUserPassword === false && instance.masterUserSecret) {
    deleteManagedSecret(ctx, instance);
  }
  if (input.MasterUserPassword !== undefined) {
    pending.MasterUserPassword = '****';
    apply.masterPassword = input.MasterUserPassword;
    duration = Math.max(duration, DURATIONS.passwordReset);
  }
  const rotated = rotateManagedSecret(ctx, instance, input);
  if (rotated !== undefined) {
    apply.masterPassword = rotated;
    duration = Math.max(duration, DURATIONS.passwordReset);
  }
  const retention = input.BackupRetentionPeriod;
  if (retention !== undefined && retention !== instance.backupRetentionPeriod) {
    // Between two non-zero values the change goes as soon as possible; turning backups on or off waits.
    if (immediate || (retention > 0 && instance.backupRetentionPeriod > 0)) {
      pending.BackupRetentionPeriod = retention;
      apply.backupRetentionPeriod = retention;
      duration = Math.max(duration, DURATIONS.modify);
      onlyPassword = false;
    } else later('BackupRetentionPeriod', retention);
  }
  const slow: [keyof ModifyInput, string, keyof NonNullable<Phase['apply']>, number][] = [
    ['DBInstanceClass', 'DBInstanceClass', 'instanceClass', DURATIONS.classChange],
    ['MultiAZ', 'MultiAZ', 'multiAZ', DURATIONS.classChange],
    ['AllocatedStorage', 'AllocatedStorage', 'allocatedStorage', DURATIONS.classChange],
    ['DBPortNumber', 'Port', 'port', DURATIONS.modify],
  ];
  for (const [param, pendingName, field, ms] of slow) {
    const value = input[param];
    if (value === undefined || value === instance[field]) continue;
    if (!immediate) {
      later(pendingName, value);
      continue;
    }
    pending[pendingName] = value;
    (apply as Record<string, unknown>)[field] = value;
    duration = Math.max(duration, ms);
    onlyPassword = false;
  }
  if (input.VpcSecurityGroupIds?.length) {
    apply.vpcSecurityGroupIds = [...input.VpcSecurityGroupIds];
    duration = Math.max(duration, DURATIONS.modify);
    onlyPassword = false;
  }
  if (duration === 0) return undefined;
  return {
    status: onlyPassword ? 'resetting-master-credentials' : 'modifying',
    until: now + world.scaled(duration),
    pending,
    apply,
  };
}

export function deleteDBInstance(
  input: {
    DBInstanceIdentifier?: string;
    SkipFinalSnapshot?: boolean;
    FinalDBSnapshotIdentifier?: string;
    DeleteAutomatedBackups?: boolean;
  },
  ctx: RequestContext,
) {
  const { world, accountId, region } = ctx;
  const state = rdsState(world, accountId, region);
  const now = world.clock.nowMs();
  const instance = mustFind(state, now, input.DBInstanceIdentifier);
  if (instance.clusterId) return deleteClusterMember(ctx, state, instance, input.FinalDBSnapshotIdentifier);
  const skip = input.SkipFinalSnapshot === true;
  if (skip && input.FinalDBSnapshotIdentifier) {
    throw rdsErrors.invalidParameterCombination('Cannot specify both SkipFinalSnapshot and FinalDBSnapshotIdentifier.');
  }
  if (!skip && !input.FinalDBSnapshotIdentifier) {
    throw rdsErrors.invalidParameterCombination(
      'FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.',
    );
  }
  const status = instanceStatus(instance, now);
  if (instance.deletion) throw rdsErrors.invalidState(`Instance ${instance.id} is already being deleted.`);
  if (instance.deletionProtection) {
    throw rdsErrors.invalidParameterCombination(
      'Cannot delete protected DB Instance, please disable deletion protection and try again.',
    );
  }
  let finalSnapshotId: string | undefined;
  if (!skip) {
    finalSnapshotId = checkIdentifier('FinalDBSnapshotIdentifier', input.FinalDBSnapshotIdentifier, 255);
    if (status === 'creating') {
      throw rdsErrors.invalidState(`Instance ${instance.id} is currently creating - a final snapshot cannot be taken.`);
    }
    if (state.snapshots.has(finalSnapshotId)) throw rdsErrors.snapshotExists(finalSnapshotId);
  }
  const goneAt = now + world.scaled(DURATIONS.deletion);
  if (finalSnapshotId) {
    state.snapshots.set(
      finalSnapshotId,
      snapshotOf(instance, finalSnapshotId, 'manual', { createdAt: now, availableAt: goneAt }),
    );
  }
  deleteManagedSecret(ctx, instance);
  instance.deletion = { requestedAt: now, goneAt, deleteAutomatedBackups: input.DeleteAutomatedBackups !== false };
  stopServing(ctx, instance.arn);
  return { DBInstance: instanceView(state, instance, now, region, accountId) };
}

/**
 * Deleting an Aurora cluster member: no final snapshot (the cluster's volume and backups stay with the
 * cluster), so SkipFinalSnapshot is not needed and FinalDBSnapshotIdentifier is refused; when the writer
 * goes, another member takes over (clusterMembers).
 */
function deleteClusterMember(ctx: RequestContext, state: RdsState, instance: DbInstance, finalSnapshotId?: string) {
  const { world, accountId, region } = ctx;
  const now = world.clock.nowMs();
  if (finalSnapshotId) {
    throw rdsErrors.invalidParameterCombination(
      'FinalDBSnapshotIdentifier can not be specified when deleting a cluster instance',
    );
  }
  instanceStatus(instance, now);
  if (instance.deletion) throw rdsErrors.invalidState(`Instance ${instance.id} is already being deleted.`);
  if (instance.deletionProtection) {
    throw rdsErrors.invalidParameterCombination(
      'Cannot delete protected DB Instance, please disable deletion protection and try again.',
    );
  }
  instance.deletion = {
    requestedAt: now,
    goneAt: now + world.scaled(DURATIONS.deletion),
    deleteAutomatedBackups: true,
  };
  if (instance.clusterWriter) instance.clusterWriter = false;
  return { DBInstance: instanceView(state, instance, now, region, accountId) };
}
