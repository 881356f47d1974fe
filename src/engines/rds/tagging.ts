import { AddTagsToResourceCommand, RDSClient } from '@aws-sdk/client-rds';
import { RefusedError } from '../../core/errors.ts';
import { guarded } from '../../core/guard.ts';
import { hasPrefix } from '../../core/naming.ts';
import { TAG, toTagList } from '../../core/tags.ts';
import type { Clone } from '../types.ts';
import type { Where } from './aws.ts';
import { cloneOf, describeInstance, readTags, RESOURCE_KIND } from './describe.ts';

/**
 * Tags an instance that a snapclone AWS Backup restore job made and nobody tagged (taking it over with
 * --force): only while it still carries no snapclone tag, and only while AWS's record of the job still names
 * it — both read again right before writing.
 */
export async function claimUntagged(w: Where, clone: Clone, tags: Record<string, string>): Promise<void> {
  const refuse = (why: string) =>
    new RefusedError(`Refused to tag ${RESOURCE_KIND} ${clone.id} (${clone.arn}): ${why}. Nothing was changed.`);
  if (!hasPrefix(clone.id, w.ctx.config.prefix)) throw refuse(`its name does not start with the configured prefix '${w.ctx.config.prefix}-'`);
  const linked = await cloneOf(w, clone.id, await describeInstance(w, clone.id));
  if (!linked || linked.tagged || linked.restoreJob !== clone.restoreJob) {
    throw refuse(`it is no longer the untagged restore of AWS Backup job ${clone.restoreJob}`);
  }
  const fresh = await readTags(w, clone.arn);
  if (!fresh || fresh[TAG.managed] !== undefined) throw refuse('its tags changed meanwhile');
  await w.clients.of(RDSClient).send(new AddTagsToResourceCommand({ ResourceName: clone.arn, Tags: toTagList(tags) }));
}

/** Adds tags to a clone's instance after the guard allowed it on freshly read tags. */
export async function tagClone(w: Where, clone: { id: string; arn: string; clone: string }, tags: Record<string, string>) {
  await guarded(
    { kind: RESOURCE_KIND, name: clone.id, arn: clone.arn },
    () => readTags(w, clone.arn),
    { prefix: w.ctx.config.prefix, action: 'tag', clone: clone.clone },
    // snapclone:managed=true goes with every tag write (the policy requires it as a request tag).
    () => w.clients.of(RDSClient).send(new AddTagsToResourceCommand({ ResourceName: clone.arn, Tags: toTagList({ [TAG.managed]: 'true', ...tags }) })),
  );
}
