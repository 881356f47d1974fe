// Issue 22 / F7: OpenSearch restore points come from the S3 repository, so `points` and `create` work with the
// production domain's endpoint unreachable; PARTIAL snapshots are not offered; a clone whose endpoint cannot be
// reached fails within a bounded time, naming the endpoint, the placement and the fix.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import * as points from '../../src/commands/points.ts';
import { SnapcloneError } from '../../src/core/errors.ts';
import { OPENSEARCH_PERMISSIONS } from '../../src/engines/opensearch/permissions.ts';
import { actionsOf } from '../../src/iam/declare.ts';
import { DAY_MS } from '../../sandbox/core/clock.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION, DEV_SEARCH_SUBNETS, DEV_SECURITY_GROUP, PROD_SEARCH } from '../../sandbox/scenario/index.ts';
import { snapshotsOf } from '../../sandbox/services/opensearch/snapshots.ts';
import { PARTIAL_SEARCH_SNAPSHOT_DAYS_AGO } from '../../sandbox/scenario/search.ts';
import { clearUnreachable, makeUnreachable } from '../../sandbox/services/opensearch/reach.ts';
import { opensearchState } from '../../sandbox/services/opensearch/state.ts';
import { createdClones, rejection, startCli, undeclaredCalls, type TestCli } from './support.ts';

const SOURCE = 'catalog-search';
const PROD = 'search-prod';

let cli: TestCli;
beforeAll(async () => {
  cli = await startCli();
});
afterAll(() => cli?.close());
afterEach(() => {
  clearUnreachable(cli.sb.world);
  delete process.env.SNAPCLONE_REACH_TIMEOUT_MS;
});

type PointsJson = { points: { id: string; time: string; note: string | null }[]; unrestorable: { id: string; state: string }[] };

describe('with the production domain unreachable', () => {
  for (const reach of ['blackhole', 'refuse'] as const) {
    it(`points lists the repository's snapshots through S3 alone (${reach}), each at the time it finished`, async () => {
      makeUnreachable(cli.sb.world, PROD, reach);
      const { ctx, calls } = cli.context();
      const out = (await points.run({ source: SOURCE }, ctx)).json as PointsJson;
      expect(out.points.length).toBeGreaterThanOrEqual(33);
      expect(calls.filter((c) => c.startsWith('es:'))).toEqual([]);
      expect(undeclaredCalls(calls, actionsOf(OPENSEARCH_PERMISSIONS.points))).toEqual([]);
      // Each point's time is when its snapshot ended, as the sandbox's domain recorded it.
      const ended = new Map(snapshotsOf(cli.sb.world, PROD_SEARCH[0].bucket, '').map((x) => [x.name, x.endedAt]));
      for (const p of out.points) expect(Date.parse(p.time)).toBe(ended.get(p.id));
      expect(out.points[0].note).toMatch(/^\d+ indices: /);
    });
  }

  it('does not offer the PARTIAL snapshot, and says so; --date of its day takes the day before', async () => {
    makeUnreachable(cli.sb.world, PROD, 'blackhole');
    const partialDay = cli.day(PARTIAL_SEARCH_SNAPSHOT_DAYS_AGO);
    const { ctx } = cli.context();
    const out = (await points.run({ source: SOURCE }, ctx)).json as PointsJson;
    expect(out.points.map((p) => p.id)).not.toContain(`daily-${partialDay}`);
    expect(out.points.map((p) => p.id)).toContain(`daily-${cli.day(PARTIAL_SEARCH_SNAPSHOT_DAYS_AGO + 1)}`);
    expect(out.unrestorable).toContainEqual(expect.objectContaining({ id: `daily-${partialDay}`, state: 'PARTIAL' }));
  });

  it('create --date restores a clone from the repository without any call to the production domain', async () => {
    makeUnreachable(cli.sb.world, PROD, 'blackhole');
    const { ctx, calls } = cli.context();
    const result = await create.run({ sources: [SOURCE], date: cli.day(PARTIAL_SEARCH_SNAPSHOT_DAYS_AGO), name: 'snapclone-reach-ok', wait: true }, ctx);
    const [entry] = createdClones(result.json);
    expect(entry).toMatchObject({ status: 'available', ready: true });
    // The PARTIAL snapshot of that day is passed over for the day before's.
    expect(entry.point.id).toBe(`daily-${cli.day(PARTIAL_SEARCH_SNAPSHOT_DAYS_AGO + 1)}`);
    expect(undeclaredCalls(calls, actionsOf(OPENSEARCH_PERMISSIONS.create))).toEqual([]);
    const clone = opensearchState(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION).domains.get('snapclone-reach-ok')!;
    expect([...clone.indices.values()].filter((i) => i.recovery).length).toBeGreaterThan(0);
  }, 120_000);
});

describe('a clone whose endpoint cannot be reached', () => {
  for (const reach of ['blackhole', 'refuse'] as const) {
    it(`fails within the bounded time, naming the endpoint, the placement and the fix (${reach})`, async () => {
      process.env.SNAPCLONE_REACH_TIMEOUT_MS = '400';
      const name = `snapclone-unreach-${reach}`;
      makeUnreachable(cli.sb.world, name, reach);
      const { ctx } = cli.context();
      const started = Date.now();
      const error = await rejection(create.run({ sources: [SOURCE], latest: true, name, wait: true }, ctx), SnapcloneError);
      const took = Date.now() - started;
      const domain = opensearchState(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION).domains.get(name)!;
      const text = `${error.message}\n${error.hint ?? ''}`;
      expect(text).toMatch(/Could not reach the REST API of snapclone-unreach-\w+ at 127\.0\.0\.1:\d+/);
      expect(text).toContain(reach === 'blackhole' ? 'no answer within 0.4 s' : 'ECONNRESET');
      expect(text).toContain(`subnets ${DEV_SEARCH_SUBNETS[0]}`);
      expect(text).toContain(DEV_SECURITY_GROUP);
      expect(text).toContain('docs/reaching-clones.md');
      // The domain was made, and nothing was restored into it; the wait did not hang on the endpoint.
      expect(domain).toBeDefined();
      expect([...domain.indices.values()].filter((i) => i.recovery)).toEqual([]);
      expect(took).toBeLessThan(15_000);
    }, 120_000);
  }
});

describe('the sandbox clock', () => {
  it('a new daily snapshot becomes a point once it has finished', async () => {
    makeUnreachable(cli.sb.world, PROD, 'blackhole');
    const before = (await points.run({ source: SOURCE }, cli.context().ctx)).json as PointsJson;
    cli.sb.world.clock.advance(DAY_MS);
    const after = (await points.run({ source: SOURCE }, cli.context().ctx)).json as PointsJson;
    expect(Date.parse(after.points[0].time)).toBeGreaterThan(Date.parse(before.points[0].time));
  });
});
