import { where, whereClone } from '../shared/aws.ts';
import type { EngineOperations } from '../types.ts';
import { placementOf } from './aws.ts';
import { readCredentials } from './credentials.ts';
import { deleteClone } from './delete.ts';
import { describeClone, listClones, lookupDomain } from './describe.ts';
import { searchPoints } from './points.ts';
import { restoreClone } from './restore.ts';
import { tagClone } from './tagging.ts';
import { waitForClone } from './wait.ts';
import { auditDomains } from './placement-audit.ts';

/** What the engine does through AWS; loaded when a command first calls it (see index.ts). */
export const operations: EngineOperations = {
  points: (source, target, ctx, range) => searchPoints(where(ctx, target), source, range),
  restore: (plan, ctx) => restoreClone(where(ctx, plan.target), plan),
  wait: (clone, ctx, onProgress) => waitForClone(whereClone(ctx, clone), clone, onProgress),
  describe: (name, target, ctx) => describeClone(where(ctx, target), name),
  list: (target, ctx) => listClones(where(ctx, target)),
  orphans: async () => [],
  lookup: (ref, target, ctx) => lookupDomain(where(ctx, target), ref),
  credentials: (clone, ctx) => readCredentials(whereClone(ctx, clone), clone),
  tag: (clone, tags, ctx) => tagClone(whereClone(ctx, clone), clone, tags),
  // The VPC subnets and security groups are EC2's: doctor's security groups check reads them (src/commands/doctor-network.ts).
  checkPlacement: async (target) => {
    const p = placementOf(target);
    return { ok: true, detail: `subnets ${p.subnetIds.join(', ')} and security groups ${p.securityGroupIds.join(', ')} (the security groups check reads them)` };
  },
  delete: (clone, ctx, options) => deleteClone(whereClone(ctx, clone), clone, options),
  audit: (target, ctx) => auditDomains(where(ctx, target)),

};
