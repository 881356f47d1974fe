import type { EnginePermissions } from '../types.ts';

/**
 * Every IAM action the RDS engine's code calls, per operation (the generated policy is built from these;
 * tests check each API call against them). Each operation lists everything its command calls, lookups
 * included.
 */

/** points: recovery points, snapshots, the point-in-time window. */
const points = [
  'backup:ListRecoveryPointsByBackupVault',
  'rds:DescribeDBSnapshots',
  'rds:DescribeDBInstances',
  'rds:DescribeDBInstanceAutomatedBackups',
];

/** describe / list / lookup: tagged instances, live state, fresh tags, untagged AWS Backup restores. */
const describe = ['tag:GetResources', 'rds:DescribeDBInstances', 'rds:ListTagsForResource', 'backup:ListRestoreJobs'];

export const RDS_PERMISSIONS: EnginePermissions = {
  points,
  describe,
  create: [
    ...points,
    ...describe,
    // through AWS Backup (StartRestoreJob passes the restore role)
    'backup:GetRecoveryPointRestoreMetadata',
    'backup:StartRestoreJob',
    'backup:DescribeRestoreJob',
    'iam:PassRole',
    // through RDS, tagged at creation
    'rds:RestoreDBInstanceFromDBSnapshot',
    'rds:RestoreDBInstanceToPointInTime',
    'rds:AddTagsToResource',
    // password: 'generated' (secret named after the clone) or 'managed' (RDS creates and tags its secret
    // with the caller's rights; a customer KMS key in rds.kmsKeyId also needs kms:GenerateDataKey/Decrypt)
    'rds:ModifyDBInstance',
    'secretsmanager:CreateSecret',
    'secretsmanager:TagResource',
    'secretsmanager:DescribeSecret',
    'secretsmanager:GetSecretValue',
    'secretsmanager:RotateSecret',
  ],
  credentials: [...describe, 'secretsmanager:GetSecretValue'],
  delete: [
    ...describe,
    'rds:DeleteDBInstance',
    'secretsmanager:DescribeSecret',
    'secretsmanager:DeleteSecret',
  ],
};
