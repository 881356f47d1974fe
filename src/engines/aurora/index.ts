import type { SourceConfig } from '../../config/schema.ts';
import type { Engine, RestorePointKind } from '../types.ts';
import { AURORA_CLUSTER_IDENTIFIER, parseClusterArn, sourceArn } from './aws.ts';
import { AURORA_PERMISSIONS, auroraResources } from './permissions.ts';
import { lazyOperations } from '../shared/lazy.ts';

/**
 * Aurora DB clusters (MySQL- and PostgreSQL-compatible): AWS Backup, cluster snapshots, point-in-time, and
 * copy-on-write clones of the latest data. A clone is a cluster plus one writer instance.
 */
export const auroraEngine: Engine = {
  name: 'aurora',
  permissions: AURORA_PERMISSIONS,
  resources: auroraResources,
  managedSecretOwnerTag: 'aws:rds:primaryDBClusterArn',
  identifierRules: AURORA_CLUSTER_IDENTIFIER,
  latestFromWindow: true,
  sourceArn,
  preferredKinds(source: SourceConfig): RestorePointKind[] {
    return source.restoreFrom === 'backup' ? ['backup'] : ['snapshot', 'automated-snapshot'];
  },
  ownsArn: (arn) => parseClusterArn(arn) !== undefined,
  ...lazyOperations(() => import('./operations.ts').then((m) => m.operations)),
  markLocked: async (clone, ctx) => (await import('./operations.ts')).markLocked(clone, ctx),
};
