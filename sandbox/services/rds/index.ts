import * as schemas from '@aws-sdk/client-rds';
import type { RequestContext, ServiceDef } from '../../core/service.ts';
import { queryTagOperations } from '../../core/tags.ts';
import { autoBackupArn, deleteDBInstanceAutomatedBackup, describeDBInstanceAutomatedBackups } from './automated-backups.ts';
import { deleteDBInstance, describeDBInstances, modifyDBInstance } from './instances.ts';
import { restoreDBClusterFromSnapshot, restoreDBClusterToPointInTime } from './cluster-restore.ts';
import { clusterArn, clusterSnapshotArn } from './cluster-state.ts';
import {
  createDBInstance,
  deleteDBCluster,
  describeDBClusters,
  describeDBClusterSnapshots,
  modifyDBCluster,
} from './clusters.ts';
import { restoreFromSnapshot, restoreToPointInTime } from './restore.ts';
import { failRestoredCluster, failRestoredInstance } from './fail-restore.ts';
import { describeDBSnapshots } from './snapshots.ts';
import { dbArn, snapshotArn, subnetGroupArn } from './state.ts';
import { describeDBSubnetGroups } from './subnets.ts';
import { addTagsToResource, listTagsForResource, removeTagsFromResource, tagRecord } from './tags.ts';

/**
 * The ARN IAM evaluates for an identifier that may already be an ARN; a call that names none (describe
 * everything) is evaluated against every resource of the type in the region: arn:aws:rds:R:A:db:*.
 */
const ARNS = { db: dbArn, snapshot: snapshotArn, cluster: clusterArn, 'cluster-snapshot': clusterSnapshotArn };
const arnOf = (kind: keyof typeof ARNS, ctx: RequestContext, idOrArn: string | undefined): string[] => {
  if (!idOrArn) return [ARNS[kind](ctx.region, ctx.accountId, '*')];
  if (idOrArn.startsWith('arn:')) return [idOrArn];
  return [ARNS[kind](ctx.region, ctx.accountId, idOrArn.toLowerCase())];
};

type Tagged = { Tags?: { Key?: string; Value?: string }[] };
const requestTags = (input: Tagged) => tagRecord(input.Tags);
/** rds:PubliclyAccessible (an action key of instance restores and CreateDBInstance) and rds:DatabaseClass (the new instance's), when the call gives them. */
const instanceKeys = (input: { PubliclyAccessible?: boolean; DBInstanceClass?: string }) => ({
  'rds:PubliclyAccessible': input.PubliclyAccessible === undefined ? undefined : String(input.PubliclyAccessible),
  'rds:DatabaseClass': input.DBInstanceClass,
});

/** Amazon RDS (awsQuery, API version 2014-10-31): DB instances, Aurora DB clusters, snapshots, subnet groups, tags. */
export const rds: ServiceDef = {
  signingName: 'rds',
  iamPrefix: 'rds',
  protocol: 'awsQuery',
  schemas,
  xmlNamespace: 'http://rds.amazonaws.com/doc/2014-10-31/',
  operations: {
    DescribeDBInstances: {
      handler: describeDBInstances,
      resources: (input, ctx) => arnOf('db', ctx, input.DBInstanceIdentifier),
    },
    DescribeDBInstanceAutomatedBackups: {
      handler: describeDBInstanceAutomatedBackups,
      resources: (input, ctx) =>
        input.DBInstanceAutomatedBackupsArn
          ? [input.DBInstanceAutomatedBackupsArn]
          : arnOf('db', ctx, input.DBInstanceIdentifier),
    },
    DeleteDBInstanceAutomatedBackup: {
      handler: deleteDBInstanceAutomatedBackup,
      resources: (input, ctx) => [
        input.DBInstanceAutomatedBackupsArn ?? autoBackupArn(ctx.region, ctx.accountId, input.DbiResourceId ?? '*'),
      ],
    },
    DescribeDBSnapshots: {
      handler: describeDBSnapshots,
      resources: (input, ctx) =>
        input.DBSnapshotIdentifier
          ? arnOf('snapshot', ctx, input.DBSnapshotIdentifier)
          : arnOf('db', ctx, input.DBInstanceIdentifier),
    },
    DescribeDBSubnetGroups: {
      handler: describeDBSubnetGroups,
      resources: (input, ctx) =>
        input.DBSubnetGroupName
          ? [subnetGroupArn(ctx.region, ctx.accountId, input.DBSubnetGroupName.toLowerCase())]
          : [subnetGroupArn(ctx.region, ctx.accountId, '*')],
    },
    RestoreDBInstanceFromDBSnapshot: {
      handler: restoreFromSnapshot,
      failRestore: failRestoredInstance,
      resources: (input, ctx) => [
        ...arnOf('db', ctx, input.DBInstanceIdentifier),
        ...arnOf('snapshot', ctx, input.DBSnapshotIdentifier),
      ],
      requestTags,
      conditionContext: instanceKeys,
    },
    RestoreDBInstanceToPointInTime: {
      handler: restoreToPointInTime,
      failRestore: failRestoredInstance,
      resources: (input, ctx) => [
        ...arnOf('db', ctx, input.TargetDBInstanceIdentifier),
        ...(input.SourceDBInstanceAutomatedBackupsArn
          ? [input.SourceDBInstanceAutomatedBackupsArn]
          : arnOf('db', ctx, input.SourceDBInstanceIdentifier)),
      ],
      requestTags,
      conditionContext: instanceKeys,
    },
    ModifyDBInstance: {
      handler: modifyDBInstance,
      resources: (input, ctx) => arnOf('db', ctx, input.DBInstanceIdentifier),
    },
    DeleteDBInstance: {
      handler: deleteDBInstance,
      resources: (input, ctx) => arnOf('db', ctx, input.DBInstanceIdentifier),
    },
    DescribeDBClusters: {
      handler: describeDBClusters,
      resources: (input, ctx) => arnOf('cluster', ctx, input.DBClusterIdentifier),
    },
    DescribeDBClusterSnapshots: {
      handler: describeDBClusterSnapshots,
      resources: (input, ctx) =>
        input.DBClusterSnapshotIdentifier
          ? arnOf('cluster-snapshot', ctx, input.DBClusterSnapshotIdentifier)
          : arnOf('cluster', ctx, input.DBClusterIdentifier),
    },
    RestoreDBClusterFromSnapshot: {
      handler: restoreDBClusterFromSnapshot,
      failRestore: failRestoredCluster,
      resources: (input, ctx) => [
        ...arnOf('cluster', ctx, input.DBClusterIdentifier),
        ...arnOf('cluster-snapshot', ctx, input.SnapshotIdentifier),
      ],
      requestTags,
    },
    RestoreDBClusterToPointInTime: {
      handler: restoreDBClusterToPointInTime,
      failRestore: failRestoredCluster,
      resources: (input, ctx) => [
        ...arnOf('cluster', ctx, input.DBClusterIdentifier),
        ...arnOf('cluster', ctx, input.SourceDBClusterIdentifier),
      ],
      requestTags,
    },
    ModifyDBCluster: {
      handler: modifyDBCluster,
      resources: (input, ctx) => arnOf('cluster', ctx, input.DBClusterIdentifier),
    },
    DeleteDBCluster: {
      handler: deleteDBCluster,
      resources: (input, ctx) => arnOf('cluster', ctx, input.DBClusterIdentifier),
    },
    CreateDBInstance: {
      handler: createDBInstance,
      resources: (input, ctx) => [
        ...arnOf('db', ctx, input.DBInstanceIdentifier),
        ...(input.DBClusterIdentifier ? arnOf('cluster', ctx, input.DBClusterIdentifier) : []),
      ],
      requestTags,
      conditionContext: (input) => ({ 'rds:DatabaseEngine': input.Engine, ...instanceKeys(input) }),
    },
    ...queryTagOperations({ add: addTagsToResource, remove: removeTagsFromResource, list: listTagsForResource }, requestTags),
  },
};
