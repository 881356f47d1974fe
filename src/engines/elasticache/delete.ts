import { DeleteReplicationGroupCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { guarded } from '../../core/guard.ts';
import { ExitCode, SnapcloneError } from '../../core/errors.ts';
import { isError, steadily, waitUntilGone, type Where } from '../shared/aws.ts';
import { Polling } from '../shared/poll.ts';
import { deleteCloneSecret } from '../shared/secret.ts';
import type { Clone, DeleteOptions } from '../types.ts';
import { GROUP_KIND } from './aws.ts';
import { describeGroup, readTags } from './describe.ts';

/** Statuses in which ElastiCache refuses DeleteReplicationGroup, and which end by themselves. */
const BUSY = new Set(['creating', 'modifying', 'snapshotting']);

/**
 * ElastiCache deletes a replication group only once it is available: a clone still being created is waited
 * for (when waiting is allowed), else the user is told to run the delete again.
 */
async function untilDeletable(w: Where, clone: Clone, options: DeleteOptions) {
  const startedAt = w.ctx.now().getTime();
  const poll = new Polling(w.ctx);
  for (;;) {
    const status = (await steadily(w.ctx, `${clone.clone} to become deletable`, () => describeGroup(w, clone.id)))?.Status;
    if (!status || !BUSY.has(status)) return;
    if (!options.wait) {
      throw new SnapcloneError(
        `${clone.clone} is ${status}: ElastiCache deletes a replication group only once it is available. Nothing was changed.`,
        ExitCode.failed,
        `Run snapclone delete ${clone.clone} again in a few minutes, or without --no-wait to wait for it.`,
      );
    }
    options.onProgress({ phase: `${clone.clone}: ${status} (deletable once available)`, elapsedMs: w.ctx.now().getTime() - startedAt });
    await poll.wait();
  }
}

/**
 * Deletes a cache clone: the guard on freshly read tags, then DeleteReplicationGroup (no final snapshot, no
 * cluster kept), then its token's secret; waits until the group is gone unless told not to.
 */
export async function deleteClone(w: Where, clone: Clone, options: DeleteOptions) {
  await untilDeletable(w, clone, options);
  await guarded(
    { kind: GROUP_KIND, name: clone.id, arn: clone.arn },
    () => readTags(w, clone.arn),
    { prefix: w.ctx.config.prefix, action: 'delete', clone: clone.clone, expiredBy: options.expiredBy },
    async () => {
      try {
        await w.clients.of(ElastiCacheClient).send(new DeleteReplicationGroupCommand({ ReplicationGroupId: clone.id, RetainPrimaryCluster: false }));
      } catch (error) {
        // Already being deleted (another run, or a retry): carry on.
        if (!(isError(error, 'InvalidReplicationGroupState', 'InvalidReplicationGroupStateFault') && (await describeGroup(w, clone.id))?.Status === 'deleting')) {
          throw error;
        }
      }
    },
  );
  w.ctx.reporter.info(`${clone.clone}: deletion of ${GROUP_KIND} ${clone.id} started.`);
  await deleteCloneSecret(w, clone);
  if (!options.wait) return;
  await waitUntilGone(w, clone, async () => {
    const group = await describeGroup(w, clone.id);
    return group ? (group.Status ?? null) : undefined;
  }, options.onProgress);
}
