import { byKey } from '../../core/paging.ts';
import type { RequestContext } from '../../core/service.ts';
import type { RestoreWindow } from './backup-window.ts';
import { rdsErrors } from './errors.ts';
import { applyFilters, page, type Filter } from './paging.ts';
import {
  dropAutomatedSnapshots,
  idOf,
  liveInstances,
  rdsState,
  restoreWindow,
  retainedWindow,
  type InstanceConfig,
  type RdsState,
} from './state.ts';

/**
 * The automated backups of one DB instance, as DescribeDBInstanceAutomatedBackups lists them: `creating` until
 * its first automated backup is complete, then `active`; `retained` once the instance is deleted without
 * DeleteAutomatedBackups, until its automated snapshots expire (or DeleteDBInstanceAutomatedBackup).
 */
export interface AutomatedBackups {
  status: 'creating' | 'active' | 'retained';
  instanceId: string;
  instanceArn: string;
  dbiResourceId: string;
  instanceCreatedAt: number;
  config: InstanceConfig;
  masterPassword: string;
  window?: RestoreWindow;
}

/** arn:aws:rds:REGION:ACCOUNT:auto-backup:ab-… after the DbiResourceId's suffix (`*` for all). */
export const autoBackupArn = (region: string, accountId: string, dbiResourceId: string) =>
  `arn:aws:rds:${region}:${accountId}:auto-backup:${dbiResourceId === '*' ? '*' : `ab-${dbiResourceId.slice('db-'.length)}`}`;

/** The DBInstanceAutomatedBackupsArn of an instance's automated backups, in its region and account. */
export function automatedBackupsArn(backups: { instanceArn: string; dbiResourceId: string }): string {
  const [, , , region, accountId] = backups.instanceArn.split(':');
  return autoBackupArn(region, accountId, backups.dbiResourceId);
}

const keyOf = (b: AutomatedBackups) => `${b.instanceId}/${b.dbiResourceId}`;

/** Every instance's automated backups in identifier order; retained ones whose snapshots all expired are dropped. */
export function automatedBackups(state: RdsState, now: number): AutomatedBackups[] {
  const all: AutomatedBackups[] = [];
  for (const i of liveInstances(state, now)) {
    if (i.clusterId || i.backupRetentionPeriod === 0 || now < i.createdAt) continue;
    const window = restoreWindow(state, i, now);
    const { id, arn, dbiResourceId, createdAt, masterPassword } = i;
    all.push({ status: window ? 'active' : 'creating', instanceId: id, instanceArn: arn, dbiResourceId, instanceCreatedAt: createdAt, config: i, masterPassword, window });
  }
  for (const [key, retained] of state.retainedBackups) {
    const window = retainedWindow(state, retained, now);
    if (window) all.push({ status: 'retained', ...retained, window });
    else state.retainedBackups.delete(key);
  }
  return all.sort(byKey(keyOf));
}

/** The automated backups a DbiResourceId or a DBInstanceAutomatedBackupsArn names, if any. */
export function findAutomatedBackups(
  state: RdsState,
  now: number,
  by: { dbiResourceId?: string; arn?: string },
): AutomatedBackups | undefined {
  return automatedBackups(state, now).find(
    (b) =>
      (by.dbiResourceId !== undefined && b.dbiResourceId.toLowerCase() === by.dbiResourceId.toLowerCase()) ||
      (by.arn !== undefined && automatedBackupsArn(b) === by.arn),
  );
}

function automatedBackupsView(state: RdsState, b: AutomatedBackups, region: string) {
  const c = b.config;
  return {
    DBInstanceArn: b.instanceArn,
    DbiResourceId: b.dbiResourceId,
    Region: region,
    DBInstanceIdentifier: b.instanceId,
    RestoreWindow: b.window ? { EarliestTime: new Date(b.window.earliest), LatestTime: new Date(b.window.latest) } : undefined,
    AllocatedStorage: c.allocatedStorage,
    Status: b.status,
    Port: c.port,
    AvailabilityZone: c.availabilityZone,
    VpcId: state.subnetGroups.get(c.subnetGroupName)?.vpcId,
    InstanceCreateTime: new Date(b.instanceCreatedAt),
    MasterUsername: c.masterUsername,
    Engine: c.engine,
    EngineVersion: c.engineVersion,
    LicenseModel: c.licenseModel,
    OptionGroupName: c.optionGroupName,
    Encrypted: c.storageEncrypted,
    StorageType: c.storageType,
    KmsKeyId: c.storageEncrypted ? c.kmsKeyId : undefined,
    IAMDatabaseAuthenticationEnabled: c.iamDatabaseAuthenticationEnabled,
    BackupRetentionPeriod: c.backupRetentionPeriod,
    PreferredBackupWindow: c.preferredBackupWindow,
    DBInstanceAutomatedBackupsArn: automatedBackupsArn(b),
    BackupTarget: 'region',
    MultiTenant: false,
    DedicatedLogVolume: false,
  };
}

export function describeDBInstanceAutomatedBackups(
  input: {
    DBInstanceIdentifier?: string;
    DbiResourceId?: string;
    DBInstanceAutomatedBackupsArn?: string;
    Filters?: Filter[];
    Marker?: string;
    MaxRecords?: number;
  },
  ctx: RequestContext,
) {
  const { world, region } = ctx;
  const state = rdsState(world, ctx.accountId, region);
  const now = world.clock.nowMs();
  let backups = automatedBackups(state, now);
  const { DBInstanceIdentifier: id, DbiResourceId: dbi, DBInstanceAutomatedBackupsArn: arn } = input;
  if (id) backups = backups.filter((b) => b.instanceId === idOf(id));
  if (dbi) backups = backups.filter((b) => b.dbiResourceId.toLowerCase() === dbi.toLowerCase());
  if (arn) backups = backups.filter((b) => automatedBackupsArn(b) === arn);
  if ((id || dbi || arn) && backups.length === 0) throw rdsErrors.automatedBackupNotFound(id ?? dbi ?? arn ?? '');
  backups = applyFilters(backups, input.Filters, {
    'db-instance-id': (b) => [b.instanceId, b.instanceArn],
    'dbi-resource-id': (b) => [b.dbiResourceId],
    status: (b) => [b.status],
  });
  const result = page(backups, keyOf, input);
  return {
    DBInstanceAutomatedBackups: result.items.map((b) => automatedBackupsView(state, b, region)),
    Marker: result.marker,
  };
}

/** Deletes the retained automated backups of a deleted instance (its automated snapshots go with them). */
export function deleteDBInstanceAutomatedBackup(
  input: { DbiResourceId?: string; DBInstanceAutomatedBackupsArn?: string },
  ctx: RequestContext,
) {
  const state = rdsState(ctx.world, ctx.accountId, ctx.region);
  const now = ctx.world.clock.nowMs();
  const { DbiResourceId: dbi, DBInstanceAutomatedBackupsArn: arn } = input;
  if (!dbi && !arn) {
    throw rdsErrors.invalidParameterCombination('One of DbiResourceId or DBInstanceAutomatedBackupsArn must be specified.');
  }
  const backups = findAutomatedBackups(state, now, { dbiResourceId: dbi, arn });
  if (!backups) throw rdsErrors.automatedBackupNotFound(dbi ?? arn ?? '');
  if (backups.status !== 'retained') {
    throw rdsErrors.automatedBackupState(
      `The automated backups of DB instance ${backups.instanceId} belong to a live instance: only retained automated backups can be deleted.`,
    );
  }
  state.retainedBackups.delete(backups.dbiResourceId);
  dropAutomatedSnapshots(state, backups.dbiResourceId);
  return { DBInstanceAutomatedBackup: automatedBackupsView(state, backups, ctx.region) };
}
