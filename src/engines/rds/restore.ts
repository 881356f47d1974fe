import { RestoreDBInstanceFromDBSnapshotCommand, RestoreDBInstanceToPointInTimeCommand, type DBInstance, RDSClient } from '@aws-sdk/client-rds';
import { SnapcloneError, UsageError } from '../../core/errors.ts';
import { cloneTags, forcedTags, fromTagList, readCloneTags, toTagList } from '../../core/tags.ts';
import { partitionOf } from '../../iam/declare.ts';
import type { Clone, RestorePlan, RestoreResult } from '../types.ts';
import { deniedByIam, isError, placementOf, type Where } from './aws.ts';
import { attachConcurrent, conflict, resumeExisting, sameRestore } from '../shared/resume.ts';
import { cloneFromInstance, cloneOf, describeClone, describeInstance, ENGINE, instanceArn } from './describe.ts';
import { assertNoSecret } from '../shared/secret.ts';
import { claimUntagged } from './tagging.ts';
import { assertSupportedEngine } from './engines.ts';


/** How the messages name what a clone of this engine is. */
const RESOURCE_KIND_NAME = 'DB instance';

/**
 * The RDS snapshot an AWS Backup recovery point of a DB instance is (AWS Backup's RDS recovery points are RDS
 * snapshots: arn:aws:rds:REGION:ACCOUNT:snapshot:awsbackup:job-…), when it is one in the target's account
 * and region. RDS restores it like any snapshot, with tags at creation, so snapclone
 * never needs StartRestoreJob (which can neither tag nor be bound to the clone's name by IAM).
 */
export function backupSnapshotArn(w: Where, recoveryPointArn: string): string | undefined {
  const m = /^arn:(aws[\w-]*):rds:([a-z0-9-]+):(\d{12}):snapshot:awsbackup:job-[\w-]+$/.exec(recoveryPointArn);
  const here = m && m[1] === partitionOf(w.region) && m[2] === w.region && m[3] === w.target.config.account;
  return here ? recoveryPointArn : undefined;
}

/**
 * An instance an AWS Backup restore job of snapclone's role made and nobody tagged: its job ties it to this
 * clone name, but nothing says whose it is, so it is taken over only with --force (recorded on it), and only
 * when it holds the restore point asked for.
 */
async function adopt(w: Where, existing: Clone, plan: RestorePlan): Promise<RestoreResult> {
  if (!sameRestore(existing, plan)) throw conflict(existing, plan, w.ctx.config.timezone);
  if (!plan.force) {
    throw new UsageError(
      `A DB instance named ${existing.id} exists: AWS Backup restore job ${existing.restoreJob} made it from this restore point and nobody tagged it, so its owner is unknown. Nothing was changed.`,
      `Take it over with --force (recorded on the clone), or choose another --name.`,
    );
  }
  await claimUntagged(w, existing, {
    ...cloneTags({ ...plan.tags, restoreJob: existing.restoreJob }),
    ...forcedTags(plan.tags.owner, w.ctx.now()),
  });
  w.ctx.reporter.info(`${existing.id}: took over the untagged restore of AWS Backup job ${existing.restoreJob} (--force).`);
  const clone = await describeClone(w, existing.id);
  if (!clone?.tagged) throw new SnapcloneError(`${existing.id} disappeared while it was being taken over.`);
  return { clone, resumed: true };
}

/** The clone a plan describes before RDS has answered with the instance. */
function plannedClone(w: Where, plan: RestorePlan): Clone {
  return {
    ...plan.tags,
    engine: ENGINE,
    arn: instanceArn(w, plan.tags.clone),
    id: plan.tags.clone,
    status: 'creating',
    tagged: true,
    credentials: 'pending',
    details: {},
  };
}

/** The snapshot a discrete restore point is restored from, or a UsageError when RDS cannot restore it here. */
function snapshotOf(w: Where, plan: RestorePlan): string {
  if (plan.point.kind !== 'backup') return plan.point.id;
  const snapshot = backupSnapshotArn(w, plan.point.id);
  if (!snapshot) {
    throw new UsageError(
      `The recovery point ${plan.point.id} is not an RDS snapshot in ${w.target.config.account} ${w.region} (a copy in another vault type, account or region, or a continuous backup), so RDS cannot restore it as a tagged clone. Nothing was changed.`,
      `Choose another point (snapclone points ${plan.source.name}), or restore from the service's snapshots (sources.${plan.source.name}.restoreFrom: snapshot).`,
    );
  }
  return snapshot;
}

/**
 * Restores a snapshot (AWS Backup's recovery points included) or a point in time through the RDS APIs:
 * tagged, private, single-AZ, without backups or deletion protection. The restore is sent without
 * ManageMasterUserPassword (the API reference: "Applies to RDS for Oracle only"), so the copy starts with its
 * source's master password; waitForClone replaces it, and only then marks the clone's password done.
 */
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
      const out = await w.clients.of(RDSClient).send(
        new RestoreDBInstanceToPointInTimeCommand({
          SourceDBInstanceIdentifier: plan.source.config.id,
          TargetDBInstanceIdentifier: name,
          ...(plan.at ? { RestoreTime: plan.at } : { UseLatestRestorableTime: true }),
          ...common,
        }),
      );
      instance = out.DBInstance;
    } else {
      const out = await w.clients.of(RDSClient).send(
        new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: name, DBSnapshotIdentifier: snapshotOf(w, plan), ...common }),
      );
      instance = out.DBInstance;
    }
  } catch (error) {
    const denied = deniedByIam(error);
    if (!denied && !isError(error, 'DBInstanceAlreadyExists')) throw error;
    if (denied && !(await describeInstance(w, name))) throw error;
    // A concurrent run (or an earlier one) created it first: attach when it is the same clone.
    const existing = await describeClone(w, name);
    return attachConcurrent(w, existing?.tagged ? existing : undefined, plan, RESOURCE_KIND_NAME);
  }
  const how = plan.point.kind === 'point-in-time' ? 'point-in-time' : plan.point.kind === 'backup' ? 'from the AWS Backup snapshot' : 'from snapshot';
  w.ctx.reporter.info(`${name}: restore started (${how}), tagged; its master password is replaced as soon as it is available.`);
  if (!instance) instance = await describeInstance(w, name);
  const raw = instance?.TagList?.length ? fromTagList(instance.TagList) : tags;
  const read = readCloneTags(raw) ?? plan.tags;
  return { clone: instance ? cloneFromInstance(instance, read, raw) : plannedClone(w, plan), resumed: false };
}

/**
 * Starts the restore of a plan, or attaches to this person's clone of the same name already under way or
 * made (resume). Anything else of that name is refused with a UsageError before anything is written.
 */
export async function restoreClone(w: Where, plan: RestorePlan): Promise<RestoreResult> {
  // The plan's name is a valid identifier with the prefix (checked when it was made).
  const instance = await describeInstance(w, plan.tags.clone);
  if (!instance) {
    // The source's engine decides whether snapclone clones it (a source that is gone: its snapshots were checked).
    assertSupportedEngine('rds', (await describeInstance(w, plan.source.config.id))?.Engine, plan.source.name);
    if (placementOf(plan.target).password === 'generated') await assertNoSecret(w, plan.tags);
    return restoreViaRds(w, plan);
  }
  const existing = await cloneOf(w, plan.tags.clone, instance);
  if (existing && !existing.tagged) return adopt(w, existing, plan);
  return resumeExisting(w, existing, plan, RESOURCE_KIND_NAME);
}
