import { DAY_MS, nextDailyUtc } from '../../core/clock.ts';

/**
 * What DB instances and Aurora clusters share about automated backups: the schedule of automated snapshots and
 * the point-in-time window (EarliestRestorableTime … LatestRestorableTime, an automated backup's RestoreWindow),
 * which opens with the first automated backup and reaches back to the oldest automated snapshot still kept.
 */

export interface RestoreWindow {
  earliest: number;
  latest: number;
}

/** The first automated backup (after a creation, or when backups are turned on): a snapshot taken at `at`, complete at `until`. */
export interface FirstBackup {
  at: number;
  until: number;
}

/** LatestRestorableTime lags the clock by about five minutes. */
export const RESTORE_LAG_MS = 5 * 60_000;

/**
 * From the oldest complete automated snapshot (`completeSnapshotTimes`, never more than the retention period
 * back) to about five minutes before `until` (now, or when a deleted instance went); undefined before the first
 * automated backup is complete.
 */
export function windowOf(
  completeSnapshotTimes: number[],
  retentionDays: number,
  now: number,
  until: number,
): RestoreWindow | undefined {
  if (completeSnapshotTimes.length === 0) return undefined;
  const earliest = Math.max(Math.min(...completeSnapshotTimes), now - retentionDays * DAY_MS);
  return { earliest, latest: Math.max(earliest, until - RESTORE_LAG_MS) };
}

/** What the schedule reads and advances on an instance or a cluster. */
interface BackedUp {
  preferredBackupWindow: string;
  backupRetentionPeriod: number;
  firstBackup?: FirstBackup;
  /** When the latest automated snapshot was taken (the next comes in the next backup window). */
  lastAutomatedSnapshotAt: number;
}

export interface SnapshotTimes {
  createdAt: number;
  availableAt: number;
  expiresAt: number;
}

/** The first daily automated-snapshot time after `after`: five minutes into the PreferredBackupWindow (UTC). */
function nextAutomatedTime(resource: BackedUp, after: number): number {
  const [hour, minute] = resource.preferredBackupWindow.split('-')[0].split(':').map(Number);
  return nextDailyUtc(after, hour, minute + 5);
}

export const automatedSnapshotId = (id: string, at: number) =>
  `rds:${id}-${new Date(at).toISOString().slice(0, 16).replace(/[T:]/g, '-')}`;

/**
 * The automated snapshots a resource has taken by `now` since last asked: its first backup once begun, then one a
 * day in its backup window (ten minutes each), each kept its retention period. Records them on the resource.
 */
export function dueAutomatedSnapshots(resource: BackedUp, now: number): SnapshotTimes[] {
  const due: SnapshotTimes[] = [];
  const kept = resource.backupRetentionPeriod * DAY_MS;
  const first = resource.firstBackup;
  if (first && now >= first.at) {
    due.push({ createdAt: first.at, availableAt: first.until, expiresAt: first.at + kept });
    resource.lastAutomatedSnapshotAt = Math.max(resource.lastAutomatedSnapshotAt, first.at);
    resource.firstBackup = undefined;
  }
  const from = Math.max(resource.lastAutomatedSnapshotAt, now - kept);
  for (let t = nextAutomatedTime(resource, from); t <= now; t += DAY_MS) {
    due.push({ createdAt: t, availableAt: t + 10 * 60_000, expiresAt: t + kept });
    resource.lastAutomatedSnapshotAt = t;
  }
  return due;
}
