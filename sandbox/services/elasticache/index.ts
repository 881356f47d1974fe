import * as schemas from '@aws-sdk/client-elasticache';
import type { RequestContext, ServiceDef } from '../../core/service.ts';
import { queryTagOperations } from '../../core/tags.ts';
import { describeCacheClusters } from './clusters.ts';
import { failCreatedGroup } from './fail-restore.ts';
import {
  createReplicationGroup,
  deleteReplicationGroup,
  describeReplicationGroups,
  modifyReplicationGroup,
  plannedMemberArns,
  plannedParameterGroup,
  type CreateGroupInput,
} from './groups.ts';
import { copySnapshot, describeSnapshots } from './snapshots.ts';
import {
  cacheClusterArn,
  cacheParameterGroupArn,
  cacheSnapshotArn,
  cacheSubnetGroupArn,
  replicationGroupArn,
  userGroupArn,
} from './state.ts';
import { describeCacheSubnetGroups } from './subnets.ts';
import { addTagsToResource, listTagsForResource, removeTagsFromResource, tagRecord } from './tags.ts';

/**
 * The ARN IAM evaluates for a name a call gives; a call that names none (describe everything) is evaluated
 * against every resource of the type in the region: arn:aws:elasticache:R:A:replicationgroup:*. Replication
 * group and cluster ids and snapshot names are stored in lower case, as ElastiCache does.
 */
const ARNS = {
  replicationgroup: replicationGroupArn,
  cluster: cacheClusterArn,
  snapshot: cacheSnapshotArn,
  subnetgroup: cacheSubnetGroupArn,
  parametergroup: cacheParameterGroupArn,
  usergroup: userGroupArn,
};
const arnOf = (kind: keyof typeof ARNS, ctx: RequestContext, name: string | undefined): string => {
  if (!name) return ARNS[kind](ctx.region, ctx.accountId, '*');
  if (name.startsWith('arn:')) return name;
  return ARNS[kind](ctx.region, ctx.accountId, kind === 'parametergroup' || kind === 'usergroup' ? name : name.toLowerCase());
};

type Tagged = { Tags?: { Key?: string; Value?: string }[] };
const requestTags = (input: Tagged) => tagRecord(input.Tags);

const flag = (value: boolean | undefined) => (value === undefined ? undefined : String(value));
const count = (value: number | undefined) => (value === undefined ? undefined : String(value));

/**
 * The service's condition keys of CreateReplicationGroup, as the Service Authorization Reference defines them:
 * EngineType defaults to 'redis', TransitEncryptionEnabled and AtRestEncryptionEnabled to 'false' when the call
 * does not set them; AuthTokenEnabled says whether a non-empty AuthToken is given; ClusterModeEnabled is false
 * for a single node group; the others only when the call gives them.
 */
function createConditions(input: CreateGroupInput): Record<string, string | undefined> {
  const shards = input.NumNodeGroups;
  return {
    'elasticache:CacheNodeType': input.CacheNodeType,
    'elasticache:EngineType': input.Engine ?? 'redis',
    'elasticache:EngineVersion': input.EngineVersion,
    'elasticache:TransitEncryptionEnabled': String(input.TransitEncryptionEnabled ?? false),
    'elasticache:AtRestEncryptionEnabled': String(input.AtRestEncryptionEnabled ?? false),
    'elasticache:AuthTokenEnabled': String(Boolean(input.AuthToken)),
    'elasticache:AutomaticFailoverEnabled': flag(input.AutomaticFailoverEnabled),
    'elasticache:MultiAZEnabled': flag(input.MultiAZEnabled),
    'elasticache:ClusterModeEnabled': String((shards ?? 1) > 1 || input.ClusterMode === 'enabled'),
    'elasticache:NumNodeGroups': count(shards),
    'elasticache:ReplicasPerNodeGroup': count(input.ReplicasPerNodeGroup),
    'elasticache:SnapshotRetentionLimit': count(input.SnapshotRetentionLimit),
    'elasticache:CacheParameterGroupName': input.CacheParameterGroupName,
    'elasticache:KmsKeyId': input.KmsKeyId,
  };
}

/** Amazon ElastiCache (awsQuery, API version 2015-02-02): Valkey / Redis OSS replication groups, clusters, snapshots, tags. */
export const elasticache: ServiceDef = {
  signingName: 'elasticache',
  iamPrefix: 'elasticache',
  protocol: 'awsQuery',
  schemas,
  xmlNamespace: 'http://elasticache.amazonaws.com/doc/2015-02-02/',
  operations: {
    DescribeReplicationGroups: {
      handler: describeReplicationGroups,
      resources: (input, ctx) => [arnOf('replicationgroup', ctx, input.ReplicationGroupId)],
    },
    DescribeCacheClusters: {
      handler: describeCacheClusters,
      resources: (input, ctx) => [arnOf('cluster', ctx, input.CacheClusterId)],
    },
    DescribeSnapshots: {
      handler: describeSnapshots,
      resources: (input, ctx) => [arnOf('snapshot', ctx, input.SnapshotName)],
    },
    DescribeCacheSubnetGroups: {
      handler: describeCacheSubnetGroups,
      resources: (input, ctx) => [arnOf('subnetgroup', ctx, input.CacheSubnetGroupName)],
    },
    // The new group and each member cluster, the snapshot restored from, the subnet group (the default one when
    // none is named) and the parameter group (the engine's default when none is named: IAM requires it), and
    // the user groups.
    CreateReplicationGroup: {
      handler: createReplicationGroup,
      failRestore: failCreatedGroup,
      resources: (input: CreateGroupInput, ctx) => [
        arnOf('replicationgroup', ctx, input.ReplicationGroupId ?? ''),
        ...plannedMemberArns(input, ctx),
        ...(input.SnapshotName ? [arnOf('snapshot', ctx, input.SnapshotName)] : []),
        arnOf('subnetgroup', ctx, input.CacheSubnetGroupName ?? 'default'),
        arnOf('parametergroup', ctx, plannedParameterGroup(input, ctx)),
        ...(input.UserGroupIds ?? []).map((id: string) => arnOf('usergroup', ctx, id)),
      ],
      requestTags,
      conditionContext: createConditions,
    },
    DeleteReplicationGroup: {
      handler: deleteReplicationGroup,
      resources: (input, ctx) => [
        arnOf('replicationgroup', ctx, input.ReplicationGroupId ?? ''),
        ...(input.FinalSnapshotIdentifier ? [arnOf('snapshot', ctx, input.FinalSnapshotIdentifier)] : []),
      ],
    },
    ModifyReplicationGroup: {
      handler: modifyReplicationGroup,
      resources: (input, ctx) => [arnOf('replicationgroup', ctx, input.ReplicationGroupId ?? '')],
      conditionContext: (input) => ({
        'elasticache:AuthTokenEnabled': input.AuthToken === undefined ? undefined : String(Boolean(input.AuthToken)),
        'elasticache:SnapshotRetentionLimit': count(input.SnapshotRetentionLimit),
      }),
    },
    CopySnapshot: {
      handler: copySnapshot,
      resources: (input, ctx) => [
        arnOf('snapshot', ctx, input.SourceSnapshotName ?? ''),
        arnOf('snapshot', ctx, input.TargetSnapshotName ?? ''),
      ],
      requestTags,
      conditionContext: (input) => ({ 'elasticache:KmsKeyId': input.KmsKeyId }),
    },
    ...queryTagOperations({ add: addTagsToResource, remove: removeTagsFromResource, list: listTagsForResource }, requestTags),
  },
};
