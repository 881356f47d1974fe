import type { SourceConfig } from '../../config/schema.ts';
import { resolveTarget } from '../../core/context.ts';
import { RDS_INSTANCE_IDENTIFIER } from '../../core/naming.ts';
import type { Engine, RestorePointKind } from '../types.ts';
import { parseDbArn, placementOf, sourceArn, where } from './aws.ts';
import { readCredentials } from './credentials.ts';
import { deleteClone } from './delete.ts';
import { describeClone, listClones, lookupInstance, orphanRestores } from './describe.ts';
import { RDS_PERMISSIONS, rdsResources } from './permissions.ts';
import { checkDbSubnetGroup } from './placement.ts';
import { rdsPoints } from './points.ts';
import { restoreClone } from './restore.ts';
import { claimUntagged, tagClone } from './tagging.ts';
import { waitForClone } from './wait.ts';

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
  points: (source, target, ctx, range) => rdsPoints(where(ctx, target), source, range),
  restore: (plan, ctx) => restoreClone(where(ctx, plan.target), plan),
  wait: (clone, ctx, onProgress) => waitForClone(where(ctx, resolveTarget(ctx.config, clone.target)), clone, onProgress),
  describe: (name, target, ctx) => describeClone(where(ctx, target), name),
  list: (target, ctx) => listClones(where(ctx, target)),
  ownsArn: (arn) => parseDbArn(arn) !== undefined,
  orphans: (target, ctx) => orphanRestores(where(ctx, target)),
  lookup: (ref, target, ctx) => lookupInstance(where(ctx, target), ref),
  credentials: (clone, ctx) => readCredentials(where(ctx, resolveTarget(ctx.config, clone.target)), clone),
  tag: (clone, tags, ctx) => {
    const w = where(ctx, resolveTarget(ctx.config, clone.target));
    return clone.tagged ? tagClone(w, clone, tags) : claimUntagged(w, clone, tags);
  },
  checkPlacement: (target, ctx) => checkDbSubnetGroup(where(ctx, target), 'rds', placementOf(target)),
  delete: (clone, ctx, options) => deleteClone(where(ctx, resolveTarget(ctx.config, clone.target)), clone, options),
};
