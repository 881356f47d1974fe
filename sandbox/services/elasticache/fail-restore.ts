import type { RequestContext } from '../../core/service.ts';
import { elasticacheState, findGroup } from './state.ts';

/**
 * failRestore of CreateReplicationGroup (fault injection: a fail-restore rule fired on the call): the group is
 * `creating` as usual, then `create-failed` for good — its member clusters with it; it can only be deleted.
 */
export function failCreatedGroup(_input: unknown, output: { ReplicationGroup: { ReplicationGroupId: string } }, ctx: RequestContext): void {
  const state = elasticacheState(ctx.world, ctx.accountId, ctx.region);
  const group = findGroup(state, ctx.world.clock.nowMs(), output.ReplicationGroup.ReplicationGroupId)!;
  group.phases.push({ status: 'create-failed', until: Number.POSITIVE_INFINITY });
}
