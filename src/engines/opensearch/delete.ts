import { DeleteDomainCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import { guarded } from '../../core/guard.ts';
import { waitUntilGone, type Where } from '../shared/aws.ts';
import { deleteCloneSecret } from '../shared/secret.ts';
import type { Clone, DeleteOptions } from '../types.ts';
import { DOMAIN_KIND } from './aws.ts';
import { describeDomain, readTags } from './describe.ts';

/** Deletes an OpenSearch clone: the guard on fresh tags, DeleteDomain, its master user's secret; waits until gone. */
export async function deleteClone(w: Where, clone: Clone, options: DeleteOptions) {
  const domain = await describeDomain(w, clone.id);
  if (domain && !domain.Deleted) {
    await guarded(
      { kind: DOMAIN_KIND, name: clone.id, arn: clone.arn },
      () => readTags(w, clone.arn),
      { prefix: w.ctx.config.prefix, action: 'delete', clone: clone.clone, expiredBy: options.expiredBy },
      () => w.clients.of(OpenSearchClient).send(new DeleteDomainCommand({ DomainName: clone.id })),
    );
    w.ctx.reporter.info(`${clone.clone}: deletion of ${DOMAIN_KIND} ${clone.id} started.`);
  }
  await deleteCloneSecret(w, clone);
  if (!options.wait) return;
  await waitUntilGone(w, clone, async () => {
    const now = await describeDomain(w, clone.id);
    return now ? (now.DomainProcessingStatus ?? 'deleting') : undefined;
  }, options.onProgress);
}
