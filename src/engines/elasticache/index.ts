import { resolveTarget } from '../../core/context.ts';
import { where } from '../shared/aws.ts';
import type { Engine } from '../types.ts';
import { parseGroupArn, REPLICATION_GROUP_IDENTIFIER, sourceArn } from './aws.ts';
import { readCredentials } from './credentials.ts';
import { deleteClone } from './delete.ts';
import { describeClone, listClones, lookupGroup } from './describe.ts';
import { ELASTICACHE_PERMISSIONS, elasticacheResources } from './permissions.ts';
import { checkCacheSubnetGroup } from './placement.ts';
import { cachePoints } from './points.ts';
import { restoreClone } from './restore.ts';
import { tagClone } from './tagging.ts';
import { waitForClone } from './wait.ts';

/**
 * ElastiCache (Redis OSS and Valkey) replication groups: restored from their own snapshots (AWS Backup does
 * not cover ElastiCache; there is no point in time), with a new AUTH token.
 */
export const elasticacheEngine: Engine = {
  name: 'elasticache',
  permissions: ELASTICACHE_PERMISSIONS,
  resources: elasticacheResources,
  identifierRules: REPLICATION_GROUP_IDENTIFIER,
  sourceArn,
  preferredKinds: () => ['snapshot', 'automated-snapshot'],
  points: (source, target, ctx, range) => cachePoints(where(ctx, target), source, range),
  restore: (plan, ctx) => restoreClone(where(ctx, plan.target), plan),
  wait: (clone, ctx, onProgress) => waitForClone(where(ctx, resolveTarget(ctx.config, clone.target)), clone, onProgress),
  describe: (name, target, ctx) => describeClone(where(ctx, target), name),
  list: (target, ctx) => listClones(where(ctx, target)),
  ownsArn: (arn) => parseGroupArn(arn) !== undefined,
  // snapclone creates cache clones itself, tagged at creation: nothing else makes them.
  orphans: async () => [],
  lookup: (ref, target, ctx) => lookupGroup(where(ctx, target), ref),
  credentials: (clone, ctx) => readCredentials(where(ctx, resolveTarget(ctx.config, clone.target)), clone),
  tag: (clone, tags, ctx) => tagClone(where(ctx, resolveTarget(ctx.config, clone.target)), clone, tags),
  checkPlacement: (target, ctx) => checkCacheSubnetGroup(where(ctx, target)),
  delete: (clone, ctx, options) => deleteClone(where(ctx, resolveTarget(ctx.config, clone.target)), clone, options),
};
