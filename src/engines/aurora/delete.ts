import { DeleteDBClusterCommand, DeleteDBInstanceCommand, ModifyDBClusterCommand, RDSClient } from '@aws-sdk/client-rds';
import { assertManaged, guarded } from '../../core/guard.ts';
import { isError, waitUntilGone, type Where } from '../shared/aws.ts';
import { deleteCloneSecret } from '../shared/secret.ts';
import type { Clone, DeleteOptions } from '../types.ts';
import { CLUSTER_KIND, INSTANCE_KIND } from './aws.ts';
import { describeCluster, membersOf, readTags } from './describe.ts';

/**
 * Deletes an Aurora clone: every instance of its cluster (each through the guard on its own fresh tags,
 * all checked before the first is deleted), then the cluster without a final snapshot and with its
 * automated backups, then the clone's secret; then waits until the cluster and its instances are gone unless told not to.
 * A re-run after an interruption carries on from what is left.
 */
export async function deleteClone(w: Where, clone: Clone, options: DeleteOptions) {
  const prefix = w.ctx.config.prefix;
  const guard = { prefix, action: 'delete', clone: clone.clone, expiredBy: options.expiredBy };
  const members = (await membersOf(w, clone.id)).filter((m) => m.DBInstanceStatus !== 'deleting');
  const subjects = members.map((m) => ({ kind: INSTANCE_KIND, name: m.DBInstanceIdentifier ?? '', arn: m.DBInstanceArn ?? '' }));
  for (const subject of subjects) assertManaged(subject, await readTags(w, subject.arn), guard);
  const cluster = { kind: CLUSTER_KIND, name: clone.id, arn: clone.arn };
  assertManaged(cluster, await readTags(w, clone.arn), guard);

  for (const subject of subjects) {
    await guarded(subject, () => readTags(w, subject.arn), guard, async () => {
      try {
        await w.clients.of(RDSClient).send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: subject.name }));
      } catch (error) {
        // Already being deleted, or gone (another run): carry on.
        if (!isError(error, 'InvalidDBInstanceState', 'DBInstanceNotFound')) throw error;
      }
    });
  }
  // Clones are made without deletion protection; one switched on since is switched off under the same guard.
  if ((await describeCluster(w, clone.id))?.DeletionProtection) {
    await guarded(cluster, () => readTags(w, clone.arn), { ...guard, action: 'modify' }, () =>
      w.clients.of(RDSClient).send(new ModifyDBClusterCommand({ DBClusterIdentifier: clone.id, DeletionProtection: false, ApplyImmediately: true })),
    );
  }
  await guarded(cluster, () => readTags(w, clone.arn), guard, async () => {
    try {
      await w.clients.of(RDSClient).send(new DeleteDBClusterCommand({ DBClusterIdentifier: clone.id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }));
    } catch (error) {
      if (!(isError(error, 'InvalidDBClusterStateFault') && (await describeCluster(w, clone.id))?.Status === 'deleting')) throw error;
    }
  });
  w.ctx.reporter.info(`${clone.clone}: deletion of ${CLUSTER_KIND} ${clone.id} and its ${members.length === 1 ? 'instance' : `${members.length} instances`} started.`);
  await deleteCloneSecret(w, clone);

  if (!options.wait) return;
  // Gone means the cluster and every instance it had (an instance may still be deleting after its cluster).
  await waitUntilGone(w, clone, async () => {
    const cluster = await describeCluster(w, clone.id);
    if (cluster) return cluster.Status ?? null;
    const [left] = await membersOf(w, clone.id);
    return left ? `instance ${left.DBInstanceIdentifier} ${left.DBInstanceStatus ?? 'deleting'}` : undefined;
  }, options.onProgress);
}
