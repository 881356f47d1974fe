import { randomUUID } from 'node:crypto';
import { DAY_MS as DAY, nextDailyUtc } from '../../core/clock.ts';
import { AwsError } from '../../core/errors.ts';
import { keyedPage } from '../../core/paging.ts';
import type { World } from '../../core/world.ts';
import type { BackupPlanRecord } from './plan-state.ts';
import { clusterSnapshotOf } from '../rds/cluster-state.ts';
import { rdsState, snapshotOf, type DbInstance } from '../rds/state.ts';

/**
 * The AWS Backup state of one account and region. A recovery point of an RDS instance is an RDS snapshot
 * of type 'awsbackup' (arn:aws:rds:REGION:ACCOUNT:snapshot:awsbackup:job-<uuid>), held in the RDS state;
 * Backup keeps its own bookkeeping about it. A recovery point of an Aurora cluster (ResourceType 'Aurora')
 * is a cluster snapshot (arn:aws:rds:REGION:ACCOUNT:cluster-snapshot:awsbackup:job-<uuid>).
 * Restore jobs keep their timeline and are read lazily.
 */

export interface BackupVault {
  name: string;
  arn: string;
  createdAt: number;
  encryptionKeyArn: string;
}

export interface BackupPlanRef {
  planId: string;
  planArn: string;
  planName: string;
  planVersion: string;
  ruleId: string;
  ruleName: string;
  cron: string;
  timezone: string;
}

export interface RecoveryPoint {
  arn: string;
  vaultName: string;
  resourceArn: string;
  resourceType: string;
  resourceName: string;
  /** The RDS snapshot identifier (awsbackup:job-<uuid>) the point is. */
  snapshotId: string;
  iamRoleArn: string;
  createdAt: number;
  completedAt: number;
  sizeBytes: number;
  deleteAfterDays: number;
  encryptionKeyArn: string;
  plan?: BackupPlanRef;
}

/**
 * A backup rule protecting one RDS instance (instanceId) or one Aurora DB cluster (clusterId): a recovery
 * point every day at hour:minute UTC.
 */
export interface BackupSchedule {
  instanceId?: string;
  clusterId?: string;
  vaultName: string;
  iamRoleArn: string;
  hourUtc: number;
  minuteUtc: number;
  deleteAfterDays: number;
  /** When the latest backup ran. */
  lastAt: number;
  plan?: BackupPlanRef;
}

export type RestoreJobStatus = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'ABORTED' | 'FAILED';

export interface RestoreJob {
  id: string;
  accountId: string;
  recoveryPointArn: string;
  recoveryPointCreatedAt: number;
  vaultArn: string;
  sourceResourceArn: string;
  resourceType: string;
  iamRoleArn: string;
  sizeBytes: number;
  createdAt: number;
  /** PENDING until then. */
  runningAt: number;
  /** RUNNING until then; then the outcome. */
  endAt: number;
  outcome: { status: 'COMPLETED'; instance: DbInstance } | { status: 'FAILED'; message: string };
}

export interface BackupState {
  vaults: Map<string, BackupVault>;
  recoveryPoints: Map<string, RecoveryPoint>;
  jobs: Map<string, RestoreJob>;
  /** Idempotency tokens of StartRestoreJob (valid for an hour). */
  tokens: Map<string, { jobId: string; at: number }>;
  schedules: BackupSchedule[];
  /** Backup plans by id (sandbox/services/backup/plan-state.ts): what the schedules' BackupPlanRef name. */
  plans: Map<string, BackupPlanRecord>;
  /** Bumped whenever recoveryPoints gains or loses a point (see orderedPoints). */
  revision: number;
  /** The live points newest first, as of `revision`: listings slice it instead of sorting per page. */
  ordered?: { revision: number; points: RecoveryPoint[] };
}

export function backupState(world: World, accountId: string, region: string): BackupState {
  return world.state<BackupState>('backup', accountId, region, () => ({
    vaults: new Map(),
    recoveryPoints: new Map(),
    jobs: new Map(),
    tokens: new Map(),
    schedules: [],
    plans: new Map(),
    revision: 0,
  }));
}

export const vaultArn = (region: string, accountId: string, name: string) =>
  `arn:aws:backup:${region}:${accountId}:backup-vault:${name}`;

export const deleteAt = (point: RecoveryPoint) => point.createdAt + point.deleteAfterDays * DAY;

/** How long backing up an instance takes: 5 minutes plus 6 s per GB. */
const backupDuration = (storageGb: number) => 5 * 60_000 + storageGb * 6_000;

/**
 * Runs the backup schedules up to `now`: each daily run of an instance that exists and is not being
 * deleted leaves an RDS snapshot of type awsbackup and a recovery point, CREATING until the backup ends.
 */
function runSchedules(world: World, accountId: string, region: string, state: BackupState, now: number): void {
  const rds = rdsState(world, accountId, region);
  for (const schedule of state.schedules) {
    const from = Math.max(schedule.lastAt, now - schedule.deleteAfterDays * DAY);
    for (let t = nextDailyUtc(from, schedule.hourUtc, schedule.minuteUtc); t <= now; t += DAY) {
      schedule.lastAt = t;
      if (schedule.clusterId !== undefined) {
        const cluster = rds.clusters.get(schedule.clusterId);
        if (!cluster || cluster.deletion || t < cluster.createdAt) continue;
        const resource = { ...cluster, resourceType: 'Aurora' as const, dataGb: cluster.storageGb };
        backUp(state, resource, schedule, t, (id, times) => {
          const snapshot = clusterSnapshotOf(cluster, id, 'awsbackup', times);
          rds.clusterSnapshots.set(id, snapshot);
          return snapshot;
        });
        continue;
      }
      const instance = schedule.instanceId === undefined ? undefined : rds.instances.get(schedule.instanceId);
      if (!instance || instance.deletion || t < instance.createdAt) continue;
      const resource = {
        ...instance,
        resourceType: 'RDS' as const,
        storageGb: instance.allocatedStorage,
        dataGb: instance.allocatedStorage * 0.45,
      };
      backUp(state, resource, schedule, t, (id, times) => {
        const snapshot = snapshotOf(instance, id, 'awsbackup', times);
        rds.snapshots.set(id, snapshot);
        return snapshot;
      });
    }
  }
}

/** What a scheduled backup copies: an RDS instance (type RDS) or an Aurora cluster (type Aurora). */
interface BackedUp {
  arn: string;
  id: string;
  createdAt: number;
  resourceType: 'RDS' | 'Aurora';
  /** Provisioned storage: how long the backup takes. */
  storageGb: number;
  /** Data actually stored: the recovery point's size (it grows slowly with age). */
  dataGb: number;
}

/**
 * One scheduled backup: the service's awsbackup snapshot (made by `snapshot`, which stores it) and the
 * recovery point that is that snapshot.
 */
function backUp(
  state: BackupState,
  resource: BackedUp,
  schedule: BackupSchedule,
  at: number,
  snapshot: (id: string, times: { createdAt: number; availableAt: number; expiresAt: number }) => { arn: string },
): void {
  const id = `awsbackup:job-${randomUUID()}`;
  const completedAt = at + backupDuration(resource.storageGb);
  const { arn } = snapshot(id, {
    createdAt: at,
    availableAt: completedAt,
    expiresAt: at + schedule.deleteAfterDays * DAY,
  });
  const ageDays = Math.max(0, (at - resource.createdAt) / DAY);
  state.revision++;
  state.recoveryPoints.set(arn, {
    arn,
    vaultName: schedule.vaultName,
    resourceArn: resource.arn,
    resourceType: resource.resourceType,
    resourceName: resource.id,
    snapshotId: id,
    iamRoleArn: schedule.iamRoleArn,
    createdAt: at,
    completedAt,
    sizeBytes: Math.round(resource.dataGb * 2 ** 30 * (1 + ageDays * 0.0005)),
    deleteAfterDays: schedule.deleteAfterDays,
    encryptionKeyArn: state.vaults.get(schedule.vaultName)?.encryptionKeyArn ?? '',
    plan: schedule.plan,
  });
}

/**
 * Adds a daily backup of an RDS instance or Aurora cluster. RDS reads of snapshots run the schedules too, so the awsbackup
 * snapshots appear there whichever service is asked first.
 */
export function addSchedule(world: World, accountId: string, region: string, schedule: BackupSchedule): void {
  const state = backupState(world, accountId, region);
  if (state.schedules.length === 0) {
    rdsState(world, accountId, region).beforeSnapshotRead.push((now) =>
      runSchedules(world, accountId, region, state, now),
    );
  }
  state.schedules.push(schedule);
}

/** Recovery points whose lifecycle has not deleted them yet, after the schedules have run up to `now`. */
export function livePoints(world: World, accountId: string, region: string, now: number): RecoveryPoint[] {
  return [...catchUp(world, accountId, region, now).recoveryPoints.values()];
}

/** Runs the schedules up to `now` and drops the points whose lifecycle has ended. */
function catchUp(world: World, accountId: string, region: string, now: number): BackupState {
  const state = backupState(world, accountId, region);
  runSchedules(world, accountId, region, state, now);
  for (const [arn, point] of state.recoveryPoints) {
    if (now >= deleteAt(point)) {
      state.recoveryPoints.delete(arn);
      state.revision++;
    }
  }
  return state;
}

/** A sort key that orders newest first: the complement of the time, zero-padded, then a tie-breaker. */
export const newestFirstKey = (time: number, tieBreaker: string) =>
  `${String(9_999_999_999_999 - time).padStart(13, '0')}|${tieBreaker}`;

/** The key recovery point listings are ordered and paged by: newest first, then by ARN. */
export const pointKey = (p: RecoveryPoint) => newestFirstKey(p.createdAt, p.arn);

/**
 * The live recovery points in pointKey order (newest first), sorted once per change of the set rather than per
 * call: with a history of 100,000 points a listing page costs a binary search and a slice, not a sort.
 * The array is shared: callers must not change it.
 */
export function orderedPoints(world: World, accountId: string, region: string, now: number): RecoveryPoint[] {
  const state = catchUp(world, accountId, region, now);
  const cached = state.ordered;
  if (cached && cached.revision === state.revision && cached.points.length === state.recoveryPoints.size) return cached.points;
  const points = [...state.recoveryPoints.values()]
    .map((p) => ({ key: pointKey(p), p }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((x) => x.p);
  state.ordered = { revision: state.revision, points };
  return points;
}

/**
 * The part of `ordered` (newest first) created strictly after `after` and strictly before `before` (either
 * may be absent), found by binary search.
 */
export function createdBetween(ordered: RecoveryPoint[], after: number | undefined, before: number | undefined): RecoveryPoint[] {
  const firstWhere = (test: (p: RecoveryPoint) => boolean) => {
    let low = 0;
    let high = ordered.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (test(ordered[mid])) high = mid;
      else low = mid + 1;
    }
    return low;
  };
  const start = before === undefined ? 0 : firstWhere((p) => p.createdAt < before);
  const end = after === undefined ? ordered.length : firstWhere((p) => p.createdAt <= after);
  return ordered.slice(start, Math.max(start, end));
}

/** Adds recovery points made outside the schedules (a seeded history), keeping the ordered index right. */
export function addRecoveryPoints(world: World, accountId: string, region: string, points: RecoveryPoint[]): void {
  const state = backupState(world, accountId, region);
  for (const point of points) state.recoveryPoints.set(point.arn, point);
  state.revision++;
}

/** COMPLETED once the backup has ended; CREATING before. */
export const pointStatus = (point: RecoveryPoint, now: number) => (now >= point.completedAt ? 'COMPLETED' : 'CREATING');

export const backupErrors = {
  notFound: (message: string) => new AwsError('ResourceNotFoundException', message, 400),
  invalidValue: (message: string) => new AwsError('InvalidParameterValueException', message, 400),
  missing: (name: string) => new AwsError('MissingParameterValueException', `${name} is required.`, 400),
  invalidRequest: (message: string) => new AwsError('InvalidRequestException', message, 400),
};

export function findVault(state: BackupState, name: string | undefined): BackupVault {
  if (!name) throw backupErrors.missing('BackupVaultName');
  const vault = state.vaults.get(name);
  if (!vault) throw backupErrors.notFound(`Backup vault with name ${name} does not exist.`);
  return vault;
}

export function findPoint(world: World, accountId: string, region: string, arn: string | undefined): RecoveryPoint {
  if (!arn) throw backupErrors.missing('RecoveryPointArn');
  const point = livePoints(world, accountId, region, world.clock.nowMs()).find((p) => p.arn === arn);
  if (!point) throw backupErrors.notFound(`Recovery point ${arn} was not found.`);
  return point;
}

/**
 * Backup's NextToken/MaxResults: MaxResults 1–1000 (default 100); items in a stable order keyed by
 * `key`; the token is the last key of the page, so pages never repeat items and the last has no token.
 */
export function pageOf<T>(
  items: T[],
  key: (item: T) => string,
  input: { NextToken?: string; MaxResults?: number },
): { items: T[]; next?: string } {
  const max = input.MaxResults ?? 100;
  if (!Number.isInteger(max) || max < 1 || max > 1000) {
    throw backupErrors.invalidValue(`MaxResults must be between 1 and 1000, got ${input.MaxResults}.`);
  }
  return keyedPage(items, key, input.NextToken, max, {
    prefix: 'b1:',
    invalid: () => backupErrors.invalidValue('The NextToken is not valid.'),
  });
}
