import { DeleteDBInstanceCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import * as del from '../../src/commands/delete.ts';
import * as extend from '../../src/commands/extend.ts';
import * as list from '../../src/commands/list.ts';
import * as points from '../../src/commands/points.ts';
import * as show from '../../src/commands/show.ts';
import { dayOf } from '../../src/core/dates.ts';
import { UsageError } from '../../src/core/errors.ts';
import { PASSWORD_NOT_REPLACED } from '../../src/core/finish.ts';
import { render } from '../../src/output/render.ts';
import { createdClones, rejection, startCli, type TestCli } from './support.ts';

// What snapclone says around its results (the newcomer audit's minor findings m2–m9, m12, m23): each once, in
// words a person reads, never an internal state name.

let cli: TestCli;
beforeAll(async () => {
  cli = await startCli({ speed: 60 });
});
afterAll(() => cli?.close());

const count = (text: string, part: string) => text.split(part).length - 1;
const HOUR = 3_600_000;

interface PointsJson {
  points: { id: string; time: string }[];
  unrestorable: { id: string; time: string; state: string }[];
}

describe('points and create', () => {
  it('m2: the footer says what --at does: point-in-time where the engine has it, else the latest snapshot before it', async () => {
    const rds = await points.run({ source: 'orders-db' }, cli.context().ctx);
    expect(rds.lines!.join('\n')).toContain('--at uses point-in-time');
    for (const source of ['sessions-cache', 'catalog-search']) {
      const out = await points.run({ source }, cli.context().ctx);
      const footer = out.lines!.join('\n');
      expect(footer).toContain('--at takes the latest snapshot before it');
      expect(footer).not.toContain('point-in-time');
    }
  });

  it('m3 + m4: a PARTIAL snapshot is listed as not restorable and said skipped; a shortened OpenSearch name is said', async () => {
    const listed = await points.run({ source: 'catalog-search' }, cli.context().ctx);
    const json = listed.json as PointsJson;
    expect(json.unrestorable).toHaveLength(1);
    const partial = json.unrestorable[0];
    expect(partial.state).toBe('PARTIAL');
    expect(json.points.map((p) => p.id)).not.toContain(partial.id);
    const row = listed.table!.rows.find((r) => r[3] === partial.id)!;
    expect(row.at(-1)).toBe('not restorable (PARTIAL)');

    const { ctx, reporter } = cli.context();
    const day = dayOf(new Date(partial.time), 'Asia/Tokyo');
    const result = await create.run({ sources: ['catalog-search'], date: day, wait: false }, ctx);
    const [entry] = createdClones(result.json);
    expect(entry.point.id).not.toBe(partial.id);
    expect(Date.parse(entry.point.time)).toBeLessThan(Date.parse(partial.time));
    expect(reporter.text).toContain(`skipped as not restorable: ${partial.id} of `);
    expect(reporter.text).toContain(`${partial.id} of `);
    expect(count(reporter.text, 'is PARTIAL')).toBe(1);
    // snapclone-catalog-search-<day>-alice is 37 characters; the domain name holds 28.
    expect(entry.name.length).toBeLessThanOrEqual(28);
    const chosenDay = dayOf(new Date(entry.point.time), 'Asia/Tokyo').replaceAll('-', '');
    expect(reporter.text).toContain(`catalog-search: named ${entry.name}, not snapclone-catalog-search-${chosenDay}-alice: OpenSearch domain names are at most 28 characters.`);
    // An RDS clone's default name fits: nothing said.
    const rds = cli.context();
    await create.run({ sources: ['orders-db'], date: day, wait: false }, rds.ctx);
    expect(rds.reporter.text).not.toContain('are at most');
  });

  it('m7: the fallback of --at on an engine without point-in-time is said once', async () => {
    const { ctx, reporter } = cli.context();
    const at = new Date(cli.sb.world.clock.nowMs() - 3 * 24 * HOUR).toISOString();
    const result = await create.run({ sources: ['sessions-cache'], at, wait: true }, ctx);
    expect(count(reporter.text, 'has no point-in-time restore window')).toBe(1);
    expect(createdClones(result.json)[0].ready).toBe(true);
  });

  it("create's result is printed once (the block), the password line is no value; markdown has the table", async () => {
    const { ctx, reporter } = cli.context();
    const result = await create.run({ sources: ['billing-db'], date: cli.day(6), wait: true }, ctx);
    const [entry] = createdClones(result.json);
    const text = render(result, 'table');
    expect(count(text, `${entry.name} ← billing-db`)).toBe(1);
    expect(text).not.toMatch(/^CLONE +SOURCE/m);
    expect(text).toContain(`  password: (run snapclone credentials ${entry.name})`);
    expect(count(reporter.text, `${entry.name} is ready`)).toBe(1);
    expect(render(result, 'markdown')).toMatch(/^\| clone \| source \| status \| data from \| expires \|/m);
    expect(render(result, 'json')).toBe(JSON.stringify(result.json, null, 2));

    const shown = await show.run({ clone: entry.name }, cli.context().ctx);
    expect(shown.table!.rows.find((r) => r[0] === 'password')![1]).toBe(`generated (run snapclone credentials ${entry.name})`);
  });
});

describe('extend and delete', () => {
  it('m5: an extend that shortens the life warns; too long a TTL gets extend\'s own advice', async () => {
    const made = await create.run({ sources: ['orders-db'], date: cli.day(7), ttl: '1d', wait: false }, cli.context().ctx);
    const [entry] = createdClones(made.json);
    const { ctx, reporter } = cli.context();
    await extend.run({ clones: [entry.name], ttl: '90m' }, ctx);
    const warnings = reporter.events.flatMap((e) => (e.kind === 'warn' ? [e.message] : []));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^${entry.name}: this shortens its life: it was to expire .+, now .+ \\(--ttl counts from now\\)\\.$`));
    const longer = cli.context();
    await extend.run({ clones: [entry.name], ttl: '1d' }, longer.ctx);
    expect(longer.reporter.events.filter((e) => e.kind === 'warn')).toEqual([]);

    const refused = await rejection(extend.run({ clones: [entry.name], ttl: '5d' }, cli.context().ctx), UsageError);
    expect(refused.message).toContain('--ttl 5d is longer than the maximum TTL of target dev (3d)');
    expect(refused.hint).toContain('extend sets the expiry to now + --ttl');
    expect(refused.hint).not.toContain('lengthen it later');
  });

  it('m6: a cancelled delete says so in one line', async () => {
    const made = await create.run({ sources: ['orders-db'], date: cli.day(8), wait: false }, cli.context().ctx);
    const [entry] = createdClones(made.json);
    const { ctx, reporter } = cli.context({ interactive: true, answers: ['n'] });
    const result = await del.run({ clones: [entry.name], wait: true }, ctx);
    expect(result.json).toEqual({ deleted: [], cancelled: true });
    const said = `${reporter.events.filter((e) => e.kind !== 'progress').map((e) => ('message' in e ? e.message : '')).join('\n')}\n${render(result, 'table')}`;
    expect(count(said.toLowerCase(), 'nothing was deleted')).toBe(1);
    expect(cli.instanceIds()).toContain(entry.name);
  });

  it('m23: statuses read in one case whatever the engine (OpenSearch says "Deleting")', async () => {
    const made = await create.run({ sources: ['catalog-search'], date: cli.day(10), wait: true }, cli.context().ctx);
    const [entry] = createdClones(made.json);
    const { ctx, reporter } = cli.context();
    await del.run({ clones: [entry.name], yes: true, wait: true }, ctx);
    const statuses = reporter.events.flatMap((e) => (e.kind === 'progress' ? [e.progress.phase.slice(e.progress.phase.indexOf(': ') + 2)] : []));
    expect(statuses.length).toBeGreaterThan(0);
    for (const status of statuses) expect(status).toBe(status.toLowerCase());
  });
});

describe('resuming', () => {
  it('m8: an Aurora clone whose writer is missing is resumed in words, not as "no-instance"', async () => {
    const made = await create.run({ sources: ['catalog-db'], date: cli.day(5), wait: true }, cli.context().ctx);
    const [entry] = createdClones(made.json);
    const writer = `${entry.name}-1`;
    await cli.admin.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: writer, SkipFinalSnapshot: true }));
    // Until the writer is gone (the sandbox deletes on its clock, seen by the next describe).
    const present = () => cli.admin.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: writer })).then(() => true, () => false);
    for (let i = 0; i < 200 && (await present()); i++) cli.sb.world.clock.advance(30_000);
    expect(await present()).toBe(false);

    const listed = render(await list.run({}, cli.context().ctx), 'table');
    expect(listed).toMatch(/ no writer yet /);
    const { ctx, reporter } = cli.context();
    const again = await create.run({ sources: ['catalog-db'], date: cli.day(5), wait: true }, ctx);
    expect(createdClones(again.json)[0]).toMatchObject({ name: entry.name, resumed: true, ready: true });
    expect(reporter.text).toContain(`${entry.name}: resuming the clone already under way: its cluster is made, its writer instance is added now.`);
    expect(`${reporter.text}\n${render(again, 'table')}\n${listed}`).not.toContain('no-instance');
  }, 60_000);

  it('m9: two creates of one clone by the same person: "ready" is only said of a usable clone, by both', async () => {
    const name = 'snapclone-race';
    const first = cli.context();
    const second = cli.context();
    let started: Promise<Awaited<ReturnType<typeof create.run>>> | undefined;
    const progress = first.ctx.reporter.progress.bind(first.ctx.reporter);
    // The second run starts while the first replaces the password (where the audit saw "ready", then "under way").
    first.ctx.reporter.progress = (p) => {
      progress(p);
      if (!started && /password/.test(p.phase)) started = create.run({ sources: ['billing-db'], date: cli.day(3), name, wait: true }, second.ctx);
    };
    const a = await create.run({ sources: ['billing-db'], date: cli.day(3), name, wait: true }, first.ctx);
    expect(started).toBeDefined();
    const b = await started!;
    for (const [result, run] of [
      [a, first],
      [b, second],
    ] as const) {
      const [entry] = createdClones(result.json);
      expect(entry).toMatchObject({ name, ready: true, status: 'available' });
      expect(count(run.reporter.text, `${name} is ready`)).toBe(1);
      expect(render(result, 'table')).not.toContain(PASSWORD_NOT_REPLACED);
    }
    expect(createdClones(b.json)[0].resumed).toBe(true);
  });
});
