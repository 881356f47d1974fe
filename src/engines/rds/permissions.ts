import { automatedName, read, write, type EnginePermissions, type Scope, type ScopeWhere } from '../../iam/declare.ts';
import type { TargetConfig } from '../../config/schema.ts';
import { managedSecretWrites, secretKeyArns, secretPermissions, sourceKeyUse } from '../shared/permissions.ts';

/** doctor's check of a placement's DB subnet group (RDS and Aurora share them). */
export const dbSubnetGroupCheck = [read('rds:DescribeDBSubnetGroups', 'placement')];

/**
 * Every IAM action the RDS engine's code calls, per command, with what it acts on and how writes are bound
 * (the generated policy is built from these; tests check each API call against them). Each command lists
 * everything it calls, lookups included.
 */

/** points: recovery points, snapshots, the point-in-time window. */
const points = [
  read('backup:ListRecoveryPointsByBackupVault', 'vault'),
  read('rds:DescribeDBSnapshots', ['source', 'restore-input', 'source-backup']),
  read('rds:DescribeDBInstances', 'account'),
  read('rds:DescribeDBInstanceAutomatedBackups', ['source']),
];

/**
 * describe / list / lookup: tagged clones (Tagging API, which has no resource-level permissions), live
 * state, fresh tags of clones, and AWS Backup restore jobs whose created resource has no tags yet.
 */
const describe = [
  read('tag:GetResources', 'none'),
  read('rds:DescribeDBInstances', 'account'),
  read('rds:ListTagsForResource', 'clone'),
  read('backup:ListRestoreJobs', 'none'),
];

const secrets = secretPermissions;

/** What an instance restore must ask for: a private instance of the placement's class. */
const restoreRequires = (t: TargetConfig) => ({
  Bool: { 'rds:PubliclyAccessible': ['false'] },
  StringEquals: { 'rds:DatabaseClass': [t.rds?.instanceClass ?? 'none'] },
});

/** Writes that tag a clone: at creation (restores with Tags) and afterwards (password state, forced delete). */
const tagClone = write('rds:AddTagsToResource', ['clone'], 'request');

export const RDS_PERMISSIONS: EnginePermissions = {
  points,
  describe,
  create: [
    ...points,
    ...describe,
    // Restores are tagged at creation and made with an RDS-managed master password, so a clone never
    // holds its source's password (RDS creates and tags that secret with the caller's rights).
    // Never public, only of the placement's class (AWS supplies rds:PubliclyAccessible for the whole call,
    // rds:DatabaseClass for the new instance; snapclone sends both, so neither is IfExists).
    // Only the sources' snapshots (security C2): automated ones by name, manual and AWS Backup ones by backupTag.
    { ...write('rds:RestoreDBInstanceFromDBSnapshot', ['clone', 'restore-input', 'source-backup', 'placement'], 'request'), requires: restoreRequires },
    { ...write('rds:RestoreDBInstanceToPointInTime', ['clone', 'source', 'restore-input', 'placement'], 'request'), requires: restoreRequires },
    ...sourceKeyUse,
    tagClone,
    ...managedSecretWrites((t) => t.rds?.kmsKeyId),
    // password 'generated': a new password in a secret named after the clone, tagged like it, then set on the clone
    write('rds:ModifyDBInstance', ['clone'], 'resource'),
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
    write('rds:ModifyDBInstance', ['clone'], 'resource'),
    write('rds:DeleteDBInstance', ['clone'], 'resource'),
    secrets.describe,
    secrets.delete,
  ],
  doctor: dbSubnetGroupCheck,
};

/** The ARNs a scope names for RDS DB instances in one target; undefined for the scopes every engine shares. */
export function rdsResources(scope: Scope, w: ScopeWhere): string[] | undefined {
  const arn = (type: string, name: string) => `arn:${w.partition}:rds:${w.region}:${w.account}:${type}:${name}`;
  switch (scope) {
    case 'clone':
      return [arn('db', `${w.prefix}-*`)];
    case 'source':
      return w.sources.map((s) => arn('db', s.config.id.toLowerCase()));
    case 'restore-input':
      // The sources' automated snapshots (rds:<id>-YYYY-MM-DD-HH-MM), and the snapshot's option group and the
      // engine's default parameter group a restore attaches; none is changed. No auto-backup: a point-in-time
      // restore names its source instance (db:<id>), never a retained automated backup.
      return [...w.sources.map((s) => arn('snapshot', automatedName('rds:', s.config.id.toLowerCase()))), arn('og', '*'), arn('pg', '*')];
    case 'source-backup':
      // Manual snapshots and AWS Backup's (awsbackup:job-…): their names say nothing of the source.
      return [arn('snapshot', '*')];
    case 'placement':
      return w.target.config.rds ? [arn('subgrp', w.target.config.rds.subnetGroup.toLowerCase())] : [];
    case 'account':
      return [arn('db', '*')];
    case 'secret-key':
      return secretKeyArns(w.target.config.rds?.kmsKeyId, w);
    case 'clone-snapshot':
      return [];
    case 'managed-secret':
      return [`arn:${w.partition}:secretsmanager:${w.region}:${w.account}:secret:rds!db-*`];
    default:
      return undefined;
  }
}
