import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import type { CreatedJson } from '../../src/commands/create.ts';
import type { CloneJson } from '../../src/commands/common.ts';
import * as del from '../../src/commands/delete.ts';
import * as extend from '../../src/commands/extend.ts';
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

describe('a set is named by what was typed (audit M8)', () => {
  const as = (person = 'alice') => cli.context({ config: withSets, person });
  const names = (result: { json: unknown }) => (result.json as Created).clones.map((c) => c.name).sort();

  it('create prints the set made and how to delete it; --no-wait prints one command that finishes the whole set', async () => {
    const d = day(3);
    const set = `checkout-${compact(d)}-alice`;
    const started = await create.run({ sources: ['checkout'], date: d, wait: false }, as().ctx);
    const text = started.lines!.join('\n');
    expect(text).toContain(`set: ${set} (delete it with snapclone delete ${set})`);
    // One finishing command for the set, as typed (never one per member).
    expect(text.match(/snapclone create /g)).toHaveLength(1);
    expect(text).toContain(`Finish them all (this resumes the create and waits):\n    snapclone create checkout --date ${d}\n`);
    // That command, run, resumes the same two clones.
    const finished = await create.run({ sources: ['checkout'], date: d, wait: true }, as().ctx);
    expect((finished.json as Created).clones.map((c) => [c.resumed, c.ready])).toEqual([[true, true], [true, true]]);
    expect(names(finished)).toEqual(names(started));

    // (Another day: the same sources on the same day would be the same clones.)
    const several = await create.run({ sources: ['orders-db', 'billing-db'], date: day(2), wait: false }, as().ctx);
    const severalSet = (several.json as Created).set!;
    expect(severalSet).toBe(`orders-db-billing-db-${compact(day(2))}-alice`);
    expect(several.lines!.join('\n')).toContain(`set: ${severalSet} (delete it with snapclone delete ${severalSet})`);
    await del.run({ clones: [severalSet], yes: true, wait: false }, as().ctx);
  });

  it("show, extend and delete of a config set's name act on the one set made from it that is yours, and say so; never on another's", async () => {
    // Alice's set is the one the test before made and finished.
    const d = day(3);
    const mine = `checkout-${compact(d)}-alice`;
    const bobs = await create.run({ sources: ['checkout'], date: d, wait: false }, as('bob').ctx);
    const bobSet = (bobs.json as Created).set!;
    expect(bobSet).toBe(`checkout-${compact(d)}-bob`);

    const showing = as();
    const shown = await show.run({ clone: 'checkout' }, showing.ctx);
    expect((shown.json as { set: string }).set).toBe(mine);
    expect(showing.reporter.text).toContain(`checkout is a set of the config: show acts on the set made from it that is yours, ${mine} (alice, 2 clones).`);

    const extending = as();
    const extended = await extend.run({ clones: ['checkout'], ttl: '2h' }, extending.ctx);
    expect((extended.json as { extended: { name: string }[] }).extended.map((c) => c.name).sort()).toEqual(
      (shown.json as { clones: CloneJson[] }).clones.map((c) => c.name).sort(),
    );

    const deleting = as();
    const deleted = await del.run({ clones: ['checkout'], yes: true, wait: true }, deleting.ctx);
    expect(deleting.reporter.text).toContain(`delete acts on the set made from it that is yours, ${mine} (alice, 2 clones)`);
    const gone = (deleted.json as { deleted: { name: string }[] }).deleted.map((c) => c.name);
    expect(gone.every((n) => n.endsWith('-alice'))).toBe(true);
    expect(gone).toHaveLength(2);
    // Bob's set is untouched, and alice's next `delete checkout` names it rather than deleting it.
    for (const c of (bobs.json as Created).clones) expect(cli.instanceIds()).toContain(c.name);
    const refused = await rejection(del.run({ clones: ['checkout'], yes: true, wait: false }, as().ctx), UsageError);
    expect(refused.message).toBe(`checkout is a set of the config, not a set of clones; none of the sets made from it is yours: ${bobSet} (bob, 2 clones)`);
    for (const c of (bobs.json as Created).clones) expect(cli.instanceIds()).toContain(c.name);
    await del.run({ clones: ['checkout'], yes: true, wait: false }, as('bob').ctx);
  });

  it('several sets of yours made from it: refused, each named, nothing deleted; none at all: says how to make one', async () => {
    const first = await create.run({ sources: ['checkout'], date: day(6), wait: false }, as().ctx);
    const second = await create.run({ sources: ['checkout'], date: day(7), wait: false }, as().ctx);
    const sets = [(first.json as Created).set!, (second.json as Created).set!].sort();
    const before = cli.instanceIds();
    const refused = await rejection(del.run({ clones: ['checkout'], yes: true, wait: false }, as().ctx), UsageError);
    expect(refused.message).toContain(`several of the sets made from it are yours: ${sets[0]} (alice, 2 clones), ${sets[1]} (alice, 2 clones)`);
    expect(refused.hint).toBe(`Name the set: snapclone delete ${sets[0]}`);
    expect(cli.instanceIds()).toEqual(before);
    for (const set of sets) await del.run({ clones: [set], yes: true, wait: true }, as().ctx);
    const none = await rejection(show.run({ clone: 'checkout' }, as().ctx), UsageError);
    expect(none.message).toBe('checkout is a set of the config, and no set made from it exists now');
  });
});
