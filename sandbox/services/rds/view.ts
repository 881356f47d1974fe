import { tagList } from '../../core/tags.ts';
import { clusterArn } from './cluster-state.ts';
import { servedEndpoint } from './data-plane.ts';
import {
  instanceStatus,
  restoreWindow,
  secretOfCopy,
  snapshotStatus,
  subnetGroupArn,
  type DbInstance,
  type DbSnapshot,
  type RdsState,
  type SubnetGroup,
} from './state.ts';

/** The API shapes RDS answers with, built from state; the master password is never part of them. */

const HOSTED_ZONE = 'Z24O6O9L7SGTNB';

export function subnetGroupView(group: SubnetGroup, region: string, accountId: string) {
  return {
    DBSubnetGroupName: group.name,
    DBSubnetGroupDescription: group.description,
    VpcId: group.vpcId,
    SubnetGroupStatus: 'Complete',
    Subnets: group.subnets.map((s) => ({
      SubnetIdentifier: s.id,
      SubnetAvailabilityZone: { Name: s.az },
      SubnetOutpost: {},
      SubnetStatus: 'Active',
    })),
    DBSubnetGroupArn: subnetGroupArn(region, accountId, group.name),
    SupportedNetworkTypes: ['IPV4'],
  };
}

/** MasterUserSecret: the secret RDS manages for the resource, or the one it inherited from its source's metadata. */
export function masterUserSecretView(secret: { arn: string; kmsKeyId: string } | undefined) {
  return secret ? { SecretArn: secret.arn, SecretStatus: 'active', KmsKeyId: secret.kmsKeyId } : undefined;
}

function pendingValues(instance: DbInstance): Record<string, unknown> {
  return Object.assign({}, instance.pendingMaintenance, ...instance.phases.map((p) => p.pending ?? {}));
}

export function instanceView(state: RdsState, instance: DbInstance, now: number, region: string, accountId: string) {
  const status = instanceStatus(instance, now);
  const created = now >= instance.createdAt;
  const group = state.subnetGroups.get(instance.subnetGroupName);
  const window = restoreWindow(state, instance, now);
  const secondaryAz = instance.multiAZ ? group?.subnets.find((s) => s.az !== instance.availabilityZone)?.az : undefined;
  return {
    DBInstanceIdentifier: instance.id,
    DBInstanceClass: instance.instanceClass,
    Engine: instance.engine,
    DBInstanceStatus: status,
    MasterUsername: instance.masterUsername,
    DBName: instance.dbName,
    Endpoint: created
      ? {
          Address: `${instance.id}.c${accountId.slice(0, 10)}.${region}.rds.amazonaws.com`,
          Port: instance.port,
          // A copy served by a real engine: its loopback address and port (data-plane.ts).
          ...servedEndpoint(state, instance.clusterId ? clusterArn(region, accountId, instance.clusterId) : instance.arn),
          HostedZoneId: HOSTED_ZONE,
        }
      : undefined,
    AllocatedStorage: instance.allocatedStorage,
    InstanceCreateTime: created ? new Date(instance.createdAt) : undefined,
    PreferredBackupWindow: instance.preferredBackupWindow,
    BackupRetentionPeriod: instance.backupRetentionPeriod,
    DBSecurityGroups: [],
    VpcSecurityGroups: instance.vpcSecurityGroupIds.map((id) => ({ VpcSecurityGroupId: id, Status: 'active' })),
    DBParameterGroups: [{ DBParameterGroupName: instance.parameterGroupName, ParameterApplyStatus: 'in-sync' }],
    AvailabilityZone: instance.availabilityZone,
    DBSubnetGroup: group ? subnetGroupView(group, region, accountId) : undefined,
    PreferredMaintenanceWindow: instance.preferredMaintenanceWindow,
    PendingModifiedValues: pendingValues(instance),
    LatestRestorableTime: window ? new Date(window.latest) : undefined,
    MultiAZ: instance.multiAZ,
    EngineVersion: instance.engineVersion,
    AutoMinorVersionUpgrade: instance.autoMinorVersionUpgrade,
    ReadReplicaDBInstanceIdentifiers: [],
    LicenseModel: instance.licenseModel,
    OptionGroupMemberships: [{ OptionGroupName: instance.optionGroupName, Status: 'in-sync' }],
    SecondaryAvailabilityZone: secondaryAz,
    PubliclyAccessible: instance.publiclyAccessible,
    StorageType: instance.storageType,
    DbInstancePort: 0,
    StorageEncrypted: instance.storageEncrypted,
    KmsKeyId: instance.storageEncrypted ? instance.kmsKeyId : undefined,
    DbiResourceId: instance.dbiResourceId,
    CACertificateIdentifier: 'rds-ca-rsa2048-g1',
    DomainMemberships: [],
    CopyTagsToSnapshot: instance.copyTagsToSnapshot,
    MonitoringInterval: 0,
    DBInstanceArn: instance.arn,
    DBClusterIdentifier: instance.clusterId,
    PromotionTier: instance.clusterId ? 1 : undefined,
    IAMDatabaseAuthenticationEnabled: instance.iamDatabaseAuthenticationEnabled,
    PerformanceInsightsEnabled: false,
    DeletionProtection: instance.deletionProtection,
    AssociatedRoles: [],
    TagList: tagList(instance.tags),
    CustomerOwnedIpEnabled: false,
    NetworkType: 'IPV4',
    BackupTarget: 'region',
    MasterUserSecret: masterUserSecretView(secretOfCopy(instance)),
  };
}

export function snapshotView(state: RdsState, snapshot: DbSnapshot, now: number) {
  const c = snapshot.config;
  const status = snapshotStatus(snapshot, now);
  return {
    DBSnapshotIdentifier: snapshot.id,
    DBInstanceIdentifier: snapshot.instanceId,
    SnapshotCreateTime: new Date(snapshot.createdAt),
    Engine: c.engine,
    AllocatedStorage: c.allocatedStorage,
    Status: status,
    Port: c.port,
    AvailabilityZone: c.availabilityZone,
    VpcId: state.subnetGroups.get(c.subnetGroupName)?.vpcId,
    InstanceCreateTime: new Date(snapshot.instanceCreatedAt),
    MasterUsername: c.masterUsername,
    EngineVersion: c.engineVersion,
    LicenseModel: c.licenseModel,
    SnapshotType: snapshot.type,
    OptionGroupName: c.optionGroupName,
    PercentProgress: status === 'available' ? 100 : 0,
    StorageType: c.storageType,
    Encrypted: c.storageEncrypted,
    KmsKeyId: c.storageEncrypted ? c.kmsKeyId : undefined,
    DBSnapshotArn: snapshot.arn,
    IAMDatabaseAuthenticationEnabled: c.iamDatabaseAuthenticationEnabled,
    ProcessorFeatures: [],
    DbiResourceId: snapshot.dbiResourceId,
    TagList: tagList(snapshot.tags),
    SnapshotTarget: 'region',
    OriginalSnapshotCreateTime: new Date(snapshot.createdAt),
    SnapshotDatabaseTime: new Date(snapshot.createdAt),
    DedicatedLogVolume: false,
    MultiTenant: false,
  };
}
