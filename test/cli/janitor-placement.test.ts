import { CreateReplicationGroupCommand, DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import { CreateDomainCommand, DescribeDomainCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBInstanceCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import type { CreatedJson } from '../../src/commands/create.ts';
import * as janitor from '../../src/commands/janitor.ts';
import type { Line } from '../../src/commands/janitor.ts';
import { cloneTags, packTags, TAG, toTagList } from '../../src/core/tags.ts';
import { render } from '../../src/output/render.ts';
import {
  DEV_CACHE_SUBNET_GROUP,
  DEV_SEARCH_SUBNETS,
  DEV_SECURITY_GROUP,
  DEV_SUBNET_GROUP,
  PROD_SEARCH,
} from '../../sandbox/scenario/constants.ts';
import { startCli, type TestCli } from './support.ts';

/**
 * The janitor enforces the safe placement from AWS's own record (security review H4): whoever made a
 * `<prefix>-*` resource with the role and the aws CLI (here: the administrator stands in for them), the janitor
 * deletes it when it is public, outside the placement, bigger than the placement, without the TLS/AUTH of its
 * source, or older than the target's maxTtl by its creation time — whatever its tags say — if it carries
 * snapclone:managed=true, and reports it otherwise. The operator role runs the janitor with IAM enforced.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let cli: TestCli;
let search: OpenSearchClient;

beforeAll(async () => {
  cli = await startCli();
  expect(cli.sb.world.enforceIam).toBe(true);
  search = new OpenSearchClient(cli.sb.config());
});
afterAll(async () => {
  search?.destroy();
  await cli?.close();
});

const now = () => cli.sb.world.clock.now();

/** Clone tags as snapclone writes them, expiring `expiresInMs` from now (null: no expiry tag at all). */
function tagsOf(
  name: string,
  engine: string,
  source: string,
  expiresInMs: number | null = DAY,
): Record<string, string> {
  const tags = cloneTags({
    clone: name,
    owner: 'mallory',
    source,
    sourceArn: '',
    restorePoint: 'x',
    restoreTime: now(),
    target: 'dev',
    createdAt: now(),
    expiresAt: new Date(now().getTime() + (expiresInMs ?? 0)),
    engine,
  });
  if (expiresInMs === null) delete tags[TAG.expiresAt];
  return tags;
}

/** An RDS copy of orders-prod made by someone with the aws CLI: in the placement unless told otherwise. */
async function stageRds(
  name: string,
  options: {
    public?: boolean;
    subnetGroup?: string;
    instanceClass?: string;
    tags?: Record<string, string> | null;
  } = {},
) {
  const snapshots = await cli.admin.rds.send(
    new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'orders-prod', SnapshotType: 'manual' }),
  );
  const subnetGroup = options.subnetGroup ?? DEV_SUBNET_GROUP;
  await cli.admin.rds.send(
    new RestoreDBInstanceFromDBSnapshotCommand({
      DBInstanceIdentifier: name,
      DBSnapshotIdentifier: snapshots.DBSnapshots![0].DBSnapshotIdentifier!,
      DBInstanceClass: options.instanceClass ?? 'db.t4g.micro',
      DBSubnetGroupName: subnetGroup,
      ...(subnetGroup === DEV_SUBNET_GROUP ? { VpcSecurityGroupIds: [DEV_SECURITY_GROUP] } : {}),
      PubliclyAccessible: options.public ?? false,
      MultiAZ: false,
      ...(options.tags === null ? {} : { Tags: toTagList(options.tags ?? tagsOf(name, 'rds', 'orders-db')) }),
    }),
  );
}

/** Exists and is not being deleted, as RDS tells the administrator. */
async function alive(id: string): Promise<boolean> {
  try {
    const out = await cli.admin.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
    return out.DBInstances![0].DBInstanceStatus !== 'deleting';
  } catch {
    return false;
  }
}

/** Runs the janitor as the operator role (after the restores have finished); its lines by name. */
async function janitorRun(options: { dryRun?: boolean; advanceMs?: number } = {}) {
  cli.sb.world.clock.advance(options.advanceMs ?? 2 * HOUR);
  const context = cli.context({ person: 'janitor-bot' });
  const result = await janitor.run({ dryRun: options.dryRun }, context.ctx);
  const lines = (result.json as { resources: Line[] }).resources;
  return { result, calls: context.calls, line: (name: string) => lines.find((l) => l.name === name) };
}

describe('the janitor enforces the placement from AWS’s own record (security review H4)', () => {
  it('deletes a publicly accessible RDS clone whose tags say it is not expired, and says why', async () => {
    await stageRds('snapclone-jp-public', { public: true });
    const { result, line } = await janitorRun();
    expect(result.exitCode).toBeUndefined();
    expect(line('snapclone-jp-public')).toMatchObject({
      result: 'deleted',
      detail: expect.stringContaining('publicly accessible'),
    });
    expect(line('snapclone-jp-public')!.detail).toContain('whatever its expiry says');
    expect(await alive('snapclone-jp-public')).toBe(false);
  });

  it('deletes an RDS clone in another DB subnet group (the default VPC)', async () => {
    await stageRds('snapclone-jp-default-vpc', { subnetGroup: 'default' });
    const { line } = await janitorRun();
    expect(line('snapclone-jp-default-vpc')).toMatchObject({
      result: 'deleted',
      detail: expect.stringContaining(`in DB subnet group default, not the target's ${DEV_SUBNET_GROUP}`),
    });
    expect(await alive('snapclone-jp-default-vpc')).toBe(false);
  });

  it('deletes an RDS clone of a bigger class than the placement', async () => {
    await stageRds('snapclone-jp-huge', { instanceClass: 'db.r6i.32xlarge' });
    const { line } = await janitorRun();
    expect(line('snapclone-jp-huge')).toMatchObject({
      result: 'deleted',
      detail: expect.stringContaining("class db.r6i.32xlarge, not the target's db.t4g.micro"),
    });
    expect(await alive('snapclone-jp-huge')).toBe(false);
  });

  it('deletes an Aurora clone whose writer was made publicly accessible after snapclone made it', async () => {
    const name = 'snapclone-jp-aurora-pub';
    await create.run(
      { sources: ['catalog-db'], latest: true, name, ttl: '1d', wait: true },
      cli.context({ person: 'alice' }).ctx,
    );
    await cli.admin.rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: `${name}-1`,
        PubliclyAccessible: true,
        ApplyImmediately: true,
      }),
    );
    const { line } = await janitorRun();
    expect(line(name)).toMatchObject({
      result: 'deleted',
      detail: expect.stringContaining(`instance ${name}-1: publicly accessible`),
    });
    const cluster = (await cli.admin.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: name })))
      .DBClusters![0];
    expect(cluster.Status).toBe('deleting');
  });

  it('deletes an ElastiCache copy without TLS or AUTH of a source that has both', async () => {
    const name = 'snapclone-jp-notls';
    await cli.admin.elasticache.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: name,
        ReplicationGroupDescription: 'a copy without TLS',
        SnapshotName: 'sessions-prod-before-migration',
        Engine: 'valkey',
        CacheNodeType: 'cache.t4g.micro',
        NumCacheClusters: 1,
        CacheSubnetGroupName: DEV_CACHE_SUBNET_GROUP,
        SecurityGroupIds: [DEV_SECURITY_GROUP],
        TransitEncryptionEnabled: false,
        Tags: toTagList(tagsOf(name, 'elasticache', 'sessions-cache')),
      }),
    );
    const { line } = await janitorRun();
    expect(line(name)).toMatchObject({ result: 'deleted' });
    expect(line(name)!.detail).toContain('no TLS in transit, though its source sessions-cache has it');
    expect(line(name)!.detail).toContain('no AUTH token, though its source sessions-cache requires authentication');
    const group = (await cli.admin.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: name })))
      .ReplicationGroups![0];
    expect(group.Status).toBe('deleting');
  });

  it('deletes an OpenSearch domain without VPC (a public endpoint)', async () => {
    const name = 'snapclone-jp-open';
    await search.send(
      new CreateDomainCommand({
        DomainName: name,
        EngineVersion: PROD_SEARCH[0].engineVersion,
        ClusterConfig: { InstanceType: 't3.small.search', InstanceCount: 1 },
        EBSOptions: { EBSEnabled: true, VolumeType: 'gp3', VolumeSize: 20 },
        AccessPolicies: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'es:*', Resource: '*' }],
        }),
        TagList: toTagList(packTags(tagsOf(name, 'opensearch', 'catalog-search'))),
      }),
    );
    const { line } = await janitorRun();
    expect(line(name)).toMatchObject({
      result: 'deleted',
      detail: expect.stringContaining('a public endpoint (no VPC)'),
    });
    const domain = await search.send(new DescribeDomainCommand({ DomainName: name })).then(
      (out) => out.DomainStatus,
      () => undefined,
    );
    expect(domain === undefined || domain.Deleted === true).toBe(true);
  });

  it("reports a prefix resource without snapclone:managed=true as outside snapclone's reach, and never deletes it", async () => {
    await stageRds('snapclone-jp-handmade', { public: true, tags: null });
    const { line, calls } = await janitorRun();
    expect(line('snapclone-jp-handmade')).toMatchObject({ result: 'skipped' });
    expect(line('snapclone-jp-handmade')!.detail).toContain("outside snapclone's reach: delete it by hand or tag it");
    expect(line('snapclone-jp-handmade')!.detail).toContain('publicly accessible');
    expect(calls.filter((c) => /^rds:(Delete|Modify|AddTags)/.test(c))).toEqual([]);
    expect(await alive('snapclone-jp-handmade')).toBe(true);
  });

  it('reports a clone renamed out of the prefix (security review L6): it keeps its tags, the role cannot delete it', async () => {
    // RDS renames with ModifyDBInstance --new-db-instance-identifier (the sandbox does not): staged under the new name.
    await stageRds('renamed-out-of-prefix', { public: true, tags: tagsOf('snapclone-jp-renamed', 'rds', 'orders-db') });
    const { line } = await janitorRun();
    expect(line('snapclone-jp-renamed')).toMatchObject({
      result: 'skipped',
      arn: expect.stringContaining(':db:renamed-out-of-prefix'),
    });
    expect(line('snapclone-jp-renamed')!.detail).toContain(
      "it carries snapclone's tags (renamed out of the prefix, or tagged by hand): outside snapclone's reach",
    );
    expect(await alive('renamed-out-of-prefix')).toBe(true);
  });

  it('keeps compliant fresh clones snapclone made (RDS, Aurora, ElastiCache, OpenSearch)', async () => {
    const made: string[] = [];
    for (const [source, name] of [
      ['orders-db', 'snapclone-jp-fine-db'],
      ['catalog-db', 'snapclone-jp-fine-aurora'],
      ['sessions-cache', 'snapclone-jp-fine-cache'],
      ['catalog-search', 'snapclone-jp-fine-search'],
    ]) {
      const r = await create.run(
        { sources: [source], latest: true, name, ttl: '1d', wait: true },
        cli.context({ person: 'alice' }).ctx,
      );
      made.push((r.json as { clones: CreatedJson[] }).clones[0].name);
    }
    const { line } = await janitorRun();
    for (const name of made)
      expect(line(name), name).toMatchObject({ result: 'kept', detail: expect.stringContaining('until') });
    expect(await alive('snapclone-jp-fine-db')).toBe(true);
  });

  it('dry-run shows what it would delete and why, in the CLI output, and changes nothing', async () => {
    await stageRds('snapclone-jp-dry', { public: true });
    const { result, calls } = await janitorRun({ dryRun: true });
    const text = render(result, 'table');
    const row = text.split('\n').find((l) => l.includes('snapclone-jp-dry'));
    expect(row).toMatch(/would delete/);
    expect(row).toContain('publicly accessible');
    expect(calls.filter((c) => /Delete|Modify|AddTags|Remove/.test(c))).toEqual([]);
    expect(await alive('snapclone-jp-dry')).toBe(true);
    // The run does what the dry run said.
    const { line } = await janitorRun({ advanceMs: 0 });
    expect(line('snapclone-jp-dry')).toMatchObject({ result: 'deleted' });
  });

  it('an audit the role may not make (a role deployed from an older policy) fails the run (exit 1); expired clones still go', async () => {
    await stageRds('snapclone-jp-expired', { tags: tagsOf('snapclone-jp-expired', 'rds', 'orders-db', HOUR) });
    const operator = cli.sb.world.roles.get(cli.sb.scenario.roles.operator)!;
    const policies = operator.policies;
    const without = (a: string | string[]) => (Array.isArray(a) ? a.filter((x) => x !== 'es:ListDomainNames') : a);
    operator.policies = policies.map((p) => ({
      ...p,
      Statement: p.Statement.map((s) => ({ ...s, ...(s.Action ? { Action: without(s.Action) } : {}) })),
    }));
    let run;
    try {
      run = await janitorRun();
    } finally {
      operator.policies = policies;
    }
    expect(run.result.exitCode).toBe(1);
    const failed = (run.result.json as { resources: Line[] }).resources.find(
      (l) => l.kind === 'opensearch placement audit',
    )!;
    expect(failed).toMatchObject({ result: 'failed', detail: expect.stringContaining('es:ListDomainNames') });
    expect(run.line('snapclone-jp-expired')).toMatchObject({
      result: 'deleted',
      detail: expect.stringContaining('expired'),
    });
    expect(await alive('snapclone-jp-expired')).toBe(false);
  });

  it('deletes a clone with no expiry tag once it is older than maxTtl by its creation time', async () => {
    await stageRds('snapclone-jp-noexpiry', { tags: tagsOf('snapclone-jp-noexpiry', 'rds', 'orders-db', null) });
    // Within maxTtl (3d) it is kept, as before.
    expect((await janitorRun({ dryRun: true })).line('snapclone-jp-noexpiry')).toMatchObject({
      result: 'kept',
      detail: 'no expiry recorded',
    });
    const { line } = await janitorRun({ advanceMs: 3 * DAY });
    expect(line('snapclone-jp-noexpiry')).toMatchObject({
      result: 'deleted',
      detail: expect.stringContaining('(by AWS), longer ago than target dev lets a clone live, 3d (maxTtl)'),
    });
    expect(await alive('snapclone-jp-noexpiry')).toBe(false);
  });

  it('deletes clones whose expiry tag is far in the future once they were created longer than maxTtl ago (RDS, OpenSearch)', async () => {
    const forever = 30 * 365 * DAY;
    await stageRds('snapclone-jp-forever', { tags: tagsOf('snapclone-jp-forever', 'rds', 'orders-db', forever) });
    // An OpenSearch domain in the placement, whose created-at tag lies too: DescribeDomainConfig says when AWS made it.
    const domain = 'snapclone-jp-forever-os';
    await search.send(
      new CreateDomainCommand({
        DomainName: domain,
        EngineVersion: PROD_SEARCH[0].engineVersion,
        ClusterConfig: { InstanceType: 't3.small.search', InstanceCount: 1 },
        EBSOptions: { EBSEnabled: true, VolumeType: 'gp3', VolumeSize: 20 },
        VPCOptions: { SubnetIds: [DEV_SEARCH_SUBNETS[0]], SecurityGroupIds: [DEV_SECURITY_GROUP] },
        TagList: toTagList(
          packTags({
            ...tagsOf(domain, 'opensearch', 'catalog-search', forever),
            [TAG.createdAt]: new Date(now().getTime() + forever - DAY).toISOString(),
          }),
        ),
      }),
    );
    expect((await janitorRun({ dryRun: true })).line(domain)).toMatchObject({ result: 'kept' });
    const { line } = await janitorRun({ advanceMs: 3 * DAY + 2 * HOUR });
    for (const name of ['snapclone-jp-forever', domain]) {
      expect(line(name), name).toMatchObject({
        result: 'deleted',
        detail: expect.stringContaining('(by AWS), longer ago than target dev lets a clone live'),
      });
    }
    expect(await alive('snapclone-jp-forever')).toBe(false);
  });
});
