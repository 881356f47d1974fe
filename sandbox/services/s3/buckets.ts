import { AwsError } from '../../core/errors.ts';
import type { RequestContext } from '../../core/service.ts';
import { bucketArn, ensureBucket, s3State } from './state.ts';

/** S3's bucket calls the tests seed and look with: CreateBucket and ListBuckets. */

export function createBucket(input: { Bucket: string; CreateBucketConfiguration?: { LocationConstraint?: string } }, ctx: RequestContext) {
  const existing = s3State(ctx.world).buckets.get(input.Bucket);
  if (existing) {
    if (existing.accountId === ctx.accountId) throw new AwsError('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', 409);
    throw new AwsError('BucketAlreadyExists', 'The requested bucket name is not available.', 409);
  }
  const region = input.CreateBucketConfiguration?.LocationConstraint ?? 'us-east-1';
  ensureBucket(ctx.world, input.Bucket, ctx.accountId, region);
  return { Location: `/${input.Bucket}`, BucketArn: bucketArn(input.Bucket) };
}

export function listBuckets(_input: unknown, ctx: RequestContext) {
  const buckets = [...s3State(ctx.world).buckets.values()].filter((b) => b.accountId === ctx.accountId);
  return {
    Buckets: buckets
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((b) => ({ Name: b.name, CreationDate: new Date(b.createdAt), BucketRegion: b.region })),
    Owner: { ID: ctx.accountId },
  };
}
