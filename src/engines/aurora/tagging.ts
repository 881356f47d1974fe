import { AddTagsToResourceCommand, RDSClient } from '@aws-sdk/client-rds';
import { guarded } from '../../core/guard.ts';
import { TAG, toTagList } from '../../core/tags.ts';
import type { Where } from '../shared/aws.ts';
import { CLUSTER_KIND } from './aws.ts';
import { readTags } from './describe.ts';

/**
 * Adds tags to a clone's cluster (where its state is recorded: password, expiry, renewals, --force) after
 * the guard allowed it on freshly read tags.
 */
export async function tagClone(w: Where, clone: { id: string; arn: string; clone: string }, tags: Record<string, string>) {
  await guarded(
    { kind: CLUSTER_KIND, name: clone.id, arn: clone.arn },
    () => readTags(w, clone.arn),
    { prefix: w.ctx.config.prefix, action: 'tag', clone: clone.clone },
    // snapclone:managed=true goes with every tag write (the policy requires it as a request tag).
    () => w.clients.of(RDSClient).send(new AddTagsToResourceCommand({ ResourceName: clone.arn, Tags: toTagList({ [TAG.managed]: 'true', ...tags }) })),
  );
}
