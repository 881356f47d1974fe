// Sandbox S3 (restXml, path-style) through the real SDK client and the real aws CLI, with SigV4 and IAM enforced.
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRole } from '../../sandbox/core/iam-state.ts';
import { COMPANY_ACCOUNT } from '../../sandbox/scenario/index.ts';
import { hasAwsCli, runAwsCli } from '../support/awscli.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
let admin: S3Client;
const BUCKET = 'sandbox-s3-test';
const keys = ['a.txt', 'dir/one.txt', 'dir/sub/two.txt', 'dir/three.txt', 'other/x y.txt', 'z.txt'];

beforeAll(async () => {
  sb = await startTestSandbox();
  admin = new S3Client(sb.config());
  await admin.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (const key of keys) await admin.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `content of ${key}` }));
});
afterAll(async () => {
  admin?.destroy();
  await sb?.close();
});

/** A client signed by a role of the company account whose policy is `statements`, through the real AssumeRole. */
async function clientWith(name: string, statements: object[]): Promise<S3Client> {
  const role = createRole(
    sb.world,
    COMPANY_ACCOUNT,
    name,
    { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${COMPANY_ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] },
    [{ Version: '2012-10-17', Statement: statements } as never],
  );
  const { STSClient, AssumeRoleCommand } = await import('@aws-sdk/client-sts');
  const sts = new STSClient(sb.config());
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'test' }));
  sts.destroy();
  const c = out.Credentials!;
  return new S3Client({ ...sb.config(), credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken } });
}

const errorOf = async (p: Promise<unknown>) => (await p.then(() => undefined, (e: unknown) => e)) as S3ServiceException;

describe('ListObjectsV2', () => {
  it('lists keys in order with sizes, ETags and times; rolls keys up under a delimiter', async () => {
    const all = await admin.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(all.Contents?.map((o) => o.Key)).toEqual([...keys].sort());
    expect(all.KeyCount).toBe(keys.length);
    expect(all.Contents?.[0]).toMatchObject({ Size: 'content of a.txt'.length, ETag: expect.stringMatching(/^"[0-9a-f]{32}"$/) });
    expect(all.Contents?.[0].LastModified).toBeInstanceOf(Date);
    const root = await admin.send(new ListObjectsV2Command({ Bucket: BUCKET, Delimiter: '/' }));
    expect(root.Contents?.map((o) => o.Key)).toEqual(['a.txt', 'z.txt']);
    expect(root.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['dir/', 'other/']);
    const dir = await admin.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'dir/', Delimiter: '/' }));
    expect(dir.Contents?.map((o) => o.Key)).toEqual(['dir/one.txt', 'dir/three.txt']);
    expect(dir.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['dir/sub/']);
  });

  it('pages with MaxKeys and continuation tokens, a common prefix counting once', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await admin.send(new ListObjectsV2Command({ Bucket: BUCKET, Delimiter: '/', MaxKeys: 1, ContinuationToken: token }));
      seen.push(...(page.Contents ?? []).map((o) => o.Key!), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!));
      token = page.NextContinuationToken;
      expect(page.IsTruncated).toBe(token !== undefined);
      pages++;
    } while (token);
    expect(pages).toBe(4);
    expect(seen).toEqual(['a.txt', 'dir/', 'other/', 'z.txt']);
  });

  it('answers NoSuchBucket for a bucket that is not there', async () => {
    const error = await errorOf(admin.send(new ListObjectsV2Command({ Bucket: 'no-such-bucket-here' })));
    expect(error.name).toBe('NoSuchBucket');
    expect(error.$metadata.httpStatusCode).toBe(404);
  });
});

describe('GetObject and HeadObject', () => {
  it('return the content, its length, ETag and time', async () => {
    const got = await admin.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dir/sub/two.txt' }));
    expect(await got.Body?.transformToString()).toBe('content of dir/sub/two.txt');
    const head = await admin.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'dir/sub/two.txt' }));
    expect(head.ContentLength).toBe('content of dir/sub/two.txt'.length);
    expect(head.ETag).toBe(got.ETag);
    expect(head.LastModified?.getTime()).toBe(got.LastModified?.getTime());
    expect(await (await admin.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'other/x y.txt' }))).Body?.transformToString()).toBe('content of other/x y.txt');
  });

  it('a missing key is NoSuchKey to who may list the bucket, AccessDenied to who may not', async () => {
    const missing = await errorOf(admin.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'nope' })));
    expect(missing.name).toBe('NoSuchKey');
    const reader = await clientWith('s3-test-get-only', [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }]);
    expect(await (await reader.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'a.txt' }))).Body?.transformToString()).toBe('content of a.txt');
    const hidden = await errorOf(reader.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'nope' })));
    expect(hidden.name).toBe('AccessDenied');
    expect(hidden.$metadata.httpStatusCode).toBe(403);
    reader.destroy();
  });
});

describe('IAM: s3:ListBucket with s3:prefix, s3:GetObject on object ARNs', () => {
  it('allows a listing only under the prefix the condition names, and objects only under the granted ARN', async () => {
    const client = await clientWith('s3-test-prefix', [
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${BUCKET}`, Condition: { StringEquals: { 's3:prefix': ['dir/'] } } },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/dir/*` },
    ]);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'dir/' }));
    expect(listed.KeyCount).toBe(3);
    for (const prefix of [undefined, 'other/', 'dir']) {
      const denied = await errorOf(client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix })));
      expect(denied.name).toBe('AccessDenied');
    }
    expect(await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dir/one.txt' }))).Body?.transformToString()).toBe('content of dir/one.txt');
    expect((await errorOf(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'a.txt' })))).name).toBe('AccessDenied');
    expect((await errorOf(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'a.txt' })))).$metadata.httpStatusCode).toBe(403);
    client.destroy();
  });

  it('refuses a wrong signature as SignatureDoesNotMatch and an unknown key as InvalidAccessKeyId', async () => {
    const wrong = new S3Client({ ...sb.config(), credentials: { accessKeyId: sb.scenario.admin.accessKeyId, secretAccessKey: 'x'.repeat(40) } });
    expect((await errorOf(wrong.send(new ListObjectsV2Command({ Bucket: BUCKET })))).name).toBe('SignatureDoesNotMatch');
    const unknown = new S3Client({ ...sb.config(), credentials: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x'.repeat(40) } });
    expect((await errorOf(unknown.send(new ListObjectsV2Command({ Bucket: BUCKET })))).name).toBe('InvalidAccessKeyId');
    wrong.destroy();
    unknown.destroy();
  });
});

describe.skipIf(!hasAwsCli)('the real aws CLI', () => {
  it('s3api list-objects-v2 with prefix, delimiter and paging (its default encoding-type=url)', async () => {
    const out = await runAwsCli(sb.url, ['s3api', 'list-objects-v2', '--bucket', BUCKET, '--prefix', 'other/'], sb.scenario.admin);
    expect(out.code, out.stderr).toBe(0);
    expect((JSON.parse(out.stdout) as { Contents: { Key: string }[] }).Contents.map((c) => c.Key)).toEqual(['other/x y.txt']);
    const paged = await runAwsCli(sb.url, ['s3api', 'list-objects-v2', '--bucket', BUCKET, '--delimiter', '/', '--page-size', '1'], sb.scenario.admin);
    expect(paged.code, paged.stderr).toBe(0);
    const body = JSON.parse(paged.stdout) as { Contents: { Key: string }[]; CommonPrefixes: { Prefix: string }[] };
    expect(body.Contents.map((c) => c.Key)).toEqual(['a.txt', 'z.txt']);
    expect(body.CommonPrefixes.map((p) => p.Prefix)).toEqual(['dir/', 'other/']);
  });

  it('s3 cp downloads an object', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapclone-s3-'));
    try {
      const out = await runAwsCli(sb.url, ['s3', 'cp', `s3://${BUCKET}/dir/sub/two.txt`, join(dir, 'two.txt')], sb.scenario.admin);
      expect(out.code, out.stderr).toBe(0);
      expect(readFileSync(join(dir, 'two.txt'), 'utf8')).toBe('content of dir/sub/two.txt');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
