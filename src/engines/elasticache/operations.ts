import { where, whereClone } from '../shared/aws.ts';
import type { EngineOperations } from '../types.ts';
import { readCredentials } from './credentials.ts';
import { deleteClone } from './delete.ts';
import { describeClone, listClones, lookupGroup } from './describe.ts';
import { checkCacheSubnetGroup } from './placement.ts';
import { cachePoints } from './points.ts';
import { restoreClone } from './restore.ts';
import { tagClone } from './tagging.ts';
import { waitForClone } from './wait.ts';
import { auditGroups } from './placement-audit.ts';

/** What the engine does through AWS; loaded when a command first calls it (see index.ts). */
export const operations: EngineOperations = {
  points: (source, target, ctx, range) => cachePoints(where(ctx, target), source, range),
  restore: (plan, ctx) => restoreClone(where(ctx, plan.target), plan),
  wait: (clone, ctx, onProgress) => waitForClone(whereClone(ctx, clone), clone, onProgress),
  describe: (name, target, ctx) => describeClone(where(ctx, target), name),
  list: (target, ctx) => listClones(where(ctx, target)),
  // snapclone creates cache clones itself, tagged at creation: nothing else makes them.
  orphans: async () => [],
  lookup: (ref, target, ctx) => lookupGroup(where(ctx, target), ref),
  credentials: (clone, ctx) => readCredentials(whereClone(ctx, clone), clone),
  tag: (clone, tags, ctx) => tagClone(whereClone(ctx, clone), clone, tags),
  checkPlacement: (target, ctx) => checkCacheSubnetGroup(where(ctx, target)),
  delete: (clone, ctx, options) => deleteClone(whereClone(ctx, clone), clone, options),
  audit: (target, ctx, tagsOf) => auditGroups(where(ctx, target), tagsOf),

};
