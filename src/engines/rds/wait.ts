import { ModifyDBInstanceCommand, type DBInstance, RDSClient } from '@aws-sdk/client-rds';
import { ExitCode, SnapcloneError } from '../../core/errors.ts';
import { guarded } from '../../core/guard.ts';
import { assertOwnClone, fromTagList, TAG } from '../../core/tags.ts';
import type { Progress } from '../../output/reporter.ts';
import type { Clone } from '../types.ts';
import { isError, placementOf, type Where } from './aws.ts';
import { steadily } from '../shared/aws.ts';
import { Polling, remainingMs, TYPICAL_MS } from '../shared/poll.ts';
import { describeClone, describeInstance, readTags, RESOURCE_KIND } from './describe.ts';
import { generatedPassword } from '../shared/secret.ts';
import { tagClone } from './tagging.ts';

/** Statuses from which an instance does not become available by waiting. */
const DEAD_ENDS = new Set([
  'failed',
  'incompatible-restore',
  'incompatible-parameters',
  'incompatible-network',
  'incompatible-option-group',
  'inaccessible-encryption-credentials',
  'storage-full',
  'deleting',
  'stopped',
]);

/** Waits for the restore to finish: polls the instance until it is available. */
async function waitForRestore(
  w: Where,
  clone: Clone,
  onProgress: (p: Progress) => void,
  startedAt: number,
): Promise<DBInstance> {
  const poll = new Polling(w.ctx, TYPICAL_MS.instanceRestore());
  let missing = 0;
  for (;;) {
    const instance = await steadily(w.ctx, `${clone.clone} to be restored`, () => describeInstance(w, clone.id));
    const tags = fromTagList(instance?.TagList);
    if (instance && tags[TAG.managed] !== 'true') {
      throw new SnapcloneError(`${RESOURCE_KIND} ${clone.id} carries no snapclone tags; it is not treated as a clone.`);
    }
    // A concurrent create of the same name by someone else may have made or claimed it first.
    if (instance) assertOwnClone(tags, clone.clone, clone.owner);
    // RDS restores show the instance from the call on.
    missing = instance ? 0 : missing + 1;
    if (missing >= 3) {
      throw new SnapcloneError(
        `${RESOURCE_KIND} ${clone.id} of clone ${clone.clone} has disappeared (deleted meanwhile?).`,
      );
    }
    const elapsedMs = w.ctx.now().getTime() - startedAt;
    const status = instance?.DBInstanceStatus;
    if (status === 'available') return instance!;
    if (status && DEAD_ENDS.has(status)) {
      throw new SnapcloneError(
        `${clone.clone} ended up '${status}' instead of available.`,
        ExitCode.failed,
        `See snapclone show ${clone.clone}.`,
      );
    }
    let percent = instance?.PercentProgress ? Number.parseFloat(instance.PercentProgress) : undefined;
    if (Number.isNaN(percent)) percent = undefined;
    if (instance?.AllocatedStorage) poll.expectTotal(TYPICAL_MS.instanceRestore(instance.AllocatedStorage));
    poll.progress(percent, startedAt);
    onProgress({
      phase: `${clone.clone}: ${status ?? 'restoring'}`,
      percent,
      elapsedMs,
      remainingMs: remainingMs(elapsedMs, percent),
    });
    await poll.wait();
  }
}

/** Waits until the instance is available with no password change pending. */
async function waitSettled(
  w: Where,
  clone: Clone,
  onProgress: (p: Progress) => void,
  startedAt: number,
  done: (instance: DBInstance) => boolean,
): Promise<DBInstance> {
  const poll = new Polling(w.ctx, TYPICAL_MS.modify);
  for (;;) {
    const instance = await steadily(w.ctx, `${clone.clone}'s new password`, () => describeInstance(w, clone.id));
    if (!instance) throw new SnapcloneError(`${clone.clone} disappeared while its password was being replaced.`);
    const pending = instance.PendingModifiedValues ?? {};
    if (instance.DBInstanceStatus === 'available' && !pending.MasterUserPassword && done(instance)) return instance;
    if (instance.DBInstanceStatus && DEAD_ENDS.has(instance.DBInstanceStatus)) {
      throw new SnapcloneError(
        `${clone.clone} ended up '${instance.DBInstanceStatus}' while its password was being replaced.`,
      );
    }
    onProgress({
      phase: `${clone.clone}: replacing the master password (${instance.DBInstanceStatus})`,
      elapsedMs: w.ctx.now().getTime() - startedAt,
    });
    await poll.wait();
  }
}

/** The generated password of a clone, kept in its secret (see generatedPassword). */
function secretPassword(w: Where, clone: Clone, instance: DBInstance): Promise<string> {
  return generatedPassword(
    w,
    clone,
    { key: 'dbInstanceIdentifier', id: clone.id },
    {
      engine: instance.Engine,
      host: instance.Endpoint?.Address,
      port: instance.Endpoint?.Port,
      username: instance.MasterUsername,
    },
  );
}

/** Modifies the clone's instance after the guard allowed it on freshly read tags; another run's change in progress is fine. */
type ModifyInput = Omit<ConstructorParameters<typeof ModifyDBInstanceCommand>[0], 'DBInstanceIdentifier'>;

/** Applies a change to the clone (guarded); false when the instance is busy and refused it. */
async function modify(w: Where, clone: Clone, input: ModifyInput): Promise<boolean> {
  return guarded(
    { kind: RESOURCE_KIND, name: clone.id, arn: clone.arn },
    () => readTags(w, clone.arn),
    { prefix: w.ctx.config.prefix, action: 'modify', clone: clone.clone },
    async () => {
      try {
        await w.clients
          .of(RDSClient)
          .send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: clone.id, ApplyImmediately: true, ...input }));
        return true;
      } catch (error) {
        if (!isError(error, 'InvalidDBInstanceState')) throw error;
        return false;
      }
    },
  );
}

const BUSY_ATTEMPTS = 10;

/**
 * Applies a change once the instance accepts it: a busy instance (another run's change of the same
 * password, a backup, an operator's change) is waited out and the change tried again, so a clone is never
 * marked as rotated while it still has the source's password. `needed` says whether the change is still
 * to be made after a wait (another run may have made it).
 */
async function modifyWhenAccepted(
  w: Where,
  clone: Clone,
  input: ModifyInput,
  wait: () => Promise<DBInstance>,
  needed: (instance: DBInstance) => boolean = () => true,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    if (await modify(w, clone, input)) return;
    if (attempt >= BUSY_ATTEMPTS) {
      throw new SnapcloneError(
        `${clone.clone}: the instance stayed busy, so its master password has not been replaced yet.`,
        ExitCode.failed,
        `Re-run the same create (with --name ${clone.clone}) to finish it.`,
      );
    }
    w.ctx.reporter.debug(`${clone.clone}: instance busy; waiting to try again`);
    if (!needed(await wait())) return;
  }
}

/**
 * Gives the clone its final password. Restores are made with an RDS-managed password, so a clone never holds
 * its source's: 'managed' keeps that one; 'generated' replaces it with a new random password kept in a secret
 * named after the clone (ModifyDBInstance, turning RDS's management off). A clone taken over from an untagged
 * AWS Backup restore still has its source's password and gets either. Automated backups still on are turned
 * off in the same change. Then waits until available again and records the mode in snapclone:password.
 */
async function rotatePassword(
  w: Where,
  clone: Clone,
  instance: DBInstance,
  onProgress: (p: Progress) => void,
  startedAt: number,
) {
  if (fromTagList(instance.TagList)[TAG.password]) return;
  const placement = placementOf(w.target);
  const mode = placement.password;
  const noBackups = instance.BackupRetentionPeriod ? { BackupRetentionPeriod: 0 } : {};
  const settled = () => waitSettled(w, clone, onProgress, startedAt, () => true);
  if (mode === 'generated') {
    const password = await secretPassword(w, clone, instance);
    const managed = instance.MasterUserSecret?.SecretArn ? { ManageMasterUserPassword: false } : {};
    // Applying the secret's password again after another run did is harmless: it is the same one.
    await modifyWhenAccepted(w, clone, { MasterUserPassword: password, ...managed, ...noBackups }, settled);
    await waitSettled(w, clone, onProgress, startedAt, (i) => !i.MasterUserSecret?.SecretArn);
  } else {
    if (!instance.MasterUserSecret?.SecretArn || instance.BackupRetentionPeriod) {
      await modifyWhenAccepted(
        w,
        clone,
        {
          ...(instance.MasterUserSecret?.SecretArn ? {} : { ManageMasterUserPassword: true }),
          ...noBackups,
          ...(placement.kmsKeyId ? { MasterUserSecretKmsKeyId: placement.kmsKeyId } : {}),
        },
        settled,
        (i) => !i.MasterUserSecret?.SecretArn,
      );
    }
    await waitSettled(w, clone, onProgress, startedAt, (i) => Boolean(i.MasterUserSecret?.SecretArn));
  }
  await tagClone(w, clone, { [TAG.password]: mode });
}

/** Waits until the clone is usable: restored, tagged, password replaced, available. */
export async function waitForClone(w: Where, clone: Clone, onProgress: (p: Progress) => void): Promise<Clone> {
  const startedAt = w.ctx.now().getTime();
  const instance = await waitForRestore(w, clone, onProgress, startedAt);
  if (clone.credentials === 'pending') await rotatePassword(w, clone, instance, onProgress, startedAt);
  const ready = await describeClone(w, clone.id);
  if (!ready) throw new SnapcloneError(`${clone.clone} is gone.`);
  return ready;
}
