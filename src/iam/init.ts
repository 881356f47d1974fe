import { read, type Permission } from './declare.ts';
import type { PolicyDocument } from './policy.ts';

/**
 * The calls `snapclone init` makes (src/init/discover.ts), with the credentials of the person setting snapclone
 * up — not the role it generates, so they are not part of `iam policy`. Every one reads: the Service
 * Authorization Reference classes each as List or Read (test/iam/init-permissions.test.ts checks it against
 * AWS's data). They list what exists across the account and region without naming a resource, hence `account`.
 */
export const INIT_PERMISSIONS: Permission[] = [
  read('sts:GetCallerIdentity', 'none'),
  read('rds:DescribeDBInstances', 'account'),
  read('rds:DescribeDBClusters', 'account'),
  read('rds:DescribeDBSnapshots', 'account'),
  read('rds:DescribeDBClusterSnapshots', 'account'),
  read('rds:DescribeDBInstanceAutomatedBackups', 'account'),
  read('rds:DescribeDBSubnetGroups', 'account'),
  read('elasticache:DescribeReplicationGroups', 'account'),
  read('elasticache:DescribeCacheClusters', 'account'),
  read('elasticache:DescribeSnapshots', 'account'),
  read('elasticache:DescribeCacheSubnetGroups', 'account'),
  read('es:ListDomainNames', 'none'),
  read('es:DescribeDomains', 'account'),
  read('backup:ListBackupVaults', 'none'),
  read('backup:ListProtectedResources', 'none'),
  read('backup:ListRecoveryPointsByResource', 'none'),
  read('backup:ListBackupPlans', 'none'),
  read('backup:GetBackupPlan', 'account'),
  read('backup:ListBackupSelections', 'account'),
  read('backup:GetBackupSelection', 'account'),
  // snapclone's own clones (tagged snapclone:managed=true, in any state) are left out of the candidate sources.
  read('tag:GetResources', 'none'),
  read('ec2:DescribeSecurityGroups', 'none'),
  read('iam:ListOpenIDConnectProviders', 'none'),
];

/**
 * The policy `snapclone init` needs, for whoever runs it (`snapclone init --print-policy`): the declared reads on
 * `Resource: "*"` — init runs before there is a config naming an account or resources, and it lists everything
 * of each kind. AWS's own ReadOnlyAccess managed policy covers all of it too.
 */
export function initPolicy(): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'SnapcloneInitReadOnly', Effect: 'Allow', Action: [...new Set(INIT_PERMISSIONS.map((p) => p.action))].sort(), Resource: '*' }],
  };
}
