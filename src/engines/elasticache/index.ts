import type { Engine } from '../types.ts';
import { parseGroupArn, REPLICATION_GROUP_IDENTIFIER, sourceArn } from './aws.ts';
import { ELASTICACHE_PERMISSIONS, elasticacheResources } from './permissions.ts';
import { lazyOperations } from '../shared/lazy.ts';
import { CACHE_AUDIT_READS, withAuditReads } from '../shared/placement-audit.ts';

/**
 * ElastiCache (Redis OSS and Valkey) replication groups: restored from their own snapshots (AWS Backup does
 * not cover ElastiCache; there is no point in time), with a new AUTH token.
 */
export const elasticacheEngine: Engine = {
  name: 'elasticache',
  permissions: withAuditReads(ELASTICACHE_PERMISSIONS, CACHE_AUDIT_READS),
  resources: elasticacheResources,
  identifierRules: REPLICATION_GROUP_IDENTIFIER,
  sourceArn,
  preferredKinds: () => ['snapshot', 'automated-snapshot'],
  ownsArn: (arn) => parseGroupArn(arn) !== undefined,
  ...lazyOperations(() => import('./operations.ts').then((m) => m.operations)),
};
