import { createHash } from 'node:crypto';
import {
  DescribeRestoreJobCommand,
  GetRecoveryPointRestoreMetadataCommand,
  StartRestoreJobCommand,
  type DescribeRestoreJobCommandOutput,
} from '@aws-sdk/client-backup';
import {
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
  type DBInstance,
} from '@aws-sdk/client-rds';
import { formatTime } from '../../core/dates.ts';
import { ExitCode, SnapcloneError, UsageError } from '../../core/errors.ts';
import { assertOwnClone, cloneTags, fromTagList, readCloneTags, toTagList, type CloneTags } from '../../core/tags.ts';
import type { Clone, RestorePlan, RestoreResult } from '../types.ts';
import { isError, placementOf, type Where } from './aws.ts';
import { cloneFromInstance, cloneOf, describeClone, describeInstance, ENGINE, inFlight, instanceArn, recentRestoreJobs } from './describe.ts';
import { tagBackupRestore } from './tagging.ts';

/**
 * The IdempotencyToken of StartRestoreJob: derived from the clone name and the recovery point, so a re-run
 * or a concurrent second run for the same clone gets the same job. `generation` moves on when the job of a
 * token is over and its instance gone (a clone deleted and made again within AWS Backup's token memory).
 */
export function idempotencyToken(name: string, recoveryPointArn: string, generation: number): string {
  const hash = createHash('sha256').update(`snapclone\n${name}\n${recoveryPointArn}`).digest('hex').slice(0, 32);
  return `snapclone-${hash}-${generation}`;
}

/** Sets a metadata key, keeping the spelling AWS Backup used for it (keys are case-insensitive). */
function setKey(metadata: Record<string, string>, key: string, value: string): void {
  const existing = Object.keys(metadata).find((k) => k.toLowerCase() === key.toLowerCase());
  metadata[existing ?? key] = value;
}

function hasKey(metadata: Record<string, string>, key: string): boolean {
  return Object.keys(metadata).some((k) => k.toLowerCase() === key.toLowerCase());
}

function dropKey(metadata: Record<string, string>, key: string): void {
  for (const k of Object.keys(metadata)) if (k.toLowerCase() === key.toLowerCase()) delete metadata[k];
}

/**
 * The StartRestoreJob Metadata: what GetRecoveryPointRestoreMetadata returned for the recovery point, with
 * the clone's identifier and placement put over it: dev subnet group and security groups, the target's
 * class, not Multi-AZ, private, no deletion protection, no automated backups, no tag copies to snapshots.
 * The availability zone is left to the subnet group.
 */
export function backupMetadata(original: Record<string, string>, plan: RestorePlan): Record<string, string> {
  const placement = placementOf(plan.target);
  const metadata = { ...original };
  setKey(metadata, 'DBInstanceIdentifier', plan.tags.clone);
  setKey(metadata, 'DBSubnetGroupName', placement.subnetGroup);
  setKey(metadata, 'VpcSecurityGroupIds', JSON.stringify(placement.securityGroupIds));
  setKey(metadata, 'DBInstanceClass', placement.instanceClass);
  setKey(metadata, 'MultiAZ', 'false');
  setKey(metadata, 'PubliclyAccessible', 'false');
  setKey(metadata, 'DeletionProtection', 'false');
  if (hasKey(metadata, 'BackupRetentionPeriod')) setKey(metadata, 'BackupRetentionPeriod', '0');
  if (hasKey(metadata, 'CopyTagsToSnapshot')) setKey(metadata, 'CopyTagsToSnapshot', 'false');
  dropKey(metadata, 'AvailabilityZone');
  return metadata;
}

/** Whether an existing clone is the one this plan would make (same source and restore point). */
function sameRestore(existing: Clone, plan: RestorePlan): boolean {
  if (!existing.tagged) return existing.restorePoint === plan.point.id;
  return existing.source === plan.source.name && existing.restorePoint === plan.tags.restorePoint;
}

function conflict(existing: Clone, plan: RestorePlan, zone: string): UsageError {
  return new UsageError(
    `A clone named ${existing.clone} already exists (source ${existing.source}, restore point ${existing.restorePoint || 'unknown'}` +
      `${existing.tagged ? `, owner ${existing.owner}, data of ${formatTime(existing.restoreTime, zone)}` : ''}), ` +
      `not made from the point asked for (${plan.tags.restorePoint}). Nothing was changed.`,
    'Choose another --name, or delete the existing clone first (snapclone delete).',
  );
}

/** Attaches to an existing clone of the same name, or refuses when it is a different one. */
function attach(w: Where, existing: Clone, plan: RestorePlan): RestoreResult {
  if (existing.tagged) assertOwnClone(cloneTags(existing), existing.clone, plan.tags.owner);
  if (!sameRestore(existing, plan)) throw conflict(existing, plan, w.ctx.config.timezone);
  if (existing.status === 'deleting') {
    throw new SnapcloneError(`Clone ${existing.clone} is being deleted; wait until it is gone, or choose another --name.`);
  }
  if (existing.tagged) return { clone: existing, resumed: true };
  // Untagged (AWS Backup): carry this run's intended tags so that waiting tags the instance.
  return { clone: { ...existing, ...plan.tags, restoreJob: existing.restoreJob }, resumed: true };
}

/** The clone a plan describes before the instance exists. */
function plannedClone(w: Where, plan: RestorePlan, tags: CloneTags, instance?: DBInstance): Clone {
  return {
    ...tags,
    engine: ENGINE,
    arn: instance?.DBInstanceArn ?? instanceArn(w, tags.clone),
    id: tags.clone,
    status: instance?.DBInstanceStatus ?? 'restoring',
    tagged: false,
    credentials: 'pending',
    details: { restoreJob: tags.restoreJob ?? '', via: plan.point.kind === 'backup' ? 'AWS Backup' : 'RDS' },
  };
}

const TERMINAL = new Set(['COMPLETED', 'ABORTED', 'FAILED']);
const MAX_GENERATIONS = 5;

/** Restores a recovery point through AWS Backup (StartRestoreJob), idempotently by clone name. */
async function restoreViaBackup(w: Where, plan: RestorePlan, options: { mustResume?: boolean } = {}): Promise<RestoreResult> {
  const role = plan.target.config.backupRestoreRoleArn;
  if (!role) {
    throw new UsageError(
      `Target ${plan.target.name} has no backupRestoreRoleArn, which restoring ${plan.source.name} through AWS Backup needs`,
      `Set targets.${plan.target.name}.backupRestoreRoleArn, or restore from snapshots (sources.${plan.source.name}.restoreFrom: snapshot).`,
    );
  }
  const name = plan.tags.clone;
  const meta = await w.clients.backup.send(
    new GetRecoveryPointRestoreMetadataCommand({
      BackupVaultName: plan.source.config.backupVault,
      RecoveryPointArn: plan.point.id,
    }),
  );
  const metadata = backupMetadata(meta.RestoreMetadata ?? {}, plan);
  // Jobs of this recovery point that exist already: if StartRestoreJob answers with one of them, this run
  // resumes it (the token matched).
  const earlier = new Set(
    (await recentRestoreJobs(w)).filter((j) => j.RecoveryPointArn === plan.point.id).map((j) => j.RestoreJobId),
  );
  for (let generation = 0; generation < MAX_GENERATIONS; generation++) {
    const started = await w.clients.backup.send(
      new StartRestoreJobCommand({
        RecoveryPointArn: plan.point.id,
        Metadata: metadata,
        IamRoleArn: role,
        IdempotencyToken: idempotencyToken(name, plan.point.id, generation),
        ResourceType: meta.ResourceType ?? 'RDS',
        CopySourceTagsToRestoredResource: false,
      }),
    );
    const jobId = started.RestoreJobId;
    if (!jobId) throw new SnapcloneError(`AWS Backup returned no restore job id for ${name}`);
    const job: DescribeRestoreJobCommandOutput = await w.clients.backup.send(
      new DescribeRestoreJobCommand({ RestoreJobId: jobId }),
    );
    const instance = await describeInstance(w, name);
    // A job that is already over was started by an earlier run with this token: reuse it only if its
    // instance is still there; otherwise (deleted clone, failed attempt) start afresh with the next token.
    if (job.Status && TERMINAL.has(job.Status) && !(job.Status === 'COMPLETED' && instance)) {
      w.ctx.reporter.debug(`${name}: restore job ${jobId} is ${job.Status} from an earlier attempt; starting a new one`);
      continue;
    }
    const tags: CloneTags = { ...plan.tags, restoreJob: jobId };
    const resumed = earlier.has(jobId);
    if (options.mustResume && !resumed) {
      // The token started a new job, so the instance of that name was not this clone's: the new job fails
      // on the taken name without creating anything.
      throw new UsageError(
        `A DB instance named ${name} already exists and is not this clone's restore. Nothing was created.`,
        'Choose another --name.',
      );
    }
    w.ctx.reporter.info(
      resumed
        ? `${name}: attached to the AWS Backup restore job ${jobId} already under way (${job.Status}).`
        : `${name}: AWS Backup restore job ${jobId} started.`,
    );
    if (instance) {
      await tagBackupRestore(w, tags, instance, job);
      const fresh = await describeClone(w, name);
      if (fresh?.tagged) return { clone: fresh, resumed };
    }
    return { clone: plannedClone(w, plan, tags, instance), resumed };
  }
  throw new SnapcloneError(
    `Could not start an AWS Backup restore job for ${name}: ${MAX_GENERATIONS} earlier attempts with this name and recovery point are over.`,
    ExitCode.failed,
    'Choose another --name.',
  );
}

/** Restores a snapshot or a point in time through the RDS APIs, tagged at creation. */
async function restoreViaRds(w: Where, plan: RestorePlan): Promise<RestoreResult> {
  const placement = placementOf(plan.target);
  const name = plan.tags.clone;
  const tags = cloneTags(plan.tags);
  const common = {
    DBInstanceClass: placement.instanceClass,
    DBSubnetGroupName: placement.subnetGroup,
    VpcSecurityGroupIds: placement.securityGroupIds,
    MultiAZ: false,
    PubliclyAccessible: false,
    DeletionProtection: false,
    BackupRetentionPeriod: 0,
    CopyTagsToSnapshot: false,
    Tags: toTagList(tags),
  };
  let instance: DBInstance | undefined;
  try {
    if (plan.point.kind === 'point-in-time') {
      const out = await w.clients.rds.send(
        new RestoreDBInstanceToPointInTimeCommand({
          SourceDBInstanceIdentifier: plan.source.config.id,
          TargetDBInstanceIdentifier: name,
          ...(plan.at ? { RestoreTime: plan.at } : { UseLatestRestorableTime: true }),
          ...common,
        }),
      );
      instance = out.DBInstance;
    } else {
      const out = await w.clients.rds.send(
        new RestoreDBInstanceFromDBSnapshotCommand({
          DBInstanceIdentifier: name,
          DBSnapshotIdentifier: plan.point.id,
          ...common,
        }),
      );
      instance = out.DBInstance;
    }
  } catch (error) {
    if (!isError(error, 'DBInstanceAlreadyExists')) throw error;
    // A concurrent run (or an earlier one) created it first: attach when it is the same clone.
    const existing = await describeClone(w, name);
    if (!existing) {
      throw new UsageError(
        `A DB instance named ${name} already exists and is not a snapclone clone. Nothing was changed.`,
        'Choose another --name.',
      );
    }
    w.ctx.reporter.info(`${name}: already being restored by another run; attaching to it.`);
    return attach(w, existing, plan);
  }
  w.ctx.reporter.info(`${name}: restore started (${plan.point.kind === 'point-in-time' ? 'point-in-time' : 'from snapshot'}).`);
  if (!instance) instance = await describeInstance(w, name);
  const raw = instance?.TagList?.length ? fromTagList(instance.TagList) : tags;
  const read = readCloneTags(raw) ?? plan.tags;
  return {
    clone: instance ? cloneFromInstance(instance, read, raw) : { ...plannedClone(w, plan, plan.tags), tagged: true },
    resumed: false,
  };
}

/**
 * Starts the restore of a plan, or attaches to the clone of the same name already under way or made
 * (resume). A different clone of that name is refused with a UsageError before anything is written.
 */
export async function restoreClone(w: Where, plan: RestorePlan): Promise<RestoreResult> {
  // The plan's name is a valid identifier (checked when it was made).
  const instance = await describeInstance(w, plan.tags.clone);
  const existing = await cloneOf(w, plan.tags.clone, instance);
  if (existing) {
    const result = attach(w, existing, plan);
    w.ctx.reporter.info(`${plan.tags.clone}: resuming the clone already ${existing.status === 'available' ? 'made' : 'under way'} (${existing.status}).`);
    return result;
  }
  if (instance) {
    // An untagged instance of this name is only resumed when this clone's own AWS Backup job (found again
    // through the idempotency token) is still making it; anything else is not snapclone's.
    const ours =
      plan.point.kind === 'backup' &&
      instance.DBInstanceStatus !== 'available' &&
      (await recentRestoreJobs(w)).some((j) => j.RecoveryPointArn === plan.point.id && inFlight(j));
    if (!ours) {
      throw new UsageError(
        `A DB instance named ${plan.tags.clone} already exists and is not a snapclone clone. Nothing was changed.`,
        'Choose another --name.',
      );
    }
    return restoreViaBackup(w, plan, { mustResume: true });
  }
  return plan.point.kind === 'backup' ? restoreViaBackup(w, plan) : restoreViaRds(w, plan);
}
