import {
  GetResourcesCommand,
  type GetResourcesCommandInput,
  GetTagKeysCommand,
  GetTagValuesCommand,
  paginateGetResources,
  ResourceGroupsTaggingAPIClient,
  TagResourcesCommand,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaggedResource } from '../../sandbox/core/world.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION } from '../../sandbox/scenario/index.ts';
import { resourceTypeOf } from '../../sandbox/services/tagging/index.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sandbox: TestSandbox;
let tagging: ResourceGroupsTaggingAPIClient;
let secretArn: string;
const db = (id: string) => `arn:aws:rds:${COMPANY_REGION}:${COMPANY_ACCOUNT}:db:${id}`;
const cluster = (id: string) => `arn:aws:rds:${COMPANY_REGION}:${COMPANY_ACCOUNT}:cluster:${id}`;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  tagging = new ResourceGroupsTaggingAPIClient(sandbox.config());
  // A fake source standing for a service's resources, besides a real secret; all carry the test's own tag.
  sandbox.world.addTagSource((_world, account, region): TaggedResource[] =>
    account === COMPANY_ACCOUNT && region === COMPANY_REGION
      ? [
          { arn: db('tt-clone-1'), tags: { 'tt:suite': 'tagging', 'snapclone:managed': 'true', owner: 'alice' } },
          { arn: db('tt-clone-2'), tags: { 'tt:suite': 'tagging', 'snapclone:managed': 'true', owner: 'bob' } },
          { arn: db('tt-prod'), tags: { 'tt:suite': 'tagging', env: 'prod' } },
          { arn: cluster('tt-aurora'), tags: { 'tt:suite': 'tagging', 'snapclone:managed': 'true', owner: 'carol' } },
          { arn: db('tt-untagged'), tags: {} },
        ]
      : [],
  );
  const secret = await new SecretsManagerClient(sandbox.config()).send(
    new CreateSecretCommand({ Name: 'tt/secret', SecretString: 'x', Tags: [{ Key: 'tt:suite', Value: 'tagging' }, { Key: 'owner', Value: 'alice' }] }),
  );
  secretArn = secret.ARN!;
});
afterAll(() => sandbox.close());

const suite = { Key: 'tt:suite', Values: ['tagging'] };
const arns = async (input: GetResourcesCommandInput) => {
  const out = await tagging.send(new GetResourcesCommand({ ...input, TagFilters: [suite, ...(input.TagFilters ?? [])] }));
  return out.ResourceTagMappingList!.map((r) => r.ResourceARN!).sort();
};

describe('GetResources', () => {
  it('returns tagged resources with their tags and an empty token on the last page', async () => {
    const out = await tagging.send(new GetResourcesCommand({ TagFilters: [suite] }));
    expect(out.PaginationToken).toBe('');
    expect(out.ResourceTagMappingList).toHaveLength(5);
    const clone = out.ResourceTagMappingList!.find((r) => r.ResourceARN === db('tt-clone-1'));
    expect(clone?.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'snapclone:managed', Value: 'true' },
        { Key: 'owner', Value: 'alice' },
      ]),
    );
    const all = await tagging.send(new GetResourcesCommand({}));
    expect(all.ResourceTagMappingList!.map((r) => r.ResourceARN)).not.toContain(db('tt-untagged'));
  });

  it('filters by tag values (any of), by key alone, and by several filters (all of)', async () => {
    expect(await arns({ TagFilters: [{ Key: 'owner', Values: ['alice', 'bob'] }] })).toEqual(
      [db('tt-clone-1'), db('tt-clone-2'), secretArn].sort(),
    );
    expect(await arns({ TagFilters: [{ Key: 'env' }] })).toEqual([db('tt-prod')]);
    expect(
      await arns({ TagFilters: [{ Key: 'snapclone:managed', Values: ['true'] }, { Key: 'owner', Values: ['alice'] }] }),
    ).toEqual([db('tt-clone-1')]);
    expect(await arns({ TagFilters: [{ Key: 'owner', Values: ['nobody'] }] })).toEqual([]);
  });

  it('filters by resource type: service, service:type', async () => {
    expect(await arns({ ResourceTypeFilters: ['rds:db'] })).toEqual([db('tt-clone-1'), db('tt-clone-2'), db('tt-prod')]);
    expect(await arns({ ResourceTypeFilters: ['rds'] })).toHaveLength(4);
    expect(await arns({ ResourceTypeFilters: ['secretsmanager:secret'] })).toEqual([secretArn]);
    expect(await arns({ ResourceTypeFilters: ['rds:cluster', 'secretsmanager'] })).toEqual([cluster('tt-aurora'), secretArn].sort());
    expect(resourceTypeOf('arn:aws:es:r:1:domain/x')).toBe('es:domain');
    expect(resourceTypeOf('arn:aws:backup:r:1:recovery-point:abc')).toBe('backup:recovery-point');
  });

  it('looks up a list of ARNs', async () => {
    const out = await tagging.send(new GetResourcesCommand({ ResourceARNList: [db('tt-prod'), secretArn] }));
    expect(out.ResourceTagMappingList!.map((r) => r.ResourceARN).sort()).toEqual([db('tt-prod'), secretArn].sort());
  });

  it('paginates with ResourcesPerPage and the SDK paginator terminates', async () => {
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateGetResources({ client: tagging, pageSize: 2 }, { TagFilters: [suite] })) {
      pages++;
      expect(page.ResourceTagMappingList!.length).toBeLessThanOrEqual(2);
      seen.push(...page.ResourceTagMappingList!.map((r) => r.ResourceARN!));
      expect(pages).toBeLessThan(10);
    }
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(5);
  });

  it('paginates with TagsPerPage without splitting a resource', async () => {
    const out = await tagging.send(new GetResourcesCommand({ TagFilters: [suite], TagsPerPage: 100 }));
    expect(out.ResourceTagMappingList).toHaveLength(5);
    expect(out.PaginationToken).toBe('');
  });

  it('rejects bad parameters with InvalidParameterException', async () => {
    const cases: GetResourcesCommandInput[] = [
      { ResourcesPerPage: 0 },
      { ResourcesPerPage: 101 },
      { TagsPerPage: 99 },
      { ResourceARNList: [secretArn], TagFilters: [suite] },
      { PaginationToken: 'garbage!' },
    ];
    for (const input of cases) {
      const error = await tagging.send(new GetResourcesCommand(input)).then(
        () => undefined,
        (e: Error & { $metadata: { httpStatusCode?: number } }) => e,
      );
      expect(error?.name, JSON.stringify(input)).toBe('InvalidParameterException');
      expect(error?.$metadata.httpStatusCode).toBe(400);
    }
  });
});

describe('GetTagKeys / GetTagValues', () => {
  it('lists the keys and the values of a key', async () => {
    const keys = await tagging.send(new GetTagKeysCommand({}));
    expect(keys.TagKeys).toEqual(expect.arrayContaining(['tt:suite', 'owner', 'snapclone:managed', 'env']));
    expect(keys.PaginationToken).toBe('');
    const values = await tagging.send(new GetTagValuesCommand({ Key: 'owner' }));
    expect(values.TagValues).toEqual(expect.arrayContaining(['alice', 'bob', 'carol']));
  });

  it('answers NotImplemented for TagResources, naming service and operation', async () => {
    const error = await tagging
      .send(new TagResourcesCommand({ ResourceARNList: [secretArn], Tags: { a: 'b' } }))
      .then(() => undefined, (e: Error) => e);
    expect(error?.name).toBe('NotImplemented');
    expect(error?.message).toBe('The snapclone sandbox does not implement tagging TagResources');
  });
});
