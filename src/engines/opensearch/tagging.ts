import { AddTagsCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import { guarded } from '../../core/guard.ts';
import { packTags, TAG, toTagList } from '../../core/tags.ts';
import type { Where } from '../shared/aws.ts';
import { DOMAIN_KIND } from './aws.ts';
import { readTags } from './describe.ts';

/**
 * Adds tags to a clone's domain after the guard allowed it on freshly read tags: the whole set is written
 * again, packed (a domain holds at most 10 tags).
 */
export async function tagClone(w: Where, clone: { id: string; arn: string; clone: string }, tags: Record<string, string>) {
  let fresh: Record<string, string> | undefined;
  await guarded(
    { kind: DOMAIN_KIND, name: clone.id, arn: clone.arn },
    async () => (fresh = await readTags(w, clone.arn)),
    { prefix: w.ctx.config.prefix, action: 'tag', clone: clone.clone },
    () => w.clients.of(OpenSearchClient).send(new AddTagsCommand({ ARN: clone.arn, TagList: toTagList(packTags({ ...fresh, [TAG.managed]: 'true', ...tags })) })),
  );
}
