// With 20 % of every call throttled and 5 % answered with a server error — every service, the OpenSearch
// domains' own endpoints included — create → delete of every engine and a janitor run still complete correctly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as deleteCommand from '../../src/commands/delete.ts';
import * as janitor from '../../src/commands/janitor.ts';
import { taggedAs } from '../support/sandbox.ts';
import { createOne, startCli, type TestCli } from './support.ts';

let cli: TestCli;
beforeAll(async () => {
  cli = await startCli();
  cli.sb.world.faults.add({ service: '*', operation: '*', kind: 'throttle', rate: 0.2 });
  cli.sb.world.faults.add({ service: '*', operation: '*', kind: 'error500', rate: 0.05 / 0.8 });
});
afterAll(async () => {
  // The figures docs/reliability.md quotes.
  const { requests, injected } = cli.sb.world.faults.stats();
  console.log(`faults: ${requests} requests, ${JSON.stringify(injected)}`);
  await cli?.close();
});

const SOURCES = [
  ['RDS', 'orders-db'],
  ['Aurora', 'catalog-db'],
  ['ElastiCache', 'sessions-cache'],
  ['OpenSearch', 'catalog-search'],
];

describe('20 % throttling and 5 % server errors on every call', () => {
  it.each(SOURCES)('%s: create then delete complete, and leave nothing behind', async (_engine, source) => {
    const injectedBefore = Object.values(cli.sb.world.faults.stats().injected).reduce((a, b) => a + b, 0);
    const name = `snapclone-flt-${source}`;
    const { entry } = await createOne(cli, source, { date: cli.day(4), name });
    expect(entry).toMatchObject({ name, status: 'available', ready: true });
    await deleteCommand.run({ clones: [name], yes: true, wait: true }, cli.context().ctx);
    expect(await taggedAs(cli.sb, name)).toEqual([]);
    const injected = Object.values(cli.sb.world.faults.stats().injected).reduce((a, b) => a + b, 0) - injectedBefore;
    expect(injected).toBeGreaterThan(0);
  });

  it('a janitor run deletes every expired clone', async () => {
    const names = ['snapclone-flt-jan-a', 'snapclone-flt-jan-b'];
    for (const name of names) await createOne(cli, 'orders-db', { date: cli.day(3), name, ttl: '1h' }, 'erin');
    cli.sb.world.clock.advance(2 * 3_600_000);
    const result = await janitor.run({}, cli.context({ person: 'jan' }).ctx);
    expect((result.json as { failed: number }).failed).toBe(0);
    // The janitor does not wait for the deletions it started: they end a little later.
    cli.sb.world.clock.advance(3_600_000);
    for (const name of names) expect(await taggedAs(cli.sb, name)).toEqual([]);
  });
});
