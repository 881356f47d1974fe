import type { TargetConfig } from '../../config/schema.ts';
import { dbSubnetGroupCheck } from '../rds/permissions.ts';
import { automatedName, read, write, type EnginePermissions, type Scope, type ScopeWhere } from '../../iam/declare.ts';
import { managedSecretWrites, secretKeyArns, secretPermissions, sourceKeyUse } from '../shared/permissions.ts';

/**
 * Every IAM action the Aurora engine's code calls, per command, with what it acts on and how writes are
 * bound (the generated policy is built from these; tests check each API call against them). A clone is a
 * DB cluster and its writer DB instance, both named with the prefix: the `clone` scope names both.
 */

/** points: AWS Backup recovery points, cluster snapshots, the cluster's point-in-time window. */
const points = [
  read('backup:ListRecoveryPointsByBackupVault', 'vault'),
  read('rds:DescribeDBClusterSnapshots', ['source', 'restore-input', 'source-backup']),
  read('rds:DescribeDBClusters', 'source'),
];

/** describe / list / lookup: tagged clusters (Tagging API), live clusters and their instances, fresh tags of clones. */
const describe = [
  read('tag:GetResources', 'none'),
  read('rds:DescribeDBClusters', 'account'),
  read('rds:DescribeDBInstances', 'account'),
  read('rds:ListTagsForResource', 'clone'),
];

const secrets = secretPermissions;

const clusterRestoreRequires = (t: TargetConfig) => ({ StringEqualsIfExists: { 'rds:DatabaseClass': [t.aurora?.instanceClass ?? 'none'] } });

const tagClone = write('rds:AddTagsToResource', ['clone'], 'request');
const modifyCluster = write('rds:ModifyDBCluster', ['clone'], 'resource');

export const AURORA_PERMISSIONS: EnginePermissions = {
  points,
  describe,
  create: [
    ...points,
    ...describe,
    // Restores are tagged at creation; the cluster's password is replaced (ModifyDBCluster) before its
    // writer instance is added, tagged at creation too.
    // rds:DatabaseClass of a cluster restore is the class of a Multi-AZ DB cluster, which Aurora restores never
    // send: IfExists confines such a request to the placement's class.
    { ...write('rds:RestoreDBClusterFromSnapshot', ['clone', 'restore-input', 'source-backup', 'placement'], 'request'), requires: clusterRestoreRequires },
    { ...write('rds:RestoreDBClusterToPointInTime', ['clone', 'source', 'restore-input', 'placement'], 'request'), requires: clusterRestoreRequires },
    ...sourceKeyUse,
    // Only Aurora instances (which exist only inside a cluster) of the placement's class, never public: the
    // role cannot make a standalone instance, nor a bigger or a public one (snapclone sends all three).
    {
      ...write('rds:CreateDBInstance', ['clone', 'restore-input', 'placement'], 'request'),
      // The cluster it joins is a clone already: its own tags say so (the property test found a writer added to
      // an untagged <prefix>-* cluster under request tags alone).
      joins: 'cluster',
      requires: (t: TargetConfig) => ({
        StringLike: { 'rds:DatabaseEngine': ['aurora-*'] },
        StringEquals: { 'rds:DatabaseClass': [t.aurora?.instanceClass ?? 'none'] },
        Bool: { 'rds:PubliclyAccessible': ['false'] },
      }),
    },
    tagClone,
    modifyCluster,
    // password 'managed': RDS creates and tags the cluster's secret with the caller's rights
    ...managedSecretWrites((t) => t.aurora?.kmsKeyId, (t) => t.aurora?.password === 'managed'),
    ...secrets.generated,
    secrets.describe,
    secrets.value,
    secrets.managedValue,
    read('secretsmanager:DescribeSecret', 'managed-secret', 'owned-by-clone'),
  ],
  credentials: [...describe, tagClone, secrets.value, secrets.managedValue, read('secretsmanager:DescribeSecret', 'managed-secret', 'owned-by-clone')],
  delete: [
    ...describe,
    tagClone,
    modifyCluster,
    write('rds:DeleteDBInstance', ['clone'], 'resource'),
    write('rds:DeleteDBCluster', ['clone'], 'resource'),
    // AWS authorizes DeleteDBCluster on the final snapshot too (cluster-snapshot is required in the reference).
    // snapclone skips it, so the request names none: granted on every cluster snapshot ARN, which is right
    // whether AWS checks it or not and grants nothing else (the cluster itself stays bound by name and tag).
    write('rds:DeleteDBCluster', ['clone-snapshot']),
    secrets.describe,
    secrets.delete,
  ],
  doctor: dbSubnetGroupCheck,
};

/** The ARNs a scope names for Aurora clusters in one target; undefined for the scopes every engine shares. */
export function auroraResources(scope: Scope, w: ScopeWhere): string[] | undefined {
  const arn = (type: string, name: string) => `arn:${w.partition}:rds:${w.region}:${w.account}:${type}:${name}`;
  switch (scope) {
    case 'clone':
      return [arn('cluster', `${w.prefix}-*`), arn('db', `${w.prefix}-*`)];
    case 'source':
      return w.sources.map((s) => arn('cluster', s.config.id.toLowerCase()));
    case 'restore-input':
      // Cluster snapshots (AWS Backup's are cluster-snapshot:awsbackup:job-…) and the engine's default
      // cluster and instance parameter groups and option group, attached and never changed.
      // Automated ones by name (rds:<id>-YYYY-MM-DD-HH-MM); manual and AWS Backup ones are `source-backup`.
      return [
        ...w.sources.map((s) => arn('cluster-snapshot', automatedName('rds:', s.config.id.toLowerCase()))),
        arn('cluster-pg', '*'),
        arn('pg', '*'),
        arn('og', '*'),
      ];
    case 'source-backup':
      return [arn('cluster-snapshot', '*')];
    case 'placement':
      return w.target.config.aurora ? [arn('subgrp', w.target.config.aurora.subnetGroup.toLowerCase())] : [];
    case 'account':
      return [arn('cluster', '*'), arn('db', '*')];
    case 'secret-key':
      return secretKeyArns(w.target.config.aurora?.kmsKeyId, w);
    case 'clone-snapshot':
      return [arn('cluster-snapshot', '*')];
    case 'managed-secret':
      return [`arn:${w.partition}:secretsmanager:${w.region}:${w.account}:secret:rds!cluster-*`];
    default:
      return undefined;
  }
}
