import { ExitCode, SnapcloneError } from '../../core/errors.ts';
import { assertOwnClone, TAG } from '../../core/tags.ts';
import type { Progress } from '../../output/reporter.ts';
import { steadily, type Where } from '../shared/aws.ts';
import { Polling, TYPICAL_MS } from '../shared/poll.ts';
import type { Clone } from '../types.ts';
import { GROUP_KIND } from './aws.ts';
import { describeClone, describeGroup, readTags } from './describe.ts';

/** Statuses from which a replication group does not become available by waiting. */
const DEAD_ENDS = new Set(['create-failed', 'deleting', 'deleted']);

/** Waits until the clone's replication group is available (its token was set at creation). */
export async function waitForClone(w: Where, clone: Clone, onProgress: (p: Progress) => void): Promise<Clone> {
  const startedAt = w.ctx.now().getTime();
  // A concurrent create of the same name by someone else may have made it first: checked on fresh tags.
  const tags = await readTags(w, clone.arn);
  if (tags && tags[TAG.managed] !== 'true') throw new SnapcloneError(`${GROUP_KIND} ${clone.id} carries no snapclone tags; it is not treated as a clone.`);
  if (tags) assertOwnClone(tags, clone.clone, clone.owner);
  const poll = new Polling(w.ctx, TYPICAL_MS.cacheCreate);
  let missing = 0;
  for (;;) {
    const group = await steadily(w.ctx, `${clone.clone} to be created`, () => describeGroup(w, clone.id));
    missing = group ? 0 : missing + 1;
    if (missing >= 3) throw new SnapcloneError(`${GROUP_KIND} ${clone.id} of clone ${clone.clone} has disappeared (deleted meanwhile?).`);
    const status = group?.Status;
    if (status === 'available') break;
    if (status && DEAD_ENDS.has(status)) {
      throw new SnapcloneError(`${clone.clone} ended up '${status}' instead of available.`, ExitCode.failed, `See snapclone show ${clone.clone}.`);
    }
    onProgress({ phase: `${clone.clone}: ${status ?? 'creating'}`, elapsedMs: w.ctx.now().getTime() - startedAt });
    await poll.wait();
  }
  const ready = await describeClone(w, clone.id);
  if (!ready) throw new SnapcloneError(`${clone.clone} is gone.`);
  return ready;
}
