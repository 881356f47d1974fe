import { randomUUID } from 'node:crypto';
import { secret, upperId } from '../core/ids.ts';
import type { World } from '../core/world.ts';
import { addSchedule, backupState, livePoints, vaultArn, type BackupPlanRef } from '../services/backup/state.ts';
import {
  dbArn,
  defaultGroups,
  liveSnapshots,
  rdsState,
  snapshotOf,
  type DbInstance,
  type InstanceConfig,
  type RdsState,
} from '../services/rds/state.ts';
import {
  arn,
  BACKUP_VAULT,
  COMPANY_ACCOUNT,
  COMPANY_REGION,
  DEV_SECURITY_GROUP,
  DEV_SUBNET_GROUP,
  DEV_VPC,
  PROD_DATABASES,
  PROD_VPC,
  RESTORE_ROLE,
} from './constants.ts';

/** The account's default VPC: it has an internet gateway, so what lands there unasked is public. */
export const DEFAULT_VPC = 'vpc-0def000000000001';
export const DEFAULT_SECURITY_GROUP = 'sg-0def0000000000001';
export const PROD_SECURITY_GROUP = 'sg-0a1b2c3d4e5f60001';
export const PROD_SUBNET_GROUP = 'prod-db';
export const PROD_INSTANCE_CLASS = 'db.r6g.large';
/** How long the seeded history reaches back, in days (BackupRetentionPeriod and the Backup lifecycle). */
export const RETENTION_DAYS = 35;

const DAY = 86_400_000;
export const ZONES = ['a', 'c', 'd'].map((z) => `${COMPANY_REGION}${z}`);

/** AWS Backup runs at 03:00 Asia/Tokyo (18:00 UTC); RDS's automated snapshots at 01:05 (the 16:00 UTC window). */
const BACKUP_UTC = { hourUtc: 18, minuteUtc: 0 };

const stamp = (t: number) => new Date(t).toISOString().slice(0, 10);

function seedNetwork(state: RdsState): void {
  state.vpcs.set(DEFAULT_VPC, {
    id: DEFAULT_VPC,
    internetGateway: true,
    isDefault: true,
    defaultSecurityGroupId: DEFAULT_SECURITY_GROUP,
  });
  state.vpcs.set(PROD_VPC, {
    id: PROD_VPC,
    internetGateway: false,
    isDefault: false,
    defaultSecurityGroupId: 'sg-0prod000000000def',
  });
  state.vpcs.set(DEV_VPC, {
    id: DEV_VPC,
    internetGateway: false,
    isDefault: false,
    defaultSecurityGroupId: 'sg-0dev0000000000def',
  });
  for (const vpc of state.vpcs.values()) state.securityGroups.set(vpc.defaultSecurityGroupId, vpc.id);
  state.securityGroups.set(PROD_SECURITY_GROUP, PROD_VPC);
  state.securityGroups.set(DEV_SECURITY_GROUP, DEV_VPC);
  const group = (name: string, description: string, vpcId: string, prefix: string) =>
    state.subnetGroups.set(name, {
      name,
      description,
      vpcId,
      subnets: ZONES.map((az, i) => ({ id: `subnet-0${prefix}${String(i + 1).padStart(13, '0')}`, az })),
    });
  group('default', 'default', DEFAULT_VPC, 'def');
  group(PROD_SUBNET_GROUP, 'Production databases (private subnets)', PROD_VPC, 'prd');
  group(DEV_SUBNET_GROUP, 'snapclone development copies (private subnets)', DEV_VPC, 'dev');
}

type ProdDatabase = (typeof PROD_DATABASES)[number];

function prodConfig(db: ProdDatabase, state: RdsState): InstanceConfig {
  const defaults = defaultGroups(db.engine, db.engineVersion);
  const parameterGroup = `prod-${defaults.parameterGroup.slice('default.'.length).replace('.', '')}`;
  state.parameterGroups.add(defaults.parameterGroup);
  state.parameterGroups.add(parameterGroup);
  return {
    engine: db.engine,
    engineVersion: db.engineVersion,
    instanceClass: PROD_INSTANCE_CLASS,
    allocatedStorage: db.storageGb,
    storageType: 'gp3',
    port: db.port,
    masterUsername: db.engine === 'postgres' ? 'postgres' : 'admin',
    dbName: db.name.replace(/-db$/, ''),
    multiAZ: true,
    publiclyAccessible: false,
    availabilityZone: ZONES[0],
    subnetGroupName: PROD_SUBNET_GROUP,
    vpcSecurityGroupIds: [PROD_SECURITY_GROUP],
    parameterGroupName: parameterGroup,
    optionGroupName: defaults.optionGroup,
    licenseModel: db.engine === 'postgres' ? 'postgresql-license' : 'general-public-license',
    backupRetentionPeriod: RETENTION_DAYS,
    deletionProtection: true,
    copyTagsToSnapshot: true,
    autoMinorVersionUpgrade: true,
    iamDatabaseAuthenticationEnabled: false,
    storageEncrypted: true,
    kmsKeyId: state.defaultKmsKeyId,
    preferredBackupWindow: '16:00-16:30',
    preferredMaintenanceWindow: 'sun:19:00-sun:19:30',
  };
}

export const PLAN: BackupPlanRef = {
  planId: randomUUID(),
  planArn: '',
  planName: 'production-daily',
  planVersion: 'ZjY0ZjVhNzctMzQwMi00YzQ5LWE1NjEtZDU2ZjE0NzM0ZWI2',
  ruleId: randomUUID(),
  ruleName: 'daily-0300-jst-35d',
  cron: 'cron(0 3 ? * * *)',
  timezone: 'Asia/Tokyo',
};

/** The production backup plan's schedule: daily at 03:00 Tokyo into the Default vault, kept 35 days, run since 35 days ago. */
export function productionBackups(now: number, plan: BackupPlanRef) {
  return {
    vaultName: BACKUP_VAULT,
    iamRoleArn: arn.role(RESTORE_ROLE),
    ...BACKUP_UTC,
    deleteAfterDays: RETENTION_DAYS,
    lastAt: now - RETENTION_DAYS * DAY,
    plan,
  };
}

/**
 * The company's production databases (PROD_DATABASES) in COMPANY_ACCOUNT / COMPANY_REGION, with the
 * networks around them and 35 days of history, relative to the sandbox clock at seeding: an AWS Backup
 * recovery point every day at 03:00 Asia/Tokyo, an RDS automated snapshot every day, two manual
 * snapshots each, and a point-in-time window from the oldest automated snapshot (34 to 35 days ago, by the
 * time of day) to about five minutes ago. The schedules keep running as the clock moves on: new backups come
 * daily and those older than 35 days go.
 */
export function seedDatabases(world: World): void {
  const now = world.clock.nowMs();
  const state = rdsState(world, COMPANY_ACCOUNT, COMPANY_REGION);
  const backups = backupState(world, COMPANY_ACCOUNT, COMPANY_REGION);
  seedNetwork(state);
  const encryptionKeyArn = `arn:aws:kms:${COMPANY_REGION}:${COMPANY_ACCOUNT}:key/${randomUUID()}`;
  backups.vaults.set(BACKUP_VAULT, {
    name: BACKUP_VAULT,
    arn: vaultArn(COMPANY_REGION, COMPANY_ACCOUNT, BACKUP_VAULT),
    createdAt: now - 800 * DAY,
    encryptionKeyArn,
  });
  const plan = { ...PLAN, planArn: `arn:aws:backup:${COMPANY_REGION}:${COMPANY_ACCOUNT}:backup-plan:${PLAN.planId}` };

  for (const db of PROD_DATABASES) {
    const createdAt = now - 400 * DAY;
    const instance: DbInstance = {
      ...prodConfig(db, state),
      id: db.id,
      arn: dbArn(COMPANY_REGION, COMPANY_ACCOUNT, db.id),
      dbiResourceId: `db-${upperId(26)}`,
      masterPassword: secret(24),
      tags: new Map([
        ['env', 'production'],
        ['app', db.name.replace(/-db$/, '')],
        ['owner', 'platform-team'],
      ]),
      createdAt,
      visibleFrom: createdAt,
      phases: [],
      pendingMaintenance: {},
      // The automated backups and the AWS Backup plan have run daily for the last 35 days.
      lastAutomatedSnapshotAt: now - RETENTION_DAYS * DAY,
    };
    state.instances.set(instance.id, instance);
    addSchedule(world, COMPANY_ACCOUNT, COMPANY_REGION, { instanceId: instance.id, ...productionBackups(now, plan) });
    for (const [daysAgo, label] of [
      [12, 'before-schema-migration'],
      [3, 'manual'],
    ] as const) {
      const t = now - daysAgo * DAY;
      const id = `${db.id}-${label}-${stamp(t)}`;
      state.snapshots.set(id, snapshotOf(instance, id, 'manual', { createdAt: t, availableAt: t + 10 * 60_000 }));
    }
  }
  // Run the schedules over the history; what started minutes before seeding counts as finished.
  for (const snapshot of liveSnapshots(state, now)) snapshot.availableAt = Math.min(snapshot.availableAt, now);
  for (const point of livePoints(world, COMPANY_ACCOUNT, COMPANY_REGION, now)) {
    point.completedAt = Math.min(point.completedAt, now);
  }
}
