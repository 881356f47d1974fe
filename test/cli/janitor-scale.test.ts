import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as janitor from '../../src/commands/janitor.ts';
import { TAGGED_TYPES, TAGGING_PAGE, type Line } from '../../src/commands/janitor.ts';
import { cloneTags, TAG, toTagList } from '../../src/core/tags.ts';
import { allEngines } from '../../src/engines/index.ts';
import type { Engine } from '../../src/engines/types.ts';
import { seedManyClones, type SeededClone } from '../../sandbox/scenario/many-clones.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION } from '../../sandbox/scenario/index.ts';
import { resourceTypeOf, tagging } from '../../sandbox/services/tagging/index.ts';
import { DeleteDBInstanceCommand } from '@aws-sdk/client-rds';
import { startCli, type TestCli } from './support.ts';

/**
 * The janitor at scale: 150 clones of every engine (50 expired, 100 not) found with one paginated Tagging API
 * query of full pages, the expired ones deleted a bounded number at a time, the others never read.
 */

let cli: TestCli;
let seeded: SeededClone[];
const expired = (i: number) => i % 3 === 0;

beforeAll(async () => {
  cli = await startCli();
  seeded = seedManyClones(cli.sb.world, { count: 150, expired, label: 'js' });
});
afterAll(() => cli?.close());

interface Page {
  input: { PaginationToken?: string; ResourcesPerPage?: number; ResourceTypeFilters?: string[]; TagFilters?: { Key?: string }[] };
  output: { PaginationToken?: string; ResourceTagMappingList: unknown[] };
}

/** The GetResources requests the sandbox serves while `run` runs, with what it answered. */
async function watchingTagging<T>(run: () => Promise<T>): Promise<{ result: T; pages: Page[] }> {
  const op = tagging.operations.GetResources;
  const handler = op.handler;
  const pages: Page[] = [];
  op.handler = (input, ctx) => {
    const output = handler(input, ctx) as Page['output'];
    pages.push({ input: structuredClone(input), output });
    return output;
  };
  try {
    return { result: await run(), pages };
  } finally {
    op.handler = handler;
  }
}

/** Deletions under way at once, at most, through every engine's delete. */
async function watchingDeletions<T>(run: () => Promise<T>): Promise<{ result: T; most: number; started: number }> {
  const originals = new Map<Engine, Engine['delete']>();
  let now = 0;
  let most = 0;
  let started = 0;
  for (const engine of allEngines()) {
    const original = engine.delete;
    originals.set(engine, original);
    engine.delete = async (...args) => {
      started++;
      most = Math.max(most, ++now);
      try {
        return await original(...args);
      } finally {
        now--;
      }
    };
  }
  try {
    return { result: await run(), most, started };
  } finally {
    for (const [engine, original] of originals) engine.delete = original;
  }
}

describe('snapclone janitor with 150 clones', () => {
  it('finds them with one paginated Tagging API query, deletes the 50 expired 3 at a time and only audits the 100 others', async () => {
    // What the one query matches: every snapclone-tagged resource of the types it asks for (clones, Aurora writers, secrets).
    const matching = cli.sb.world
      .taggedResources(COMPANY_ACCOUNT, COMPANY_REGION)
      .filter((r) => r.tags[TAG.managed] !== undefined && TAGGED_TYPES.includes(resourceTypeOf(r.arn)));
    expect(matching.length).toBeGreaterThan(2 * TAGGING_PAGE);
    const touched = new Map<string, Set<string>>();
    cli.sb.world.observer = (call) => {
      for (const r of call.resources) touched.set(r, (touched.get(r) ?? new Set()).add(call.action));
    };
    const run = cli.context({ person: 'janitor-bot' });
    let watched;
    try {
      watched = await watchingTagging(() => watchingDeletions(() => janitor.run({ concurrency: 3 }, run.ctx)));
    } finally {
      cli.sb.world.observer = undefined;
    }
    const { pages, result: deletions } = watched;

    // One query: full pages of 100 of snapclone's types, each after the first asking for the token the one before answered.
    expect(pages).toHaveLength(Math.ceil(matching.length / TAGGING_PAGE));
    expect(run.calls.filter((c) => c === 'tag:GetResources')).toHaveLength(pages.length);
    pages.forEach((page, i) => {
      expect(page.input.ResourcesPerPage).toBe(TAGGING_PAGE);
      expect(page.input.ResourceTypeFilters).toEqual(TAGGED_TYPES);
      expect(page.input.TagFilters).toEqual([{ Key: TAG.managed }]);
      expect(page.input.PaginationToken || undefined).toBe(i === 0 ? undefined : pages[i - 1].output.PaginationToken);
      if (i < pages.length - 1) expect(page.output.ResourceTagMappingList).toHaveLength(TAGGING_PAGE);
    });
    expect(pages.at(-1)!.output.PaginationToken || undefined).toBeUndefined();

    // Every expired clone deleted (once), every other kept; at most 3 deletions at once, and 3 indeed.
    const lines = (deletions.result.json as { resources: Line[]; failed: number }).resources;
    const gone = seeded.filter((_, i) => expired(i));
    const kept = seeded.filter((_, i) => !expired(i));
    expect(gone).toHaveLength(50);
    expect(lines.filter((l) => l.result === 'deleted').map((l) => l.name).sort()).toEqual(gone.map((c) => c.name).sort());
    expect(lines.filter((l) => l.result === 'kept').map((l) => l.name).sort()).toEqual(kept.map((c) => c.name).sort());
    expect(lines).toHaveLength(150);
    expect(deletions.started).toBe(50);
    expect(deletions.most).toBe(3);
    // Once their deletions are over (minutes in AWS), the expired ones are gone.
    cli.sb.world.clock.advance(2 * 3_600_000);
    for (const clone of gone) expect(cli.sb.world.tagsOf(clone.arn), clone.name).toBeUndefined();
    for (const clone of kept) expect(cli.sb.world.tagsOf(clone.arn), clone.name).toMatchObject({ [TAG.clone]: clone.name });
    expect(cli.secretNames()).toEqual(expect.arrayContaining(kept.map((c) => c.name)));
    for (const clone of gone) expect(cli.secretNames()).not.toContain(clone.name);

    // Clones that are kept are known from their tags and the placement audit's listings: the only calls that
    // name one are the audit's reads that cannot list (a cache's subnet group is its member cluster's; domains
    // are described five at a time by name, their creation time one by one). None writes.
    const audits = new Set(['elasticache:DescribeCacheClusters', 'es:DescribeDomains', 'es:DescribeDomainConfig']);
    for (const clone of kept) {
      const actions = [...touched].filter(([arn]) => arn.includes(clone.name)).flatMap(([, a]) => [...a]);
      expect(actions.filter((a) => !audits.has(a)), clone.name).toEqual([]);
    }
    expect(kept.filter((c) => c.engine === 'rds' || c.engine === 'aurora').every((c) => ![...touched.keys()].some((arn) => arn.includes(c.name)))).toBe(true);
  });

  it('tells a clone already gone (the Tagging API lagging behind) or already being deleted from a failure', async () => {
    const [db, aurora] = seedManyClones(cli.sb.world, { count: 2, label: 'jg' });
    // Another run deleted the RDS clone a moment ago; the Aurora one is still there.
    await cli.admin.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: db.name, SkipFinalSnapshot: true }));
    // The Tagging API still lists a clone deleted minutes ago.
    const ghost = 'snapclone-jg-ghost';
    const now = cli.sb.world.clock.now();
    const stale = {
      ResourceARN: `arn:aws:rds:${COMPANY_REGION}:${COMPANY_ACCOUNT}:db:${ghost}`,
      Tags: toTagList(cloneTags({ clone: ghost, owner: 'erin', source: 'orders-db', sourceArn: '', restorePoint: 'x', restoreTime: now, target: 'dev', createdAt: new Date(now.getTime() - 86_400_000), expiresAt: new Date(now.getTime() - 3_600_000), engine: 'rds' })),
    };
    const op = tagging.operations.GetResources;
    const handler = op.handler;
    op.handler = (input, ctx) => {
      const out = handler(input, ctx) as Page['output'];
      return out.PaginationToken ? out : { ...out, ResourceTagMappingList: [...out.ResourceTagMappingList, stale] };
    };
    let result;
    try {
      result = await janitor.run({}, cli.context({ person: 'janitor-bot' }).ctx);
    } finally {
      op.handler = handler;
    }
    const lines = (result.json as { resources: Line[]; failed: number }).resources;
    expect(result.exitCode).toBeUndefined();
    expect(lines.find((l) => l.name === ghost)).toMatchObject({ result: 'deleted', detail: expect.stringContaining('already gone') });
    expect(lines.find((l) => l.name === db.name)).toMatchObject({ result: 'deleted' });
    expect(lines.find((l) => l.name === aurora.name)).toMatchObject({ result: 'deleted', detail: expect.stringContaining('deletion started') });
    expect(cli.secretNames()).not.toContain(db.name);
  });
});
