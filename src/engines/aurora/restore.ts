import { DescribeDBClusterSnapshotsCommand, RestoreDBClusterFromSnapshotCommand, RestoreDBClusterToPointInTimeCommand, type DBCluster, type DBClusterSnapshot, RDSClient } from '@aws-sdk/client-rds';
import { assertSupportedEngine } from '../rds/engines.ts';
import { AURORA_MIN_ACU_WITHOUT_PAUSE, supportsAutoPause } from './versions.ts';
import { formatTime } from '../../core/dates.ts';
import { UsageError } from '../../core/errors.ts';
import { cloneTags, fromTagList, readCloneTags, toTagList } from '../../core/tags.ts';
import { partitionOf } from '../../iam/declare.ts';
import { deniedByIam, isError, type Where } from '../shared/aws.ts';
import { attachConcurrent, resumeExisting } from '../shared/resume.ts';
import { assertNoSecret } from '../shared/secret.ts';
import type { RestorePlan, RestoreResult } from '../types.ts';
import { isServerless, placementOf } from './aws.ts';
import { cloneFromCluster, cloneOf, describeCluster } from './describe.ts';

/** A time this close to the latest restorable time is restored as a copy-on-write clone of the latest. */
export const COPY_ON_WRITE_WINDOW_MS = 5 * 60_000;
/** After this many copy-on-write clones of one cluster volume AWS makes full copies (the Aurora User Guide's cloning limits). */
export const MAX_COPY_ON_WRITE_CLONES = 15;

/**
 * The cluster snapshot an AWS Backup recovery point of an Aurora cluster is (AWS Backup's Aurora recovery
 * points are cluster snapshots: arn:aws:rds:REGION:ACCOUNT:cluster-snapshot:awsbackup:job-…), when it is one
 * in the target's account and region.
 */
function backupSnapshotArn(w: Where, recoveryPointArn: string): string | undefined {
  const m = /^arn:(aws[\w-]*):rds:([a-z0-9-]+):(\d{12}):cluster-snapshot:awsbackup:job-[\w-]+$/.exec(recoveryPointArn);
  const here = m && m[1] === partitionOf(w.region) && m[2] === w.region && m[3] === w.target.config.account;
  return here ? recoveryPointArn : undefined;
}

function snapshotOf(w: Where, plan: RestorePlan): string {
  if (plan.point.kind !== 'backup') return plan.point.id;
  const snapshot = backupSnapshotArn(w, plan.point.id);
  if (!snapshot) {
    throw new UsageError(
      `The recovery point ${plan.point.id} is not an Aurora cluster snapshot in ${w.target.config.account} ${w.region}, so RDS cannot restore it as a tagged clone. Nothing was changed.`,
      `Choose another point (snapclone points ${plan.source.name}), or restore from the cluster's snapshots (sources.${plan.source.name}.restoreFrom: snapshot).`,
    );
  }
  return snapshot;
}

type Common = Omit<ConstructorParameters<typeof RestoreDBClusterFromSnapshotCommand>[0], 'DBClusterIdentifier' | 'SnapshotIdentifier' | 'Engine'>;

/**
 * A point-in-time restore: copy-on-write at the latest restorable time (asked for with --latest, or an
 * --at within a few minutes of it), else a full copy. After 15 copy-on-write clones of one volume AWS silently
 * makes a full copy instead (Aurora User Guide, cloning limitations): what AWS made is reported from the
 * restored cluster's CloneGroupId once it is available (waitForClone), not guessed here.
 */
async function restoreToTime(w: Where, plan: RestorePlan, common: Common): Promise<{ cluster?: DBCluster; how: string }> {
  const name = plan.tags.clone;
  const latest = plan.point.time;
  const nearLatest = !plan.at || latest.getTime() - plan.at.getTime() <= COPY_ON_WRITE_WINDOW_MS;
  const zone = w.ctx.config.timezone;
  const full = async (why: string) => {
    const out = await w.clients.of(RDSClient).send(
      new RestoreDBClusterToPointInTimeCommand({
        DBClusterIdentifier: name,
        SourceDBClusterIdentifier: plan.source.config.id,
        RestoreType: 'full-copy',
        ...(plan.at ? { RestoreToTime: plan.at } : { UseLatestRestorableTime: true }),
        ...common,
      }),
    );
    return { cluster: out.DBCluster, how: `full copy${why}: its time grows with the size of the data` };
  };
  if (!nearLatest) return full(` to ${formatTime(plan.at!, zone, { seconds: true })}`);
  try {
    const out = await w.clients.of(RDSClient).send(
      new RestoreDBClusterToPointInTimeCommand({
        DBClusterIdentifier: name,
        SourceDBClusterIdentifier: plan.source.config.id,
        RestoreType: 'copy-on-write',
        UseLatestRestorableTime: true,
        ...common,
        // The data is of the latest restorable time, which the tags record (an --at a little earlier included).
        Tags: toTagList(cloneTags({ ...plan.tags, restoreTime: latest })),
      }),
    );
    const asked = plan.at ? `, ${Math.round((latest.getTime() - plan.at.getTime()) / 1000)} s after the time asked for` : '';
    return {
      cluster: out.DBCluster,
      how: `copy-on-write clone of the latest restorable time${asked}, asked for: a few minutes whatever the size (AWS makes a full copy instead once ${MAX_COPY_ON_WRITE_CLONES} clones share the volume; said when it is available)`,
    };
  } catch (error) {
    // Should AWS refuse a clone beyond its limits rather than copy (InvalidParameterCombination), a full copy still works.
    if (!isError(error, 'InvalidParameterCombination')) throw error;
    const message = (error as Error).message;
    w.ctx.reporter.warn(`${plan.source.name}: AWS refused a copy-on-write clone (${message}); making a full copy instead (slower).`);
    return full(' (copy-on-write refused)');
  }
}

/**
 * The Serverless v2 capacity of a clone on `engine` `version`: the configured one, except that 0 ACU (auto-pause)
 * becomes 0.5 on versions without auto-pause (said), where AWS takes no less.
 */
function scalingOf(w: Where, plan: RestorePlan, engine: string | undefined, version: string | undefined): Pick<Common, 'ServerlessV2ScalingConfiguration'> {
  const placement = placementOf(plan.target);
  if (!isServerless(placement)) return {};
  const { minCapacity, maxCapacity, secondsUntilAutoPause } = placement.serverless;
  const pauses = minCapacity === 0 && supportsAutoPause(engine, version);
  if (minCapacity === 0 && !pauses) {
    w.ctx.reporter.warn(
      `${plan.tags.clone}: ${engine ?? 'this engine'} ${version ?? '(version unknown)'} cannot scale to 0 ACU (auto-pause needs Aurora PostgreSQL 13.15, 14.12, 15.7, 16.3 or later, or Aurora MySQL 3.08.0 or later): its minimum is ${AURORA_MIN_ACU_WITHOUT_PAUSE} ACU.`,
    );
  }
  return {
    ServerlessV2ScalingConfiguration: {
      MinCapacity: minCapacity === 0 && !pauses ? AURORA_MIN_ACU_WITHOUT_PAUSE : minCapacity,
      MaxCapacity: maxCapacity,
      ...(pauses ? { SecondsUntilAutoPause: secondsUntilAutoPause } : {}),
    },
  };
}

/** The cluster snapshot a point restores from, described with its type (an automated one is found only so). */
async function describeSnapshot(w: Where, plan: RestorePlan, snapshot: string): Promise<DBClusterSnapshot | undefined> {
  const type = plan.point.kind === 'automated-snapshot' ? 'automated' : plan.point.kind === 'snapshot' ? 'manual' : undefined;
  try {
    const out = await w.clients
      .of(RDSClient)
      .send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: snapshot, ...(type ? { SnapshotType: type } : {}) }));
    return out.DBClusterSnapshots?.[0];
  } catch (error) {
    if (isError(error, 'DBClusterSnapshotNotFound')) return undefined;
    throw error;
  }
}

/** Restores the cluster through RDS, tagged at creation, private, without deletion protection, with the least backup retention Aurora allows. */
async function restoreCluster(w: Where, plan: RestorePlan): Promise<RestoreResult> {
  const placement = placementOf(plan.target);
  const name = plan.tags.clone;
  const tags = cloneTags(plan.tags);
  const common: Common = {
    DBSubnetGroupName: placement.subnetGroup,
    VpcSecurityGroupIds: placement.securityGroupIds,
    DeletionProtection: false,
    CopyTagsToSnapshot: false,
    // Aurora keeps at least one day of backups (1 is its minimum); they go with the cluster.
    BackupRetentionPeriod: 1,
    Tags: toTagList(tags),
  };
  let result: { cluster?: DBCluster; how: string };
  try {
    if (plan.point.kind === 'point-in-time') {
      // A point-in-time restore keeps the source's engine version (the call takes none).
      const source = await describeCluster(w, plan.source.config.id);
      assertSupportedEngine('aurora', source?.Engine, plan.source.name);
      result = await restoreToTime(w, plan, { ...common, ...scalingOf(w, plan, source?.Engine, source?.EngineVersion) });
    } else {
      const snapshot = snapshotOf(w, plan);
      const described = await describeSnapshot(w, plan, snapshot);
      const engine = described?.Engine;
      if (!engine) throw new UsageError(`The cluster snapshot ${snapshot} is gone. Nothing was changed.`, `snapclone points ${plan.source.name} lists what is there now.`);
      assertSupportedEngine('aurora', engine, plan.source.name);
      // Without EngineVersion AWS restores to the Region's default version of the engine, not the snapshot's.
      const version = described.EngineVersion;
      const out = await w.clients.of(RDSClient).send(
        new RestoreDBClusterFromSnapshotCommand({
          DBClusterIdentifier: name,
          SnapshotIdentifier: snapshot,
          Engine: engine,
          ...(version ? { EngineVersion: version } : {}),
          ...common,
          ...scalingOf(w, plan, engine, version),
        }),
      );
      result = { cluster: out.DBCluster, how: `full copy from the ${plan.point.kind === 'backup' ? 'AWS Backup recovery point' : 'snapshot'}: its time grows with the size of the data` };
    }
  } catch (error) {
    const denied = deniedByIam(error);
    if (!denied && !isError(error, 'DBClusterAlreadyExists')) throw error;
    const cluster = await describeCluster(w, name);
    if (denied && !cluster) throw error;
    return attachConcurrent(w, await cloneOf(w, name, cluster), plan, 'DB cluster');
  }
  w.ctx.reporter.info(`${name}: cluster restore started (${result.how}); tagged; the master password is replaced before any instance can accept connections.`);
  const cluster = result.cluster ?? (await describeCluster(w, name));
  const raw = cluster?.TagList?.length ? fromTagList(cluster.TagList) : tags;
  const clone = cluster
    ? cloneFromCluster(cluster, [], readCloneTags(raw) ?? plan.tags, raw)
    : { ...plan.tags, engine: 'aurora', arn: '', id: name, status: 'creating', tagged: true, credentials: 'pending' as const, details: {} };
  return { clone, resumed: false };
}

/**
 * Starts the restore of a plan, or attaches to this person's clone of the same name already under way or
 * made (resume). Anything else of that name is refused with a UsageError before anything is written.
 */
export async function restoreClone(w: Where, plan: RestorePlan): Promise<RestoreResult> {
  const cluster = await describeCluster(w, plan.tags.clone);
  if (!cluster) {
    if (placementOf(plan.target).password === 'generated') await assertNoSecret(w, plan.tags);
    return restoreCluster(w, plan);
  }
  return resumeExisting(w, await cloneOf(w, plan.tags.clone, cluster), plan, 'DB cluster');
}
