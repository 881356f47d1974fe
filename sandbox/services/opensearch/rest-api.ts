import { checkPermission } from '../../core/authorize.ts';
import { evaluate } from '../../core/iam-eval.ts';
import type { RequestContext } from '../../core/service.ts';
import type { World } from '../../core/world.ts';
import { documentRoute } from './document-api.ts';
import { documentsKept, searchRoute } from './search-api.ts';
import { createBucket, snapshotIndicesOf, snapshotsOf, takeSnapshot } from './snapshots.ts';
import {
  dataNodeCount,
  DURATIONS,
  engineNumber,
  engineRank,
  engineType,
  indexHealth,
  indicesOf,
  osUuid,
  replicasOf,
  restoreFailed,
  snapshotsAt,
  snapshotState,
  snapshotStore,
  type DomainRecord,
  type Health,
  type IndexRecord,
  type RepositoryRecord,
  type StoredSnapshot,
} from './state.ts';

/**
 * The REST API of one domain, as much of it as a restore needs, with OpenSearch's JSON shapes: snapshot
 * repositories (type s3), snapshots, restore, _cat/indices, _cat/recovery, _recovery, _cluster/health, GET /,
 * DELETE/HEAD of an index, _count/_search over the documents (search-api.ts), and _mapping and _bulk updates (document-api.ts). Restores progress on the sandbox clock (nothing runs in the background).
 */

export interface DataResponse {
  status: number;
  body: unknown;
  /** Plain text (the _cat APIs without format=json). */
  text?: string;
  headers?: Record<string, string>;
}

/** An answer OpenSearch gives as an error: `{ error: { root_cause, type, reason }, status }`. */
export class OpenSearchHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(JSON.stringify(body));
  }
}

export function osException(type: string, reason: string, status: number, extra: Record<string, unknown> = {}): OpenSearchHttpError {
  const cause = { type, reason, ...extra };
  return new OpenSearchHttpError(status, { error: { root_cause: [cause], ...cause }, status });
}

/** The AWS front end's refusals (`{"Message": …}`), e.g. IAM denials. */
export const awsRefusal = (status: number, message: string) => new OpenSearchHttpError(status, { Message: message });

export interface DataRequest {
  world: World;
  domain: DomainRecord;
  method: string;
  segments: string[];
  query: URLSearchParams;
  body: Record<string, unknown> | undefined;
  /** The body as sent, where it is not one JSON object (_bulk's lines). */
  text?: string;
  /** The IAM caller (SigV4); undefined for the master user signing in with HTTP basic auth. */
  ctx?: RequestContext;
}

const ok = (body: unknown): DataResponse => ({ status: 200, body });
const acknowledged = () => ok({ acknowledged: true });

// ---- formatting helpers ----

/** OpenSearch's human byte sizes: 1.2gb, 512mb, 208b. */
export function humanBytes(bytes: number): string {
  const units = ['b', 'kb', 'mb', 'gb', 'tb', 'pb'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${Math.round(bytes)}b`;
  const text = value.toFixed(1);
  return `${text.endsWith('.0') ? text.slice(0, -2) : text}${units[unit]}`;
}

function bytesIn(bytes: number, unit: string | null): string {
  if (!unit) return humanBytes(bytes);
  const factors: Record<string, number> = { b: 1, kb: 2 ** 10, mb: 2 ** 20, gb: 2 ** 30, tb: 2 ** 40, pb: 2 ** 50 };
  const factor = factors[unit];
  if (!factor) throw osException('illegal_argument_exception', `failed to parse setting [bytes] with value [${unit}]`, 400);
  return String(Math.floor(bytes / factor));
}

const percent = (fraction: number) => `${(Math.max(0, Math.min(1, fraction)) * 100).toFixed(1)}%`;

/** A _cat answer: JSON rows with format=json, else a whitespace-aligned table (headers with `v`). */
function catAnswer(query: URLSearchParams, rows: Record<string, string | null>[], columns: string[]): DataResponse {
  if (query.get('format') === 'json') return ok(rows);
  const table = rows.map((r) => columns.map((c) => r[c] ?? ''));
  if (query.has('v')) table.unshift(columns);
  const widths = columns.map((_, i) => Math.max(0, ...table.map((row) => row[i].length)));
  const text = table.map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join(' ').trimEnd()).join('\n');
  return { status: 200, body: undefined, text: table.length > 0 ? `${text}\n` : '' };
}

/** Matches index names against comma-separated patterns with `*` wildcards (no exclusions). */
export function namesMatching(names: string[], expression: string | undefined): string[] {
  if (!expression || expression === '_all' || expression === '*') return names;
  const patterns = expression.split(',').map((p) => p.trim()).filter(Boolean);
  return names.filter((name) => patterns.some((p) => wildcard(p, name)));
}

function wildcard(pattern: string, value: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${source}$`).test(value);
}

// ---- cluster ----

function info(req: DataRequest): DataResponse {
  const { domain } = req;
  const number = engineNumber(domain.engineVersion);
  const opensearch = engineType(domain.engineVersion) === 'OpenSearch';
  return ok({
    name: domain.nodeIds[0],
    cluster_name: `${domain.accountId}:${domain.name}`,
    cluster_uuid: domain.id.replace('/', '-'),
    version: opensearch
      ? {
          distribution: 'opensearch',
          number,
          build_type: 'tar',
          build_hash: 'unknown',
          build_date: '2025-06-30T00:00:00.000Z',
          build_snapshot: false,
          lucene_version: '9.12.0',
          minimum_wire_compatibility_version: '7.10.0',
          minimum_index_compatibility_version: '7.0.0',
        }
      : { number, build_flavor: 'oss', build_type: 'tar', build_snapshot: false, lucene_version: '8.7.0' },
    tagline: opensearch ? 'The OpenSearch Project: https://opensearch.org/' : 'You Know, for Search',
  });
}

interface ShardCounts {
  activePrimaries: number;
  active: number;
  initializing: number;
  unassigned: number;
}

/** The shard copies of an index now: primaries initializing while restored, then replicas, some never assignable. */
function shardCounts(index: IndexRecord, dataNodes: number, now: number): ShardCounts {
  const { wanted, assignable } = replicasOf(index, dataNodes);
  const p = index.primaries;
  if (restoreFailed(index, now)) return { activePrimaries: 0, active: 0, initializing: 0, unassigned: p * (1 + wanted) };
  if (index.recovery && now < index.recovery.primariesDoneAt) {
    return { activePrimaries: 0, active: 0, initializing: p, unassigned: p * wanted };
  }
  const replicasRecovering = index.recovery !== undefined && now < index.recovery.replicasDoneAt;
  return {
    activePrimaries: p,
    active: p + (replicasRecovering ? 0 : p * assignable),
    initializing: replicasRecovering ? p * assignable : 0,
    unassigned: p * (wanted - assignable),
  };
}

const WORST: Health[] = ['green', 'yellow', 'red'];
const worst = (healths: Health[]): Health => healths.reduce((a, b) => (WORST.indexOf(b) > WORST.indexOf(a) ? b : a), 'green');

function clusterHealth(req: DataRequest, indexExpression?: string): DataResponse {
  const { domain, world, query } = req;
  const now = world.clock.nowMs();
  const nodes = dataNodeCount(domain);
  let indices = indicesOf(domain, now);
  if (indexExpression) {
    const names = namesMatching(indices.map((i) => i.name), indexExpression);
    if (names.length === 0 && !indexExpression.includes('*')) throw indexNotFound(indexExpression);
    indices = indices.filter((i) => names.includes(i.name));
  }
  const counts = indices.map((i) => shardCounts(i, nodes, now));
  const sum = (key: keyof ShardCounts) => counts.reduce((s, c) => s + c[key], 0);
  const total = sum('active') + sum('initializing') + sum('unassigned');
  const status = worst(indices.map((i) => indexHealth(i, nodes, now)));
  const wanted = query.get('wait_for_status') as Health | null;
  const timedOut = wanted !== null && WORST.includes(wanted) && WORST.indexOf(status) > WORST.indexOf(wanted);
  const masters = domain.clusterConfig.DedicatedMasterEnabled ? (domain.clusterConfig.DedicatedMasterCount ?? 3) : 0;
  const body: Record<string, unknown> = {
    cluster_name: `${domain.accountId}:${domain.name}`,
    status,
    timed_out: timedOut,
    number_of_nodes: nodes + masters,
    number_of_data_nodes: nodes,
    discovered_master: true,
    discovered_cluster_manager: true,
    active_primary_shards: sum('activePrimaries'),
    active_shards: sum('active'),
    relocating_shards: 0,
    initializing_shards: sum('initializing'),
    unassigned_shards: sum('unassigned'),
    delayed_unassigned_shards: 0,
    number_of_pending_tasks: 0,
    number_of_in_flight_fetch: 0,
    task_max_waiting_in_queue_millis: 0,
    active_shards_percent_as_number: total === 0 ? 100 : (sum('active') / total) * 100,
  };
  if (query.get('level') === 'indices') {
    body.indices = Object.fromEntries(
      indices.map((i, n) => [
        i.name,
        {
          status: indexHealth(i, nodes, now),
          number_of_shards: i.primaries,
          number_of_replicas: replicasOf(i, nodes).wanted,
          active_primary_shards: counts[n].activePrimaries,
          active_shards: counts[n].active,
          relocating_shards: 0,
          initializing_shards: counts[n].initializing,
          unassigned_shards: counts[n].unassigned,
        },
      ]),
    );
  }
  // OpenSearch answers 408 when wait_for_status is not reached; the sandbox does not wait (its clock is virtual).
  return { status: timedOut ? 408 : 200, body };
}

export const indexNotFound = (name: string) =>
  osException('index_not_found_exception', `no such index [${name}]`, 404, {
    index: name,
    'resource.id': name,
    'resource.type': 'index_or_alias',
    index_uuid: '_na_',
  });

// ---- _cat/indices, _cat/recovery, _recovery ----

function catIndices(req: DataRequest, expression?: string): DataResponse {
  const { domain, world, query } = req;
  const now = world.clock.nowMs();
  const nodes = dataNodeCount(domain);
  const all = indicesOf(domain, now);
  const names = namesMatching(all.map((i) => i.name), expression);
  if (expression && names.length === 0 && !expression.includes('*')) throw indexNotFound(expression);
  const unit = query.get('bytes');
  const rows = all
    .filter((i) => names.includes(i.name))
    .map((i) => {
      const health = indexHealth(i, nodes, now);
      const counts = shardCounts(i, nodes, now);
      const copies = counts.active / i.primaries;
      return {
        health,
        status: 'open',
        index: i.name,
        uuid: i.uuid,
        pri: String(i.primaries),
        rep: String(replicasOf(i, nodes).wanted),
        'docs.count': health === 'red' ? null : String(i.docs),
        'docs.deleted': health === 'red' ? null : '0',
        'store.size': health === 'red' ? null : bytesIn(i.primaryBytes * copies, unit),
        'pri.store.size': health === 'red' ? null : bytesIn(i.primaryBytes, unit),
      };
    });
  return catAnswer(query, rows, ['health', 'status', 'index', 'uuid', 'pri', 'rep', 'docs.count', 'docs.deleted', 'store.size', 'pri.store.size']);
}

interface ShardRecovery {
  index: string;
  shard: number;
  primary: boolean;
  type: 'SNAPSHOT' | 'PEER' | 'EMPTY_STORE' | 'EXISTING_STORE';
  stage: 'INIT' | 'INDEX' | 'DONE';
  startedAt: number;
  stoppedAt?: number;
  bytes: number;
  recovered: number;
  files: number;
  filesRecovered: number;
  sourceNode?: string;
  targetNode: string;
  repository?: string;
  snapshot?: string;
  version?: string;
  restoreUuid?: string;
}

/** Every shard copy's recovery: restored primaries from the snapshot, their replicas from peers, the rest from their store. */
function recoveries(domain: DomainRecord, now: number, activeOnly: boolean): ShardRecovery[] {
  const nodes = dataNodeCount(domain);
  const out: ShardRecovery[] = [];
  for (const index of indicesOf(domain, now)) {
    const { assignable } = replicasOf(index, nodes);
    const shardBytes = index.primaryBytes / index.primaries;
    const files = Math.max(4, Math.round(shardBytes / 2 ** 26));
    const r = index.recovery;
    // The copies of a failed restore are unassigned: no node recovers them any more.
    if (restoreFailed(index, now)) continue;
    for (let shard = 0; shard < index.primaries; shard++) {
      const primaryNode = domain.nodeIds[shard % nodes];
      if (r) {
        const span = r.primariesDoneAt - r.startedAt;
        const fraction = span <= 0 ? 1 : (now - r.startedAt) / span;
        const done = now >= r.primariesDoneAt;
        out.push({
          index: index.name,
          shard,
          primary: true,
          type: 'SNAPSHOT',
          stage: done ? 'DONE' : fraction <= 0 ? 'INIT' : 'INDEX',
          startedAt: r.startedAt,
          stoppedAt: done ? r.primariesDoneAt : undefined,
          bytes: shardBytes,
          recovered: done ? shardBytes : shardBytes * Math.max(0, fraction),
          files,
          filesRecovered: done ? files : Math.floor(files * Math.max(0, fraction)),
          targetNode: primaryNode,
          repository: r.repository,
          snapshot: r.snapshot,
          version: r.version,
          restoreUuid: r.restoreUuid,
        });
        if (now < r.primariesDoneAt) continue;
        for (let copy = 1; copy <= assignable; copy++) {
          const replicaSpan = r.replicasDoneAt - r.primariesDoneAt;
          const rf = replicaSpan <= 0 ? 1 : (now - r.primariesDoneAt) / replicaSpan;
          const rdone = now >= r.replicasDoneAt;
          out.push({
            index: index.name,
            shard,
            primary: false,
            type: 'PEER',
            stage: rdone ? 'DONE' : 'INDEX',
            startedAt: r.primariesDoneAt,
            stoppedAt: rdone ? r.replicasDoneAt : undefined,
            bytes: shardBytes,
            recovered: rdone ? shardBytes : shardBytes * rf,
            files,
            filesRecovered: rdone ? files : Math.floor(files * rf),
            sourceNode: primaryNode,
            targetNode: domain.nodeIds[(shard + copy) % nodes],
          });
        }
      } else {
        out.push({
          index: index.name,
          shard,
          primary: true,
          type: 'EMPTY_STORE',
          stage: 'DONE',
          startedAt: index.createdAt,
          stoppedAt: index.createdAt + 200,
          bytes: 0,
          recovered: 0,
          files: 0,
          filesRecovered: 0,
          targetNode: primaryNode,
        });
      }
    }
  }
  return activeOnly ? out.filter((r) => r.stage !== 'DONE') : out;
}

const nodeView = (id: string) => ({ id, host: `x.x.x.${id.length}`, transport_address: 'x.x.x.x:9300', ip: 'x.x.x.x', name: id });

function recoveryApi(req: DataRequest, expression?: string): DataResponse {
  const { domain, world, query } = req;
  const now = world.clock.nowMs();
  const all = recoveries(domain, now, query.get('active_only') === 'true');
  const names = namesMatching([...new Set(indicesOf(domain, now).map((i) => i.name))], expression);
  const out: Record<string, { shards: unknown[] }> = {};
  for (const r of all) {
    if (!names.includes(r.index)) continue;
    const elapsed = (r.stoppedAt ?? now) - r.startedAt;
    (out[r.index] ??= { shards: [] }).shards.push({
      id: r.shard,
      type: r.type,
      stage: r.stage,
      primary: r.primary,
      start_time_in_millis: r.startedAt,
      ...(r.stoppedAt !== undefined ? { stop_time_in_millis: r.stoppedAt } : {}),
      total_time_in_millis: Math.max(0, Math.round(elapsed)),
      source:
        r.type === 'SNAPSHOT'
          ? { repository: r.repository, snapshot: r.snapshot, version: r.version, index: r.index, restoreUUID: r.restoreUuid }
          : r.sourceNode
            ? nodeView(r.sourceNode)
            : {},
      target: nodeView(r.targetNode),
      index: {
        size: {
          total_in_bytes: Math.round(r.bytes),
          reused_in_bytes: 0,
          recovered_in_bytes: Math.round(r.recovered),
          percent: percent(r.bytes === 0 ? 1 : r.recovered / r.bytes),
        },
        files: { total: r.files, reused: 0, recovered: r.filesRecovered, percent: percent(r.files === 0 ? 1 : r.filesRecovered / r.files) },
        total_time_in_millis: Math.max(0, Math.round(elapsed)),
        source_throttle_time_in_millis: 0,
        target_throttle_time_in_millis: 0,
      },
      translog: { recovered: 0, total: 0, percent: '100.0%', total_on_start: 0, total_time_in_millis: 0 },
      verify_index: { check_index_time_in_millis: 0, total_time_in_millis: 0 },
    });
  }
  return ok(out);
}

function catRecovery(req: DataRequest, expression?: string): DataResponse {
  const { domain, world, query } = req;
  const now = world.clock.nowMs();
  const names = namesMatching(indicesOf(domain, now).map((i) => i.name), expression);
  const unit = query.get('bytes');
  const rows = recoveries(domain, now, query.get('active_only') === 'true')
    .filter((r) => names.includes(r.index))
    .map((r) => ({
      index: r.index,
      shard: String(r.shard),
      time: `${(Math.max(0, (r.stoppedAt ?? now) - r.startedAt) / 1000).toFixed(1)}s`,
      type: r.type.toLowerCase(),
      stage: r.stage.toLowerCase(),
      source_host: r.sourceNode ? 'x.x.x.x' : 'n/a',
      source_node: r.sourceNode ?? 'n/a',
      target_host: 'x.x.x.x',
      target_node: r.targetNode,
      repository: r.repository ?? 'n/a',
      snapshot: r.snapshot ?? 'n/a',
      files: String(r.files),
      files_recovered: String(r.filesRecovered),
      files_percent: percent(r.files === 0 ? 1 : r.filesRecovered / r.files),
      files_total: String(r.files),
      bytes: bytesIn(r.bytes, unit),
      bytes_recovered: bytesIn(r.recovered, unit),
      bytes_percent: percent(r.bytes === 0 ? 1 : r.recovered / r.bytes),
      bytes_total: bytesIn(r.bytes, unit),
      translog_ops: '0',
      translog_ops_recovered: '0',
      translog_ops_percent: '100.0%',
    }));
  return catAnswer(query, rows, ['index', 'shard', 'time', 'type', 'stage', 'source_host', 'source_node', 'target_host', 'target_node', 'repository', 'snapshot', 'files', 'files_recovered', 'files_percent', 'files_total', 'bytes', 'bytes_recovered', 'bytes_percent', 'bytes_total', 'translog_ops', 'translog_ops_recovered', 'translog_ops_percent']);
}

// ---- repositories ----

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(.+)$/;

function repositoryOf(domain: DomainRecord, name: string): RepositoryRecord {
  const repository = domain.repositories.get(name);
  if (!repository) throw osException('repository_missing_exception', `[${name}] missing`, 404);
  return repository;
}

const repositoryView = (r: RepositoryRecord) => ({ type: r.type, settings: r.settings });

function getRepositories(req: DataRequest, expression?: string): DataResponse {
  const { domain } = req;
  if (expression && expression !== '_all' && expression !== '*' && !expression.includes('*') && !expression.includes(',')) {
    return ok({ [expression]: repositoryView(repositoryOf(domain, expression)) });
  }
  const names = namesMatching([...domain.repositories.keys()].sort(), expression);
  return ok(Object.fromEntries(names.map((n) => [n, repositoryView(domain.repositories.get(n)!)])));
}

/** Can the role's own policies do this on the bucket? (S3 evaluates the role when OpenSearch assumes it.) */
function roleAllows(world: World, roleArn: string, action: string, resource: string): boolean {
  const role = world.roles.get(roleArn);
  if (!role) return false;
  return evaluate(role.policies, { action, resource, context: {} }) === 'allow';
}

/**
 * Whether OpenSearch Service may assume the repository's role for this domain: its trust is evaluated for the
 * service principal es.amazonaws.com with aws:SourceArn = the domain's ARN and aws:SourceAccount = its
 * account, the keys AWS recommends limiting it with (managedomains-snapshots.md, "confused deputy").
 */
function trustsDomain(world: World, roleArn: string, domain: DomainRecord): boolean {
  const role = world.roles.get(roleArn);
  if (!role) return false;
  const context = { 'aws:SourceArn': domain.arn, 'aws:SourceAccount': domain.accountId };
  return evaluate([role.trustPolicy], { action: 'sts:AssumeRole', context, principal: { type: 'Service', name: 'es.amazonaws.com' } }) === 'allow';
}

/**
 * What OpenSearch Service puts in iam:PassedToService when it checks iam:PassRole for a repository's role_arn
 * is not documented (AWS's example policy has no such condition). The sandbox holds no belief about it: the
 * caller must be allowed in every case it considers — the key absent, and es.amazonaws.com — so that only a
 * policy that works whichever AWS does passes.
 */
export const PASSED_TO_SERVICE_CASES: (string | undefined)[] = [undefined, 'es.amazonaws.com'];

function checkPassRole(ctx: RequestContext, roleArn: string): void {
  for (const service of PASSED_TO_SERVICE_CASES) {
    try {
      checkPermission(ctx, 'iam:PassRole', [roleArn], service ? { 'iam:PassedToService': service } : {});
    } catch (error) {
      const when = service ? `with iam:PassedToService ${service}` : 'without iam:PassedToService';
      throw awsRefusal(403, `${(error as Error).message} (checked ${when}: AWS does not document which it sends)`);
    }
  }
}

const verificationFailed = (repository: string, reason: string) =>
  osException('repository_verification_exception', `[${repository}] ${reason}`, 500);

const objectArn = (r: { bucket: string; basePath: string }) => `arn:aws:s3:::${r.bucket}/${r.basePath ? `${r.basePath}/` : ''}x`;

/** What S3 answers OpenSearch when the repository's role may not do an action (or cannot be assumed for this domain). */
function checkRoleMay(world: World, domain: DomainRecord, repository: string, r: { roleArn: string; bucket: string; basePath: string }, action: string, resource: string) {
  if (!trustsDomain(world, r.roleArn, domain)) {
    throw verificationFailed(repository, `path [${r.basePath}] is not accessible on master node: Unable to assume role ${r.roleArn}: its trust policy does not admit es.amazonaws.com for ${domain.arn}`);
  }
  if (!roleAllows(world, r.roleArn, action, resource)) {
    throw verificationFailed(repository, `path [${r.basePath}] is not accessible on master node: Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied) — ${r.roleArn} may not ${action} on ${resource}`);
  }
}

/**
 * POST _snapshot/<repo>: AWS documents registering an s3 repository with a role only as a PUT ("send a PUT
 * request", es:ESHttpPut). Whether its front end also intercepts a POST (checks iam:PassRole and hands the role
 * to the domain) is not documented; the sandbox refuses it, so code that registers by POST fails here rather
 * than on an AWS that does not intercept it. Code that uses PUT works whichever way AWS treats POST.
 */
function postRepository(name: string): never {
  throw awsRefusal(400, `Register repository [${name}] with PUT _snapshot/${name}: Amazon OpenSearch Service documents registering a repository with role_arn by PUT only (the snapclone sandbox refuses POST).`);
}

/**
 * PUT _snapshot/<repo>: an s3 repository (settings bucket, region, role_arn, base_path, readonly). Registering
 * needs iam:PassRole on role_arn (so it must be SigV4-signed; see PASSED_TO_SERVICE_CASES); the bucket must
 * exist; OpenSearch Service must be able to assume the role for this domain (its trust, with aws:SourceArn)
 * and the role must be allowed to list and read the bucket (and write it, unless readonly).
 */
function putRepository(req: DataRequest, name: string): DataResponse {
  const { domain, world, body } = req;
  if (name.startsWith('cs-automated') || name.startsWith('_')) {
    throw osException('invalid_repository_name_exception', `[${name}] the repository name is reserved`, 400);
  }
  if (!body || typeof body.type !== 'string') {
    throw osException('action_request_validation_exception', 'Validation Failed: 1: type is missing;', 400);
  }
  if (body.type !== 's3') throw osException('repository_exception', `[${name}] repository type [${body.type}] does not exist`, 500);
  const raw = (body.settings ?? {}) as Record<string, unknown>;
  const settings = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]));
  const roleArn = settings.role_arn;
  if (!roleArn) throw awsRefusal(400, 'Settings must contain role_arn to register a repository on Amazon OpenSearch Service.');
  if (!ROLE_ARN.test(roleArn)) throw osException('illegal_argument_exception', `[${name}] invalid role_arn [${roleArn}]`, 400);
  if (!req.ctx) {
    throw awsRefusal(403, `User: anonymous is not authorized to perform: iam:PassRole on resource: ${roleArn}`);
  }
  checkPassRole(req.ctx, roleArn);
  if (!settings.bucket) throw osException('repository_exception', `[${name}] No bucket defined for s3 repository`, 500);
  const basePath = settings.base_path ?? '';
  const readonly = settings.readonly === 'true';
  const bucket = snapshotStore(world).buckets.get(settings.bucket);
  if (!bucket) {
    throw verificationFailed(name, `path [${basePath}] is not accessible on master node: The specified bucket does not exist (Service: Amazon S3; Status Code: 404; Error Code: NoSuchBucket)`);
  }
  if (settings.region && settings.region !== bucket.region) {
    throw verificationFailed(name, `path [${basePath}] is not accessible on master node: The bucket is in this region: ${bucket.region}. Please use this region to retry the request (Service: Amazon S3; Status Code: 301; Error Code: PermanentRedirect)`);
  }
  const location = { roleArn, bucket: bucket.name, basePath };
  checkRoleMay(world, domain, name, location, 's3:ListBucket', `arn:aws:s3:::${bucket.name}`);
  checkRoleMay(world, domain, name, location, 's3:GetObject', objectArn(location));
  if (!readonly) checkRoleMay(world, domain, name, location, 's3:PutObject', objectArn(location));
  domain.repositories.set(name, {
    name,
    type: 's3',
    bucket: bucket.name,
    basePath,
    region: bucket.region,
    roleArn,
    readonly,
    settings,
  });
  return acknowledged();
}

function deleteRepository(req: DataRequest, name: string): DataResponse {
  repositoryOf(req.domain, name);
  req.domain.repositories.delete(name);
  return acknowledged();
}

// ---- snapshots ----

function versionId(engineVersion: string): number {
  const [major, minor, rev] = engineNumber(engineVersion).split('.').map(Number);
  const id = major * 1_000_000 + minor * 10_000 + rev * 100 + 99;
  return engineType(engineVersion) === 'OpenSearch' ? id ^ 0x08000000 : id;
}

function failuresOf(snapshot: StoredSnapshot, domain: DomainRecord) {
  return snapshot.indices.flatMap((i) =>
    (i.failedShards ?? []).map((shard) => ({
      index: i.name,
      index_uuid: i.uuid,
      shard_id: shard,
      reason: snapshot.failureReason ?? 'IndexShardSnapshotFailedException[Failed to snapshot]',
      node_id: domain.nodeIds[0],
      status: 'INTERNAL_SERVER_ERROR',
    })),
  );
}

function snapshotView(snapshot: StoredSnapshot, domain: DomainRecord, now: number) {
  const state = snapshotState(snapshot, now);
  const total = snapshot.indices.reduce((s, i) => s + i.primaries, 0);
  const failed = state === 'IN_PROGRESS' ? 0 : snapshot.indices.reduce((s, i) => s + (i.failedShards?.length ?? 0), 0);
  const done = state !== 'IN_PROGRESS';
  return {
    snapshot: snapshot.name,
    uuid: snapshot.uuid,
    version_id: versionId(snapshot.engineVersion),
    version: engineNumber(snapshot.engineVersion),
    remote_store_index_shallow_copy: false,
    indices: snapshot.indices.map((i) => i.name),
    data_streams: [],
    include_global_state: snapshot.includeGlobalState,
    state,
    start_time: new Date(snapshot.startedAt).toISOString(),
    start_time_in_millis: snapshot.startedAt,
    ...(done
      ? {
          end_time: new Date(snapshot.endedAt).toISOString(),
          end_time_in_millis: snapshot.endedAt,
          duration_in_millis: snapshot.endedAt - snapshot.startedAt,
        }
      : { end_time_in_millis: 0, duration_in_millis: 0 }),
    failures: done ? failuresOf(snapshot, domain) : [],
    shards: { total: done ? total : 0, failed, successful: done ? total - failed : 0 },
  };
}

const snapshotMissing = (repository: string, name: string) =>
  osException('snapshot_missing_exception', `[${repository}:${name}] is missing`, 404);

function getSnapshots(req: DataRequest, repositoryName: string, expression: string): DataResponse {
  const { domain, world } = req;
  const repository = repositoryOf(domain, repositoryName);
  const now = world.clock.nowMs();
  const all = snapshotsOf(world, repository.bucket, repository.basePath);
  const selected =
    expression === '_all' || expression === '*'
      ? all
      : expression.split(',').flatMap((part) => {
          if (part.includes('*')) return all.filter((s) => wildcard(part, s.name));
          const found = all.find((s) => s.name === part);
          if (!found && req.query.get('ignore_unavailable') !== 'true') throw snapshotMissing(repositoryName, part);
          return found ? [found] : [];
        });
  return ok({ snapshots: selected.map((s) => snapshotView(s, domain, now)) });
}

function storedSnapshots(world: World, repository: RepositoryRecord): Map<string, StoredSnapshot> {
  const bucket = snapshotStore(world).buckets.get(repository.bucket) ?? createBucket(world, repository.bucket, '', repository.region);
  return snapshotsAt(bucket, repository.basePath);
}

const readonlyRefusal = (repository: string) =>
  osException('repository_exception', `[${repository}] cannot create snapshot in a readonly repository`, 500);

function createSnapshot(req: DataRequest, repositoryName: string, name: string): DataResponse {
  const { domain, world, body } = req;
  const repository = repositoryOf(domain, repositoryName);
  if (repository.readonly) throw readonlyRefusal(repositoryName);
  // The snapshot is written to S3 with the repository's role: its permissions decide, not the caller's.
  checkRoleMay(world, domain, repositoryName, repository, 's3:PutObject', objectArn(repository));
  snapshotsOf(world, repository.bucket, repository.basePath);
  const snapshots = storedSnapshots(world, repository);
  if (snapshots.has(name)) {
    throw osException('invalid_snapshot_name_exception', `[${repositoryName}:${name}] Invalid snapshot name [${name}], snapshot with the same name already exists`, 400);
  }
  const now = world.clock.nowMs();
  const available = snapshotIndicesOf(domain, now);
  const names = resolveSelection(available.map((i) => i.name), selectorsOf(body?.indices), body?.ignore_unavailable === true);
  const indices = available.filter((i) => names.includes(i.name));
  const snapshot = takeSnapshot(domain, name, now, {
    includeGlobalState: body?.include_global_state !== false,
    indices,
  });
  snapshot.endedAt = Math.round(now + world.scaled(snapshot.endedAt - now));
  snapshots.set(name, snapshot);
  return ok({ accepted: true });
}

function deleteSnapshot(req: DataRequest, repositoryName: string, name: string): DataResponse {
  const { domain, world } = req;
  const repository = repositoryOf(domain, repositoryName);
  if (repository.readonly) {
    throw osException('repository_exception', `[${repositoryName}] cannot delete snapshot from a readonly repository`, 500);
  }
  checkRoleMay(world, domain, repositoryName, repository, 's3:DeleteObject', objectArn(repository));
  snapshotsOf(world, repository.bucket, repository.basePath);
  const snapshots = storedSnapshots(world, repository);
  if (!snapshots.has(name)) throw snapshotMissing(repositoryName, name);
  snapshots.delete(name);
  return acknowledged();
}

// ---- restore ----

function selectorsOf(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const parts = Array.isArray(value) ? value.map(String) : String(value).split(',');
  return parts.map((p) => p.trim()).filter(Boolean);
}

/**
 * OpenSearch's selection of snapshot indices (SnapshotUtils.filterIndices): none or `_all` selects all; each
 * element adds (or, prefixed `-`, removes) names, with `*` wildcards; a leading exclusion starts from all; a
 * name without wildcard that is not in the snapshot is index_not_found_exception unless ignore_unavailable.
 */
export function resolveSelection(available: string[], selectors: string[], ignoreUnavailable: boolean): string[] {
  if (selectors.length === 0 || (selectors.length === 1 && selectors[0] === '_all')) return [...available];
  let result: Set<string> | undefined;
  selectors.forEach((raw, i) => {
    let selector = raw;
    let add = true;
    if (selector.startsWith('+')) selector = selector.slice(1);
    else if (selector.startsWith('-')) {
      if (i === 0) result = new Set(available);
      add = false;
      selector = selector.slice(1);
    }
    result ??= new Set();
    if (selector.includes('*')) {
      for (const name of available) {
        if (wildcard(selector, name)) {
          if (add) result.add(name);
          else result.delete(name);
        }
      }
    } else if (add) {
      if (!available.includes(selector)) {
        if (!ignoreUnavailable) throw indexNotFound(selector);
      } else result.add(selector);
    } else result.delete(selector);
  });
  return available.filter((n) => result?.has(n));
}

function replicasSetting(settings: unknown): number | undefined {
  if (!settings || typeof settings !== 'object') return undefined;
  const s = settings as Record<string, unknown>;
  const value = s['index.number_of_replicas'] ?? s.number_of_replicas ?? (s.index as Record<string, unknown> | undefined)?.number_of_replicas;
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw osException('illegal_argument_exception', `Failed to parse value [${String(value)}] for setting [index.number_of_replicas] must be >= 0`, 400);
  }
  return n;
}

/**
 * POST _snapshot/<repo>/<snapshot>/_restore: restores the selected indices (body `indices`, e.g. `*,-.*`),
 * renamed with rename_pattern/rename_replacement; refuses to restore over an open index, an incomplete index of
 * a PARTIAL snapshot (unless `partial`), a FAILED or running snapshot, or a snapshot of a newer engine. The
 * indices are red while their primaries are restored, then yellow while replicas recover, then green (or stay
 * yellow when the domain has too few data nodes for their replicas).
 */
function restore(req: DataRequest, repositoryName: string, snapshotName: string): DataResponse {
  const { domain, world, body } = req;
  const repository = repositoryOf(domain, repositoryName);
  const now = world.clock.nowMs();
  const snapshot = snapshotsOf(world, repository.bucket, repository.basePath).find((s) => s.name === snapshotName);
  if (!snapshot) {
    throw osException('snapshot_restore_exception', `[${repositoryName}:${snapshotName}] snapshot does not exist`, 500);
  }
  const label = `[${repositoryName}:${snapshotName}/${snapshot.uuid}]`;
  const state = snapshotState(snapshot, now);
  if (state === 'IN_PROGRESS' || state === 'FAILED') {
    throw osException('snapshot_restore_exception', `${label} unsupported snapshot state [${state}]`, 500);
  }
  if (engineRank(snapshot.engineVersion) > engineRank(domain.engineVersion)) {
    throw osException(
      'snapshot_restore_exception',
      `${label} the snapshot was created with version [${engineNumber(snapshot.engineVersion)}] which is higher than the version of this node [${engineNumber(domain.engineVersion)}]`,
      500,
    );
  }
  const selected = resolveSelection(
    snapshot.indices.map((i) => i.name),
    selectorsOf(body?.indices),
    body?.ignore_unavailable === true,
  );
  const partial = body?.partial === true;
  const pattern = typeof body?.rename_pattern === 'string' ? body.rename_pattern : undefined;
  const replacement = typeof body?.rename_replacement === 'string' ? body.rename_replacement : undefined;
  const replicas = replicasSetting(body?.index_settings);
  const existing = new Map(indicesOf(domain, now).map((i) => [i.name, i]));
  const plan = selected.map((name) => {
    const source = snapshot.indices.find((i) => i.name === name)!;
    const target = pattern !== undefined && replacement !== undefined ? name.replace(new RegExp(pattern, 'g'), replacement) : name;
    if ((source.failedShards?.length ?? 0) > 0 && !partial) {
      throw osException('snapshot_restore_exception', `${label} index [${name}] wasn't fully snapshotted - cannot restore`, 500);
    }
    if (existing.has(target)) {
      throw osException(
        'snapshot_restore_exception',
        `${label} cannot restore index [${target}] because an open index with same name already exists in the cluster. Either close or delete the existing index or restore the index under a different name by providing a rename pattern and replacement name`,
        500,
      );
    }
    return { source, target };
  });
  const targets = plan.map((p) => p.target);
  const duplicate = targets.find((t, i) => targets.indexOf(t) !== i);
  if (duplicate) throw osException('snapshot_restore_exception', `${label} indices are renamed into the same index [${duplicate}]`, 500);
  const restoreUuid = osUuid();
  for (const { source, target } of plan) {
    const kept = 1 - (source.failedShards?.length ?? 0) / source.primaries;
    const bytes = Math.round(source.primaryBytes * kept);
    const primariesDoneAt = now + world.scaled(DURATIONS.restorePrimaries(bytes));
    const documents = source.documents && documentsKept(source.documents, source.primaries, source.failedShards);
    const index: IndexRecord = {
      name: target,
      uuid: osUuid(),
      primaries: source.primaries,
      replicas: replicas ?? source.replicas,
      docs: documents ? documents.length : Math.round(source.docs * kept),
      documents,
      primaryBytes: bytes,
      createdAt: now,
      recovery: {
        repository: repositoryName,
        snapshot: snapshotName,
        snapshotUuid: snapshot.uuid,
        sourceIndex: source.name,
        version: engineNumber(snapshot.engineVersion),
        restoreUuid,
        startedAt: now,
        primariesDoneAt,
        replicasDoneAt: primariesDoneAt + world.scaled(DURATIONS.recoverReplicas(bytes)),
      },
    };
    domain.indices.set(target, index);
  }
  return ok({ accepted: true });
}

// ---- indices ----

function deleteIndex(req: DataRequest, expression: string): DataResponse {
  const { domain } = req;
  if (domain.dataAt) throw awsRefusal(403, 'The snapclone sandbox does not delete indices of a source domain.');
  const names = namesMatching([...domain.indices.keys()], expression);
  for (const part of expression.split(',')) {
    if (!part.includes('*') && !domain.indices.has(part)) throw indexNotFound(part);
  }
  for (const name of names) domain.indices.delete(name);
  return acknowledged();
}

function headIndex(req: DataRequest, name: string): DataResponse {
  const exists = indicesOf(req.domain, req.world.clock.nowMs()).some((i) => i.name === name);
  return { status: exists ? 200 : 404, body: undefined };
}

// ---- routing ----

/** The REST call a request is, or a 501 naming it. */
export function route(req: DataRequest): DataResponse {
  const { method, segments: s } = req;
  const [first, second, third, fourth] = s;
  const get = method === 'GET';
  const put = method === 'PUT' || method === 'POST';
  if (s.length === 0 && (get || method === 'HEAD')) return method === 'HEAD' ? { status: 200, body: undefined } : info(req);
  if (first === '_cluster' && second === 'health' && get && s.length <= 3) return clusterHealth(req, third);
  if (first === '_snapshot') {
    if (s.length === 1 && get) return getRepositories(req);
    if (s.length === 2 && get) return getRepositories(req, second);
    if (s.length === 2 && method === 'PUT') return putRepository(req, second);
    if (s.length === 2 && method === 'POST') return postRepository(second);
    if (s.length === 2 && method === 'DELETE') return deleteRepository(req, second);
    if (s.length === 3 && get) return getSnapshots(req, second, third);
    if (s.length === 3 && third === '_verify' && method === 'POST') {
      repositoryOf(req.domain, second);
      return ok({ nodes: Object.fromEntries(req.domain.nodeIds.map((id) => [id, { name: id }])) });
    }
    if (s.length === 3 && put) return createSnapshot(req, second, third);
    if (s.length === 3 && method === 'DELETE') return deleteSnapshot(req, second, third);
    if (s.length === 4 && fourth === '_restore' && method === 'POST') return restore(req, second, third);
  }
  if (first === '_cat' && get && s.length <= 3) {
    if (second === 'indices') return catIndices(req, third);
    if (second === 'recovery') return catRecovery(req, third);
  }
  if (first === '_recovery' && get && s.length === 1) return recoveryApi(req);
  if (s.length === 2 && second === '_recovery' && get) return recoveryApi(req, first);
  const documents = documentRoute(req);
  if (documents) return documents;
  const searched = searchRoute(req);
  if (searched) return searched;
  if (s.length === 1 && !first.startsWith('_')) {
    if (method === 'DELETE') return deleteIndex(req, first);
    if (method === 'HEAD') return headIndex(req, first);
  }
  throw osException(
    'sandbox_not_implemented',
    `The snapclone sandbox does not implement ${method} /${s.join('/')} on OpenSearch domains`,
    501,
  );
}
