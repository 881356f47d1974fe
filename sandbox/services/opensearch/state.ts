import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { World } from '../../core/world.ts';
import type { SearchDocument } from '../../data/search-documents.ts';
import type { DomainSecurity } from './security.ts';

/**
 * The OpenSearch Service state of one account and region: domains (each with its indices, its registered
 * snapshot repositories and, once Active, a loopback listener serving its REST API), and the EC2 facts
 * CreateDomain checks (subnet → VPC and zone, security group → VPC). Nothing runs in the background: a domain
 * keeps the times at which it changes and its status is computed from `world.clock` when read.
 *
 * The S3 buckets snapshot repositories live in are global (`snapshotStore`): any domain registering a
 * repository on a bucket (and base path) sees the same snapshots.
 */

const MINUTE = 60_000;
const MB = 2 ** 20;

/** Durations of real AWS, in milliseconds; callers scale them with world.scaled(). */
export const DURATIONS = {
  /** Creating a domain: 15 minutes, a minute more per data node beyond two and for dedicated masters, at most 20. */
  create: (dataNodes: number, dedicatedMasters: boolean) =>
    Math.min(20, 15 + Math.max(0, dataNodes - 2) + (dedicatedMasters ? 2 : 0)) * MINUTE,
  /** Deleting a domain: 5 minutes plus a minute per data node, at most 10. */
  deletion: (dataNodes: number) => Math.min(10, 5 + dataNodes) * MINUTE,
  /** Restoring an index's primaries from S3: 30 s plus 25 MB/s. */
  restorePrimaries: (bytes: number) => 30_000 + (bytes / (25 * MB)) * 1000,
  /** Copying the primaries to replicas: 15 s plus 50 MB/s. */
  recoverReplicas: (bytes: number) => 15_000 + (bytes / (50 * MB)) * 1000,
  /** A manual snapshot (incremental): 2 minutes plus 10 s per GB. */
  snapshot: (bytes: number) => 2 * MINUTE + (bytes / 1024 / MB) * 10_000,
};

export interface IndexRecord {
  name: string;
  uuid: string;
  primaries: number;
  replicas: number;
  /** System indices whose replicas follow the node count (auto_expand_replicas 0-1). */
  autoExpandReplicas?: boolean;
  docs: number;
  /** The documents, where the sandbox models them (then `docs` is their number); else only their count. */
  documents?: readonly SearchDocument[];
  /**
   * The index's mapping `properties` once its documents were first updated (document-api.ts); until then the
   * dynamic mapping of its documents stands for it.
   */
  mapping?: Record<string, unknown>;
  /** Size of one copy of the data (the primaries). */
  primaryBytes: number;
  createdAt: number;
  /** A restored index: where from, and when its primaries and then its replicas are recovered. */
  recovery?: {
    repository: string;
    snapshot: string;
    snapshotUuid: string;
    sourceIndex: string;
    version: string;
    restoreUuid: string;
    startedAt: number;
    primariesDoneAt: number;
    replicasDoneAt: number;
    /** A restore that fails (fault injection): from then on its primaries are unassigned and the index stays red. */
    failedAt?: number;
  };
}

export interface RepositoryRecord {
  name: string;
  type: 's3';
  bucket: string;
  basePath: string;
  region: string;
  roleArn: string;
  readonly: boolean;
  /** The settings as given, as strings (what GET _snapshot answers). */
  settings: Record<string, string>;
}

export interface DomainRecord {
  name: string;
  id: string;
  arn: string;
  accountId: string;
  region: string;
  engineVersion: string;
  clusterConfig: {
    InstanceType: string;
    InstanceCount: number;
    DedicatedMasterEnabled: boolean;
    DedicatedMasterType?: string;
    DedicatedMasterCount?: number;
    ZoneAwarenessEnabled: boolean;
    ZoneAwarenessConfig?: { AvailabilityZoneCount: number };
    WarmEnabled: boolean;
    MultiAZWithStandbyEnabled: boolean;
  };
  ebs: { EBSEnabled: boolean; VolumeType?: string; VolumeSize?: number; Iops?: number; Throughput?: number };
  vpc?: { vpcId: string; subnetIds: string[]; securityGroupIds: string[]; zones: string[] };
  encryptionAtRest: { Enabled: boolean; KmsKeyId?: string };
  nodeToNode: boolean;
  endpointOptions: { EnforceHTTPS: boolean; TLSSecurityPolicy: string };
  advancedSecurity: {
    Enabled: boolean;
    InternalUserDatabaseEnabled: boolean;
    masterUserName?: string;
    /** Hidden: never in any output (tests read it with masterPasswordOfDomain). */
    masterUserPassword?: string;
    masterUserArn?: string;
  };
  /** Fine-grained access control's roles and role mappings (used when advancedSecurity.Enabled). */
  security: DomainSecurity;
  accessPolicies?: string;
  advancedOptions: Record<string, string>;
  tags: Map<string, string>;
  createdAt: number;
  /** 'Creating' before this time. */
  activeAt: number;
  deletion?: { requestedAt: number; goneAt: number };
  indices: Map<string, IndexRecord>;
  /**
   * A source domain's data as a function of time (the seeded production domain): its indices are computed
   * from the clock, so daily snapshots taken of it grow as time passes.
   */
  dataAt?: (at: number) => IndexRecord[];
  repositories: Map<string, RepositoryRecord>;
  /** Node ids of the data nodes (for recovery and health output). */
  nodeIds: string[];
}

/** The loopback listener serving one domain's REST API. */
export interface DomainListener {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export interface OpenSearchState {
  domains: Map<string, DomainRecord>;
  /** EC2 facts CreateDomain checks: subnet id → VPC and zone; security group id → VPC. */
  subnets: Map<string, { vpcId: string; az: string }>;
  securityGroups: Map<string, string>;
}

const tagSourceRegistered = new WeakSet<World>();

export function opensearchState(world: World, accountId: string, region: string): OpenSearchState {
  registerTagSource(world);
  return world.state<OpenSearchState>('opensearch', accountId, region, () => ({
    domains: new Map(),
    subnets: new Map(),
    securityGroups: new Map(),
  }));
}

/** OpenSearch domains for the Tagging API (resource type es:domain) and aws:ResourceTag conditions. */
function registerTagSource(world: World): void {
  if (tagSourceRegistered.has(world)) return;
  tagSourceRegistered.add(world);
  world.addTagSource((w, accountId, region) => {
    if (!w.regionsOf('opensearch', accountId).includes(region)) return [];
    const state = opensearchState(w, accountId, region);
    return liveDomains(w, state).map((d) => ({ arn: d.arn, tags: Object.fromEntries(d.tags) }));
  }, { service: 'es' });
}

export const domainArn = (region: string, accountId: string, name: string) => `arn:aws:es:${region}:${accountId}:domain/${name}`;

/** OpenSearch's 22-character base64url ids (index and snapshot UUIDs, node ids). */
export const osUuid = (): string => randomBytes(16).toString('base64url').slice(0, 22);

/** A stable id derived from a text (seeded snapshots keep theirs across reads). */
export const stableUuid = (text: string): string => createHash('sha256').update(text).digest('base64url').slice(0, 22);

// Listeners live outside the records (they are not state to copy or print); closed on delete and with the world.
const listeners = new WeakMap<DomainRecord, Promise<DomainListener>>();
export const listenerOf = (domain: DomainRecord) => listeners.get(domain);
export const setListener = (domain: DomainRecord, listener: Promise<DomainListener> | undefined) => {
  if (listener) listeners.set(domain, listener);
  else listeners.delete(domain);
};

/** Drops domains whose deletion is over. */
export function liveDomains(world: World, state: OpenSearchState): DomainRecord[] {
  const now = world.clock.nowMs();
  for (const [name, domain] of state.domains) {
    if (domain.deletion && now >= domain.deletion.goneAt) state.domains.delete(name);
  }
  return [...state.domains.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function findDomain(world: World, state: OpenSearchState, name: string): DomainRecord | undefined {
  liveDomains(world, state);
  return state.domains.get(name);
}

export type ProcessingStatus = 'Creating' | 'Active' | 'Deleting';

export function processingStatus(domain: DomainRecord, now: number): ProcessingStatus {
  if (domain.deletion) return 'Deleting';
  return now < domain.activeAt ? 'Creating' : 'Active';
}

export const engineType = (engineVersion: string) => (engineVersion.startsWith('Elasticsearch_') ? 'Elasticsearch' : 'OpenSearch');

/** The version a domain's nodes report (GET /) and stamp on snapshots: OpenSearch_2.17 → 2.17.0, Elasticsearch_7.10 → 7.10.2. */
export function engineNumber(engineVersion: string): string {
  const [, version] = engineVersion.split('_');
  return engineVersion === 'Elasticsearch_7.10' ? '7.10.2' : `${version}.0`;
}

/** A comparable rank of engine versions: every Elasticsearch below every OpenSearch. */
export function engineRank(engineVersion: string): number {
  const [major, minor] = engineVersion.split('_')[1].split('.').map(Number);
  return engineType(engineVersion) === 'Elasticsearch' ? major + minor / 100 - 100 : major * 100 + minor;
}

/** Replicas an index can have assigned on the domain's data nodes (a copy never shares a node with another). */
export function replicasOf(index: IndexRecord, dataNodes: number): { wanted: number; assignable: number } {
  const wanted = index.autoExpandReplicas ? Math.min(1, dataNodes - 1) : index.replicas;
  return { wanted, assignable: Math.min(wanted, dataNodes - 1) };
}

export type Health = 'green' | 'yellow' | 'red';

/** Whether the restore of an index has failed by `now` (fault injection). */
export const restoreFailed = (index: IndexRecord, now: number) =>
  index.recovery?.failedAt !== undefined && now >= index.recovery.failedAt;

/**
 * red while its primaries are being restored (for good once their restore failed); yellow while replicas are
 * unassigned or recovering; else green.
 */
export function indexHealth(index: IndexRecord, dataNodes: number, now: number): Health {
  if (index.recovery && (now < index.recovery.primariesDoneAt || index.recovery.failedAt !== undefined)) return 'red';
  const { wanted, assignable } = replicasOf(index, dataNodes);
  if (assignable < wanted) return 'yellow';
  if (index.recovery && assignable > 0 && now < index.recovery.replicasDoneAt) return 'yellow';
  return 'green';
}

/** The domain's indices as they are now (a source domain's are computed from the clock). */
export function indicesOf(domain: DomainRecord, now: number): IndexRecord[] {
  const indices = domain.dataAt ? domain.dataAt(now) : [...domain.indices.values()];
  return indices.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export const dataNodeCount = (domain: DomainRecord) => domain.clusterConfig.InstanceCount;

/** The hidden master user password of a domain with fine-grained access control, for tests. */
export function masterPasswordOfDomain(world: World, accountId: string, region: string, name: string): string | undefined {
  return opensearchState(world, accountId, region).domains.get(name)?.advancedSecurity.masterUserPassword;
}

/** The names of a domain's indices now, read directly (tests); [] when there is no such domain. */
export function domainIndices(world: World, accountId: string, region: string, name: string): string[] {
  return domainIndexDetails(world, accountId, region, name).map((i) => i.name);
}

/** A domain's indices with their health, docs and sizes now, read directly (tests). */
export function domainIndexDetails(
  world: World,
  accountId: string,
  region: string,
  name: string,
): { name: string; health: Health; docs: number; primaryBytes: number; primaries: number; replicas: number }[] {
  const domain = opensearchState(world, accountId, region).domains.get(name);
  if (!domain) return [];
  const now = world.clock.nowMs();
  return indicesOf(domain, now).map((i) => ({
    name: i.name,
    health: indexHealth(i, dataNodeCount(domain), now),
    docs: i.docs,
    primaryBytes: i.primaryBytes,
    primaries: i.primaries,
    replicas: replicasOf(i, dataNodeCount(domain)).wanted,
  }));
}

// ---- The S3 side: buckets holding snapshot repositories, shared by every domain ----

export interface SnapshotIndex {
  name: string;
  uuid: string;
  primaries: number;
  replicas: number;
  docs: number;
  /** The documents the index held when the snapshot was taken (where the sandbox models them). */
  documents?: readonly SearchDocument[];
  primaryBytes: number;
  /** Shards that failed to snapshot (a PARTIAL snapshot). */
  failedShards?: number[];
}

export interface StoredSnapshot {
  name: string;
  uuid: string;
  /** The engine of the domain that took it (OpenSearch_2.17). */
  engineVersion: string;
  startedAt: number;
  endedAt: number;
  /** FAILED snapshots keep no data; PARTIAL ones miss the failed shards. */
  outcome: 'SUCCESS' | 'PARTIAL' | 'FAILED';
  includeGlobalState: boolean;
  indices: SnapshotIndex[];
  failureReason?: string;
}

export interface SnapshotBucket {
  name: string;
  accountId: string;
  region: string;
  /** base_path → snapshot name → snapshot. */
  paths: Map<string, Map<string, StoredSnapshot>>;
}

/** A snapshot management policy taking a snapshot of a domain every day into a repository path. */
export interface SnapshotSchedule {
  accountId: string;
  region: string;
  domainName: string;
  bucket: string;
  basePath: string;
  /** Snapshot names: `${prefix}${YYYY-MM-DD}` (the date in Asia/Tokyo). */
  prefix: string;
  hourUtc: number;
  minuteUtc: number;
  retentionDays: number;
  lastAt: number;
}

export interface SnapshotStore {
  buckets: Map<string, SnapshotBucket>;
  schedules: SnapshotSchedule[];
}

export const snapshotStore = (world: World): SnapshotStore =>
  world.state<SnapshotStore>('opensearch-s3', 'global', 'global', () => ({ buckets: new Map(), schedules: [] }));

export function snapshotsAt(bucket: SnapshotBucket, basePath: string): Map<string, StoredSnapshot> {
  let path = bucket.paths.get(basePath);
  if (!path) {
    path = new Map();
    bucket.paths.set(basePath, path);
  }
  return path;
}

/** The state a snapshot shows now: IN_PROGRESS until it ends, then its outcome. */
export const snapshotState = (snapshot: StoredSnapshot, now: number) =>
  now < snapshot.endedAt ? 'IN_PROGRESS' : snapshot.outcome;

export const totalBytes = (indices: { primaryBytes: number }[]) => indices.reduce((sum, i) => sum + i.primaryBytes, 0);
