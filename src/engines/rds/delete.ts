import { DeleteDBInstanceCommand, ModifyDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { guarded } from '../../core/guard.ts';
import type { Clone, DeleteOptions } from '../types.ts';
import { waitUntilGone } from '../shared/aws.ts';
import { isError, type Where } from './aws.ts';
import { describeInstance, readTags, RESOURCE_KIND } from './describe.ts';
import { deleteCloneSecret } from '../shared/secret.ts';

/**
 * Deletes a clone: the guard on freshly read tags, then DeleteDBInstance without final snapshot and with
 * its automated backups, then the clone's secret (guarded the same way), then waits until the instance
 * is gone unless told not to.
 */
export async function deleteClone(w: Where, clone: Clone, options: DeleteOptions) {
  const prefix = w.ctx.config.prefix;
  const subject = { kind: RESOURCE_KIND, name: clone.id, arn: clone.arn };
  // Clones are made without deletion protection; one taken over from an AWS Backup restore may still carry
  // its source's: switched off first, under the same guard.
  if ((await describeInstance(w, clone.id))?.DeletionProtection) {
    await guarded(subject, () => readTags(w, clone.arn), { prefix, action: 'modify', clone: clone.clone }, () =>
      w.clients.of(RDSClient).send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: clone.id, DeletionProtection: false, ApplyImmediately: true })),
    );
  }
  await guarded(
    subject,
    () => readTags(w, clone.arn),
    { prefix, action: 'delete', clone: clone.clone, expiredBy: options.expiredBy },
    async () => {
      try {
        await w.clients.of(RDSClient).send(
          new DeleteDBInstanceCommand({ DBInstanceIdentifier: clone.id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }),
        );
      } catch (error) {
        // Already being deleted (another run, or a retry): carry on to the wait.
        if (!(isError(error, 'InvalidDBInstanceState') && (await describeInstance(w, clone.id))?.DBInstanceStatus === 'deleting')) {
          throw error;
        }
      }
    },
  );
  w.ctx.reporter.info(`${clone.clone}: deletion of ${RESOURCE_KIND} ${clone.id} started.`);

  await deleteCloneSecret(w, clone);

  if (!options.wait) return;
  await waitUntilGone(w, clone, async () => {
    const instance = await describeInstance(w, clone.id);
    return instance ? (instance.DBInstanceStatus ?? null) : undefined;
  }, options.onProgress);
}
