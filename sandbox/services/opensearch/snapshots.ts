import { nextDailyUtc, DAY_MS } from '../../core/clock.ts';
import type { World } from '../../core/world.ts';
import {
  DURATIONS,
  findDomain,
  opensearchState,
  osUuid,
  processingStatus,
  snapshotsAt,
  snapshotStore,
  totalBytes,
  type DomainRecord,
  type IndexRecord,
  type SnapshotBucket,
  type SnapshotIndex,
  type SnapshotSchedule,
  type StoredSnapshot,
} from './state.ts';

/**
 * The S3 side of snapshot repositories: buckets (global, like S3's names), the snapshots under each base path,
 * and the snapshot management schedules that add a snapshot a day (caught up to the clock on every read).
 */

export function createBucket(world: World, name: string, accountId: string, region: string): SnapshotBucket {
  const store = snapshotStore(world);
  let bucket = store.buckets.get(name);
  if (!bucket) {
    bucket = { name, accountId, region, paths: new Map() };
    store.buckets.set(name, bucket);
  }
  return bucket;
}

/** The date in Asia/Tokyo (the company's zone) of a time, as YYYY-MM-DD. */
export const tokyoDate = (at: number) => new Date(at + 9 * 3_600_000).toISOString().slice(0, 10);

/** What a snapshot of a domain taken at `at` holds: its indices whose primaries are recovered. */
export function snapshotIndicesOf(domain: DomainRecord, at: number): SnapshotIndex[] {
  const indices = domain.dataAt ? domain.dataAt(at) : [...domain.indices.values()];
  return indices
    .filter((i) => !i.recovery || at >= i.recovery.primariesDoneAt)
    .map((i: IndexRecord) => ({
      name: i.name,
      uuid: i.uuid,
      primaries: i.primaries,
      replicas: i.autoExpandReplicas ? 1 : i.replicas,
      docs: i.docs,
      documents: i.documents,
      primaryBytes: i.primaryBytes,
    }));
}

/** A snapshot of a domain at `at`, stored under its name. */
export function takeSnapshot(
  domain: DomainRecord,
  name: string,
  at: number,
  options: { includeGlobalState?: boolean; indices?: SnapshotIndex[]; uuid?: string } = {},
): StoredSnapshot {
  const indices = options.indices ?? snapshotIndicesOf(domain, at);
  return {
    name,
    uuid: options.uuid ?? osUuid(),
    engineVersion: domain.engineVersion,
    startedAt: at,
    endedAt: Math.round(at + DURATIONS.snapshot(totalBytes(indices) / 20)),
    outcome: 'SUCCESS',
    includeGlobalState: options.includeGlobalState ?? true,
    indices,
  };
}

function runSchedule(world: World, schedule: SnapshotSchedule, now: number): void {
  const bucket = snapshotStore(world).buckets.get(schedule.bucket);
  if (!bucket) return;
  const snapshots = snapshotsAt(bucket, schedule.basePath);
  const state = opensearchState(world, schedule.accountId, schedule.region);
  const from = Math.max(schedule.lastAt, now - schedule.retentionDays * DAY_MS);
  for (let t = nextDailyUtc(from, schedule.hourUtc, schedule.minuteUtc); t <= now; t += DAY_MS) {
    schedule.lastAt = t;
    const domain = findDomain(world, state, schedule.domainName);
    if (!domain || processingStatus(domain, t) !== 'Active' || t < domain.activeAt) continue;
    const name = `${schedule.prefix}${tokyoDate(t)}`;
    snapshots.set(name, takeSnapshot(domain, name, t));
  }
  schedule.lastAt = Math.max(schedule.lastAt, from);
  // The policy's retention: its snapshots older than retentionDays are deleted.
  for (const [name, snapshot] of snapshots) {
    if (name.startsWith(schedule.prefix) && snapshot.startedAt < now - schedule.retentionDays * DAY_MS) snapshots.delete(name);
  }
}

/** Runs every snapshot schedule up to `now`. */
export function catchUpSnapshots(world: World, now: number): void {
  for (const schedule of snapshotStore(world).schedules) runSchedule(world, schedule, now);
}

export function addSnapshotSchedule(world: World, schedule: SnapshotSchedule): void {
  snapshotStore(world).schedules.push(schedule);
  runSchedule(world, schedule, world.clock.nowMs());
}

/** The snapshots of a bucket path, caught up to the clock, oldest first (as GET _snapshot/<repo>/_all lists them). */
export function snapshotsOf(world: World, bucketName: string, basePath: string): StoredSnapshot[] {
  const now = world.clock.nowMs();
  catchUpSnapshots(world, now);
  const bucket = snapshotStore(world).buckets.get(bucketName);
  if (!bucket) return [];
  return [...snapshotsAt(bucket, basePath).values()]
    .filter((s) => s.startedAt <= now)
    .sort((a, b) => a.startedAt - b.startedAt || (a.name < b.name ? -1 : 1));
}
