import { servedEndpoint } from './data-plane.ts';
import {
  cacheSubnetGroupArn,
  clusterStatus,
  groupStatus,
  hostId,
  memberClusterIds,
  regionCode,
  runningVersion,
  snapshotStatus,
  snapshottingClusterId,
  type CacheCluster,
  type CacheSnapshot,
  type CacheSubnetGroup,
  type ElastiCacheState,
  type ReplicationGroup,
} from './state.ts';

/** The API shapes ElastiCache answers with, built from state; AUTH tokens are never part of them. */

const CLIENT_DOWNLOAD = 'https://console.aws.amazon.com/elasticache/home#client-download:';

/**
 * Host names as ElastiCache forms them: with in-transit encryption `master.<group>.<id>.<region>.cache.amazonaws.com`
 * (and `replica.…`, `<cluster>.<group>.…` for nodes), without it `<group>.<id>.ng.0001.<region>…`
 * (`<group>-ro.…`, `<cluster>.<id>.0001.…`); cluster mode `clustercfg.<group>.<id>.<region>…`.
 */
function hosts(group: { id: string; transitEncryptionEnabled: boolean }, region: string, accountId: string) {
  const domain = `${hostId(accountId, region)}.${regionCode(region)}.cache.amazonaws.com`;
  const tls = group.transitEncryptionEnabled;
  return {
    primary: tls ? `master.${group.id}.${domain}` : `${group.id}.${domain.replace(/^([^.]+)\./, '$1.ng.0001.')}`,
    reader: tls ? `replica.${group.id}.${domain}` : `${group.id}-ro.${domain.replace(/^([^.]+)\./, '$1.ng.0001.')}`,
    configuration: `clustercfg.${group.id}.${domain}`,
    node: (clusterId: string) =>
      tls ? `${clusterId}.${group.id}.${domain}` : `${clusterId}.${domain.replace(/^([^.]+)\./, '$1.0001.')}`,
  };
}

export function subnetGroupView(group: CacheSubnetGroup, region: string, accountId: string) {
  return {
    CacheSubnetGroupName: group.name,
    CacheSubnetGroupDescription: group.description,
    VpcId: group.vpcId,
    Subnets: group.subnets.map((s) => ({
      SubnetIdentifier: s.id,
      SubnetAvailabilityZone: { Name: s.az },
      SupportedNetworkTypes: ['ipv4'],
    })),
    ARN: cacheSubnetGroupArn(region, accountId, group.name),
    SupportedNetworkTypes: ['ipv4'],
  };
}

export function groupView(state: ElastiCacheState, group: ReplicationGroup, now: number, region: string, accountId: string) {
  const status = groupStatus(group, now);
  const created = now >= group.availableAt;
  const h = hosts(group, region, accountId);
  const pending = Object.assign({}, ...group.phases.map((p) => p.pending ?? {}));
  const nodeStatus = status === 'creating' || status === 'deleting' ? status : 'available';
  // A copy served by a real engine: its loopback address and port for every endpoint (data-plane.ts).
  const served = servedEndpoint(state, group.arn);
  const at = (address: string) => served ?? { Address: address, Port: group.port };
  return {
    ReplicationGroupId: group.id,
    Description: group.description,
    Status: status,
    PendingModifiedValues: pending,
    MemberClusters: memberClusterIds(group),
    NodeGroups: group.nodeGroups.map((ng) => ({
      NodeGroupId: ng.id,
      Status: nodeStatus,
      PrimaryEndpoint: created && !group.clusterMode ? at(h.primary) : undefined,
      ReaderEndpoint: created && !group.clusterMode ? at(h.reader) : undefined,
      Slots: group.clusterMode ? ng.slots : undefined,
      NodeGroupMembers: ng.members.map((m) => ({
        CacheClusterId: m.clusterId,
        CacheNodeId: '0001',
        ReadEndpoint: created && !group.clusterMode ? at(h.node(m.clusterId)) : undefined,
        PreferredAvailabilityZone: m.az,
        CurrentRole: group.clusterMode ? undefined : m.role,
      })),
    })),
    SnapshottingClusterId: group.snapshotRetentionLimit > 0 ? snapshottingClusterId(group) : undefined,
    AutomaticFailover: group.automaticFailover ? (status === 'creating' ? 'enabling' : 'enabled') : 'disabled',
    MultiAZ: group.multiAZ ? 'enabled' : 'disabled',
    ConfigurationEndpoint: created && group.clusterMode ? { Address: h.configuration, Port: group.port } : undefined,
    SnapshotRetentionLimit: group.snapshotRetentionLimit,
    SnapshotWindow: group.snapshotWindow,
    ClusterEnabled: group.clusterMode,
    CacheNodeType: group.cacheNodeType,
    AuthTokenEnabled: group.authToken !== undefined,
    AuthTokenLastModifiedDate: group.authToken && group.authTokenLastModified ? new Date(group.authTokenLastModified) : undefined,
    TransitEncryptionEnabled: group.transitEncryptionEnabled,
    AtRestEncryptionEnabled: group.atRestEncryptionEnabled,
    MemberClustersOutpostArns: [],
    KmsKeyId: group.kmsKeyId,
    ARN: group.arn,
    UserGroupIds: [...group.userGroupIds],
    LogDeliveryConfigurations: [],
    ReplicationGroupCreateTime: new Date(group.createdAt),
    DataTiering: 'disabled',
    AutoMinorVersionUpgrade: group.autoMinorVersionUpgrade,
    NetworkType: 'ipv4',
    IpDiscovery: 'ipv4',
    TransitEncryptionMode: group.transitEncryptionEnabled ? 'required' : undefined,
    ClusterMode: group.clusterMode ? 'enabled' : 'disabled',
    Engine: group.engine,
  };
}

export function clusterView(
  state: ElastiCacheState,
  cluster: CacheCluster,
  now: number,
  region: string,
  accountId: string,
  showNodeInfo: boolean,
) {
  const status = clusterStatus(state, cluster, now);
  const group = cluster.replicationGroupId ? state.replicationGroups.get(cluster.replicationGroupId) : undefined;
  const h = hosts({ id: group?.id ?? cluster.id, transitEncryptionEnabled: cluster.transitEncryptionEnabled }, region, accountId);
  const primary = group?.nodeGroups.find((ng) => ng.id === cluster.nodeGroupId)?.members.find((m) => m.role === 'primary');
  return {
    CacheClusterId: cluster.id,
    ClientDownloadLandingPage: CLIENT_DOWNLOAD,
    CacheNodeType: cluster.cacheNodeType,
    Engine: cluster.engine,
    EngineVersion: runningVersion(cluster.engine, cluster.engineVersion),
    CacheClusterStatus: status,
    NumCacheNodes: 1,
    PreferredAvailabilityZone: cluster.az,
    CacheClusterCreateTime: new Date(cluster.createdAt),
    PreferredMaintenanceWindow: cluster.preferredMaintenanceWindow,
    PendingModifiedValues: {},
    CacheSecurityGroups: [],
    CacheParameterGroup: {
      CacheParameterGroupName: cluster.parameterGroupName,
      ParameterApplyStatus: 'in-sync',
      CacheNodeIdsToReboot: [],
    },
    CacheSubnetGroupName: cluster.subnetGroupName,
    // While the cluster is being created only cluster-level information is shown (as the API reference says).
    CacheNodes:
      showNodeInfo && status !== 'creating'
        ? [
            {
              CacheNodeId: '0001',
              CacheNodeStatus: status === 'deleting' ? 'deleting' : 'available',
              CacheNodeCreateTime: new Date(cluster.availableAt),
              Endpoint: (group && servedEndpoint(state, group.arn)) ?? { Address: h.node(cluster.id), Port: cluster.port },
              ParameterGroupStatus: 'in-sync',
              SourceCacheNodeId: cluster.role === 'replica' && primary ? '0001' : undefined,
              CustomerAvailabilityZone: cluster.az,
            },
          ]
        : undefined,
    AutoMinorVersionUpgrade: cluster.autoMinorVersionUpgrade,
    SecurityGroups: cluster.securityGroupIds.map((id) => ({ SecurityGroupId: id, Status: 'active' })),
    ReplicationGroupId: cluster.replicationGroupId,
    SnapshotRetentionLimit: cluster.snapshotRetentionLimit,
    SnapshotWindow: cluster.snapshotWindow,
    AuthTokenEnabled: cluster.authToken !== undefined,
    AuthTokenLastModifiedDate:
      cluster.authToken && cluster.authTokenLastModified ? new Date(cluster.authTokenLastModified) : undefined,
    TransitEncryptionEnabled: cluster.transitEncryptionEnabled,
    AtRestEncryptionEnabled: cluster.atRestEncryptionEnabled,
    ARN: cluster.arn,
    ReplicationGroupLogDeliveryEnabled: false,
    LogDeliveryConfigurations: [],
    NetworkType: 'ipv4',
    IpDiscovery: 'ipv4',
    TransitEncryptionMode: cluster.transitEncryptionEnabled ? 'required' : undefined,
  };
}

/** Sizes as ElastiCache's NodeSnapshots report them: "3 MB", "3584 MB". */
export const cacheSize = (mb: number): string => `${Math.max(1, Math.round(mb))} MB`;

export function snapshotView(state: ElastiCacheState, snapshot: CacheSnapshot, now: number, showNodeGroupConfig: boolean) {
  const c = snapshot.config;
  const single = !snapshot.clusterMode;
  return {
    SnapshotName: snapshot.name,
    ReplicationGroupId: snapshot.replicationGroupId,
    ReplicationGroupDescription: snapshot.replicationGroupDescription,
    CacheClusterId: snapshot.cacheClusterId,
    SnapshotStatus: snapshotStatus(state, snapshot, now),
    SnapshotSource: snapshot.source,
    CacheNodeType: c.cacheNodeType,
    Engine: c.engine,
    EngineVersion: runningVersion(c.engine, c.engineVersion),
    NumCacheNodes: single ? 1 : undefined,
    PreferredAvailabilityZone: single ? snapshot.nodeGroups[0]?.primaryAz : undefined,
    CacheClusterCreateTime: new Date(snapshot.clusterCreatedAt),
    PreferredMaintenanceWindow: c.preferredMaintenanceWindow,
    Port: c.port,
    CacheParameterGroupName: c.parameterGroupName,
    CacheSubnetGroupName: c.subnetGroupName,
    VpcId: snapshot.vpcId,
    AutoMinorVersionUpgrade: c.autoMinorVersionUpgrade,
    SnapshotRetentionLimit: c.snapshotRetentionLimit,
    SnapshotWindow: c.snapshotWindow,
    NumNodeGroups: snapshot.nodeGroups.length,
    AutomaticFailover: snapshot.automaticFailover ? 'enabled' : 'disabled',
    NodeSnapshots: snapshot.nodeGroups.map((ng) => ({
      CacheClusterId: ng.cacheClusterId,
      NodeGroupId: ng.nodeGroupId,
      CacheNodeId: '0001',
      NodeGroupConfiguration: showNodeGroupConfig
        ? {
            NodeGroupId: ng.nodeGroupId,
            Slots: ng.slots ?? '0-16383',
            ReplicaCount: ng.replicaCount,
            PrimaryAvailabilityZone: ng.primaryAz,
            ReplicaAvailabilityZones: [...ng.replicaAzs],
          }
        : undefined,
      CacheSize: cacheSize(ng.sizeMb),
      CacheNodeCreateTime: new Date(snapshot.clusterCreatedAt),
      SnapshotCreateTime: new Date(snapshot.createdAt),
    })),
    KmsKeyId: c.kmsKeyId,
    ARN: snapshot.arn,
    DataTiering: 'disabled',
  };
}
