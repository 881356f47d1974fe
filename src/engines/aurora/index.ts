import type { SourceConfig } from '../../config/schema.ts';
import { resolveTarget } from '../../core/context.ts';
import { where } from '../shared/aws.ts';
import type { Engine, RestorePointKind } from '../types.ts';
import { checkDbSubnetGroup } from '../rds/placement.ts';
import { AURORA_CLUSTER_IDENTIFIER, parseClusterArn, placementOf, sourceArn } from './aws.ts';
import { readCredentials } from './credentials.ts';
import { deleteClone } from './delete.ts';
import { describeClone, listClones, lookupCluster } from './describe.ts';
import { AURORA_PERMISSIONS, auroraResources } from './permissions.ts';
import { auroraPoints } from './points.ts';
import { restoreClone } from './restore.ts';
import { tagClone } from './tagging.ts';
import { waitForClone } from './wait.ts';

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
  points: (source, target, ctx, range) => auroraPoints(where(ctx, target), source, range),
  restore: (plan, ctx) => restoreClone(where(ctx, plan.target), plan),
  wait: (clone, ctx, onProgress) => waitForClone(where(ctx, resolveTarget(ctx.config, clone.target)), clone, onProgress),
  describe: (name, target, ctx) => describeClone(where(ctx, target), name),
  list: (target, ctx) => listClones(where(ctx, target)),
  ownsArn: (arn) => parseClusterArn(arn) !== undefined,
  // snapclone restores Aurora only through RDS, tagged at creation: no AWS Backup restore job makes its clones.
  orphans: async () => [],
  lookup: (ref, target, ctx) => lookupCluster(where(ctx, target), ref),
  credentials: (clone, ctx) => readCredentials(where(ctx, resolveTarget(ctx.config, clone.target)), clone),
  tag: (clone, tags, ctx) => tagClone(where(ctx, resolveTarget(ctx.config, clone.target)), clone, tags),
  checkPlacement: (target, ctx) => checkDbSubnetGroup(where(ctx, target), 'aurora', placementOf(target)),
  delete: (clone, ctx, options) => deleteClone(where(ctx, resolveTarget(ctx.config, clone.target)), clone, options),
};
