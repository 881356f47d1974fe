import { AddTagsToResourceCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { guarded } from '../../core/guard.ts';
import { TAG, toTagList } from '../../core/tags.ts';
import type { Where } from '../shared/aws.ts';
import { GROUP_KIND } from './aws.ts';
import { readTags } from './describe.ts';

/** Adds tags to a clone's replication group after the guard allowed it on freshly read tags. */
export async function tagClone(w: Where, clone: { id: string; arn: string; clone: string }, tags: Record<string, string>) {
  await guarded(
    { kind: GROUP_KIND, name: clone.id, arn: clone.arn },
    () => readTags(w, clone.arn),
    { prefix: w.ctx.config.prefix, action: 'tag', clone: clone.clone },
    () => w.clients.of(ElastiCacheClient).send(new AddTagsToResourceCommand({ ResourceName: clone.arn, Tags: toTagList({ [TAG.managed]: 'true', ...tags }) })),
  );
}
