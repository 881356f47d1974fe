import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import type { CreatedJson } from '../../src/commands/create.ts';
import * as credentials from '../../src/commands/credentials.ts';
import * as del from '../../src/commands/delete.ts';
import * as list from '../../src/commands/list.ts';
import * as points from '../../src/commands/points.ts';
import * as show from '../../src/commands/show.ts';
import { dayOf } from '../../src/core/dates.ts';
import { RDS_PERMISSIONS } from '../../src/engines/rds/permissions.ts';
import type { PolicyDocument } from '../../sandbox/core/iam.ts';
import { everything, startCli, type TestCli } from './support.ts';

const DAY = 86_400_000;

let cli: TestCli;
const operator = () => cli.sb.world.roles.get(cli.sb.scenario.roles.operator)!;

/** The operator role allowed exactly the actions the RDS engine declares (minus `except`). */
function declaredOnly(except: string[] = []): PolicyDocument {
  const actions = [...new Set(Object.values(RDS_PERMISSIONS).flat().map((p) => p.action))].filter((a) => !except.includes(a)).sort();
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] };
}

beforeAll(async () => {
  cli = await startCli();
  cli.sb.world.enforceIam = true;
});
afterAll(() => cli?.close());

const day = (ago: number) => dayOf(new Date(cli.sb.world.clock.nowMs() - ago * DAY), 'Asia/Tokyo');

describe('the declared permissions are complete', () => {
  it('every command works with a role allowed only the declared actions (IAM enforced)', async () => {
    operator().policies = [declaredOnly()];
    const { ctx } = cli.context();
    expect(((await points.run({ source: 'orders-db' }, ctx)).json as { points: unknown[] }).points.length).toBeGreaterThan(60);
    const made = (
      await create.run({ sources: ['orders-db', 'billing-db'], date: day(6), wait: true }, ctx)
    ).json as { clones: CreatedJson[] };
    const pitr = (
      await create.run({ sources: ['orders-db'], at: `${day(1)}T09:00`, name: 'snapclone-pitr-iam', wait: true }, ctx)
    ).json as { clones: CreatedJson[] };
    const names = [...made.clones, ...pitr.clones].map((c) => c.name);
    expect(made.clones.map((c) => c.point.kind)).toEqual(['backup', 'automated-snapshot']);
    expect(pitr.clones[0].point.kind).toBe('point-in-time');
    const listed = (await list.run({}, ctx)).json as { clones: { name: string }[] };
    expect(listed.clones.map((c) => c.name).sort()).toEqual([...names].sort());
    expect(((await show.run({ clone: names[0] }, ctx)).json as { clone: { status: string } }).clone.status).toBe('available');
    expect(((await credentials.run({ clone: names[0] }, ctx)).json as { password: string }).password).toBe(
      cli.masterPassword(names[0]),
    );
    await del.run({ clones: names, yes: true, wait: true }, ctx);
    for (const name of names) expect(cli.instanceIds()).not.toContain(name);
  }, 60_000);

  it('the enforcement is real: without rds:AddTagsToResource a Backup restore cannot be tagged', async () => {
    operator().policies = [declaredOnly(['rds:AddTagsToResource'])];
    const { ctx } = cli.context();
    await expect(create.run({ sources: ['orders-db'], date: day(8), wait: true }, ctx)).rejects.toThrow(
      /not authorized to perform: rds:AddTagsToResource/,
    );
  }, 60_000);
});

describe("target.rds.password: 'managed'", () => {
  it('lets RDS manage the new password; credentials read it from the RDS-owned secret; delete needs nothing more', async () => {
    operator().policies = [declaredOnly()];
    const managed = (c: typeof cli.config) => {
      c.targets.dev.rds!.password = 'managed';
      return c;
    };
    const { ctx, reporter } = cli.context({ config: managed });
    const secretsBefore = cli.secretNames();
    const result = await create.run({ sources: ['billing-db'], date: day(2), name: 'snapclone-billing-managed', wait: true }, ctx);
    const entry = (result.json as { clones: CreatedJson[] }).clones[0];
    expect(entry).toMatchObject({ ready: true, credentials: 'managed' });
    const password = cli.masterPassword(entry.name)!;
    expect(password).not.toBe(cli.masterPassword('billing-prod'));
    const added = cli.secretNames().filter((s) => !secretsBefore.includes(s));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/^rds!db-/);
    expect(everything(result, reporter)).not.toContain(password);
    const creds = (await credentials.run({ clone: entry.name }, cli.context({ config: managed }).ctx)).json as { password: string };
    expect(creds.password).toBe(password);
    await del.run({ clones: [entry.name], yes: true, wait: true }, cli.context({ config: managed }).ctx);
    expect(cli.instanceIds()).not.toContain(entry.name);
    expect(cli.secretNames()).toEqual(secretsBefore);
  }, 60_000);
});
