import { resolveTarget } from '../../core/context.ts';
import { where } from '../shared/aws.ts';
import type { Engine } from '../types.ts';
import { DOMAIN_IDENTIFIER, parseDomainArn, placementOf, sourceArn } from './aws.ts';
import { readCredentials } from './credentials.ts';
import { deleteClone } from './delete.ts';
import { describeClone, listClones, lookupDomain } from './describe.ts';
import { OPENSEARCH_PERMISSIONS, opensearchResources } from './permissions.ts';
import { searchPoints } from './points.ts';
import { restoreClone } from './restore.ts';
import { tagClone } from './tagging.ts';
import { waitForClone } from './wait.ts';

/**
 * Amazon OpenSearch Service domains: a new domain restored by date from the manual snapshots of the source's
 * S3 repository, through the domain's own SigV4-signed REST API.
 */
export const opensearchEngine: Engine = {
  name: 'opensearch',
  permissions: OPENSEARCH_PERMISSIONS,
  resources: opensearchResources,
  passRoleService: 'es.amazonaws.com',
  identifierRules: DOMAIN_IDENTIFIER,
  sourceArn,
  preferredKinds: () => ['snapshot'],
  points: (source, target, ctx, range) => searchPoints(where(ctx, target), source, range),
  restore: (plan, ctx) => restoreClone(where(ctx, plan.target), plan),
  wait: (clone, ctx, onProgress) => waitForClone(where(ctx, resolveTarget(ctx.config, clone.target)), clone, onProgress),
  describe: (name, target, ctx) => describeClone(where(ctx, target), name),
  list: (target, ctx) => listClones(where(ctx, target)),
  ownsArn: (arn) => parseDomainArn(arn) !== undefined,
  orphans: async () => [],
  lookup: (ref, target, ctx) => lookupDomain(where(ctx, target), ref),
  credentials: (clone, ctx) => readCredentials(where(ctx, resolveTarget(ctx.config, clone.target)), clone),
  tag: (clone, tags, ctx) => tagClone(where(ctx, resolveTarget(ctx.config, clone.target)), clone, tags),
  // The VPC subnets and security groups are EC2's: checking them would need EC2 reads snapclone does not ask for.
  checkPlacement: async (target) => {
    const p = placementOf(target);
    return { ok: true, detail: `subnets ${p.subnetIds.join(', ')} and security groups ${p.securityGroupIds.join(', ')} not checked (EC2 reads are not asked for)` };
  },
  delete: (clone, ctx, options) => deleteClone(where(ctx, resolveTarget(ctx.config, clone.target)), clone, options),
};
