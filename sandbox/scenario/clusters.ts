import { secret, upperId } from '../core/ids.ts';
import type { World } from '../core/world.ts';
import { addSchedule, livePoints } from '../services/backup/state.ts';
import { clusterArn, liveClusterSnapshots, type DbCluster } from '../services/rds/cluster-state.ts';
import { auroraGroups } from '../services/rds/clusters.ts';
import { dbArn, rdsState, type DbInstance } from '../services/rds/state.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION, PROD_CLUSTERS } from './constants.ts';
import { PLAN, productionBackups, PROD_SECURITY_GROUP, PROD_SUBNET_GROUP, RETENTION_DAYS, ZONES } from './databases.ts';

const DAY = 86_400_000;

/**
 * The company's production Aurora clusters (PROD_CLUSTERS) in the production VPC, seeded after
 * seedDatabases (which lays out the network and the Backup vault): deletion-protected, a writer and a
 * reader each, 35 days of daily AWS Backup recovery points (ResourceType Aurora) and automated cluster
 * snapshots, and a point-in-time window from the oldest automated cluster snapshot (34 to 35 days ago) to about
 * five minutes ago.
 */
export function seedClusters(world: World): void {
  const now = world.clock.nowMs();
  const state = rdsState(world, COMPANY_ACCOUNT, COMPANY_REGION);
  const plan = { ...PLAN, planArn: `arn:aws:backup:${COMPANY_REGION}:${COMPANY_ACCOUNT}:backup-plan:${PLAN.planId}` };
  for (const spec of PROD_CLUSTERS) {
    const createdAt = now - 400 * DAY;
    const groups = auroraGroups(spec.engine, spec.engineVersion);
    const clusterParameterGroup = `prod-${groups.parameterGroup.slice('default.'.length)}`;
    state.parameterGroups.add(groups.parameterGroup);
    state.parameterGroups.add(clusterParameterGroup);
    const tags = () =>
      new Map([
        ['env', 'production'],
        ['app', spec.name.replace(/-db$/, '')],
        ['owner', 'platform-team'],
      ]);
    const cluster: DbCluster = {
      engine: spec.engine,
      engineVersion: spec.engineVersion,
      engineMode: 'provisioned',
      port: spec.port,
      masterUsername: 'postgres',
      databaseName: spec.name.replace(/-db$/, ''),
      subnetGroupName: PROD_SUBNET_GROUP,
      vpcSecurityGroupIds: [PROD_SECURITY_GROUP],
      availabilityZones: [...ZONES],
      clusterParameterGroupName: clusterParameterGroup,
      backupRetentionPeriod: RETENTION_DAYS,
      preferredBackupWindow: '16:00-16:30',
      preferredMaintenanceWindow: 'sun:19:00-sun:19:30',
      deletionProtection: true,
      copyTagsToSnapshot: true,
      iamDatabaseAuthenticationEnabled: false,
      storageEncrypted: true,
      kmsKeyId: state.defaultKmsKeyId,
      storageType: 'aurora',
      storageGb: spec.storageGb,
      id: spec.id,
      arn: clusterArn(COMPANY_REGION, COMPANY_ACCOUNT, spec.id),
      resourceId: `cluster-${upperId(26)}`,
      masterPassword: secret(24),
      tags: tags(),
      createdAt,
      visibleFrom: createdAt,
      phases: [],
      lastAutomatedSnapshotAt: now - RETENTION_DAYS * DAY,
      isClone: false,
    };
    state.clusters.set(cluster.id, cluster);
    spec.instances.forEach((id, i) => {
      const instance: DbInstance = {
        engine: spec.engine,
        engineVersion: spec.engineVersion,
        instanceClass: spec.instanceClass,
        allocatedStorage: 1,
        storageType: 'aurora',
        port: spec.port,
        masterUsername: cluster.masterUsername,
        dbName: cluster.databaseName,
        multiAZ: false,
        publiclyAccessible: false,
        availabilityZone: ZONES[i % ZONES.length],
        subnetGroupName: PROD_SUBNET_GROUP,
        vpcSecurityGroupIds: [PROD_SECURITY_GROUP],
        parameterGroupName: groups.parameterGroup,
        optionGroupName: groups.optionGroup,
        licenseModel: 'postgresql-license',
        backupRetentionPeriod: RETENTION_DAYS,
        deletionProtection: false,
        copyTagsToSnapshot: false,
        autoMinorVersionUpgrade: true,
        iamDatabaseAuthenticationEnabled: false,
        storageEncrypted: true,
        kmsKeyId: state.defaultKmsKeyId,
        preferredBackupWindow: cluster.preferredBackupWindow,
        preferredMaintenanceWindow: cluster.preferredMaintenanceWindow,
        id,
        arn: dbArn(COMPANY_REGION, COMPANY_ACCOUNT, id),
        dbiResourceId: `db-${upperId(26)}`,
        masterPassword: cluster.masterPassword,
        tags: tags(),
        createdAt: createdAt + i * DAY,
        visibleFrom: createdAt,
        phases: [],
        pendingMaintenance: {},
        lastAutomatedSnapshotAt: now,
        clusterId: cluster.id,
        clusterWriter: i === 0,
        memberSince: createdAt + i * DAY,
      };
      state.instances.set(id, instance);
    });
    addSchedule(world, COMPANY_ACCOUNT, COMPANY_REGION, { clusterId: cluster.id, ...productionBackups(now, plan) });
  }
  // Run the schedules over the history; what started minutes before seeding counts as finished.
  for (const snapshot of liveClusterSnapshots(state, now)) snapshot.availableAt = Math.min(snapshot.availableAt, now);
  for (const point of livePoints(world, COMPANY_ACCOUNT, COMPANY_REGION, now)) {
    point.completedAt = Math.min(point.completedAt, now);
  }
}
