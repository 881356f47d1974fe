import { createHash } from 'node:crypto';
import type { World } from '../../core/world.ts';

/**
 * Amazon S3's state: buckets, global by name as S3's are, each in one account and region. A bucket holds the
 * objects put into it, and may also show objects another part of the sandbox keeps there as of the clock (an
 * OpenSearch snapshot repository, written by the domains that snapshot into it): `provided`, read on every call,
 * so what S3 shows and what the writer holds never disagree. Stored objects win over provided ones of the same key.
 */

export interface S3Object {
  key: string;
  size: number;
  /** When the object was written (ms on the sandbox clock). */
  lastModified: number;
  /** Its content, made on demand (a provided object is rendered only when read). */
  body(): Buffer;
  contentType?: string;
}

export interface S3Bucket {
  name: string;
  accountId: string;
  region: string;
  createdAt: number;
  objects: Map<string, S3Object>;
  provided?: (world: World, now: number) => S3Object[];
}

export interface S3State {
  buckets: Map<string, S3Bucket>;
}

export const s3State = (world: World): S3State =>
  world.state<S3State>('s3', 'global', 'global', () => ({ buckets: new Map() }));

export const bucketArn = (name: string) => `arn:aws:s3:::${name}`;
export const objectArn = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;

/** A bucket, made if it is not there yet (the scenario's seeding; CreateBucket refuses an existing name itself). */
export function ensureBucket(world: World, name: string, accountId: string, region: string): S3Bucket {
  const state = s3State(world);
  let bucket = state.buckets.get(name);
  if (!bucket) {
    bucket = { name, accountId, region, createdAt: world.clock.nowMs(), objects: new Map() };
    state.buckets.set(name, bucket);
  }
  return bucket;
}

/** An object of given bytes, written at `at`. */
export function storedObject(key: string, body: Buffer, at: number, contentType?: string): S3Object {
  return { key, size: body.length, lastModified: at, body: () => body, contentType };
}

/** Every object of a bucket now, ordered by key as S3 lists them (UTF-8 binary order). */
export function objectsOf(world: World, bucket: S3Bucket): S3Object[] {
  const all = new Map<string, S3Object>();
  for (const object of bucket.provided?.(world, world.clock.nowMs()) ?? []) all.set(object.key, object);
  for (const [key, object] of bucket.objects) all.set(key, object);
  return [...all.values()].sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
}

export function findObject(world: World, bucket: S3Bucket, key: string): S3Object | undefined {
  return bucket.objects.get(key) ?? bucket.provided?.(world, world.clock.nowMs()).find((o) => o.key === key);
}

/** A single-part upload's ETag: the MD5 of its content, quoted. */
export const etagOf = (object: S3Object) => `"${createHash('md5').update(object.body()).digest('hex')}"`;
