import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import type { CreatedJson } from '../../src/commands/create.ts';
import type { CloneJson } from '../../src/commands/common.ts';
import * as list from '../../src/commands/list.ts';
import * as show from '../../src/commands/show.ts';
import type { Config } from '../../src/config/schema.ts';
import { costText, estimateCost } from '../../src/cost/estimate.ts';
import { PRICE_TABLE } from '../../src/cost/prices.ts';
import { policiesFor } from '../../src/iam/split.ts';
import type { PolicyDocument } from '../../sandbox/core/iam.ts';
import { startCli, type TestCli } from './support.ts';

const HOUR = 3_600_000;
let cli: TestCli;
beforeAll(async () => {
  cli = await startCli();
});
afterAll(() => cli?.close());

const tokyo = PRICE_TABLE.regions['ap-northeast-1'];
const bigger = (c: Config): Config => ({ ...c, targets: { dev: { ...c.targets.dev, rds: { ...c.targets.dev.rds!, instanceClass: 'db.r7g.4xlarge' } } } });

describe('cost', () => {
  it('list and show give each clone an estimated cost so far and per day from the bundled table, and a total', async () => {
    const made = await create.run({ sources: ['orders-db'], date: cli.day(3), name: 'snapclone-cost-a', wait: true }, cli.context().ctx);
    const clone = (made.json as { clones: CreatedJson[] }).clones[0];
    cli.sb.world.clock.advance(10 * HOUR);
    const listed = await list.run({ wide: true }, cli.context().ctx);
    const json = listed.json as { clones: CloneJson[]; total: { soFar: number; perDay: number; unpriced: number; prices: string } };
    const entry = json.clones.find((c) => c.name === clone.name)!;
    // orders-db: MySQL, db.t4g.micro, 20 GB gp3 in ap-northeast-1.
    expect(entry.details).toMatchObject({ instanceClass: 'db.t4g.micro', storage: '20 GB', storageType: 'gp3' });
    const hourly = tokyo['rds/mysql/db.t4g.micro'] + (20 * tokyo['rds/storage/gp3']) / 730;
    expect(entry.cost).toMatchObject({ estimate: true, currency: 'USD', prices: PRICE_TABLE.date, missing: [], perDay: Math.round(hourly * 24 * 100) / 100 });
    const hours = (cli.sb.world.clock.nowMs() - Date.parse(entry.createdAt!)) / HOUR;
    expect(entry.cost.soFar).toBeCloseTo(hourly * hours, 1);
    expect(hours).toBeGreaterThan(10);
    expect(json.total).toMatchObject({ soFar: entry.cost.soFar, perDay: entry.cost.perDay, unpriced: 0 });
    expect(listed.lines!.join('\n')).toContain(`AWS list prices of ${PRICE_TABLE.date}`);
    expect(listed.table!.rows.find((r) => r[1] === clone.name)!.at(-1)).toMatch(/^\$\d+\.\d\d so far, \$\d+\.\d\d\/day \(est\.\)$/);
    const shown = await show.run({ clone: clone.name }, cli.context().ctx);
    expect(shown.table!.rows.find((r) => r[0] === 'cost')![1]).toBe(costText(entry.cost));
  });

  it('says so for a class the table has no price for, instead of guessing', async () => {
    // The role's policy binds the placement's class: it is the one generated for the config with the bigger class.
    const role = cli.sb.world.roles.get(cli.sb.scenario.roles.operator)!;
    const before = role.policies;
    role.policies = policiesFor(bigger(structuredClone(cli.config)), 'dev').map((p) => p.document as PolicyDocument);
    const made = await create.run({ sources: ['orders-db'], date: cli.day(2), name: 'snapclone-cost-big', wait: false }, cli.context({ config: bigger }).ctx);
    const clone = (made.json as { clones: CreatedJson[] }).clones[0];
    expect(clone.cost).toMatchObject({ soFar: null, perDay: null, missing: ['db.r7g.4xlarge (mysql) in ap-northeast-1'] });
    const listed = (await list.run({}, cli.context().ctx)).json as { total: { unpriced: number } };
    expect(listed.total.unpriced).toBe(1);
    role.policies = before;
  });

  it('prices Multi-AZ as two instances and knows no region it has no table for', () => {
    const since = new Date('2026-11-01T00:00:00Z');
    const now = new Date('2026-11-02T00:00:00Z');
    const multi = estimateCost([{ label: 'x', key: 'rds/postgres/db.t4g.small', unit: 'hour', quantity: 2 }], 'us-east-1', since, now);
    expect(multi).toMatchObject({ soFar: 1.54, perDay: 1.54 });
    expect(estimateCost([{ label: 'db.t4g.small (postgres)', key: 'rds/postgres/db.t4g.small', unit: 'hour', quantity: 1 }], 'mars-1', since, now).missing).toEqual([
      'db.t4g.small (postgres) in mars-1',
    ]);
  });
});
