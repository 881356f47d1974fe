import { GetObjectCommand, ListObjectsV2Command, S3Client, type _Object } from '@aws-sdk/client-s3';
import { SnapcloneError } from '../../core/errors.ts';
import { isError, type Where } from '../shared/aws.ts';
import { listedPrefixes, repositoryPrefix, type Repository } from './aws.ts';

/**
 * A source's manual snapshots, read from its S3 snapshot repository (read-only, through S3): no network path
 * to the production domain and no permission on its REST API are needed. The layout is OpenSearch's
 * (server/…/repositories/RepositoryData.java and blobstore/BlobStoreRepository.java, the same in Elasticsearch
 * 7.10 and OpenSearch 1 to 3): the repository data is the JSON blob `index-N` of the highest N (OpenSearch
 * itself finds it by listing `index-`; `index.latest` is only for repositories that cannot be listed), naming
 * each snapshot with its uuid and state but no times. When a snapshot finished is the LastModified of its
 * `snap-<uuid>.dat`, which OpenSearch writes as it finalizes the snapshot, right before the new `index-N`.
 */

/** SnapshotState as RepositoryData writes it: a byte (org.opensearch.snapshots.SnapshotState). */
const STATES: Record<number, string> = { 0: 'IN_PROGRESS', 1: 'SUCCESS', 2: 'FAILED', 3: 'PARTIAL', 4: 'INCOMPATIBLE' };

export interface RepositorySnapshot {
  name: string;
  uuid: string;
  /** SUCCESS, PARTIAL, FAILED…; undefined when the repository data does not say (snapshots of very old versions). */
  state?: string;
  /** When it finished: the LastModified of its snap-<uuid>.dat (undefined when that blob is missing). */
  finishedAt?: Date;
  indices: string[];
}

interface RepositoryData {
  snapshots?: { name: string; uuid: string; state?: number }[];
  indices?: Record<string, { snapshots?: (string | { uuid: string })[] }>;
}

async function listAll(s3: S3Client, bucket: string, prefix: string): Promise<_Object[]> {
  const objects: _Object[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    objects.push(...(page.Contents ?? []));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

/** The newest repository data generation listed (index-N of the highest N), or undefined for an empty repository. */
function latestGeneration(objects: _Object[], prefix: string): string | undefined {
  let best: { n: bigint; key: string } | undefined;
  for (const o of objects) {
    const m = /^index-(\d+)$/.exec((o.Key ?? '').slice(prefix.length));
    if (m && (!best || BigInt(m[1]) > best.n)) best = { n: BigInt(m[1]), key: o.Key! };
  }
  return best?.key;
}

/** S3's refusals, said with what to change. */
function explained(error: unknown, repo: Repository, what: string): unknown {
  if (isError(error, 'NoSuchBucket')) {
    return new SnapcloneError(`The snapshot repository's bucket ${repo.bucket} does not exist (or is in another region).`, undefined, 'Check sources.<s>.snapshotRepository.bucket against the repository registered on the source domain.');
  }
  if (isError(error, 'AccessDenied', 'AccessDeniedException')) {
    return new SnapcloneError(
      `S3 refused ${what} in s3://${repo.bucket}/${repositoryPrefix(repo)}: ${(error as Error).message}`,
      undefined,
      "The role needs s3:ListBucket on the bucket (s3:prefix index- and snap-) and s3:GetObject on its index-* blobs (snapclone iam policy), and the bucket's policy and KMS key must let it read.",
    );
  }
  return error;
}

/** The repository's snapshots, oldest first as the repository data lists them. */
export async function repositorySnapshots(w: Where, repo: Repository): Promise<RepositorySnapshot[]> {
  const s3 = w.clients.of(S3Client);
  const [indexPrefix, snapPrefix] = listedPrefixes(repo);
  let generations: _Object[];
  let infos: _Object[];
  try {
    [generations, infos] = await Promise.all([listAll(s3, repo.bucket, indexPrefix), listAll(s3, repo.bucket, snapPrefix)]);
  } catch (error) {
    throw explained(error, repo, 'listing the repository');
  }
  const key = latestGeneration(generations, repositoryPrefix(repo));
  if (!key) return [];
  let data: RepositoryData;
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: repo.bucket, Key: key }));
    data = JSON.parse((await out.Body?.transformToString('utf8')) ?? '{}') as RepositoryData;
  } catch (error) {
    if (error instanceof SyntaxError) throw new SnapcloneError(`${key} in s3://${repo.bucket} is not OpenSearch repository data (${error.message}).`);
    throw explained(error, repo, `reading ${key}`);
  }
  const finished = new Map(infos.map((o) => [(o.Key ?? '').slice(snapPrefix.length).replace(/\.dat$/, ''), o.LastModified]));
  const indicesOf = new Map<string, string[]>();
  for (const [index, entry] of Object.entries(data.indices ?? {})) {
    for (const ref of entry.snapshots ?? []) {
      const uuid = typeof ref === 'string' ? ref : ref.uuid;
      indicesOf.set(uuid, [...(indicesOf.get(uuid) ?? []), index]);
    }
  }
  return (data.snapshots ?? []).map((s) => ({
    name: s.name,
    uuid: s.uuid,
    state: s.state === undefined ? undefined : (STATES[s.state] ?? `state ${s.state}`),
    finishedAt: finished.get(s.uuid),
    indices: (indicesOf.get(s.uuid) ?? []).sort(),
  }));
}
