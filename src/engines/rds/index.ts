import type { SourceConfig } from '../../config/schema.ts';
import { RDS_INSTANCE_IDENTIFIER } from '../../core/naming.ts';
import type { Engine, RestorePointKind } from '../types.ts';
import { parseDbArn, sourceArn } from './aws.ts';
import { RDS_PERMISSIONS, rdsResources } from './permissions.ts';
import { lazyOperations } from '../shared/lazy.ts';

/** RDS DB instances (MySQL, PostgreSQL, MariaDB): AWS Backup, snapshots, point-in-time. */
export const rdsEngine: Engine = {
  name: 'rds',
  permissions: RDS_PERMISSIONS,
  resources: rdsResources,
  managedSecretOwnerTag: 'aws:rds:primaryDBInstanceArn',
  identifierRules: RDS_INSTANCE_IDENTIFIER,
  sourceArn,
  preferredKinds(source: SourceConfig): RestorePointKind[] {
    return source.restoreFrom === 'backup' ? ['backup'] : ['snapshot', 'automated-snapshot'];
  },
  ownsArn: (arn) => parseDbArn(arn) !== undefined,
  ...lazyOperations(() => import('./operations.ts').then((m) => m.operations)),
  markLocked: async (clone, ctx) => (await import('./operations.ts')).markLocked(clone, ctx),
};
