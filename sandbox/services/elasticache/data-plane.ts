import type { World } from '../../core/world.ts';
import { makeCertificate, type Certificate } from '../../data/certificate.ts';
import type { Engine } from '../../data/engine.ts';
import { keyspaceHistoryOf, restoredKeyspace } from '../../data/keyspace-history.ts';
import { serveLazily, type LazyEndpoint } from '../../data/lazy.ts';
import { keyspaceDataSet, redisEngine } from '../../data/redis.ts';
import { elasticacheState, findGroup, groupStatus, type ElastiCacheState, type ReplicationGroup } from './state.ts';

/**
 * The data plane of ElastiCache copies in the sandbox: a replication group created from a snapshot of a cache
 * that has a history of keys (sandbox/data/keyspace-history.ts) is served by a real Redis (redis.ts) holding the
 * keys of the snapshot's time, on a loopback port its endpoints name (Address 127.0.0.1: the sandbox's stand-in
 * for the private DNS name a group has on AWS), so the credentials snapclone hands out open it with redis-cli as
 * they are. Production caches keep their AWS-shaped endpoints, and so do groups in cluster mode (a standalone
 * server cannot answer CLUSTER SLOTS) and groups created empty. TLS as the group has it, with the sandbox's own
 * certificate (certificateFile); AUTH with the group's token of the moment (ModifyReplicationGroup's takes
 * effect on the running server; a group without a token is open, as on AWS). The engine starts on the first
 * connection and stops when the group is deleted or the sandbox closes.
 */

/** What a copy holds: the keys of cache `sourceId` at `at` (epoch ms), less those expired by the time it starts. */
export interface Lineage {
  sourceId: string;
  at: number;
}

interface ServedGroup {
  endpoint: LazyEndpoint;
  lineage: Lineage;
  /** Unregisters the sandbox's close hook (the group was deleted first). */
  release: () => void;
}

interface Where {
  world: World;
  accountId: string;
  region: string;
}

/** Served groups by ARN, and the lineage of every group ever served by id (its snapshots hold the same keys). */
const planes = new WeakMap<ElastiCacheState, { served: Map<string, ServedGroup>; lineages: Map<string, Lineage> }>();
function planeOf(state: ElastiCacheState) {
  let plane = planes.get(state);
  if (!plane) planes.set(state, (plane = { served: new Map(), lineages: new Map() }));
  return plane;
}

/** One certificate and one engine per TLS setting for each sandbox. */
const engines = new WeakMap<World, { certificate: () => Promise<Certificate>; tls: Engine; plain: Engine }>();
function enginesOf(world: World) {
  let found = engines.get(world);
  if (!found) {
    let made: Promise<Certificate> | undefined;
    const certificate = () => {
      if (!made) {
        made = makeCertificate();
        made.then((c) => world.onClose(async () => c.remove()), () => undefined);
      }
      return made;
    };
    found = { certificate, tls: redisEngine(certificate), plain: redisEngine() };
    engines.set(world, found);
  }
  return found;
}

/** The certificate a sandbox's TLS endpoints present, as a file for clients' --cacert. */
export async function certificateFile(world: World): Promise<string> {
  return (await enginesOf(world).certificate()).certFile;
}

/** Statuses in which a group accepts connections (it stays reachable while it is modified). */
const unreachable = (status: string) => status === 'creating' || status === 'deleting' || status === 'create-failed';

/** Serves a group created from a snapshot (CreateReplicationGroup), when the snapshot's cache has a history of keys. */
export function serveGroupCopy(where: Where, group: ReplicationGroup): void {
  const { world, accountId, region } = where;
  const origin = group.fromSnapshot;
  if (!origin?.replicationGroupId || group.clusterMode || !world.dataPlane) return;
  const state = elasticacheState(world, accountId, region);
  const plane = planeOf(state);
  const lineage = keyspaceHistoryOf(world, accountId, region, origin.replicationGroupId)
    ? { sourceId: origin.replicationGroupId, at: origin.takenAt }
    : plane.lineages.get(origin.replicationGroupId);
  if (!lineage) return;
  const history = keyspaceHistoryOf(world, accountId, region, lineage.sourceId)!;
  const { tls, plain } = enginesOf(world);
  const endpoint = serveLazily(group.transitEncryptionEnabled ? tls : plain, {
    data: () => {
      const now = world.clock.nowMs();
      return keyspaceDataSet(restoredKeyspace(history, lineage.at, now), now);
    },
    database: '0',
    username: 'default',
    password: () => {
      const now = world.clock.nowMs();
      if (findGroup(state, now, group.id) !== group || unreachable(groupStatus(group, now))) return undefined;
      return group.authToken ?? '';
    },
  });
  const release = world.onClose(() => endpoint.stop());
  plane.served.set(group.arn, { endpoint, lineage, release });
  plane.lineages.set(group.id, lineage);
}

/** Stops serving a group being deleted: its endpoint (still shown while it is deleting) refuses connections from now on. */
export function stopServing(where: Where, arn: string): void {
  const plane = planeOf(elasticacheState(where.world, where.accountId, where.region));
  const served = plane.served.get(arn);
  if (!served) return;
  served.release();
  void served.endpoint.stop();
}

/** The loopback endpoint of a served group, or undefined (AWS-shaped names apply). */
export function servedEndpoint(state: ElastiCacheState, arn: string): { Address: string; Port: number } | undefined {
  const port = planeOf(state).served.get(arn)?.endpoint.port;
  return port === undefined ? undefined : { Address: '127.0.0.1', Port: port };
}

/** What a group holds (tests and the demo): its source cache and the time of its keys, or undefined. */
export function lineageOfGroup(world: World, accountId: string, region: string, arn: string): Lineage | undefined {
  return planeOf(elasticacheState(world, accountId, region)).served.get(arn)?.lineage;
}
