import { randomUUID } from 'node:crypto';
import { DAY_MS as DAY } from '../core/clock.ts';
import type { World } from '../core/world.ts';
import { addRecoveryPoints, backupState, type RecoveryPoint } from '../services/backup/state.ts';
import { clusterSnapshotOf, type ClusterSnapshot, type DbCluster } from '../services/rds/cluster-state.ts';
import { rdsState, snapshotOf, type DbInstance, type DbSnapshot } from '../services/rds/state.ts';
import { arn, BACKUP_VAULT, COMPANY_ACCOUNT, COMPANY_REGION, PROD_CLUSTERS, PROD_DATABASES, RESTORE_ROLE } from './constants.ts';

export interface HistoryOptions {
  /** AWS Backup recovery points to add, across the scenario's sources. */
  recoveryPoints: number;
  /** Manual snapshots to add (RDS DB snapshots and Aurora DB cluster snapshots). */
  snapshots: number;
}

export interface SeededHistory {
  /** Recovery points added, by source identifier (orders-prod, billing-prod, catalog-prod). */
  recoveryPoints: Record<string, number>;
  /** Manual snapshots added, by source identifier. */
  snapshots: Record<string, number>;
  /** The history spans [oldest, newest] (epoch ms): older than the scenario's own 35 days. */
  oldest: number;
  newest: number;
}

/** How many years of history the seeded points spread over. */
export const HISTORY_YEARS = 3;

/**
 * Shares of the history per source: orders-db has most (it is the one the benchmarks ask about), the others
 * enough that a listing not filtered by resource would read many more pages.
 */
const RECOVERY_POINT_SHARES = { 'orders-prod': 0.6, 'billing-prod': 0.25, 'catalog-prod': 0.15 } as const;
const SNAPSHOT_SHARES = { 'orders-prod': 0.5, 'billing-prod': 0.35, 'catalog-prod': 0.15 } as const;

/** Splits `total` by `shares`, the rounding remainder to the first. */
function split<K extends string>(total: number, shares: Record<K, number>): Record<K, number> {
  const keys = Object.keys(shares) as K[];
  const counts = Object.fromEntries(keys.map((k) => [k, Math.floor(total * shares[k])])) as Record<K, number>;
  counts[keys[0]] += total - keys.reduce((sum, k) => sum + counts[k], 0);
  return counts;
}

/**
 * Adds a long backup history to a seeded scenario (call after seedScenario), for measuring how the CLI copes
 * with it: `recoveryPoints` completed AWS Backup recovery points in vault Default and `snapshots` manual
 * snapshots, spread evenly over the HISTORY_YEARS years before the scenario's own 35 days (so its recent
 * history, and what the tests expect of it, is unchanged). Recovery points go 60 % to orders-prod, 25 % to
 * billing-prod, 15 % to the Aurora cluster catalog-prod; manual snapshots 50 / 35 / 15 % (RDS DB snapshots
 * `<id>-history-NNNNNN`, Aurora cluster snapshots likewise). Each recovery point is an awsbackup snapshot,
 * as AWS Backup makes them, so any of them can be restored. The sources are made old enough to have them.
 * Deterministic in everything but the AWS Backup job ids; 100,000 points take a second or two.
 */
export function seedHistory(world: World, options: HistoryOptions): SeededHistory {
  for (const [name, n] of Object.entries(options)) {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`seedHistory: ${name} must be a non-negative integer, not ${n}`);
  }
  const now = world.clock.nowMs();
  const rds = rdsState(world, COMPANY_ACCOUNT, COMPANY_REGION);
  const backups = backupState(world, COMPANY_ACCOUNT, COMPANY_REGION);
  const vault = backups.vaults.get(BACKUP_VAULT);
  if (!vault) throw new Error('seedHistory: seed the scenario first (no Default backup vault)');
  const newest = now - 36 * DAY;
  const oldest = newest - HISTORY_YEARS * 365 * DAY;
  // Ten years: nothing seeded expires while a benchmark runs.
  const deleteAfterDays = 3650;
  const instances = PROD_DATABASES.map((db) => rds.instances.get(db.id)).filter((i): i is DbInstance => i !== undefined);
  const clusters = PROD_CLUSTERS.map((c) => rds.clusters.get(c.id)).filter((c): c is DbCluster => c !== undefined);
  for (const source of [...instances, ...clusters]) ageSource(world, source, oldest - DAY);

  const pointCounts = split(options.recoveryPoints, RECOVERY_POINT_SHARES);
  const snapshotCounts = split(options.snapshots, SNAPSHOT_SHARES);
  /** `count` times evenly spread over the history, newest first, at whole seconds. */
  const times = (count: number) => {
    const step = count > 0 ? (newest - oldest) / count : 0;
    return Array.from({ length: count }, (_, i) => Math.floor((newest - i * step) / 1000) * 1000);
  };

  const points: RecoveryPoint[] = [];
  const pointOf = (source: DbInstance | DbCluster, resourceType: 'RDS' | 'Aurora', snapshotArn: string, snapshotId: string, at: number, gb: number): RecoveryPoint => ({
    arn: snapshotArn,
    vaultName: vault.name,
    resourceArn: source.arn,
    resourceType,
    resourceName: source.id,
    snapshotId,
    iamRoleArn: arn.role(RESTORE_ROLE),
    createdAt: at,
    completedAt: at + 5 * 60_000,
    sizeBytes: Math.round(gb * 2 ** 30),
    deleteAfterDays,
    encryptionKeyArn: vault.encryptionKeyArn,
  });

  for (const instance of instances) {
    const template = snapshotOf(instance, 'template', 'awsbackup', { createdAt: now, availableAt: now });
    const manual = snapshotOf(instance, 'template', 'manual', { createdAt: now, availableAt: now });
    for (const at of times(pointCounts[instance.id as keyof typeof RECOVERY_POINT_SHARES] ?? 0)) {
      const snapshot = copyOf(template, `awsbackup:job-${randomUUID()}`, at, deleteAfterDays);
      rds.snapshots.set(snapshot.id, snapshot);
      points.push(pointOf(instance, 'RDS', snapshot.arn, snapshot.id, at, instance.allocatedStorage * 0.45));
    }
    times(snapshotCounts[instance.id as keyof typeof SNAPSHOT_SHARES] ?? 0).forEach((at, i) => {
      const snapshot = copyOf(manual, `${instance.id}-history-${String(i).padStart(6, '0')}`, at);
      rds.snapshots.set(snapshot.id, snapshot);
    });
  }
  for (const cluster of clusters) {
    const template = clusterSnapshotOf(cluster, 'template', 'awsbackup', { createdAt: now, availableAt: now });
    const manual = clusterSnapshotOf(cluster, 'template', 'manual', { createdAt: now, availableAt: now });
    for (const at of times(pointCounts[cluster.id as keyof typeof RECOVERY_POINT_SHARES] ?? 0)) {
      const snapshot = copyOf(template, `awsbackup:job-${randomUUID()}`, at, deleteAfterDays);
      rds.clusterSnapshots.set(snapshot.id, snapshot);
      points.push(pointOf(cluster, 'Aurora', snapshot.arn, snapshot.id, at, cluster.storageGb));
    }
    times(snapshotCounts[cluster.id as keyof typeof SNAPSHOT_SHARES] ?? 0).forEach((at, i) => {
      const snapshot = copyOf(manual, `${cluster.id}-history-${String(i).padStart(6, '0')}`, at);
      rds.clusterSnapshots.set(snapshot.id, snapshot);
    });
  }
  addRecoveryPoints(world, COMPANY_ACCOUNT, COMPANY_REGION, points);

  const count = (ids: readonly string[], counts: Record<string, number>) => Object.fromEntries(ids.map((id) => [id, counts[id] ?? 0]));
  const ids = [...instances, ...clusters].map((s) => s.id);
  return { recoveryPoints: count(ids, pointCounts), snapshots: count(ids, snapshotCounts), oldest, newest };
}

/**
 * A snapshot like `template` with its own identifier, ARN, times and tags; the configuration (never changed
 * once taken) is shared, which keeps 100,000 of them small.
 */
function copyOf<T extends DbSnapshot | ClusterSnapshot>(template: T, id: string, at: number, keepDays?: number): T {
  return {
    ...template,
    id,
    arn: template.arn.replace(/:template$/, `:${id}`),
    createdAt: at,
    availableAt: at + 5 * 60_000,
    expiresAt: keepDays === undefined ? undefined : at + keepDays * DAY,
    tags: new Map(template.tags),
  };
}

/** Makes a source (and the snapshots already taken of it) as old as its seeded history needs. */
function ageSource(world: World, source: DbInstance | DbCluster, createdAt: number): void {
  if (source.createdAt <= createdAt) return;
  const rds = rdsState(world, COMPANY_ACCOUNT, COMPANY_REGION);
  if ('dbiResourceId' in source) {
    for (const s of rds.snapshots.values()) if (s.instanceId === source.id) s.instanceCreatedAt = createdAt;
  } else {
    for (const s of rds.clusterSnapshots.values()) if (s.clusterId === source.id) s.clusterCreatedAt = createdAt;
  }
  source.createdAt = createdAt;
  source.visibleFrom = Math.min(source.visibleFrom, createdAt);
}
