// Choosing a restore point over a long backup history (issue 13): create reads a few filtered listings, not the
// whole history, and chooses exactly what it chose from the whole history before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as createCommand from '../../src/commands/create.ts';
import * as points from '../../src/commands/points.ts';
import { chooseTarget, engineOf, resolveSource } from '../../src/commands/common.ts';
import { choosePoint, findPoint, LOOKBACK_DAYS, parseRequest, type Choice, type PointRequest } from '../../src/core/choose.ts';
import { dayOf, endOfDay, formatTime } from '../../src/core/dates.ts';
import { UsageError } from '../../src/core/errors.ts';
import type { PointQuery } from '../../src/engines/types.ts';
import { seedHistory, type SeededHistory } from '../../sandbox/scenario/history.ts';
import { backupState } from '../../sandbox/services/backup/state.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION } from '../../sandbox/scenario/constants.ts';
import { arn, BACKUP_VAULT } from '../../sandbox/scenario/index.ts';
import { startCli, type TestCli } from './support.ts';

const DAY = 86_400_000;
const ZONE = 'Asia/Tokyo';

let cli: TestCli;
let history: SeededHistory;
beforeAll(async () => {
  cli = await startCli();
  // orders-prod: 1,800 recovery points over 3 years (one every ~15 hours) and 150 manual snapshots.
  history = seedHistory(cli.sb.world, { recoveryPoints: 3000, snapshots: 300 });
});
afterAll(() => cli?.close());

const day = (t: number) => dayOf(new Date(t), ZONE);
const count = (calls: string[], action: string) => calls.filter((c) => c === action).length;

/**
 * A choice without what moves on between two reads: the point-in-time window's latest restorable time (the
 * sandbox clock runs), and with it the time and reason of a --latest choice of the window.
 */
function steady(outcome: Choice | string): unknown {
  if (typeof outcome === 'string' || outcome.point.kind !== 'point-in-time') return outcome;
  const { time: _pointTime, ...point } = outcome.point;
  return outcome.at ? { ...outcome, point } : { point };
}

/** The choice the way create makes it now, and the way it made it before (everything listed), with what each said. */
async function bothWays(sourceName: string, request: PointRequest) {
  const run = async (how: 'find' | 'all') => {
    const { ctx, calls, reporter } = cli.context();
    const source = resolveSource(ctx, sourceName);
    const engine = engineOf(source);
    const target = chooseTarget(ctx, undefined, source);
    const now = ctx.now();
    const parsed = parseRequest(request, ZONE, now);
    const options = { preferred: engine.preferredKinds(source.config), zone: ZONE, source: source.name, reporter: ctx.reporter, latestFromWindow: engine.latestFromWindow };
    const list = (query: PointQuery) => engine.points(source, target, ctx, query);
    let outcome: Choice | string;
    try {
      outcome = how === 'find' ? await findPoint(list, parsed, { ...options, now }) : choosePoint(await list({}), parsed, options);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      outcome = `${error.message} / ${error.hint}`;
    }
    return { outcome: steady(outcome), calls: calls.filter((c) => !c.startsWith('sts:')), said: reporter.text };
  };
  return { found: await run('find'), all: await run('all') };
}

describe('create over a long history: the same choice from a few filtered listings', () => {
  it('--date D inside the history: one filtered page of recovery points, no snapshot or window listing', async () => {
    const d = day(history.newest - 400 * DAY);
    const { found, all } = await bothWays('orders-db', { date: d });
    expect(found.outcome).toEqual(all.outcome);
    const choice = found.outcome as Choice;
    expect(choice.point.kind).toBe('backup');
    expect(dayOf(choice.time, ZONE)).toBe(d);
    expect(found.said).toBe(all.said);
    expect(found.calls).toEqual(['backup:ListRecoveryPointsByBackupVault']);
    // Listing everything read every page of the 1,835 points, and the snapshots and the window.
    expect(count(all.calls, 'backup:ListRecoveryPointsByBackupVault')).toBe(19);
    expect(all.calls).toContain('rds:DescribeDBSnapshots');
    expect(all.calls).toContain('rds:DescribeDBInstanceAutomatedBackups');
  });

  it('looks further back, a filtered listing at a time, across a gap in the backups', async () => {
    // Take out 20 days of orders-prod's recovery points, up to the end of a Tokyo day: a --date of that day
    // finds its point 35 days back. (Ending the gap mid-day left that day's later points in place, so the test
    // failed at the hours when one fell after it.)
    const gapEnd = endOfDay(day(history.newest - 200 * DAY), ZONE).getTime();
    const state = backupState(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION);
    for (const [key, p] of state.recoveryPoints) {
      if (p.resourceArn === arn.db('orders-prod') && p.createdAt > gapEnd - 20 * DAY && p.createdAt <= gapEnd) state.recoveryPoints.delete(key);
    }
    state.revision++;
    const { found, all } = await bothWays('orders-db', { date: day(gapEnd) });
    expect(found.outcome).toEqual(all.outcome);
    expect((found.outcome as Choice).time.getTime()).toBeLessThanOrEqual(gapEnd - 20 * DAY);
    expect(LOOKBACK_DAYS.slice(0, 3)).toEqual([1, 7, 35]);
    expect(found.calls).toEqual(Array(3).fill('backup:ListRecoveryPointsByBackupVault'));
  });

  it('--date before any backup: the same error as before, naming the oldest and newest points', async () => {
    const { found, all } = await bothWays('orders-db', { date: day(history.oldest - 30 * DAY) });
    expect(typeof found.outcome).toBe('string');
    expect(found.outcome).toBe(all.outcome);
    expect(found.outcome).toMatch(/orders-db has no restore point on or before .* Oldest restorable point: /);
  });

  it('a missing backup vault is said once, as before, though create looks back in steps', async () => {
    // The vault the config names is gone (the operator's policy allows that vault only, so it is taken away).
    const vaults = backupState(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION).vaults;
    const vault = vaults.get(BACKUP_VAULT)!;
    vaults.delete(BACKUP_VAULT);
    try {
      const { found, all } = await bothWays('orders-db', { date: day(history.newest - 10 * DAY) });
      expect(found.outcome).toEqual(all.outcome);
      expect((found.outcome as Choice).point.kind).not.toBe('backup');
      expect(found.said).toBe(all.said);
      expect(found.said.match(/backup vault 'Default' not found/g)).toHaveLength(1);
    } finally {
      vaults.set(BACKUP_VAULT, vault);
    }
  });

  it('--at T and --latest: the point-in-time window where it covers T, else the latest point before T, said as before', async () => {
    const now = cli.sb.world.clock.nowMs();
    for (const request of [
      { at: formatTime(new Date(now - 3 * DAY), ZONE, { seconds: true }) },
      { at: formatTime(new Date(history.newest - 100 * DAY), ZONE, { seconds: true }) },
      { latest: true },
    ]) {
      const { found, all } = await bothWays('orders-db', request);
      expect(found.outcome, JSON.stringify(request)).toEqual(all.outcome);
      expect(found.said).toBe(all.said);
      expect(count(found.calls, 'backup:ListRecoveryPointsByBackupVault')).toBe(1);
      expect(found.calls).not.toContain('rds:DescribeDBSnapshots');
    }
    const before = await bothWays('orders-db', { at: formatTime(new Date(history.newest - 100 * DAY), ZONE, { seconds: true }) });
    // Said once, as the choice's reason (create prints it), not through the reporter as well (audit m7).
    expect(JSON.stringify(before.found.outcome)).toContain('does not cover');
    expect(before.found.said).not.toContain('does not cover');
  });

  it('snapshot sources read their snapshots once (no date filter on the service), and not the recovery points', async () => {
    const { found, all } = await bothWays('billing-db', { date: day(history.newest - 300 * DAY) });
    expect(found.outcome).toEqual(all.outcome);
    expect((found.outcome as Choice).point.kind).toBe('snapshot');
    expect(found.calls).not.toContain('backup:ListRecoveryPointsByBackupVault');
    // 105 manual and 35 automated snapshots: two pages; AWS Backup's 500 awsbackup snapshots are not read.
    expect(count(found.calls, 'rds:DescribeDBSnapshots')).toBe(2);
  });

  it('Aurora: --latest is the window (copy-on-write), --date a recovery point, as before', async () => {
    for (const request of [{ latest: true }, { date: day(history.newest - 50 * DAY) }]) {
      const { found, all } = await bothWays('catalog-db', request);
      expect(found.outcome, JSON.stringify(request)).toEqual(all.outcome);
      expect(found.calls).not.toContain('rds:DescribeDBClusterSnapshots');
    }
  });

  it('create --date D --no-wait restores from the chosen recovery point', async () => {
    const d = day(history.newest - 700 * DAY);
    const { ctx, calls } = cli.context();
    const result = await createCommand.run({ sources: ['orders-db'], date: d, wait: false }, ctx);
    const created = (result.json as { clones: createCommand.CreatedJson[] }).clones[0];
    expect(created.point.kind).toBe('backup');
    expect(created.point.id).toMatch(/:snapshot:awsbackup:job-/);
    expect(dayOf(new Date(created.point.time), ZONE)).toBe(d);
    expect(count(calls, 'backup:ListRecoveryPointsByBackupVault')).toBe(1);
    expect(calls).not.toContain('rds:DescribeDBSnapshots');
  });
});

describe('points over a long history', () => {
  it('--from D --to D: one filtered page of recovery points; the snapshots by type, without AWS Backup’s', async () => {
    const d = day(history.newest - 400 * DAY);
    const { ctx, calls } = cli.context();
    const result = await points.run({ source: 'orders-db', from: d, to: d }, ctx);
    const json = result.json as { points: { kind: string; time: string }[] };
    expect(json.points.length).toBeGreaterThan(0);
    expect(json.points.every((p) => p.kind === 'point-in-time' || dayOf(new Date(p.time), ZONE) === d)).toBe(true);
    expect(count(calls, 'backup:ListRecoveryPointsByBackupVault')).toBe(1);
    // 152 manual + 35 automated snapshots: two pages (1,200 awsbackup snapshots of orders-prod are not listed).
    expect(count(calls, 'rds:DescribeDBSnapshots')).toBe(2);
  });
});
