import type { World } from '../../core/world.ts';
import type { Engine } from '../../data/engine.ts';
import { stateAt } from '../../data/history.ts';
import { serveLazily, type LazyEndpoint } from '../../data/lazy.ts';
import { mysql } from '../../data/mysql.ts';
import { postgres } from '../../data/postgres.ts';
import { historyOf } from '../../data/sources.ts';
import { clusterMembers, clusterStatus, findCluster, type DbCluster } from './cluster-state.ts';
import { findInstance, instanceStatus, rdsState, type DbInstance, type RdsState } from './state.ts';

/**
 * The data plane of RDS copies in the sandbox: a DB instance or Aurora DB cluster restored from a source that has a
 * history of data (sandbox/data) is served by a real engine holding the source's state at the restore time, on a
 * loopback port that its Endpoint names (Address 127.0.0.1: the sandbox's stand-in for the private DNS name a
 * copy has on AWS), so the credentials snapclone hands out open it with psql, mysql or a driver as they are.
 * Production sources keep their AWS-shaped endpoints. The engine starts on the first connection (lazy.ts); it
 * is opened by the copy's master password of the moment, and stops when the copy is deleted or the sandbox closes.
 */

/** What a copy holds: the history of `sourceId` at `at` (epoch ms). */
export interface Lineage {
  sourceId: string;
  at: number;
}

export interface ServedCopy {
  endpoint: LazyEndpoint;
  lineage: Lineage;
}

/** What a restore copies: a source (its identifier and ARN) as it was at `at`. */
export interface CopyOrigin {
  sourceId: string;
  sourceArn: string;
  at: number;
}

interface Where {
  world: World;
  accountId: string;
  region: string;
}

function engineFor(engine: string): Engine | undefined {
  if (engine === 'postgres' || engine === 'aurora-postgresql') return postgres;
  if (engine === 'mysql' || engine === 'mariadb' || engine === 'aurora-mysql') return mysql;
  return undefined;
}

/**
 * The data a copy of `origin` holds: the source's history at the time, or, for a copy of a copy, what that copy
 * holds (its data does not change in the sandbox); undefined when the source has no data.
 */
function lineageOf(where: Where, state: RdsState, origin: CopyOrigin): Lineage | undefined {
  const { world, accountId, region } = where;
  if (historyOf(world, accountId, region, origin.sourceId)) return { sourceId: origin.sourceId, at: origin.at };
  return state.dataPlanes.get(origin.sourceArn)?.lineage;
}

/** Statuses in which a copy accepts connections (not while it is created, failed, stopped or deleted). */
const unreachable = (status: string) => /^(creating|deleting|stopped|stopping|starting|failed|cloning-failed|incompatible-.*|inaccessible-.*)$/.test(status);

interface Copy {
  arn: string;
  engine: string;
  masterUsername: string;
  database?: string;
  /** The master password that opens the copy now; undefined while it is unreachable. */
  password: () => string | undefined;
  /** How many times its master password was set (each is applied to the engine, even the same one again). */
  passwordSets: () => number;
}

function serve(where: Where, state: RdsState, copy: Copy, origin: CopyOrigin | undefined): void {
  const engine = engineFor(copy.engine);
  const lineage = origin && lineageOf(where, state, origin);
  if (!engine || !lineage || !where.world.dataPlane) return;
  const { world, accountId, region } = where;
  const endpoint = serveLazily(engine, {
    data: () => stateAt(historyOf(world, accountId, region, lineage.sourceId)!, lineage.at),
    database: copy.database ?? (engine === postgres ? 'postgres' : 'mysql'),
    username: copy.masterUsername,
    password: copy.password,
    passwordSets: copy.passwordSets,
  });
  // Also after a delete: closing the sandbox waits for the engine's stop (its files removed) if still under way.
  world.onClose(() => endpoint.stop());
  state.dataPlanes.set(copy.arn, { endpoint, lineage });
}

/** Serves a restored DB instance's data (restore.ts), when its source has any. */
export function serveInstanceCopy(where: Where, instance: DbInstance, origin: CopyOrigin | undefined): void {
  const state = rdsState(where.world, where.accountId, where.region);
  const password = () => {
    const now = where.world.clock.nowMs();
    const current = findInstance(state, now, instance.id);
    if (current !== instance || unreachable(instanceStatus(instance, now))) return undefined;
    return instance.masterPassword;
  };
  const copy = { arn: instance.arn, engine: instance.engine, masterUsername: instance.masterUsername, database: instance.dbName };
  serve(where, state, { ...copy, password, passwordSets: () => instance.masterPasswordSets ?? 0 }, origin);
}

/** Serves a restored Aurora DB cluster's data (cluster-restore.ts): reachable once it has an available member. */
export function serveClusterCopy(where: Where, cluster: DbCluster, origin: CopyOrigin | undefined): void {
  const state = rdsState(where.world, where.accountId, where.region);
  const password = () => {
    const now = where.world.clock.nowMs();
    const current = findCluster(state, now, cluster.id);
    if (current !== cluster || unreachable(clusterStatus(cluster, now))) return undefined;
    const members = clusterMembers(state, cluster, now).filter((m) => !unreachable(instanceStatus(m, now)));
    return members.length > 0 ? cluster.masterPassword : undefined;
  };
  const copy = { arn: cluster.arn, engine: cluster.engine, masterUsername: cluster.masterUsername, database: cluster.databaseName };
  serve(where, state, { ...copy, password, passwordSets: () => cluster.masterPasswordSets ?? 0 }, origin);
}

/** Stops serving a copy being deleted: its endpoint refuses connections from now on. */
export function stopServing(where: Where, arn: string): void {
  const state = rdsState(where.world, where.accountId, where.region);
  void state.dataPlanes.get(arn)?.endpoint.stop();
}

/** The endpoint of a served copy (a cluster member's is its cluster's), or undefined (AWS-shaped names apply). */
export function servedEndpoint(state: RdsState, arn: string): { Address: string; Port: number } | undefined {
  const port = state.dataPlanes.get(arn)?.endpoint.port;
  return port === undefined ? undefined : { Address: '127.0.0.1', Port: port };
}

/** What a copy holds (tests and the demo): its source and restore time, or undefined when it holds no data. */
export function lineageOfCopy(world: World, accountId: string, region: string, arn: string): Lineage | undefined {
  return rdsState(world, accountId, region).dataPlanes.get(arn)?.lineage;
}
