import {
  CreateDBInstanceCommand,
  ModifyDBClusterCommand,
  type DBCluster,
  type DBInstance,
  RDSClient,
} from '@aws-sdk/client-rds';
import { ExitCode, SnapcloneError } from '../../core/errors.ts';
import { assertManaged, guarded } from '../../core/guard.ts';
import { assertOwnClone, cloneTags, fromTagList, TAG, toTagList } from '../../core/tags.ts';
import type { Progress } from '../../output/reporter.ts';
import { isError, steadily, type Where } from '../shared/aws.ts';
import { Polling, TYPICAL_MS } from '../shared/poll.ts';
import { generatedPassword, newPassword } from '../shared/secret.ts';
import { currentSecretVersion, notReplaced, refusedChange, secretOwnedBy } from '../shared/password-proof.ts';
import { PASSWORD_LOCKED, passwordInPlace } from '../shared/password-lock.ts';
import { passwordLengthFor } from '../rds/engines.ts';
import type { Clone } from '../types.ts';
import { CLUSTER_KIND, placementOf, writerId } from './aws.ts';
import { CLUSTER_OWNER_TAG, describeClone, describeCluster, membersOf, readTags, writerOf } from './describe.ts';
import { tagClone } from './tagging.ts';

/** Statuses from which a cluster or an instance does not become available by waiting. */
const DEAD_ENDS = new Set([
  'failed',
  'cloning-failed',
  'incompatible-restore',
  'incompatible-parameters',
  'incompatible-network',
  'inaccessible-encryption-credentials',
  'storage-full',
  'deleting',
  'stopped',
]);

const BUSY_ATTEMPTS = 10;

interface Poll {
  w: Where;
  clone: Clone;
  onProgress: (p: Progress) => void;
  startedAt: number;
}

/** Polls `read` until `done`, reporting `phase`; a dead-end status or a resource gone for good stops it. */
async function pollUntil<T>(
  p: Poll,
  read: () => Promise<T | undefined>,
  status: (t: T) => string | undefined,
  done: (t: T) => boolean | Promise<boolean>,
  what: string,
  /** How long it typically takes; a function refines it from what a look shows (e.g. the size). */
  expected: number | ((t: T) => number) = TYPICAL_MS.modify,
): Promise<T> {
  const poll = new Polling(p.w.ctx, typeof expected === 'number' ? expected : undefined);
  let missing = 0;
  for (;;) {
    const value = await steadily(p.w.ctx, `the ${what} of ${p.clone.clone}`, read);
    missing = value === undefined ? missing + 1 : 0;
    if (missing >= 3)
      throw new SnapcloneError(`The ${what} of clone ${p.clone.clone} has disappeared (deleted meanwhile?).`);
    const s = value === undefined ? undefined : status(value);
    if (value !== undefined && (await done(value))) return value;
    if (value !== undefined && typeof expected === 'function') poll.expectTotal(expected(value));
    if (s && DEAD_ENDS.has(s)) {
      throw new SnapcloneError(
        `The ${what} of ${p.clone.clone} ended up '${s}' instead of available.`,
        ExitCode.failed,
        `See snapclone show ${p.clone.clone}.`,
      );
    }
    p.onProgress({
      phase: `${p.clone.clone}: ${what} ${s ?? 'restoring'}`,
      elapsedMs: p.w.ctx.now().getTime() - p.startedAt,
    });
    await poll.wait();
  }
}

/** The clone's cluster, checked to still be this person's clone. */
async function ownCluster(p: Poll): Promise<DBCluster | undefined> {
  const cluster = await describeCluster(p.w, p.clone.id);
  if (!cluster) return undefined;
  const tags = fromTagList(cluster.TagList);
  if (tags[TAG.managed] !== 'true')
    throw new SnapcloneError(`${CLUSTER_KIND} ${p.clone.id} carries no snapclone tags; it is not treated as a clone.`);
  assertOwnClone(tags, p.clone.clone, p.clone.owner);
  return cluster;
}

const settled = (c: DBCluster) => c.Status === 'available' && !c.PendingModifiedValues?.MasterUserPassword;

type ModifyInput = Omit<ConstructorParameters<typeof ModifyDBClusterCommand>[0], 'DBClusterIdentifier'>;

/** Applies a change to the clone's cluster under the guard, waiting out a busy cluster (another run's change, a backup). */
async function modifyCluster(p: Poll, input: ModifyInput, needed: (c: DBCluster) => boolean | Promise<boolean>): Promise<void> {
  const { w, clone } = p;
  for (let attempt = 1; ; attempt++) {
    const accepted = await guarded(
      { kind: CLUSTER_KIND, name: clone.id, arn: clone.arn },
      () => readTags(w, clone.arn),
      { prefix: w.ctx.config.prefix, action: 'modify', clone: clone.clone },
      async () => {
        try {
          await w.clients
            .of(RDSClient)
            .send(new ModifyDBClusterCommand({ DBClusterIdentifier: clone.id, ApplyImmediately: true, ...input }));
          return true;
        } catch (error) {
          if (isError(error, 'InvalidDBClusterStateFault')) return false;
          if (isError(error, 'InvalidParameterCombination', 'InvalidParameterValue')) throw refusedChange(clone, error);
          throw error;
        }
      },
    );
    if (accepted) return;
    if (attempt >= BUSY_ATTEMPTS) {
      throw new SnapcloneError(
        `${clone.clone}: the cluster stayed busy, so its master password has not been replaced yet.`,
        ExitCode.failed,
        `Re-run the same create (with --name ${clone.clone}) to finish it.`,
      );
    }
    const now = await pollUntil(
      p,
      () => ownCluster(p),
      (c) => c.Status,
      settled,
      'cluster',
    );
    if (!(await needed(now))) return;
  }
}

/**
 * Replaces the master password the restore brought from the source, before the cluster has any instance (so
 * the source's password is never usable); cluster restores take no ManageMasterUserPassword. 'generated' sets
 * a new random one kept in the clone's secret, done once RDS answered the change and no longer shows it
 * pending; 'managed' has RDS manage it (ManageMasterUserPassword=true), done once RDS reports a secret tied to
 * this very cluster (aws:rds:primaryDBClusterArn) — a reported secret not tied to it is the source's,
 * inherited, and proves nothing. Management is turned off only where the clone's own secret manages it (RDS
 * refuses to turn off what it does not manage). Only then is the mode recorded on the cluster.
 * A clone locked by masking (snapclone:password=locked) gets its own password again the same way; 'managed' has
 * RDS rotate its secret (RotateMasterUserPassword), done once another version of the secret holds AWSCURRENT.
 */
async function replacePassword(p: Poll, cluster: DBCluster): Promise<void> {
  const { w, clone } = p;
  const placement = placementOf(w.target);
  const ownSecret = (c: DBCluster) => secretOwnedBy(w, c.MasterUserSecret?.SecretArn, CLUSTER_OWNER_TAG, clone.arn);
  const replaced = (done: (c: DBCluster) => boolean | Promise<boolean>) =>
    pollSettled(p, done, 'cluster (replacing the master password)');
  if (placement.password === 'generated') {
    const password = await generatedPassword(
      w,
      clone,
      { key: 'dbClusterIdentifier', id: clone.id },
      {
        engine: cluster.Engine,
        host: cluster.Endpoint,
        port: cluster.Port,
        username: cluster.MasterUsername,
        dbname: cluster.DatabaseName,
      },
      () => newPassword(passwordLengthFor(cluster.Engine)),
    );
    // Applying the secret's password again after another run did is harmless: it is the same one.
    await modifyCluster(p, { MasterUserPassword: password, ...((await ownSecret(cluster)) ? { ManageMasterUserPassword: false } : {}) }, () => true);
    await replaced(async (c) => !(await ownSecret(c)));
  } else if (fromTagList(cluster.TagList)[TAG.password] === PASSWORD_LOCKED && (await ownSecret(cluster))) {
    const secretArn = cluster.MasterUserSecret?.SecretArn;
    const before = await currentSecretVersion(w, secretArn);
    const rotated = async () => (await currentSecretVersion(w, secretArn)) !== before;
    await modifyCluster(p, { RotateMasterUserPassword: true }, async () => !(await rotated()));
    await replaced(async (c) => (await ownSecret(c)) && (await rotated()));
  } else {
    if (!(await ownSecret(cluster))) {
      await modifyCluster(
        p,
        {
          ManageMasterUserPassword: true,
          ...(placement.kmsKeyId ? { MasterUserSecretKmsKeyId: placement.kmsKeyId } : {}),
        },
        async (c) => !(await ownSecret(c)),
      );
    }
    await replaced(ownSecret);
  }
  await tagClone(w, clone, { [TAG.password]: placement.password });
}

/** How many looks at a cluster with nothing under way a password change may take to show in AWS's answer. */
const SETTLED_LOOKS = 10;

/** Polls the clone's cluster until it is settled and `done` holds; settled but not done for long, the change is not coming. */
async function pollSettled(p: Poll, done: (c: DBCluster) => boolean | Promise<boolean>, what: string): Promise<DBCluster> {
  let idle = 0;
  return pollUntil(
    p,
    () => ownCluster(p),
    (c) => c.Status,
    async (c) => {
      if (!settled(c)) {
        idle = 0;
        return false;
      }
      if (await done(c)) return true;
      if (++idle >= SETTLED_LOOKS) throw notReplaced(p.clone);
      return false;
    },
    what,
  );
}

/** Adds the writer instance (tagged like the clone at creation) unless it exists; another run's is fine. */
async function addWriter(p: Poll, cluster: DBCluster): Promise<void> {
  const { w, clone } = p;
  const placement = placementOf(w.target);
  const id = writerId(clone.id);
  // Adding an instance writes to the cluster: the guard checks the cluster's tags first.
  assertManaged({ kind: CLUSTER_KIND, name: clone.id, arn: clone.arn }, await readTags(w, clone.arn), {
    prefix: w.ctx.config.prefix,
    action: 'add an instance to',
    clone: clone.clone,
  });
  try {
    await w.clients.of(RDSClient).send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: id,
        DBClusterIdentifier: clone.id,
        Engine: cluster.Engine,
        DBInstanceClass: placement.instanceClass,
        PubliclyAccessible: false,
        CopyTagsToSnapshot: false,
        Tags: toTagList(cloneTags(clone)),
      }),
    );
    w.ctx.reporter.info(`${clone.clone}: adding its writer instance ${id} (${placement.instanceClass}).`);
  } catch (error) {
    if (!isError(error, 'DBInstanceAlreadyExists')) throw error;
    const existing = (await membersOf(w, clone.id)).find((m) => m.DBInstanceIdentifier === id);
    if (fromTagList(existing?.TagList)[TAG.clone] !== clone.clone) {
      throw new SnapcloneError(
        `A DB instance named ${id} already exists and is not the writer of clone ${clone.clone}.`,
        ExitCode.failed,
        'Delete the clone and create it under another --name.',
      );
    }
  }
}

/**
 * Waits until the clone is usable: the cluster restored, its password replaced (before any instance
 * exists), its writer instance added and available. Each step is skipped when done, so a re-run resumes.
 */
export async function waitForClone(w: Where, clone: Clone, onProgress: (p: Progress) => void): Promise<Clone> {
  const p: Poll = { w, clone, onProgress, startedAt: w.ctx.now().getTime() };
  let cluster = await pollUntil(
    p,
    () => ownCluster(p),
    (c) => c.Status,
    (c) => c.Status === 'available',
    'cluster',
    (c) =>
      // A copy-on-write clone shares the source's volume: minutes whatever its size.
      c.CloneGroupId ? TYPICAL_MS.clusterClone : TYPICAL_MS.clusterRestore(c.AllocatedStorage),
  );
  // What AWS made, from its answer: a copy-on-write clone shows a CloneGroupId; after 15 clones of one volume
  // AWS silently makes a full copy instead.
  w.ctx.reporter.info(
    `${clone.clone}: ${cluster.CloneGroupId ? `a copy-on-write clone (clone group ${cluster.CloneGroupId})` : 'a full copy of the data'}, available.`,
  );
  if (!passwordInPlace(fromTagList(cluster.TagList))) {
    await replacePassword(p, cluster);
    cluster = (await ownCluster(p)) ?? cluster;
  }
  if (!writerOf(cluster, await membersOf(w, clone.id))) await addWriter(p, cluster);
  await pollUntil<DBInstance>(
    p,
    async () => writerOf(cluster, await membersOf(w, clone.id)),
    (i) => i.DBInstanceStatus,
    (i) => i.DBInstanceStatus === 'available',
    'writer instance',
    TYPICAL_MS.instanceCreate,
  );
  const ready = await describeClone(w, clone.id);
  if (!ready) throw new SnapcloneError(`${clone.clone} is gone.`);
  return ready;
}
