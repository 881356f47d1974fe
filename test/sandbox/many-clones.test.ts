import { DescribeReplicationGroupsCommand, ElastiCacheClient, ListTagsForResourceCommand as ListCacheTags } from '@aws-sdk/client-elasticache';
import { DescribeDomainCommand, ListTagsCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import { DeleteDBInstanceCommand, DescribeDBClustersCommand, DescribeDBInstancesCommand, ListTagsForResourceCommand, RDSClient } from '@aws-sdk/client-rds';
import { paginateGetResources, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { DeleteSecretCommand, DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPANY_ACCOUNT, COMPANY_REGION } from '../../sandbox/scenario/index.ts';
import { seedManyClones, type SeededClone } from '../../sandbox/scenario/many-clones.ts';
import { resourceTypeOf } from '../../sandbox/services/tagging/index.ts';
import { fromTagList, readCloneTags, TAG, unpackTags } from '../../src/core/tags.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
let seeded: SeededClone[];
const HOUR = 3_600_000;

beforeAll(async () => {
  sb = await startTestSandbox();
  seeded = seedManyClones(sb.world, { count: 8, expired: (i) => i % 2 === 0, label: 'mc' });
});
afterAll(() => sb?.close());

describe('seedManyClones', () => {
  it('makes available clones of every engine, tagged as snapclone tags them, each with its tagged secret', async () => {
    expect(seeded.map((c) => c.engine)).toEqual(['rds', 'aurora', 'elasticache', 'opensearch', 'rds', 'aurora', 'elasticache', 'opensearch']);
    const now = sb.world.clock.nowMs();
    expect(seeded.filter((c) => c.expiresAt.getTime() < now).map((c) => c.name)).toEqual(seeded.filter((_, i) => i % 2 === 0).map((c) => c.name));
    const rds = new RDSClient(sb.config());
    const cache = new ElastiCacheClient(sb.config());
    const search = new OpenSearchClient(sb.config());
    const secrets = new SecretsManagerClient(sb.config());
    for (const clone of seeded) {
      let tags: Record<string, string>;
      if (clone.engine === 'rds') {
        const instance = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: clone.name }))).DBInstances![0];
        expect(instance.DBInstanceStatus).toBe('available');
        expect(instance.DeletionProtection).toBe(false);
        tags = fromTagList((await rds.send(new ListTagsForResourceCommand({ ResourceName: clone.arn }))).TagList);
      } else if (clone.engine === 'aurora') {
        const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clone.name }))).DBClusters![0];
        expect(cluster.Status).toBe('available');
        expect(cluster.DBClusterMembers).toEqual([expect.objectContaining({ DBInstanceIdentifier: `${clone.name}-1`, IsClusterWriter: true })]);
        const writer = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `${clone.name}-1` }))).DBInstances![0];
        expect(readCloneTags(fromTagList(writer.TagList))).toMatchObject({ clone: clone.name, engine: 'aurora' });
        tags = fromTagList(cluster.TagList);
      } else if (clone.engine === 'elasticache') {
        const group = (await cache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: clone.name }))).ReplicationGroups![0];
        expect(group.Status).toBe('available');
        tags = fromTagList((await cache.send(new ListCacheTags({ ResourceName: clone.arn }))).TagList);
      } else {
        const domain = (await search.send(new DescribeDomainCommand({ DomainName: clone.name }))).DomainStatus!;
        expect(domain.Processing).toBe(false);
        expect(domain.Created).toBe(true);
        tags = fromTagList((await search.send(new ListTagsCommand({ ARN: clone.arn }))).TagList);
        // OpenSearch allows 10 tags: packed as snapclone packs them.
        expect(Object.keys(tags).length).toBeLessThanOrEqual(10);
      }
      expect(readCloneTags(tags)).toMatchObject({ clone: clone.name, owner: clone.owner, engine: clone.engine, target: 'dev', expiresAt: clone.expiresAt });
      expect(unpackTags(tags)[TAG.password]).toBe('generated');
      const secret = await secrets.send(new DescribeSecretCommand({ SecretId: clone.name }));
      expect(readCloneTags(fromTagList(secret.Tags))).toMatchObject({ clone: clone.name, owner: clone.owner });
    }
  });
});

describe('tagsOf (the tags IAM conditions see)', () => {
  it('answers for every tagged resource exactly what the Tagging API lists, and nothing for unknown ARNs', async () => {
    const listed = sb.world.taggedResources(COMPANY_ACCOUNT, COMPANY_REGION);
    // Every service's resources are there: instances, clusters, snapshots, groups, cache clusters, domains, secrets.
    const types = new Set(listed.map((r) => resourceTypeOf(r.arn)));
    for (const type of ['rds:db', 'rds:cluster', 'rds:snapshot', 'rds:cluster-snapshot', 'elasticache:replicationgroup', 'elasticache:cluster', 'elasticache:snapshot', 'es:domain', 'secretsmanager:secret']) {
      expect(types).toContain(type);
    }
    for (const r of listed) expect(sb.world.tagsOf(r.arn)).toEqual(r.tags);
    const unknown = [
      `arn:aws:rds:${COMPANY_REGION}:${COMPANY_ACCOUNT}:db:snapclone-none`,
      `arn:aws:rds:${COMPANY_REGION}:${COMPANY_ACCOUNT}:cluster:snapclone-none`,
      `arn:aws:rds:${COMPANY_REGION}:${COMPANY_ACCOUNT}:snapshot:snapclone-none`,
      `arn:aws:rds:${COMPANY_REGION}:${COMPANY_ACCOUNT}:subgrp:snapclone-dev`,
      `arn:aws:rds:us-east-1:${COMPANY_ACCOUNT}:db:${seeded[0].name}`,
      `arn:aws:secretsmanager:${COMPANY_REGION}:${COMPANY_ACCOUNT}:secret:${seeded[0].name}-AbCdEf`,
      `arn:aws:es:${COMPANY_REGION}:${COMPANY_ACCOUNT}:domain/snapclone-none`,
    ];
    for (const arn of unknown) expect(sb.world.tagsOf(arn)).toBeUndefined();
    // The Tagging API agrees (same source): every seeded clone is listed with its tags.
    const tagging = new ResourceGroupsTaggingAPIClient(sb.config());
    const found = new Map<string, Record<string, string>>();
    for await (const page of paginateGetResources({ client: tagging }, { TagFilters: [{ Key: TAG.managed }] })) {
      for (const r of page.ResourceTagMappingList ?? []) found.set(r.ResourceARN!, fromTagList(r.Tags));
    }
    for (const clone of seeded) expect(found.get(clone.arn)).toEqual(sb.world.tagsOf(clone.arn));
  });

  it('follows a deletion: a deleted secret and a gone instance carry no tags any more', async () => {
    const secrets = new SecretsManagerClient(sb.config());
    const rds = new RDSClient(sb.config());
    const [db] = seeded;
    const secret = await secrets.send(new DescribeSecretCommand({ SecretId: db.name }));
    expect(sb.world.tagsOf(secret.ARN!)).toMatchObject({ [TAG.clone]: db.name });
    await secrets.send(new DeleteSecretCommand({ SecretId: db.name, ForceDeleteWithoutRecovery: true }));
    expect(sb.world.tagsOf(secret.ARN!)).toBeUndefined();
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: db.name, SkipFinalSnapshot: true }));
    // Tagged while it is being deleted, gone once its deletion is over.
    expect(sb.world.tagsOf(db.arn)).toMatchObject({ [TAG.clone]: db.name });
    sb.world.clock.advance(HOUR);
    expect(sb.world.tagsOf(db.arn)).toBeUndefined();
  });
});
