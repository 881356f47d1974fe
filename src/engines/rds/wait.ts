import { ModifyDBInstanceCommand, type DBInstance, RDSClient } from '@aws-sdk/client-rds';
import { ExitCode, SnapcloneError } from '../../core/errors.ts';
import { guarded } from '../../core/guard.ts';
import { assertOwnClone, fromTagList, TAG } from '../../core/tags.ts';
import type { Progress } from '../../output/reporter.ts';
import type { Clone } from '../types.ts';
import { isError, placementOf, type Where } from './aws.ts';
import { steadily } from '../shared/aws.ts';
import { Polling, remainingMs, TYPICAL_MS } from '../shared/poll.ts';
import { describeClone, describeInstance, OWNER_TAG, readTags, RESOURCE_KIND } from './describe.ts';
import { generatedPassword, newPassword } from '../shared/secret.ts';
import { currentSecretVersion, notReplaced, refusedChange, secretOwnedBy } from '../shared/password-proof.ts';
import { PASSWORD_LOCKED, passwordInPlace } from '../shared/password-lock.ts';
import { passwordLengthFor } from './engines.ts';
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

/** How many looks at an instance with nothing under way a password change may take to show in AWS's answer. */
const SETTLED_LOOKS = 10;

/** Waits until the instance is available with no password change pending and `done` holds. */
async function waitSettled(
  w: Where,
  clone: Clone,
  onProgress: (p: Progress) => void,
  startedAt: number,
  done: (instance: DBInstance) => boolean | Promise<boolean>,
): Promise<DBInstance> {
  const poll = new Polling(w.ctx, TYPICAL_MS.modify);
  let idle = 0;
  for (;;) {
    const instance = await steadily(w.ctx, `${clone.clone}'s new password`, () => describeInstance(w, clone.id));
    if (!instance) throw new SnapcloneError(`${clone.clone} disappeared while its password was being replaced.`);
    const pending = instance.PendingModifiedValues ?? {};
    if (instance.DBInstanceStatus === 'available' && !pending.MasterUserPassword) {
      if (await done(instance)) return instance;
      // Nothing under way, yet AWS's answer does not show the change: it is not coming.
      if (++idle >= SETTLED_LOOKS) throw notReplaced(clone);
    } else idle = 0;
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

/** The generated password of a clone, kept in its secret (see generatedPassword), as long as its engine takes. */
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
    () => newPassword(passwordLengthFor(instance.Engine)),
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
        if (isError(error, 'InvalidDBInstanceState')) return false;
        if (isError(error, 'InvalidParameterCombination', 'InvalidParameterValue')) throw refusedChange(clone, error);
        throw error;
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
  needed: (instance: DBInstance) => boolean | Promise<boolean> = () => true,
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
    if (!(await needed(await wait()))) return;
  }
}

/**
 * Gives the clone its own password, after the restore (RDS restores of MySQL, PostgreSQL and MariaDB do not
 * take ManageMasterUserPassword: "Applies to RDS for Oracle only"), so until then it has its source's:
 * - 'managed': ManageMasterUserPassword=true (ModifyDBInstance), done once RDS reports a MasterUserSecret tied
 *   to this very instance (its aws:rds:primaryDBInstanceArn tag); a secret reported but not tied to it is its
 *   source's, inherited from the snapshot's metadata, and proves nothing.
 * - 'generated': a new random password kept in a secret named after the clone (MasterUserPassword), done once
 *   RDS answered the change and no longer shows it pending. Management is turned off (ManageMasterUserPassword
 *   false, which makes RDS delete its secret) only where RDS manages this clone's password with the clone's
 *   own secret: RDS refuses to turn off what it does not manage, and an inherited secret is the source's.
 * Automated backups still on are turned off in the same change. Only then is the mode recorded in
 * snapclone:password: a clone without it is pending (credentials refuses it; re-running create finishes it).
 * A clone locked by masking (snapclone:password=locked: its password changed in the database to one nobody is
 * told) gets its own password again the same way: 'generated' sets its secret's password again; 'managed' has
 * RDS rotate the secret it manages (RotateMasterUserPassword, applied immediately as the API requires), done
 * once the instance is settled and another version of the secret holds AWSCURRENT.
 */
async function rotatePassword(
  w: Where,
  clone: Clone,
  instance: DBInstance,
  onProgress: (p: Progress) => void,
  startedAt: number,
) {
  const recorded = fromTagList(instance.TagList);
  if (passwordInPlace(recorded)) return;
  const locked = recorded[TAG.password] === PASSWORD_LOCKED;
  const placement = placementOf(w.target);
  const mode = placement.password;
  const ownSecret = (i: DBInstance) => secretOwnedBy(w, i.MasterUserSecret?.SecretArn, OWNER_TAG, clone.arn);
  const noBackups = instance.BackupRetentionPeriod ? { BackupRetentionPeriod: 0 } : {};
  const settled = () => waitSettled(w, clone, onProgress, startedAt, () => true);
  if (mode === 'generated') {
    const password = await secretPassword(w, clone, instance);
    const managed = (await ownSecret(instance)) ? { ManageMasterUserPassword: false } : {};
    // Applying the secret's password again after another run did is harmless: it is the same one.
    await modifyWhenAccepted(w, clone, { MasterUserPassword: password, ...managed, ...noBackups }, settled);
    await waitSettled(w, clone, onProgress, startedAt, async (i) => !(await ownSecret(i)));
  } else if (locked && (await ownSecret(instance))) {
    const secretArn = instance.MasterUserSecret?.SecretArn;
    const before = await currentSecretVersion(w, secretArn);
    const rotated = async () => (await currentSecretVersion(w, secretArn)) !== before;
    await modifyWhenAccepted(w, clone, { RotateMasterUserPassword: true, ...noBackups }, settled, async () => !(await rotated()));
    await waitSettled(w, clone, onProgress, startedAt, async (i) => (await ownSecret(i)) && (await rotated()));
  } else {
    const owned = await ownSecret(instance);
    if (!owned || instance.BackupRetentionPeriod) {
      await modifyWhenAccepted(
        w,
        clone,
        {
          ...(owned ? {} : { ManageMasterUserPassword: true, ...(placement.kmsKeyId ? { MasterUserSecretKmsKeyId: placement.kmsKeyId } : {}) }),
          ...noBackups,
        },
        settled,
        async (i) => Boolean(i.BackupRetentionPeriod) || !(await ownSecret(i)),
      );
    }
    await waitSettled(w, clone, onProgress, startedAt, ownSecret);
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
