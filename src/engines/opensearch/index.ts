import type { Engine } from '../types.ts';
import { DOMAIN_IDENTIFIER, parseDomainArn, sourceArn } from './aws.ts';
import { OPENSEARCH_PERMISSIONS, opensearchResources } from './permissions.ts';
import { lazyOperations } from '../shared/lazy.ts';
import { SEARCH_AUDIT_READS, withAuditReads } from '../shared/placement-audit.ts';

/**
 * Amazon OpenSearch Service domains: a new domain restored by date from the manual snapshots of the source's
 * S3 repository, through the domain's own SigV4-signed REST API.
 */
export const opensearchEngine: Engine = {
  name: 'opensearch',
  permissions: withAuditReads(OPENSEARCH_PERMISSIONS, SEARCH_AUDIT_READS),
  resources: opensearchResources,
  passRoleService: 'es.amazonaws.com',
  identifierRules: DOMAIN_IDENTIFIER,
  sourceArn,
  preferredKinds: () => ['snapshot'],
  ownsArn: (arn) => parseDomainArn(arn) !== undefined,
  ...lazyOperations(() => import('./operations.ts').then((m) => m.operations)),
};
