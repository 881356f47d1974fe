import type { World } from '../core/world.ts';
import { ensureBucket, type S3Object } from '../services/s3/state.ts';
import { snapshotsOf } from '../services/opensearch/snapshots.ts';
import { engineNumber, engineRank, snapshotStore, snapshotState, stableUuid, type StoredSnapshot } from '../services/opensearch/state.ts';

/**
 * An OpenSearch snapshot repository as S3 shows it: the blobs OpenSearch's BlobStoreRepository writes, under
 * the repository's base_path, rendered from the snapshots the domains took into it (services/opensearch), so
 * that what a domain's `_snapshot` API answers and what S3 holds agree at any time. From OpenSearch's source
 * (server/…/repositories/RepositoryData.java, blobstore/BlobStoreRepository.java; Elasticsearch 7.10 writes
 * the same):
 *
 * - `index-N`: the repository data as JSON (never compressed): per snapshot `name`, `uuid`, `state` (a byte:
 *   0 IN_PROGRESS, 1 SUCCESS, 2 FAILED, 3 PARTIAL, 4 INCOMPATIBLE), `index_metadata_lookup`, `version`; per
 *   index its `id`, the `snapshots` (uuids) holding it and its `shard_generations`; `min_version` "7.9.0"
 *   (Elasticsearch 7.10, OpenSearch 1 and 2; OpenSearch 3 writes none) and `index_metadata_identifiers`. No
 *   times. N goes up by one per snapshot finished or deleted; older index-N blobs are deleted once N is written.
 * - `index.latest`: N as 8 bytes, big-endian.
 * - `snap-<uuid>.dat` (the SnapshotInfo, with its start and end times) and `meta-<uuid>.dat` (global metadata),
 *   written when the snapshot is finalized, just before `index-N`: their LastModified is when it finished.
 * - `indices/<index id>/meta-<blob uuid>.dat`, and per shard `indices/<index id>/<shard>/snap-<uuid>.dat`, its
 *   `index-<generation>` and its data blobs `__<uuid>`.
 *
 * A snapshot under way is in none of them (it lives in the cluster state until finalized). The `.dat` blobs have
 * OpenSearch's codec header and CRC32 footer around a JSON body (OpenSearch writes SMILE there), and data blobs
 * hold a short stand-in rather than Lucene files: what a reader of the repository's listing and `index-N` sees
 * is exact, the content of the binary blobs is not.
 */

const STATE_BYTE = { IN_PROGRESS: 0, SUCCESS: 1, FAILED: 2, PARTIAL: 3 } as const;

/** How a repository path's generation moves: by one per snapshot finalized or deleted, as the domains write it. */
interface Generation {
  n: number;
  uuids: Set<string>;
  changedAt: number;
}
const generations = new WeakMap<Map<string, StoredSnapshot>, Generation>();

function generationOf(path: Map<string, StoredSnapshot>, finished: StoredSnapshot[], now: number): Generation {
  const uuids = new Set(finished.map((s) => s.uuid));
  const lastEnd = Math.max(0, ...finished.map((s) => s.endedAt));
  let gen = generations.get(path);
  if (!gen) {
    gen = { n: finished.length - 1, uuids, changedAt: lastEnd };
    generations.set(path, gen);
    return gen;
  }
  const added = [...uuids].filter((u) => !gen!.uuids.has(u)).length;
  const removed = [...gen.uuids].filter((u) => !uuids.has(u)).length;
  if (added + removed > 0) {
    gen.n += added + removed;
    gen.changedAt = removed > 0 ? now : Math.max(gen.changedAt, lastEnd);
    gen.uuids = uuids;
  }
  return gen;
}

// ---- Lucene's codec header and footer (CodecUtil), as ChecksumBlobStoreFormat writes them ----

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const CODEC_MAGIC = 0x3fd76c17;

function codecBlob(codec: string, content: unknown): Buffer {
  const name = Buffer.from(codec, 'utf8');
  const header = Buffer.alloc(4 + 1 + name.length + 4);
  header.writeUInt32BE(CODEC_MAGIC, 0);
  header.writeUInt8(name.length, 4);
  name.copy(header, 5);
  header.writeUInt32BE(1, 5 + name.length);
  const body = Buffer.concat([header, Buffer.from(JSON.stringify(content), 'utf8')]);
  const footer = Buffer.alloc(16);
  footer.writeUInt32BE(~CODEC_MAGIC >>> 0, 0);
  footer.writeUInt32BE(0, 4);
  const withFooterStart = Buffer.concat([body, footer.subarray(0, 8)]);
  footer.writeBigUInt64BE(BigInt(crc32(withFooterStart)), 8);
  return Buffer.concat([withFooterStart, footer.subarray(8)]);
}

const object = (key: string, lastModified: number, body: () => Buffer): S3Object => {
  let made: Buffer | undefined;
  const content = () => (made ??= body());
  return {
    key,
    lastModified,
    body: content,
    get size() {
      return content().length;
    },
  };
};

// ---- The repository's ids: stable per repository path, as OpenSearch keeps them across snapshots ----

const indexIdOf = (repo: string, index: string) => stableUuid(`index-id:${repo}:${index}`);
/** An index's metadata identifier (index uuid, history uuid, settings and mapping versions) and its blob's uuid. */
const metaIdentifierOf = (indexUuid: string) => `${indexUuid}-_na_-1-1`;
const metaBlobOf = (repo: string, identifier: string) => stableUuid(`index-meta:${repo}:${identifier}`);
const shardGenOf = (snapshotUuid: string, indexId: string, shard: number) => stableUuid(`shard-gen:${snapshotUuid}:${indexId}:${shard}`);

const restorableShards = (snapshot: StoredSnapshot, index: StoredSnapshot['indices'][number]) =>
  snapshot.outcome === 'FAILED' ? [] : Array.from({ length: index.primaries }, (_, n) => n).filter((n) => !index.failedShards?.includes(n));

/** The repository data (index-N) of the finished snapshots of one path, as the engine that wrote it lays it out. */
function repositoryData(repo: string, finished: StoredSnapshot[]) {
  const engine = finished.at(-1)?.engineVersion ?? 'OpenSearch_2.17';
  const indices = new Map<string, { id: string; snapshots: string[]; gens: string[] }>();
  const identifiers: Record<string, string> = {};
  const snapshots = finished.map((s) => {
    const lookup: Record<string, string> = {};
    for (const index of s.indices) {
      const id = indexIdOf(repo, index.name);
      const identifier = metaIdentifierOf(index.uuid);
      identifiers[identifier] = metaBlobOf(repo, identifier);
      lookup[id] = identifier;
      const entry = indices.get(index.name) ?? { id, snapshots: [], gens: [] };
      entry.snapshots.push(s.uuid);
      for (const shard of restorableShards(s, index)) entry.gens[shard] = shardGenOf(s.uuid, id, shard);
      indices.set(index.name, entry);
    }
    return { name: s.name, uuid: s.uuid, state: STATE_BYTE[s.outcome], index_metadata_lookup: lookup, version: engineNumber(s.engineVersion) };
  });
  return {
    snapshots,
    indices: Object.fromEntries([...indices].map(([name, e]) => [name, { id: e.id, snapshots: e.snapshots, shard_generations: [...e.gens].map((g) => g ?? null) }])),
    // OpenSearch 3 stopped writing min_version (it ignores it when reading).
    ...(engineRank(engine) < 300 ? { min_version: '7.9.0' } : {}),
    index_metadata_identifiers: identifiers,
  };
}

function snapshotInfo(s: StoredSnapshot) {
  const failures = s.indices.flatMap((i) => (i.failedShards ?? []).map((shard) => ({ index: i.name, shard_id: shard, reason: s.failureReason ?? 'failed' })));
  const total = s.indices.reduce((n, i) => n + i.primaries, 0);
  return {
    snapshot: {
      name: s.name,
      uuid: s.uuid,
      version: engineNumber(s.engineVersion),
      indices: s.indices.map((i) => i.name),
      data_streams: [],
      state: s.outcome,
      ...(s.failureReason ? { reason: s.failureReason } : {}),
      include_global_state: s.includeGlobalState,
      start_time: s.startedAt,
      end_time: s.endedAt,
      total_shards: total,
      successful_shards: s.outcome === 'FAILED' ? 0 : total - failures.length,
      failures,
    },
  };
}

/** Every blob of one repository path now. */
export function repositoryObjects(world: World, bucket: string, basePath: string, now: number): S3Object[] {
  const prefix = basePath === '' ? '' : `${basePath.replace(/\/+$/, '')}/`;
  const repo = `${bucket}/${prefix}`;
  const finished = snapshotsOf(world, bucket, basePath).filter((s) => snapshotState(s, now) !== 'IN_PROGRESS');
  const path = snapshotStore(world).buckets.get(bucket)?.paths.get(basePath);
  if (!path || finished.length === 0) return [];
  const gen = generationOf(path, finished, now);
  const objects: S3Object[] = [
    object(`${prefix}index-${gen.n}`, gen.changedAt, () => Buffer.from(JSON.stringify(repositoryData(repo, finished)), 'utf8')),
    object(`${prefix}index.latest`, gen.changedAt, () => {
      const bytes = Buffer.alloc(8);
      bytes.writeBigInt64BE(BigInt(gen.n));
      return bytes;
    }),
  ];
  const latestShardGen = new Map<string, { gen: string; at: number }>();
  const metaWritten = new Map<string, number>();
  for (const s of finished) {
    objects.push(object(`${prefix}snap-${s.uuid}.dat`, s.endedAt, () => codecBlob('snapshot', snapshotInfo(s))));
    objects.push(object(`${prefix}meta-${s.uuid}.dat`, s.endedAt - 400, () => codecBlob('metadata', { meta_data: { cluster_uuid: stableUuid(repo) } })));
    for (const index of s.indices) {
      const id = indexIdOf(repo, index.name);
      const identifier = metaIdentifierOf(index.uuid);
      const metaKey = `${prefix}indices/${id}/meta-${metaBlobOf(repo, identifier)}.dat`;
      if (!metaWritten.has(metaKey)) metaWritten.set(metaKey, s.endedAt - 800);
      for (const shard of restorableShards(s, index)) {
        const dir = `${prefix}indices/${id}/${shard}/`;
        const at = s.endedAt - 1_000;
        const blob = stableUuid(`data:${s.uuid}:${id}:${shard}`);
        objects.push(object(`${dir}__${blob}`, at - 500, () => Buffer.from(`sandbox stand-in for the Lucene files of ${index.name}[${shard}] in ${s.name}\n`, 'utf8')));
        objects.push(object(`${dir}snap-${s.uuid}.dat`, at, () => codecBlob('snapshot', { name: s.name, index_version: 1, start_time: s.startedAt, time: s.endedAt - s.startedAt, files: [{ name: `__${blob}` }] })));
        latestShardGen.set(dir, { gen: shardGenOf(s.uuid, id, shard), at });
      }
    }
  }
  for (const [key, at] of metaWritten) objects.push(object(key, at, () => codecBlob('index-metadata', { key })));
  for (const [dir, { gen: shardGen, at }] of latestShardGen) {
    objects.push(object(`${dir}index-${shardGen}`, at, () => codecBlob('snapshots', { snapshots: {} })));
  }
  return objects;
}

/**
 * Makes the S3 bucket of a snapshot repository show, for every base path the domains use in it, the blobs
 * OpenSearch lays out there (an existing S3 bucket of that name is reused).
 */
export function exposeRepositoryBucket(world: World, bucket: string, accountId: string, region: string): void {
  const s3Bucket = ensureBucket(world, bucket, accountId, region);
  s3Bucket.provided = (w, now) => {
    const paths = [...(snapshotStore(w).buckets.get(bucket)?.paths.keys() ?? [])];
    return paths.flatMap((basePath) => repositoryObjects(w, bucket, basePath, now));
  };
}
