import * as schemas from '@aws-sdk/client-rds';
import { ANY_TYPE } from '../../core/authorize.ts';
import { customerKeyChecks } from '../../core/kms-grants.ts';
import type { RequestContext, ResourceNaming, ServiceDef } from '../../core/service.ts';
import { queryTagOperations } from '../../core/tags.ts';
import {
  autoBackupArn,
  deleteDBInstanceAutomatedBackup,
  describeDBInstanceAutomatedBackups,
  findAutomatedBackups,
} from './automated-backups.ts';
import { deleteDBInstance, describeDBInstances, modifyDBInstance } from './instances.ts';
import { restoreDBClusterFromSnapshot, restoreDBClusterToPointInTime } from './cluster-restore.ts';
import { clusterArn, clusterSnapshotArn, findCluster, findClusterSnapshot } from './cluster-state.ts';
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
import { dbArn, findInstance, findSnapshot, rdsState, snapshotArn, subnetGroupArn } from './state.ts';
import { describeDBSubnetGroups } from './subnets.ts';
import { addTagsToResource, listTagsForResource, removeTagsFromResource, tagRecord } from './tags.ts';

/**
 * How RDS requests name resources, for IAM (the SAR decides which of them each action is authorized on). RDS
 * keeps identifiers in lower case. A call that names none of a type (describe everything) says so itself: it is
 * evaluated against every resource of the type in the region, arn:aws:rds:R:A:db:*.
 */
const ARNS: Record<string, (region: string, account: string, name: string) => string> = {
  db: dbArn,
  snapshot: snapshotArn,
  cluster: clusterArn,
  'cluster-snapshot': clusterSnapshotArn,
  subgrp: subnetGroupArn,
  og: (r, a, name) => `arn:aws:rds:${r}:${a}:og:${name}`,
  pg: (r, a, name) => `arn:aws:rds:${r}:${a}:pg:${name}`,
  'cluster-pg': (r, a, name) => `arn:aws:rds:${r}:${a}:cluster-pg:${name}`,
};
const resourceNaming: ResourceNaming = {
  fields: {
    DBInstanceIdentifier: 'db',
    TargetDBInstanceIdentifier: 'db',
    SourceDBInstanceIdentifier: 'db',
    DBSnapshotIdentifier: 'snapshot',
    FinalDBSnapshotIdentifier: 'snapshot',
    DBClusterIdentifier: 'cluster',
    SourceDBClusterIdentifier: 'cluster',
    DBClusterSnapshotIdentifier: 'cluster-snapshot',
    SnapshotIdentifier: 'cluster-snapshot',
    FinalSnapshotIdentifier: 'cluster-snapshot',
    DBSubnetGroupName: 'subgrp',
    OptionGroupName: 'og',
    DBParameterGroupName: 'pg',
    DBClusterParameterGroupName: 'cluster-pg',
    DBInstanceAutomatedBackupsArn: 'auto-backup',
    SourceDBInstanceAutomatedBackupsArn: 'auto-backup',
    ResourceName: ANY_TYPE,
  },
  arns: Object.fromEntries(
    Object.entries(ARNS).map(([type, arn]) => [type, (name: string, ctx: RequestContext) => arn(ctx.region, ctx.accountId, name.toLowerCase())]),
  ),
};
/** `arn:aws:rds:R:A:<type>:*` when the call names nothing (describe everything); nothing otherwise (the naming table does). */
const everyOf = (type: string, ...given: (string | undefined)[]) => (_input: unknown, ctx: RequestContext) =>
  given.some(Boolean) ? [] : [ARNS[type](ctx.region, ctx.accountId, '*')];

type Tagged = { Tags?: { Key?: string; Value?: string }[] };
const requestTags = (input: Tagged) => tagRecord(input.Tags);
/** rds:PubliclyAccessible (an action key of instance restores and CreateDBInstance) and rds:DatabaseClass (the new instance's), when the call gives them. */
const instanceKeys = (input: { PubliclyAccessible?: boolean; DBInstanceClass?: string }) => ({
  'rds:PubliclyAccessible': input.PubliclyAccessible === undefined ? undefined : String(input.PubliclyAccessible),
  'rds:DatabaseClass': input.DBInstanceClass,
});

/** The storage keys a restore uses (the source's, or the one the call names): customer-managed ones need grants. */
function instanceRestoreKeys(input: Record<string, string | undefined>, ctx: RequestContext) {
  const state = rdsState(ctx.world, ctx.accountId, ctx.region);
  const now = ctx.world.clock.nowMs();
  const source = input.DBSnapshotIdentifier
    ? findSnapshot(state, now, input.DBSnapshotIdentifier)?.config
    : input.SourceDBInstanceAutomatedBackupsArn || input.SourceDbiResourceId
      ? findAutomatedBackups(state, now, { arn: input.SourceDBInstanceAutomatedBackupsArn, dbiResourceId: input.SourceDbiResourceId })?.config
      : input.SourceDBInstanceIdentifier
        ? findInstance(state, now, input.SourceDBInstanceIdentifier)
        : undefined;
  const keys = [source?.storageEncrypted ? source.kmsKeyId : undefined, input.KmsKeyId];
  return customerKeyChecks(ctx, keys, [state.defaultKmsKeyId]);
}
function clusterRestoreKeys(input: Record<string, string | undefined>, ctx: RequestContext) {
  const state = rdsState(ctx.world, ctx.accountId, ctx.region);
  const now = ctx.world.clock.nowMs();
  const source = input.SnapshotIdentifier
    ? findClusterSnapshot(state, now, input.SnapshotIdentifier)?.config
    : input.SourceDBClusterIdentifier
      ? findCluster(state, now, input.SourceDBClusterIdentifier)
      : undefined;
  const keys = [source?.storageEncrypted ? source.kmsKeyId : undefined, input.KmsKeyId];
  return customerKeyChecks(ctx, keys, [state.defaultKmsKeyId]);
}

/** Amazon RDS (awsQuery, API version 2014-10-31): DB instances, Aurora DB clusters, snapshots, subnet groups, tags. */
export const rds: ServiceDef = {
  signingName: 'rds',
  iamPrefix: 'rds',
  protocol: 'awsQuery',
  schemas,
  xmlNamespace: 'http://rds.amazonaws.com/doc/2014-10-31/',
  resourceNaming,
  operations: {
    DescribeDBInstances: { handler: describeDBInstances, resources: (i, ctx) => everyOf('db', i.DBInstanceIdentifier)(i, ctx) },
    DescribeDBInstanceAutomatedBackups: {
      handler: describeDBInstanceAutomatedBackups,
      resources: (i, ctx) => everyOf('db', i.DBInstanceAutomatedBackupsArn, i.DBInstanceIdentifier)(i, ctx),
    },
    DeleteDBInstanceAutomatedBackup: {
      handler: deleteDBInstanceAutomatedBackup,
      resources: (input, ctx) =>
        input.DBInstanceAutomatedBackupsArn ? [] : [autoBackupArn(ctx.region, ctx.accountId, input.DbiResourceId ?? '*')],
    },
    DescribeDBSnapshots: {
      handler: describeDBSnapshots,
      resources: (i, ctx) => everyOf('db', i.DBSnapshotIdentifier, i.DBInstanceIdentifier)(i, ctx),
    },
    DescribeDBSubnetGroups: { handler: describeDBSubnetGroups, resources: (i, ctx) => everyOf('subgrp', i.DBSubnetGroupName)(i, ctx) },
    // The new instance, the snapshot (or automated backup, or source instance), subnet group, option group and
    // parameter group: the SAR lists og and pg as required, so unnamed ones are checked as og:* / pg:*.
    RestoreDBInstanceFromDBSnapshot: {
      handler: restoreFromSnapshot,
      failRestore: failRestoredInstance,
      requestTags,
      conditionContext: instanceKeys,
      dependentChecks: instanceRestoreKeys,
    },
    RestoreDBInstanceToPointInTime: {
      handler: restoreToPointInTime,
      failRestore: failRestoredInstance,
      resources: (input, ctx) =>
        input.SourceDbiResourceId && !input.SourceDBInstanceAutomatedBackupsArn
          ? [autoBackupArn(ctx.region, ctx.accountId, input.SourceDbiResourceId)]
          : [],
      requestTags,
      conditionContext: instanceKeys,
      dependentChecks: instanceRestoreKeys,
    },
    ModifyDBInstance: { handler: modifyDBInstance },
    DeleteDBInstance: { handler: deleteDBInstance },
    DescribeDBClusters: { handler: describeDBClusters, resources: (i, ctx) => everyOf('cluster', i.DBClusterIdentifier)(i, ctx) },
    DescribeDBClusterSnapshots: {
      handler: describeDBClusterSnapshots,
      resources: (i, ctx) => everyOf('cluster', i.DBClusterSnapshotIdentifier, i.DBClusterIdentifier)(i, ctx),
    },
    RestoreDBClusterFromSnapshot: {
      handler: restoreDBClusterFromSnapshot,
      failRestore: failRestoredCluster,
      requestTags,
      dependentChecks: clusterRestoreKeys,
    },
    RestoreDBClusterToPointInTime: {
      handler: restoreDBClusterToPointInTime,
      failRestore: failRestoredCluster,
      requestTags,
      dependentChecks: clusterRestoreKeys,
    },
    ModifyDBCluster: { handler: modifyDBCluster },
    DeleteDBCluster: { handler: deleteDBCluster },
    CreateDBInstance: {
      handler: createDBInstance,
      requestTags,
      conditionContext: (input) => ({ 'rds:DatabaseEngine': input.Engine, ...instanceKeys(input) }),
    },
    ...queryTagOperations({ add: addTagsToResource, remove: removeTagsFromResource, list: listTagsForResource }, requestTags),
  },
};
