import { where, whereClone } from '../shared/aws.ts';
import type { Context } from '../../core/context.ts';
import { lockedPasswordTags } from '../shared/password-lock.ts';
import type { Clone, EngineOperations } from '../types.ts';
import { checkDbSubnetGroup } from '../rds/placement.ts';
import { placementOf } from './aws.ts';
import { readCredentials } from './credentials.ts';
import { deleteClone } from './delete.ts';
import { describeClone, listClones, lookupCluster } from './describe.ts';
import { auroraPoints } from './points.ts';
import { restoreClone } from './restore.ts';
import { tagClone } from './tagging.ts';
import { waitForClone } from './wait.ts';
import { auditClusters } from './placement-audit.ts';

/** What the engine does through AWS; loaded when a command first calls it (see index.ts). */
export const operations: EngineOperations = {
  points: (source, target, ctx, range) => auroraPoints(where(ctx, target), source, range),
  restore: (plan, ctx) => restoreClone(where(ctx, plan.target), plan),
  wait: (clone, ctx, onProgress) => waitForClone(whereClone(ctx, clone), clone, onProgress),
  describe: (name, target, ctx) => describeClone(where(ctx, target), name),
  list: (target, ctx) => listClones(where(ctx, target)),
  // snapclone restores Aurora only through RDS, tagged at creation: no AWS Backup restore job makes its clones.
  orphans: async () => [],
  lookup: (ref, target, ctx) => lookupCluster(where(ctx, target), ref),
  credentials: (clone, ctx) => readCredentials(whereClone(ctx, clone), clone),
  tag: (clone, tags, ctx) => tagClone(whereClone(ctx, clone), clone, tags),
  checkPlacement: (target, ctx) => checkDbSubnetGroup(where(ctx, target), 'aurora', placementOf(target)),
  delete: (clone, ctx, options) => deleteClone(whereClone(ctx, clone), clone, options),
  audit: (target, ctx) => auditClusters(where(ctx, target)),
};

/** The masking lock (Engine.markLocked): snapclone:password=locked on the clone's cluster, guarded. */
export const markLocked = (clone: Clone, ctx: Context) => tagClone(whereClone(ctx, clone), clone, lockedPasswordTags());
