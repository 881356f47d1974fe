import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import type { CreateOptions } from '../../src/commands/create.ts';
import { dayOf } from '../../src/core/dates.ts';
import { UsageError } from '../../src/core/errors.ts';
import { rejection, startCli, type TestCli } from './support.ts';

const DAY = 86_400_000;
const READS = /^(sts:|rds:Describe|rds:List|backup:List|backup:Describe|backup:Get|tag:Get|secretsmanager:(Describe|Get))/;

let cli: TestCli;
let rds: RDSClient;
beforeAll(async () => {
  cli = await startCli();
  rds = new RDSClient(cli.sb.config());
});
afterAll(async () => {
  rds?.destroy();
  await cli?.close();
});

const day = (offsetDays: number) => dayOf(new Date(cli.sb.world.clock.nowMs() + offsetDays * DAY), 'Asia/Tokyo');

async function instanceCount(): Promise<number> {
  return (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances?.length ?? 0;
}

/** Runs a create that must fail with a UsageError (exit 2) having changed nothing; returns the error. */
async function refused(options: Partial<CreateOptions>): Promise<UsageError> {
  const before = { count: await instanceCount(), ids: cli.instanceIds(), jobs: cli.restoreJobCount(), secrets: cli.secretNames() };
  const { ctx, calls } = cli.context();
  const error = await rejection(create.run({ sources: ['orders-db'], wait: true, ...options }, ctx), UsageError);
  expect(error.exitCode).toBe(2);
  expect(await instanceCount()).toBe(before.count);
  expect(cli.instanceIds()).toEqual(before.ids);
  expect(cli.restoreJobCount()).toBe(before.jobs);
  expect(cli.secretNames()).toEqual(before.secrets);
  expect(calls.filter((c) => !READS.test(c))).toEqual([]);
  return error;
}

describe('bad input creates nothing (exit 2)', () => {
  it('a date in the future', async () => {
    const error = await refused({ date: day(2) });
    expect(error.message).toMatch(/is in the future \(today is \d{4}-\d{2}-\d{2} in Asia\/Tokyo\)/);
  });

  it('a date before the oldest point names the oldest and newest restorable points', async () => {
    const error = await refused({ date: day(-60) });
    expect(error.message).toContain(`orders-db has no restore point on or before ${day(-60)}`);
    expect(error.message).toMatch(/Oldest restorable point: \d{4}-\d{2}-\d{2} \d{2}:\d{2} \+09:00 \(\d{4}-\d{2}-\d{2}\); newest: /);
    // The oldest is the oldest AWS Backup recovery point (orders-db restores from backups), 34 days ago.
    expect(error.message).toContain(`Oldest restorable point: ${day(-34)} 03:00 +09:00`);
    const newest = /newest: (\d{4}-\d{2}-\d{2}) 03:00 \+09:00/.exec(error.message)?.[1];
    expect([day(0), day(-1)]).toContain(newest);
  });

  it('a malformed date or time', async () => {
    expect((await refused({ date: '2026-13-01' })).message).toContain('is not a valid date');
    expect((await refused({ date: 'last tuesday' })).message).toContain('is not a valid date');
    expect((await refused({ at: '10:30' })).message).toContain('is not a valid time');
  });

  it('a time in the future', async () => {
    expect((await refused({ at: new Date(cli.sb.world.clock.nowMs() + 3_600_000).toISOString() })).message).toContain('in the future');
  });

  it('none, or more than one, of --date, --at and --latest', async () => {
    expect((await refused({})).message).toContain('Say which data to clone');
    expect((await refused({ date: day(-1), latest: true })).message).toContain('Give only one');
  });

  it('an unknown source, listing the known ones', async () => {
    const error = await refused({ sources: ['orders-db', 'payments-db'], date: day(-1) });
    expect(error.message).toBe("Unknown source 'payments-db'");
    expect(error.hint).toBe('Known sources: orders-db, billing-db, catalog-db, sessions-cache, catalog-search');
  });

  it('an invalid clone name, or one without the prefix', async () => {
    expect((await refused({ latest: true, name: 'snapclone-Orders' })).message).toContain('upper-case');
    expect((await refused({ latest: true, name: 'snapclone--orders' })).message).toContain("two consecutive hyphens ('--')");
    expect((await refused({ latest: true, name: 'snapclone-orders-' })).message).toContain('ends with a hyphen');
    expect((await refused({ latest: true, name: `snapclone-${'o'.repeat(60)}` })).message).toContain('at most 63');
    const noPrefix = await refused({ latest: true, name: 'orders-copy' });
    expect(noPrefix.message).toContain("does not start with the configured prefix 'snapclone-'");
  });

  it('--name with several sources', async () => {
    expect((await refused({ sources: ['orders-db', 'billing-db'], latest: true, name: 'snapclone-both' })).message).toContain(
      '--name works with one source only',
    );
  });

  it('an invalid or over-maximum TTL, naming the maximum', async () => {
    expect((await refused({ latest: true, ttl: 'forever' })).message).toContain("--ttl 'forever' is not a valid duration");
    expect((await refused({ latest: true, ttl: '0h' })).message).toContain('is not a valid duration');
    const over = await refused({ latest: true, ttl: '4d' });
    expect(over.message).toContain('longer than the maximum TTL of target dev (3d)');
  });

  it('an unknown target', async () => {
    const error = await refused({ latest: true, target: 'prod' });
    expect(error.message).toBe("Unknown target 'prod'");
    expect(error.hint).toContain('dev');
  });
});
