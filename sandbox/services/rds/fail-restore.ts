import type { RequestContext } from '../../core/service.ts';
import { findCluster } from './cluster-state.ts';
import { findInstance, rdsState, type DbInstance } from './state.ts';

/**
 * Fault injection (a fail-restore rule fired on the call): the restore creates as usual, then the resource shows
 * the status RDS gives a restore it could not finish, and keeps it. A DB instance becomes `incompatible-restore`;
 * an Aurora cluster `failed`, or `cloning-failed` for a copy-on-write clone.
 */

const FOREVER = Number.POSITIVE_INFINITY;

export function failInstanceRestore(instance: DbInstance): void {
  instance.phases.push({ status: 'incompatible-restore', until: FOREVER });
}

/** failRestore of RestoreDBInstanceFromDBSnapshot and RestoreDBInstanceToPointInTime. */
export function failRestoredInstance(_input: unknown, output: { DBInstance: { DBInstanceIdentifier: string } }, ctx: RequestContext): void {
  const state = rdsState(ctx.world, ctx.accountId, ctx.region);
  failInstanceRestore(findInstance(state, ctx.world.clock.nowMs(), output.DBInstance.DBInstanceIdentifier)!);
}

/** failRestore of RestoreDBClusterFromSnapshot and RestoreDBClusterToPointInTime. */
export function failRestoredCluster(_input: unknown, output: { DBCluster: { DBClusterIdentifier: string } }, ctx: RequestContext): void {
  const state = rdsState(ctx.world, ctx.accountId, ctx.region);
  const cluster = findCluster(state, ctx.world.clock.nowMs(), output.DBCluster.DBClusterIdentifier)!;
  cluster.phases.push({ status: cluster.isClone ? 'cloning-failed' : 'failed', until: FOREVER });
}
