import { tagList } from '../../core/tags.ts';
import { servedEndpoint } from './data-plane.ts';
import {
  clusterMembers,
  clusterRestoreWindow,
  clusterSnapshotStatus,
  clusterStatus,
  type ClusterSnapshot,
  type DbCluster,
} from './cluster-state.ts';
import { secretOfCopy, type RdsState } from './state.ts';
import { masterUserSecretView } from './view.ts';

/** The DBCluster and DBClusterSnapshot shapes, built from state; the master password is never part of them. */

const HOSTED_ZONE = 'Z24O6O9L7SGTNB';

export function clusterView(state: RdsState, cluster: DbCluster, now: number, region: string, accountId: string) {
  const status = clusterStatus(cluster, now);
  const window = clusterRestoreWindow(state, cluster, now);
  const members = clusterMembers(state, cluster, now);
  const pending = Object.assign({}, ...cluster.phases.map((p) => p.pending ?? {}));
  const host = `c${accountId.slice(0, 10)}.${region}.rds.amazonaws.com`;
  // A copy served by a real engine: its loopback address and port for the writer and reader endpoints (data-plane.ts).
  const served = servedEndpoint(state, cluster.arn);
  return {
    AllocatedStorage: 1,
    AvailabilityZones: [...cluster.availabilityZones],
    BackupRetentionPeriod: cluster.backupRetentionPeriod,
    DatabaseName: cluster.databaseName,
    DBClusterIdentifier: cluster.id,
    DBClusterParameterGroup: cluster.clusterParameterGroupName,
    DBSubnetGroup: cluster.subnetGroupName,
    Status: status,
    EarliestRestorableTime: window ? new Date(window.earliest) : undefined,
    Endpoint: served?.Address ?? `${cluster.id}.cluster-${host}`,
    ReaderEndpoint: served?.Address ?? `${cluster.id}.cluster-ro-${host}`,
    MultiAZ: new Set(members.map((m) => m.availabilityZone)).size > 1,
    Engine: cluster.engine,
    EngineVersion: cluster.engineVersion,
    LatestRestorableTime: window ? new Date(window.latest) : undefined,
    Port: served?.Port ?? cluster.port,
    MasterUsername: cluster.masterUsername,
    DBClusterOptionGroupMemberships: [],
    PreferredBackupWindow: cluster.preferredBackupWindow,
    PreferredMaintenanceWindow: cluster.preferredMaintenanceWindow,
    ReadReplicaIdentifiers: [],
    DBClusterMembers: members.map((m) => ({
      DBInstanceIdentifier: m.id,
      IsClusterWriter: m.clusterWriter === true,
      DBClusterParameterGroupStatus: 'in-sync',
      PromotionTier: 1,
    })),
    VpcSecurityGroups: cluster.vpcSecurityGroupIds.map((id) => ({ VpcSecurityGroupId: id, Status: 'active' })),
    HostedZoneId: HOSTED_ZONE,
    StorageEncrypted: cluster.storageEncrypted,
    KmsKeyId: cluster.storageEncrypted ? cluster.kmsKeyId : undefined,
    DbClusterResourceId: cluster.resourceId,
    DBClusterArn: cluster.arn,
    AssociatedRoles: [],
    IAMDatabaseAuthenticationEnabled: cluster.iamDatabaseAuthenticationEnabled,
    CloneGroupId: cluster.cloneGroupId,
    ClusterCreateTime: new Date(cluster.createdAt),
    EnabledCloudwatchLogsExports: [],
    PendingModifiedValues: Object.keys(pending).length > 0 ? pending : undefined,
    EngineMode: cluster.engineMode,
    StorageType: cluster.storageType,
    AutoMinorVersionUpgrade: true,
    DeletionProtection: cluster.deletionProtection,
    HttpEndpointEnabled: false,
    CopyTagsToSnapshot: cluster.copyTagsToSnapshot,
    CrossAccountClone: false,
    DomainMemberships: [],
    TagList: tagList(cluster.tags),
    NetworkType: 'IPV4',
    ServerlessV2ScalingConfiguration: cluster.serverlessV2 ? { ...cluster.serverlessV2 } : undefined,
    MasterUserSecret: masterUserSecretView(secretOfCopy(cluster)),
  };
}

export function clusterSnapshotView(state: RdsState, snapshot: ClusterSnapshot, now: number) {
  const c = snapshot.config;
  const status = clusterSnapshotStatus(snapshot, now);
  return {
    AvailabilityZones: [...c.availabilityZones],
    DBClusterSnapshotIdentifier: snapshot.id,
    DBClusterIdentifier: snapshot.clusterId,
    SnapshotCreateTime: new Date(snapshot.createdAt),
    Engine: c.engine,
    EngineMode: c.engineMode,
    AllocatedStorage: c.storageGb,
    Status: status,
    Port: c.port,
    VpcId: state.subnetGroups.get(c.subnetGroupName)?.vpcId,
    ClusterCreateTime: new Date(snapshot.clusterCreatedAt),
    MasterUsername: c.masterUsername,
    EngineVersion: c.engineVersion,
    LicenseModel: c.engine === 'aurora-postgresql' ? 'postgresql-license' : 'aurora-mysql',
    SnapshotType: snapshot.type,
    PercentProgress: status === 'available' ? 100 : 0,
    StorageEncrypted: c.storageEncrypted,
    KmsKeyId: c.storageEncrypted ? c.kmsKeyId : undefined,
    DBClusterSnapshotArn: snapshot.arn,
    IAMDatabaseAuthenticationEnabled: c.iamDatabaseAuthenticationEnabled,
    TagList: tagList(snapshot.tags),
    StorageType: c.storageType,
    DbClusterResourceId: snapshot.clusterResourceId,
  };
}
