import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import type { CreatedJson } from '../../src/commands/create.ts';
import type { CloneJson } from '../../src/commands/common.ts';
import * as extend from '../../src/commands/extend.ts';
import * as list from '../../src/commands/list.ts';
import * as show from '../../src/commands/show.ts';
import { dayOf } from '../../src/core/dates.ts';
import { RefusedError, UsageError } from '../../src/core/errors.ts';
import { fromTagList, TAG } from '../../src/core/tags.ts';
import type { Config } from '../../src/config/schema.ts';
import { arn } from '../../sandbox/scenario/index.ts';
import { rejection, startCli, type TestCli } from './support.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let cli: TestCli;
beforeAll(async () => {
  cli = await startCli();
});
afterAll(() => cli?.close());

const day = (ago: number) => dayOf(new Date(cli.sb.world.clock.nowMs() - ago * DAY), 'Asia/Tokyo');
const now = () => cli.sb.world.clock.nowMs();
const tags = (name: string) => cli.sb.world.tagsOf(arn.db(name)) ?? {};
/** An expiry (ISO) equal to `at` give or take the few seconds the sandbox clock runs during the calls. */
const near = (iso: string | undefined, at: number) => expect(Math.abs(Date.parse(iso ?? '') - at)).toBeLessThan(5_000);
const renewable = (c: Config): Config => ({ ...c, targets: { dev: { ...c.targets.dev, maxRenewals: 1 } } });

async function made(name: string, person = 'alice', ttl = '8h'): Promise<CreatedJson> {
  const result = await create.run({ sources: ['billing-db'], date: day(3), name, ttl, wait: true }, cli.context({ person }).ctx);
  return (result.json as { clones: CreatedJson[] }).clones[0];
}

describe('snapclone extend', () => {
  it('moves the expiry to now + TTL within maxTtl from creation, recording who and when; beyond it exit 2, nothing changed', async () => {
    const clone = await made('snapclone-extend-a');
    const created = Date.parse(clone.createdAt!);
    const result = await extend.run({ clones: [clone.name], ttl: '1d' }, cli.context().ctx);
    near((result.json as { extended: { expiresAt: string }[] }).extended[0].expiresAt, now() + DAY);
    near(tags(clone.name)[TAG.expiresAt], now() + DAY);
    expect(tags(clone.name)[TAG.extendedBy]).toBe('alice');

    // 2.5 days later another day would end after creation + 3d (the target's maxTtl).
    cli.sb.world.clock.advance(2.5 * DAY);
    const before = tags(clone.name)[TAG.expiresAt];
    const error = await rejection(extend.run({ clones: [clone.name], ttl: '1d' }, cli.context().ctx), UsageError);
    expect(error.message).toContain(`until ${new Date(created + 3 * DAY).toISOString()}`);
    expect(error.hint).toMatch(/at most 1[12]h\d*m? now/);
    expect(tags(clone.name)[TAG.expiresAt]).toBe(before);
    // Within the bound it still works.
    await extend.run({ clones: [clone.name], ttl: '11h' }, cli.context().ctx);
    near(tags(clone.name)[TAG.expiresAt], now() + 11 * HOUR);
  });

  it('renews past maxTtl as often as the target allows (maxRenewals), then refuses', async () => {
    const clone = await made('snapclone-extend-b');
    cli.sb.world.clock.advance(2.5 * DAY);
    const ctx = () => cli.context({ config: renewable }).ctx;
    await extend.run({ clones: [clone.name], ttl: '2d' }, ctx());
    expect(tags(clone.name)[TAG.renewals]).toBe('1');
    near(tags(clone.name)[TAG.expiresAt], now() + 2 * DAY);
    cli.sb.world.clock.advance(DAY);
    const error = await rejection(extend.run({ clones: [clone.name], ttl: '2d' }, ctx()), UsageError);
    expect(error.message).toContain('its 1 renewal(s) past that are used up');
    // A TTL longer than maxTtl is refused outright, naming the maximum.
    expect((await rejection(extend.run({ clones: [clone.name], ttl: '4d' }, ctx()), UsageError)).message).toContain('(3d)');
  });

  it("another person's clone needs --force, recorded on it; a set extends every member", async () => {
    const clone = await made('snapclone-extend-c', 'carol');
    const refused = await rejection(extend.run({ clones: [clone.name], ttl: '2h' }, cli.context({ person: 'bob' }).ctx), RefusedError);
    expect(refused.message).toContain('it belongs to carol');
    expect(tags(clone.name)[TAG.extendedBy]).toBeUndefined();
    await extend.run({ clones: [clone.name], ttl: '2h', force: true }, cli.context({ person: 'bob' }).ctx);
    expect(tags(clone.name)).toMatchObject({ [TAG.extendedBy]: 'bob', [TAG.forcedBy]: 'bob', [TAG.owner]: 'carol' });

    const set = await create.run({ sources: ['orders-db', 'billing-db'], date: day(2), set: 'extend-set', ttl: '1h', wait: true }, cli.context().ctx);
    const names = (set.json as { clones: CreatedJson[] }).clones.map((c) => c.name);
    await extend.run({ clones: ['extend-set'], ttl: '6h' }, cli.context().ctx);
    for (const name of names) near(tags(name)[TAG.expiresAt], now() + 6 * HOUR);
    await rejection(extend.run({ clones: ['no-such-clone'], ttl: '1h' }, cli.context().ctx), UsageError);
  });

  it('list and show give the time left and mark clones expiring within the hour and expired ones', async () => {
    const soon = await made('snapclone-extend-soon', 'alice', '50m');
    const gone = await made('snapclone-extend-gone', 'alice', '30m');
    cli.sb.world.clock.advance(40 * 60_000);
    const listed = (await list.run({ wide: true }, cli.context().ctx)) as { json: { clones: CloneJson[] }; table?: { rows: string[][] } };
    const byName = (n: string) => listed.json.clones.find((c) => c.name === n)!;
    expect(byName(soon.name)).toMatchObject({ expired: false, expiringSoon: true });
    expect(byName(soon.name).expiresInSeconds).toBeGreaterThan(0);
    expect(byName(gone.name)).toMatchObject({ expired: true, expiringSoon: false });
    expect(byName(gone.name).expiresInSeconds).toBeLessThan(0);
    const row = (n: string) => listed.table!.rows.find((r) => r[1] === n)!.join(' ');
    expect(row(soon.name)).toMatch(/in \d+m\d\ds, expiring soon/);
    expect(row(gone.name)).toMatch(/EXPIRED \d+m\d\ds ago/);
    const shown = await show.run({ clone: gone.name }, cli.context().ctx);
    expect(shown.table!.rows.find((r) => r[0] === 'expires')![1]).toContain('EXPIRED');
    // Tags as the cloud has them, for the record.
    expect(fromTagList(Object.entries(tags(gone.name)).map(([Key, Value]) => ({ Key, Value })))[TAG.managed]).toBe('true');
  });
});
