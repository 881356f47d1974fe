// Engines and versions as AWS takes them (issue 19; audit F11, F12, F13, F18, F19): unsupported engines are
// refused before anything is written, Aurora clones keep the snapshot's version, automated cluster snapshots are
// described with their type, 0 ACU only where auto-pause exists, ElastiCache versions given as major.minor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import * as del from '../../src/commands/delete.ts';
import * as points from '../../src/commands/points.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { UsageError } from '../../src/core/errors.ts';
import { policyFor } from '../../src/iam/policy.ts';
import type { PolicyDocument } from '../../sandbox/core/iam.ts';
import { elasticacheState } from '../../sandbox/services/elasticache/state.ts';
import { rdsState } from '../../sandbox/services/rds/state.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION } from '../../sandbox/scenario/index.ts';
import { createdClones, everything, rejection, startCli, type TestCli } from './support.ts';

let cli: TestCli;
const operator = () => cli.sb.world.roles.get(cli.sb.scenario.roles.operator)!;
const state = () => rdsState(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION);
const withSource = (name: string, id: string, engine: 'rds' | 'aurora') => (c: Config) => {
  c.sources[name] = { ...c.sources['orders-db'], engine, id };
  return c;
};

beforeAll(async () => {
  cli = await startCli();
  // An RDS for Oracle instance in production (staged in the sandbox's state).
  const orders = state().instances.get('orders-prod')!;
  state().instances.set('erp-prod', { ...orders, id: 'erp-prod', arn: orders.arn.replace('orders-prod', 'erp-prod'), engine: 'oracle-ee', engineVersion: '19.0.0.0.ru-2024-10.rur-2024-10.r1' });
});
afterAll(() => cli?.close());

describe('engines snapclone does not clone', () => {
  it('points and create refuse an Oracle source (exit 2) naming what is supported; nothing is written', async () => {
    const config = withSource('erp-db', 'erp-prod', 'rds');
    const listed = await rejection(points.run({ source: 'erp-db' }, cli.context({ config }).ctx), UsageError);
    expect(listed.message).toContain('runs oracle-ee');
    expect(listed.hint).toContain('mysql, postgres, mariadb');
    const before = cli.instanceIds();
    const refused = await rejection(create.run({ sources: ['erp-db'], date: cli.day(2), wait: true }, cli.context({ config }).ctx), UsageError);
    expect(refused.exitCode).toBe(2);
    expect(cli.instanceIds()).toEqual(before);
  });

  it('an Aurora member named as an RDS source is refused, pointing at engine aurora', async () => {
    const refused = await rejection(points.run({ source: 'member' }, cli.context({ config: withSource('member', 'catalog-prod-1', 'rds') }).ctx), UsageError);
    expect(refused.hint).toContain('engine: aurora');
  });

  it('the config refuses an engine it does not know, naming the supported ones', () => {
    const text = `targets: {dev: {account: '123456789012', region: ap-northeast-1}}\nsources: {x: {engine: oracle, id: a, account: '123456789012', region: ap-northeast-1}}\n`;
    let error: unknown;
    try {
      parseConfig(text, 'bad.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/aurora-postgresql.*redis, valkey.*Oracle, SQL Server/);
  });
});

describe('Aurora versions', () => {
  const fromSnapshots = (c: Config) => {
    c.sources['catalog-db'].restoreFrom = 'snapshot';
    return c;
  };

  it("restores an automated cluster snapshot (described with its type) on the snapshot's engine version", async () => {
    const { ctx } = cli.context({ config: fromSnapshots });
    const result = await create.run({ sources: ['catalog-db'], date: cli.day(3), name: 'snapclone-catalog-auto', wait: true }, ctx);
    const entry = createdClones(result.json)[0];
    expect(entry.point.kind).toBe('automated-snapshot');
    expect(state().clusters.get(entry.name)!.engineVersion).toBe(state().clusters.get('catalog-prod')!.engineVersion);
    await del.run({ clones: [entry.name], yes: true, wait: true }, cli.context().ctx);
  }, 60_000);

  it('Serverless v2: 0 ACU (auto-pause) where the version has it, else 0.5, said', async () => {
    const serverless = (c: Config) => {
      c.targets.dev.aurora!.instanceClass = 'db.serverless';
      return c;
    };
    // The role's policy as snapclone generates it for that placement (it binds the writer's class).
    operator().policies = [policyFor(serverless(structuredClone(cli.config)), 'dev') as PolicyDocument];
    const made = await create.run({ sources: ['catalog-db'], date: cli.day(2), name: 'snapclone-catalog-pauses', wait: true }, cli.context({ config: serverless }).ctx);
    const pauses = createdClones(made.json)[0];
    expect(state().clusters.get(pauses.name)!.serverlessV2).toMatchObject({ MinCapacity: 0, SecondsUntilAutoPause: 300 });

    // The production cluster on 16.2, which has no auto-pause (16.3 has): a point-in-time clone keeps its version.
    const prod = state().clusters.get('catalog-prod')!;
    const version = prod.engineVersion;
    prod.engineVersion = '16.2';
    try {
      const { ctx, reporter } = cli.context({ config: serverless });
      const result = await create.run({ sources: ['catalog-db'], latest: true, name: 'snapclone-catalog-old', wait: true }, ctx);
      const entry = createdClones(result.json)[0];
      expect(state().clusters.get(entry.name)!.serverlessV2).toMatchObject({ MinCapacity: 0.5 });
      expect(everything(result, reporter)).toContain('cannot scale to 0 ACU');
      await del.run({ clones: [entry.name, pauses.name], yes: true, wait: true }, cli.context().ctx);
    } finally {
      prod.engineVersion = version;
    }
  }, 60_000);
});

describe('ElastiCache versions', () => {
  it('creates from a snapshot that reports a patch level with major.minor, as CreateReplicationGroup takes it', async () => {
    const result = await create.run({ sources: ['sessions-cache'], latest: true, name: 'snapclone-sessions-version', wait: true }, cli.context().ctx);
    const entry = createdClones(result.json)[0];
    expect(entry.ready).toBe(true);
    expect(elasticacheState(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION).replicationGroups.get(entry.name)).toBeDefined();
    await del.run({ clones: [entry.name], yes: true, wait: true }, cli.context().ctx);
  }, 60_000);
});
