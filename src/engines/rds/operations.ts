import { whereClone } from '../shared/aws.ts';
import { lockedPasswordTags } from '../shared/password-lock.ts';
import type { Context } from '../../core/context.ts';
import type { Clone, EngineOperations } from '../types.ts';
import { placementOf, where } from './aws.ts';
import { readCredentials } from './credentials.ts';
import { deleteClone } from './delete.ts';
import { describeClone, listClones, lookupInstance, orphanRestores } from './describe.ts';
import { checkDbSubnetGroup } from './placement.ts';
import { rdsPoints } from './points.ts';
import { restoreClone } from './restore.ts';
import { claimUntagged, tagClone } from './tagging.ts';
import { waitForClone } from './wait.ts';
import { auditInstances } from './placement-audit.ts';

/** What the engine does through AWS; loaded when a command first calls it (see index.ts). */
export const operations: EngineOperations = {
  points: (source, target, ctx, range) => rdsPoints(where(ctx, target), source, range),
  restore: (plan, ctx) => restoreClone(where(ctx, plan.target), plan),
  wait: (clone, ctx, onProgress) => waitForClone(whereClone(ctx, clone), clone, onProgress),
  describe: (name, target, ctx) => describeClone(where(ctx, target), name),
  list: (target, ctx) => listClones(where(ctx, target)),
  orphans: (target, ctx) => orphanRestores(where(ctx, target)),
  lookup: (ref, target, ctx) => lookupInstance(where(ctx, target), ref),
  credentials: (clone, ctx) => readCredentials(whereClone(ctx, clone), clone),
  tag: (clone, tags, ctx) => {
    const w = whereClone(ctx, clone);
    return clone.tagged ? tagClone(w, clone, tags) : claimUntagged(w, clone, tags);
  },
  checkPlacement: (target, ctx) => checkDbSubnetGroup(where(ctx, target), 'rds', placementOf(target)),
  delete: (clone, ctx, options) => deleteClone(whereClone(ctx, clone), clone, options),
  audit: (target, ctx) => auditInstances(where(ctx, target)),
};

/** The masking lock (Engine.markLocked): snapclone:password=locked on the clone's instance, guarded. */
export const markLocked = (clone: Clone, ctx: Context) => tagClone(whereClone(ctx, clone), clone, lockedPasswordTags());
