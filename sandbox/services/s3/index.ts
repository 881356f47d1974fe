import * as schemas from '@aws-sdk/client-s3';
import type { ServiceDef } from '../../core/service.ts';
import { createBucket, listBuckets } from './buckets.ts';
import { getObject, headObject, listObjectsV2, putObject } from './objects.ts';
import { bucketArn, objectArn } from './state.ts';

type Named = { Bucket?: string; Key?: string };
const onBucket = (input: Named) => [bucketArn(input.Bucket ?? '*')];
const onObject = (input: Named) => [objectArn(input.Bucket ?? '*', input.Key ?? '*')];

/**
 * Amazon S3 (restXml, signing name `s3`), path-style: `/{Bucket}/{Key+}`. Its IAM actions are not its operations'
 * names (Service Authorization Reference): ListObjectsV2 is s3:ListBucket on the bucket, with the request's
 * s3:prefix / s3:delimiter / s3:max-keys; GetObject and HeadObject are s3:GetObject on the object's ARN.
 */
export const s3: ServiceDef = {
  signingName: 's3',
  iamPrefix: 's3',
  protocol: 'restXml',
  schemas,
  xmlNamespace: 'http://s3.amazonaws.com/doc/2006-03-01/',
  pathLabels: ['Bucket'],
  operations: {
    ListObjectsV2: {
      handler: listObjectsV2,
      action: 's3:ListBucket',
      resources: onBucket,
      // Only the keys the request carries: a condition on s3:prefix never matches a listing that names none.
      conditionContext: (input) => ({
        's3:prefix': input.Prefix,
        's3:delimiter': input.Delimiter,
        's3:max-keys': input.MaxKeys === undefined ? undefined : String(input.MaxKeys),
      }),
    },
    GetObject: { handler: getObject, resources: onObject },
    HeadObject: { handler: headObject, action: 's3:GetObject', resources: onObject },
    PutObject: { handler: putObject, resources: onObject },
    CreateBucket: { handler: createBucket, resources: onBucket },
    ListBuckets: { handler: listBuckets, action: 's3:ListAllMyBuckets' },
  },
};
