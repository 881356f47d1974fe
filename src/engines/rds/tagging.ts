import type { DescribeRestoreJobCommandOutput } from '@aws-sdk/client-backup';
import { AddTagsToResourceCommand, type DBInstance } from '@aws-sdk/client-rds';
import { RefusedError } from '../../core/errors.ts';
import { guarded } from '../../core/guard.ts';
import { hasPrefix } from '../../core/naming.ts';
import { assertOwnClone, cloneTags, fromTagList, TAG, toTagList, type CloneTags } from '../../core/tags.ts';
import type { Where } from './aws.ts';
import { inFlight, readTags, recentRestoreJobs, RESOURCE_KIND } from './describe.ts';

/**
 * Tags a DB instance that an AWS Backup restore job of this clone created (StartRestoreJob cannot tag), so
 * that list, delete and the janitor find it. Only an untagged instance with the clone's name, created by
 * that job (its CreatedResourceArn, or still being created while it is the only job running) is claimed.
 * Returns whether the instance carries the clone's tags now.
 */
export async function tagBackupRestore(
  w: Where,
  tags: CloneTags,
  instance: DBInstance,
  job: Pick<DescribeRestoreJobCommandOutput, 'RestoreJobId' | 'Status' | 'CreatedResourceArn'>,
): Promise<boolean> {
  const arn = instance.DBInstanceArn ?? '';
  const current = fromTagList(instance.TagList);
  if (current[TAG.managed] === 'true') {
    assertOwnClone(current, tags.clone, tags.owner);
    return true;
  }
  const name = instance.DBInstanceIdentifier ?? '';
  const refuse = () =>
    new RefusedError(
      `Refused to tag ${RESOURCE_KIND} ${name} (${arn}): it is not known to be the instance restore job ${job.RestoreJobId} created for clone ${tags.clone}. Nothing was changed.`,
    );
  if (name !== tags.clone || !hasPrefix(name, w.ctx.config.prefix)) throw refuse();
  if (job.CreatedResourceArn) {
    if (job.CreatedResourceArn !== arn) throw refuse();
  } else {
    // A running job does not name its resource yet: claim a still-creating instance early only while this
    // job is the only one of snapclone's role in flight (else, e.g. a concurrent create of the same name
    // from another point, wait until the job names what it created).
    if (!inFlight(job) || instance.DBInstanceStatus === 'available') return false;
    const nameless = (await recentRestoreJobs(w)).filter((j) => !j.CreatedResourceArn && inFlight(j));
    if (nameless.length !== 1 || nameless[0].RestoreJobId !== job.RestoreJobId) {
      w.ctx.reporter.debug(`${tags.clone}: waiting for restore job ${job.RestoreJobId} to name the instance it creates`);
      return false;
    }
  }
  // Re-read right before writing: tag only if still untagged.
  const fresh = await readTags(w, arn);
  if (fresh === undefined) return false;
  if (fresh[TAG.managed] === 'true') {
    // Another run tagged it first: only a run of the same person may go on with it.
    assertOwnClone(fresh, tags.clone, tags.owner);
    return true;
  }
  await w.clients.rds.send(
    new AddTagsToResourceCommand({
      ResourceName: arn,
      Tags: toTagList(cloneTags({ ...tags, restoreJob: job.RestoreJobId })),
    }),
  );
  w.ctx.reporter.info(`${tags.clone}: tagged the restored instance (restore job ${job.RestoreJobId}).`);
  return true;
}

/** Adds tags to a clone's instance after the guard allowed it on freshly read tags. */
export async function tagClone(w: Where, clone: { id: string; arn: string; clone: string }, tags: Record<string, string>) {
  await guarded(
    { kind: RESOURCE_KIND, name: clone.id, arn: clone.arn },
    () => readTags(w, clone.arn),
    { prefix: w.ctx.config.prefix, action: 'tag', clone: clone.clone },
    () =>
      w.clients.rds.send(new AddTagsToResourceCommand({ ResourceName: clone.arn, Tags: toTagList(tags) })),
  );
}
