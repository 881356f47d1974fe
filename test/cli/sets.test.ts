import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import type { CreatedJson } from '../../src/commands/create.ts';
import type { CloneJson } from '../../src/commands/common.ts';
import * as del from '../../src/commands/delete.ts';
import * as list from '../../src/commands/list.ts';
import * as show from '../../src/commands/show.ts';
import { parseConfig } from '../../src/config/load.ts';
import { dayOf } from '../../src/core/dates.ts';
import { RefusedError, UsageError } from '../../src/core/errors.ts';
import type { Config } from '../../src/config/schema.ts';
import { AwsError } from '../../sandbox/core/errors.ts';
import { rejection, startCli, type TestCli } from './support.ts';

const DAY = 86_400_000;
let cli: TestCli;
const withSets = (c: Config): Config => ({ ...c, sets: { checkout: ['orders-db', 'billing-db'] } });

beforeAll(async () => {
  cli = await startCli();
});
afterAll(() => cli?.close());

const day = (ago: number) => dayOf(new Date(cli.sb.world.clock.nowMs() - ago * DAY), 'Asia/Tokyo');
const compact = (d: string) => d.replaceAll('-', '');
type Created = { set: string | null; clones: CreatedJson[]; failed: { source: string; name: string; error: string }[] };

describe('sets', () => {
  it('a config set is cloned from one date in parallel, listed under its set, shown and deleted together', async () => {
    const ctx = () => cli.context({ config: withSets }).ctx;
    const d = day(4);
    const result = await create.run({ sources: ['checkout'], date: d, wait: true }, ctx());
    const json = result.json as Created;
    const set = `checkout-${compact(d)}-alice`;
    expect(json.set).toBe(set);
    expect(json.failed).toEqual([]);
    expect(json.clones.map((c) => [c.source, c.set, c.ready])).toEqual([
      ['orders-db', set, true],
      ['billing-db', set, true],
    ]);
    // Both from the same day.
    expect(new Set(json.clones.map((c) => dayOf(new Date(c.point.time), 'Asia/Tokyo')))).toEqual(new Set([d]));

    const listed = (await list.run({}, ctx())).json as { clones: CloneJson[]; sets: { name: string; clones: string[] }[] };
    expect(listed.sets).toEqual([{ name: set, clones: json.clones.map((c) => c.name).sort() }]);
    const table = (await list.run({ wide: true }, ctx())).table!;
    expect(table.columns[0]).toBe('set');
    expect(table.rows.filter((r) => r[0] === set)).toHaveLength(2);

    const shown = await show.run({ clone: set }, ctx());
    expect((shown.json as { set: string; clones: CloneJson[] }).clones.map((c) => c.source).sort()).toEqual(['billing-db', 'orders-db']);
    expect(shown.table!.rows).toHaveLength(2);

    const deleted = await del.run({ clones: [set], yes: true, wait: true }, ctx());
    expect((deleted.json as { deleted: { name: string }[] }).deleted.map((c) => c.name).sort()).toEqual(json.clones.map((c) => c.name).sort());
    for (const c of json.clones) expect(cli.instanceIds()).not.toContain(c.name);
  });

  it('when one member fails, the others are made and reported, the exit code says not all was made, and the set deletes in one command', async () => {
    // billing-db's restore is refused by RDS (as for a capacity shortage in the zone).
    cli.sb.world.observer = (call) => {
      if (call.action === 'rds:RestoreDBInstanceFromDBSnapshot' && call.resources.some((r) => r.includes('billing-prod'))) {
        throw new AwsError('InsufficientDBInstanceCapacity', 'Cannot create a DB instance of class db.t4g.micro in this zone now.', 400);
      }
    };
    let result;
    try {
      result = await create.run({ sources: ['orders-db', 'billing-db'], date: day(5), set: 'checkout-bug-4711', wait: true }, cli.context().ctx);
    } finally {
      cli.sb.world.observer = undefined;
    }
    const json = result.json as Created;
    expect(result.exitCode).toBe(1);
    expect(json.clones.map((c) => c.source)).toEqual(['orders-db']);
    expect(json.failed).toEqual([{ source: 'billing-db', name: `snapclone-billing-db-${compact(day(5))}-alice`, error: expect.stringContaining('InsufficientDBInstanceCapacity') }]);
    expect(result.lines!.join('\n')).toContain('Not all of set checkout-bug-4711 was made: 1 of 2 failed');
    const listed = (await list.run({}, cli.context().ctx)).json as { sets: { name: string; clones: string[] }[] };
    expect(listed.sets).toEqual([{ name: 'checkout-bug-4711', clones: [json.clones[0].name] }]);
    await del.run({ clones: ['checkout-bug-4711'], yes: true, wait: true }, cli.context().ctx);
    expect(cli.instanceIds()).not.toContain(json.clones[0].name);
  });

  it("refuses to add clones to someone else's set (exit 3), before anything is created (security review L5)", async () => {
    const mine = await create.run({ sources: ['orders-db'], date: day(5), set: 'team-alice', wait: false }, cli.context().ctx);
    expect((mine.json as Created).set).toBe('team-alice');
    const before = (await list.run({}, cli.context().ctx)).json as { clones: CloneJson[] };
    const error = await rejection(create.run({ sources: ['billing-db'], latest: true, set: 'team-alice', wait: false }, cli.context({ person: 'mallory' }).ctx), RefusedError);
    expect(error.message).toContain('Refused to add clones to set team-alice: it holds clones of alice');
    const after = (await list.run({}, cli.context().ctx)).json as { clones: CloneJson[] };
    expect(after.clones.map((c) => c.name)).toEqual(before.clones.map((c) => c.name));
    // Its owner still adds to it.
    const more = await create.run({ sources: ['billing-db'], latest: true, set: 'team-alice', wait: false }, cli.context().ctx);
    expect((more.json as Created).clones.map((c) => c.set)).toEqual(['team-alice']);
    await del.run({ clones: ['team-alice'], yes: true, wait: false }, cli.context().ctx);
  });

  it('refuses bad set input before anything is created', async () => {
    const before = cli.instanceIds();
    await rejection(create.run({ sources: ['orders-db', 'billing-db'], latest: true, set: 'Bad Set', wait: false }, cli.context().ctx), UsageError);
    await rejection(create.run({ sources: ['checkout'], latest: true, name: 'snapclone-one', wait: false }, cli.context({ config: withSets }).ctx), UsageError);
    expect(cli.instanceIds()).toEqual(before);
    expect(() => parseConfig('targets: {}\nsources: {}\nsets:\n  checkout: [orders-db]\n', 'x.yaml')).toThrow(/sets.checkout: 'orders-db' is not a source/);
    await rejection(show.run({ clone: 'no-such-set' }, cli.context().ctx), UsageError);
  });
});
