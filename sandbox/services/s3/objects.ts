import { checkPermission } from '../../core/authorize.ts';
import { AwsError } from '../../core/errors.ts';
import type { RequestContext } from '../../core/service.ts';
import { listObjects } from './listing.ts';
import { bucketArn, etagOf, findObject, objectsOf, s3State, storedObject, type S3Bucket, type S3Object } from './state.ts';

/** S3's object calls: ListObjectsV2, GetObject, HeadObject and PutObject (what tests seed with), path-style. */

/** S3's answer for a name no bucket has (the account's own buckets only, as a same-account caller sees them). */
export function bucketOf(ctx: RequestContext, name: string): S3Bucket {
  const bucket = s3State(ctx.world).buckets.get(name);
  if (!bucket) throw new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404);
  return bucket;
}

/**
 * A key the bucket does not hold: NoSuchKey (404) for a caller allowed s3:ListBucket on the bucket, else
 * AccessDenied (403), so that a caller who may not list learns nothing of which keys exist (S3 User Guide,
 * GetObject: "If you don't have the s3:ListBucket permission, Amazon S3 returns an HTTP status code 403").
 */
function missingKey(ctx: RequestContext, bucket: S3Bucket): AwsError {
  try {
    checkPermission(ctx, 's3:ListBucket', [bucketArn(bucket.name)]);
  } catch (error) {
    if (error instanceof AwsError && error.status === 403) return new AwsError('AccessDenied', 'Access Denied', 403);
    throw error;
  }
  return new AwsError('NoSuchKey', 'The specified key does not exist.', 404);
}

interface ListInput {
  Bucket: string;
  Prefix?: string;
  Delimiter?: string;
  MaxKeys?: number;
  ContinuationToken?: string;
  StartAfter?: string;
  EncodingType?: string;
}

export function listObjectsV2(input: ListInput, ctx: RequestContext) {
  const bucket = bucketOf(ctx, input.Bucket);
  const page = listObjects(objectsOf(ctx.world, bucket), input);
  // encoding-type=url (the aws CLI asks for it): keys and prefixes come back URL-encoded, '/' left as is.
  const encode = input.EncodingType === 'url' ? (s: string) => encodeURIComponent(s).replace(/%2F/g, '/') : (s: string) => s;
  const optional = (s: string | undefined) => (s === undefined ? undefined : encode(s));
  return {
    Name: bucket.name,
    Prefix: encode(input.Prefix ?? ''),
    Delimiter: optional(input.Delimiter),
    MaxKeys: input.MaxKeys ?? 1000,
    EncodingType: input.EncodingType,
    KeyCount: page.contents.length + page.commonPrefixes.length,
    IsTruncated: page.truncated,
    ContinuationToken: input.ContinuationToken,
    NextContinuationToken: page.nextToken,
    StartAfter: optional(input.StartAfter),
    Contents: page.contents.map((o) => ({
      Key: encode(o.key),
      LastModified: new Date(o.lastModified),
      ETag: etagOf(o),
      Size: o.size,
      StorageClass: 'STANDARD',
    })),
    CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: encode(p) })),
  };
}

function objectOf(ctx: RequestContext, input: { Bucket: string; Key: string }): S3Object {
  const bucket = bucketOf(ctx, input.Bucket);
  const object = findObject(ctx.world, bucket, input.Key);
  if (!object) throw missingKey(ctx, bucket);
  return object;
}

const description = (object: S3Object) => ({
  LastModified: new Date(object.lastModified),
  ContentLength: object.size,
  ETag: etagOf(object),
  ContentType: object.contentType ?? 'binary/octet-stream',
});

export function headObject(input: { Bucket: string; Key: string }, ctx: RequestContext) {
  return description(objectOf(ctx, input));
}

export function getObject(input: { Bucket: string; Key: string }, ctx: RequestContext) {
  const object = objectOf(ctx, input);
  return { ...description(object), Body: object.body() };
}

export function putObject(input: { Bucket: string; Key: string; Body?: Buffer; ContentType?: string }, ctx: RequestContext) {
  const bucket = bucketOf(ctx, input.Bucket);
  const object = storedObject(input.Key, input.Body ?? Buffer.alloc(0), ctx.world.clock.nowMs(), input.ContentType);
  bucket.objects.set(input.Key, object);
  return { ETag: etagOf(object) };
}
