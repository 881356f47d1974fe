import * as schemas from '@aws-sdk/client-elasticache';
import { ANY_TYPE } from '../../core/authorize.ts';
import { customerKeyChecks } from '../../core/kms-grants.ts';
import type { RequestContext, ResourceNaming, ServiceDef } from '../../core/service.ts';
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
  elasticacheState,
  findSnapshot,
  replicationGroupArn,
  userGroupArn,
} from './state.ts';
import { describeCacheSubnetGroups } from './subnets.ts';
import { addTagsToResource, listTagsForResource, removeTagsFromResource, tagRecord } from './tags.ts';

/**
 * How ElastiCache requests name resources, for IAM (the SAR decides which of them each action is authorized
 * on). Replication group and cluster ids and snapshot names are stored in lower case, as ElastiCache does. A call
 * that names none (describe everything) is evaluated against every resource of the type in the region.
 */
const ARNS: Record<string, (region: string, account: string, name: string) => string> = {
  replicationgroup: replicationGroupArn,
  cluster: cacheClusterArn,
  snapshot: cacheSnapshotArn,
  subnetgroup: cacheSubnetGroupArn,
  parametergroup: cacheParameterGroupArn,
  usergroup: userGroupArn,
};
const CASE_KEPT = new Set(['parametergroup', 'usergroup']);
const resourceNaming: ResourceNaming = {
  fields: {
    ReplicationGroupId: 'replicationgroup',
    CacheClusterId: 'cluster',
    SnapshotName: 'snapshot',
    SourceSnapshotName: 'snapshot',
    TargetSnapshotName: 'snapshot',
    FinalSnapshotIdentifier: 'snapshot',
    CacheSubnetGroupName: 'subnetgroup',
    CacheParameterGroupName: 'parametergroup',
    UserGroupIds: 'usergroup',
    ResourceName: ANY_TYPE,
  },
  arns: Object.fromEntries(
    Object.entries(ARNS).map(([type, arn]) => [
      type,
      (name: string, ctx: RequestContext) => arn(ctx.region, ctx.accountId, CASE_KEPT.has(type) ? name : name.toLowerCase()),
    ]),
  ),
};
const everyOf = (type: string, given: string | undefined, ctx: RequestContext) => (given ? [] : [ARNS[type](ctx.region, ctx.accountId, '*')]);

/** A snapshot encrypted with a customer-managed key: creating from it needs kms:CreateGrant/DescribeKey on the key. */
function snapshotKeyChecks(input: CreateGroupInput, ctx: RequestContext) {
  if (!input.SnapshotName) return customerKeyChecks(ctx, [input.KmsKeyId], []);
  const snapshot = findSnapshot(elasticacheState(ctx.world, ctx.accountId, ctx.region), ctx.world.clock.nowMs(), input.SnapshotName);
  const key = snapshot?.config.atRestEncryptionEnabled ? snapshot.config.kmsKeyId : undefined;
  return customerKeyChecks(ctx, [key, input.KmsKeyId], []);
}

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
  resourceNaming,
  operations: {
    DescribeReplicationGroups: {
      handler: describeReplicationGroups,
      resources: (input, ctx) => everyOf('replicationgroup', input.ReplicationGroupId, ctx),
    },
    DescribeCacheClusters: { handler: describeCacheClusters, resources: (input, ctx) => everyOf('cluster', input.CacheClusterId, ctx) },
    DescribeSnapshots: { handler: describeSnapshots, resources: (input, ctx) => everyOf('snapshot', input.SnapshotName, ctx) },
    DescribeCacheSubnetGroups: {
      handler: describeCacheSubnetGroups,
      resources: (input, ctx) => everyOf('subnetgroup', input.CacheSubnetGroupName, ctx),
    },
    // Besides what the call names: each member cluster it will create, the default subnet group when none is
    // named and the engine's default parameter group when none is named (the SAR requires parametergroup).
    // Each sees only its own row's condition keys: request tags and the elasticache:* keys on replicationgroup.
    CreateReplicationGroup: {
      handler: createReplicationGroup,
      failRestore: failCreatedGroup,
      resources: (input: CreateGroupInput, ctx) => [
        ...plannedMemberArns(input, ctx),
        ARNS.subnetgroup(ctx.region, ctx.accountId, (input.CacheSubnetGroupName ?? 'default').toLowerCase()),
        ARNS.parametergroup(ctx.region, ctx.accountId, plannedParameterGroup(input, ctx)),
      ],
      requestTags,
      conditionContext: createConditions,
      dependentChecks: snapshotKeyChecks,
    },
    DeleteReplicationGroup: { handler: deleteReplicationGroup },
    ModifyReplicationGroup: {
      handler: modifyReplicationGroup,
      conditionContext: (input) => ({
        'elasticache:AuthTokenEnabled': input.AuthToken === undefined ? undefined : String(Boolean(input.AuthToken)),
        'elasticache:SnapshotRetentionLimit': count(input.SnapshotRetentionLimit),
      }),
    },
    CopySnapshot: {
      handler: copySnapshot,
      requestTags,
      conditionContext: (input) => ({ 'elasticache:KmsKeyId': input.KmsKeyId }),
    },
    ...queryTagOperations({ add: addTagsToResource, remove: removeTagsFromResource, list: listTagsForResource }, requestTags),
  },
};
