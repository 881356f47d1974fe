import { AddTagsCommand, DeleteDomainCommand, DescribeDomainCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import type { CreatedJson } from '../../src/commands/create.ts';
import type { CloneJson } from '../../src/commands/common.ts';
import * as credentials from '../../src/commands/credentials.ts';
import * as del from '../../src/commands/delete.ts';
import * as janitor from '../../src/commands/janitor.ts';
import type { Line } from '../../src/commands/janitor.ts';
import * as list from '../../src/commands/list.ts';
import * as points from '../../src/commands/points.ts';
import * as show from '../../src/commands/show.ts';
import { RefusedError } from '../../src/core/errors.ts';
import { TAG, unpackTags } from '../../src/core/tags.ts';
import { OPENSEARCH_PERMISSIONS } from '../../src/engines/opensearch/permissions.ts';
import { actionsOf } from '../../src/iam/declare.ts';
import { domainIndices, masterPasswordOfDomain, opensearchState } from '../../sandbox/services/opensearch/state.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION } from '../../sandbox/scenario/index.ts';
import { createdClones, interruptAt, recordedCreates, rejection, startCli, undeclaredCalls, type TestCli } from './support.ts';

const SOURCE = 'catalog-search';
const PROD = 'search-prod';
const MINUTE = 60_000;

let cli: TestCli;
const domains = () => opensearchState(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION).domains;
const alive = (name: string) => {
  const d = domains().get(name);
  return d !== undefined && !d.deletion;
};
const indicesOf = (name: string) => domainIndices(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION, name).sort();
/** The indices a clone got from a snapshot (a new domain also has system indices of its own). */
const restoredOf = (name: string) => [...(domains().get(name)?.indices.values() ?? [])].filter((i) => i.recovery).map((i) => i.name).sort();

// What it said is checked for secrets by the suite-wide hygiene check (test/support/hygiene.ts).
const { make } = recordedCreates(() => cli, SOURCE);

beforeAll(async () => {
  cli = await startCli();
});
afterAll(() => cli?.close());

describe('points', () => {
  it("lists the SUCCESS snapshots of the source's repository, newest first, with their indices (declared calls only)", async () => {
    const { ctx, calls } = cli.context();
    const out = (await points.run({ source: SOURCE }, ctx)).json as { points: { kind: string; id: string; time: string; note: string | null }[] };
    expect(out.points.length).toBeGreaterThanOrEqual(33);
    expect(out.points.every((p) => p.kind === 'snapshot')).toBe(true);
    const times = out.points.map((p) => Date.parse(p.time));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(out.points[0].note).toMatch(/^\d+ indices: /);
    expect(out.points[0].note).not.toContain('.kibana');
    expect(undeclaredCalls(calls, actionsOf(OPENSEARCH_PERMISSIONS.points))).toEqual([]);
  });
});

describe('create, list, show, credentials, delete', () => {
  let byDate: CreatedJson;

  it('--date makes a domain, registers the repository, restores the indices but no system index, and waits until recovered', async () => {
    const { entry, text, calls } = await make({ date: cli.day(5) });
    byDate = entry;
    expect(entry).toMatchObject({ engine: 'opensearch', status: 'available', ready: true, credentials: 'none' });
    const restored = restoredOf(entry.name);
    expect(restored).toContain('products');
    expect(restored.some((i) => i.startsWith('.'))).toBe(false);
    expect(indicesOf(entry.name)).toEqual(expect.arrayContaining(restored));
    const domain = domains().get(entry.name)!;
    expect(unpackTags(Object.fromEntries(domain.tags))[TAG.restored]).toBe(entry.restorePoint);
    // Fine-grained access control as the source has it, with the operator role as master user and no password.
    expect(domain.advancedSecurity).toEqual({ Enabled: true, InternalUserDatabaseEnabled: false, masterUserArn: cli.sb.scenario.roles.operator });
    expect(masterPasswordOfDomain(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION, entry.name)).toBeUndefined();
    expect(text).not.toContain(masterPasswordOfDomain(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION, PROD)!);
    expect(undeclaredCalls(calls, actionsOf(OPENSEARCH_PERMISSIONS.create))).toEqual([]);
  }, 120_000);

  it('--latest restores the newest snapshot', async () => {
    const { entry } = await make({ latest: true, name: 'snapclone-search-latest' });
    const all = (await points.run({ source: SOURCE }, cli.context().ctx)).json as { points: { id: string }[] };
    expect(entry.point.id).toBe(all.points[0].id);
    expect(restoredOf(entry.name)).toContain('products');
    await del.run({ clones: [entry.name], yes: true, wait: true }, cli.context().ctx);
    expect(alive(entry.name)).toBe(false);
  }, 120_000);

  it('lists and shows the search clone; credentials say to sign with SigV4 as the role, its master user (no password)', async () => {
    const { ctx, calls } = cli.context();
    const all = (await list.run({}, ctx)).json as { clones: CloneJson[] };
    expect(all.clones.map((c) => c.name)).toEqual([byDate.name]);
    expect(all.clones[0]).toMatchObject({ engine: 'opensearch', status: 'available' });
    expect(undeclaredCalls(calls, actionsOf(OPENSEARCH_PERMISSIONS.describe))).toEqual([]);
    const shown = (await show.run({ clone: byDate.name }, cli.context().ctx)).json as { clone: CloneJson };
    expect(shown.clone.details.restored).toBe(byDate.restorePoint);
    const creds = (await credentials.run({ clone: byDate.name }, cli.context().ctx)).json as { username: string; password: string };
    expect(creds).toMatchObject({ username: cli.sb.scenario.roles.operator, password: '', auth: expect.stringContaining(`SigV4 (service es, region ${COMPANY_REGION})`) });
  });

  it('delete removes the domain and its secret', async () => {
    const { ctx, calls } = cli.context();
    await del.run({ clones: [byDate.name], yes: true, wait: true }, ctx);
    expect(alive(byDate.name)).toBe(false);
    expect(cli.secretNames()).not.toContain(byDate.name);
    expect(undeclaredCalls(calls, actionsOf(OPENSEARCH_PERMISSIONS.delete))).toEqual([]);
  }, 120_000);
});

const phases = new Set<string>();

describe('resume', () => {
  // Polls 1–5 wait for the domain; from 6 on the repository is registered and the restore runs.
  it.each([1, 3, 6, 7])('an interrupted create resumes at any phase to one domain with every index (interrupted at poll %i)', async (at) => {
    const name = `snapclone-search-resume-${at}`;
    const first = cli.context();
    interruptAt(first.ctx, at);
    await expect(create.run({ sources: [SOURCE], date: cli.day(4), name, wait: true }, first.ctx)).rejects.toThrow('interrupted');
    // Where the first run stopped: the domain still being created, or its indices being restored.
    const domain = domains().get(name)!;
    const repository = domain.repositories.has('prod-snapshots');
    phases.add(restoredOf(name).length > 0 ? 'restore running' : repository ? 'repository registered' : 'domain creating');
    const again = await make({ date: cli.day(4), name });
    expect(again.entry).toMatchObject({ name, ready: true });
    expect(restoredOf(name)).toContain('products');
    expect(restoredOf(name).some((i) => i.startsWith('.'))).toBe(false);
    await del.run({ clones: [name], yes: true, wait: true }, cli.context().ctx);
  }, 120_000);
});

describe('resume (coverage)', () => {
  it('the interruptions above hit the domain being created and the restore running', () => {
    expect([...phases].sort()).toEqual(expect.arrayContaining(['domain creating', 'restore running']));
  });
});

describe('the guard', () => {
  it('refuses the production domain (exit 3) before any write, and IAM denies writes on it and its repository', async () => {
    const { ctx, calls } = cli.context();
    for (const ref of [PROD, `arn:aws:es:${COMPANY_REGION}:${COMPANY_ACCOUNT}:domain/${PROD}`]) {
      const error = await rejection(del.run({ clones: [ref], yes: true, wait: true }, ctx), RefusedError);
      expect(error.exitCode).toBe(3);
    }
    expect(calls.filter((c) => /Delete|Update|AddTags|Remove|Create|ESHttpP/.test(c))).toEqual([]);
    const client = ctx.clients('dev').of(OpenSearchClient);
    const arn = `arn:aws:es:${COMPANY_REGION}:${COMPANY_ACCOUNT}:domain/${PROD}`;
    for (const command of [new DeleteDomainCommand({ DomainName: PROD }), new AddTagsCommand({ ARN: arn, TagList: [{ Key: TAG.managed, Value: 'true' }] })]) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      await expect(client.send(command as any)).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    }
    const prod = await new (await import('@aws-sdk/client-opensearch')).OpenSearchClient(cli.sb.config()).send(new DescribeDomainCommand({ DomainName: PROD }));
    expect(prod.DomainStatus?.Deleted).toBe(false);
  });
});

describe('with the rest of snapclone', () => {
  it('a set of one source per engine is created from one date and deleted in one command', async () => {
    const result = await create.run({ sources: ['orders-db', 'catalog-db', 'sessions-cache', SOURCE], date: cli.day(3), wait: true }, cli.context().ctx);
    const clones = createdClones(result.json);
    expect(clones.map((c) => c.engine).sort()).toEqual(['aurora', 'elasticache', 'opensearch', 'rds']);
    expect(new Set(clones.map((c) => c.set)).size).toBe(1);
    await del.run({ clones: [clones[0].set!], yes: true, wait: true }, cli.context().ctx);
    expect(alive(clones.find((c) => c.engine === 'opensearch')!.name)).toBe(false);
    expect(((await list.run({}, cli.context().ctx)).json as { clones: unknown[] }).clones).toEqual([]);
  }, 120_000);

  it('the janitor removes an expired search clone', async () => {
    const expired = (await make({ date: cli.day(2), name: 'snapclone-search-expired', ttl: '30m' })).entry;
    cli.sb.world.clock.advance(60 * MINUTE);
    const out = (await janitor.run({}, cli.context().ctx)).json as { resources: Line[] };
    const line = out.resources.find((l) => l.name === expired.name);
    expect(line).toMatchObject({ kind: 'opensearch clone', result: 'deleted' });
    expect(domains().get(expired.name)?.deletion).toBeDefined();
  }, 120_000);
});
