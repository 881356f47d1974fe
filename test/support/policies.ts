import type { PolicyDocument } from '../../sandbox/core/iam.ts';
import { arn, RESTORE_ROLE } from '../../sandbox/scenario/index.ts';

const policy = (...Statement: PolicyDocument['Statement']): PolicyDocument => ({ Version: '2012-10-17', Statement });

const MANAGED = 'snapclone:managed';

/**
 * A broad, tag-conditioned policy for the sandbox's own IAM tests (not snapclone's): read anything, create,
 * and change or delete only what carries snapclone:managed=true.
 */
export const tagConditionedPolicy = policy(
  {
    Sid: 'Read',
    Effect: 'Allow',
    Action: [
      'sts:GetCallerIdentity',
      'rds:Describe*',
      'rds:List*',
      'backup:Describe*',
      'backup:Get*',
      'backup:List*',
      'elasticache:Describe*',
      'elasticache:List*',
      'es:Describe*',
      'es:List*',
      'es:Get*',
      'tag:GetResources',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:ListSecrets',
    ],
    Resource: '*',
  },
  {
    Sid: 'CreateClones',
    Effect: 'Allow',
    Action: [
      'rds:RestoreDBInstanceFromDBSnapshot',
      'rds:RestoreDBInstanceToPointInTime',
      'rds:RestoreDBClusterFromSnapshot',
      'rds:RestoreDBClusterToPointInTime',
      'rds:CreateDBInstance',
      'rds:AddTagsToResource',
      'backup:StartRestoreJob',
      'elasticache:CreateReplicationGroup',
      'elasticache:AddTagsToResource',
      'es:CreateDomain',
      'es:AddTags',
      'secretsmanager:CreateSecret',
      'secretsmanager:TagResource',
    ],
    Resource: '*',
  },
  {
    Sid: 'ChangeOnlyManaged',
    Effect: 'Allow',
    Action: [
      'rds:ModifyDBInstance',
      'rds:ModifyDBCluster',
      'rds:DeleteDBInstance',
      'rds:DeleteDBCluster',
      'rds:RemoveTagsFromResource',
      'elasticache:DeleteReplicationGroup',
      'elasticache:ModifyReplicationGroup',
      'es:DeleteDomain',
      'secretsmanager:DeleteSecret',
    ],
    Resource: '*',
    Condition: { StringEquals: { [`aws:ResourceTag/${MANAGED}`]: 'true' } },
  },
  {
    Sid: 'PassRestoreRole',
    Effect: 'Allow',
    Action: 'iam:PassRole',
    Resource: arn.role(RESTORE_ROLE),
  },
);

