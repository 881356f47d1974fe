import {
  DeleteDBInstanceCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBInstanceCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as points from '../../src/commands/points.ts';
import { dayOf } from '../../src/core/dates.ts';
import { UsageError } from '../../src/core/errors.ts';
import { RDS_PERMISSIONS } from '../../src/engines/rds/permissions.ts';
import { actionsOf } from '../../src/iam/declare.ts';
import { rejection, startCli, type TestCli } from './support.ts';

interface PointsJson {
  source: string;
  timezone: string;
  points: { kind: string; id: string; time: string; earliest: string | null; sizeGb: number | null }[];
}

let cli: TestCli;
beforeAll(async () => {
  cli = await startCli();
});
afterAll(() => cli?.close());

describe('snapclone points', () => {
  it('lists backups, snapshots and the point-in-time window, newest first, with sizes', async () => {
    const { ctx, calls } = cli.context();
    const result = await points.run({ source: 'orders-db' }, ctx);
    const json = result.json as PointsJson;
    expect(json.source).toBe('orders-db');
    expect(json.timezone).toBe('Asia/Tokyo');
    const kinds = new Set(json.points.map((p) => p.kind));
    expect(kinds).toEqual(new Set(['backup', 'snapshot', 'automated-snapshot', 'point-in-time']));
    const times = json.points.map((p) => Date.parse(p.time));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // 35 days of daily backups and automated snapshots, two manual snapshots, one window.
    expect(json.points.filter((p) => p.kind === 'backup').length).toBeGreaterThanOrEqual(34);
    expect(json.points.filter((p) => p.kind === 'automated-snapshot').length).toBeGreaterThanOrEqual(34);
    expect(json.points.filter((p) => p.kind === 'snapshot')).toHaveLength(2);
    const backup = json.points.find((p) => p.kind === 'backup')!;
    expect(backup.id).toMatch(/^arn:aws:rds:ap-northeast-1:123456789012:snapshot:awsbackup:job-/);
    expect(backup.sizeGb).toBeGreaterThan(5);
    expect(backup.sizeGb).toBeLessThan(20);
    expect(json.points.find((p) => p.kind === 'snapshot')!.sizeGb).toBe(20);
    const pitr = json.points.find((p) => p.kind === 'point-in-time')!;
    expect(pitr.id).toBe('orders-prod');
    const now = cli.sb.world.clock.nowMs();
    expect(now - Date.parse(pitr.time)).toBeLessThan(10 * 60_000);
    expect(now - Date.parse(pitr.earliest!)).toBeGreaterThan(34 * 86_400_000);
    // The newest point is the point-in-time window's latest restorable time.
    expect(json.points[0].kind).toBe('point-in-time');
    expect(result.table!.rows).toHaveLength(json.points.length);
    expect(result.table!.rows[0][0]).toContain('+09:00');
    // Every call is one the engine declares for `points`.
    expect(calls.filter((c) => !c.startsWith('sts:')).every((c) => actionsOf(RDS_PERMISSIONS.points).includes(c))).toBe(true);
    expect(calls).toContain('backup:ListRecoveryPointsByBackupVault');
  });

  it('narrows to --from/--to (days in the configured zone)', async () => {
    const { ctx } = cli.context();
    const day = dayOf(new Date(cli.sb.world.clock.nowMs() - 10 * 86_400_000), 'Asia/Tokyo');
    const json = (await points.run({ source: 'billing-db', from: day, to: day }, ctx)).json as PointsJson;
    const discrete = json.points.filter((p) => p.kind !== 'point-in-time');
    expect(discrete.map((p) => p.kind).sort()).toEqual(['automated-snapshot', 'backup']);
    for (const p of discrete) expect(dayOf(new Date(p.time), 'Asia/Tokyo')).toBe(day);
    expect(json.points.filter((p) => p.kind === 'point-in-time')).toHaveLength(1);
  });

  it('refuses an unknown source, listing the known ones', async () => {
    const { ctx } = cli.context();
    const error = await rejection(points.run({ source: 'payments-db' }, ctx), UsageError);
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain("Unknown source 'payments-db'");
    expect(error.hint).toContain('orders-db');
    expect(error.hint).toContain('billing-db');
  });

  it("takes the window of the live source, not the retained backups of a deleted one of the same name", async () => {
    const { rds } = cli.admin;
    const old = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'billing-prod' }))).DBInstances![0];
    const snapshot = (await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'billing-prod', SnapshotType: 'manual' })))
      .DBSnapshots![0];
    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'billing-prod', DeletionProtection: false }));
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'billing-prod', SkipFinalSnapshot: true, DeleteAutomatedBackups: false }));
    cli.sb.world.clock.advance(10 * 60_000);
    await rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'billing-prod', DBSnapshotIdentifier: snapshot.DBSnapshotIdentifier }));
    cli.sb.world.clock.advance(10 * 60_000);
    const backups = await rds.send(new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: 'billing-prod' }));
    expect(backups.DBInstanceAutomatedBackups!.map((b) => [b.DbiResourceId === old.DbiResourceId, b.Status]).sort()).toEqual([
      [false, 'active'],
      [true, 'retained'],
    ]);

    const { ctx } = cli.context();
    const json = (await points.run({ source: 'billing-db' }, ctx)).json as PointsJson;
    const pitr = json.points.find((p) => p.kind === 'point-in-time')!;
    expect(cli.sb.world.clock.nowMs() - Date.parse(pitr.earliest!)).toBeLessThan(60 * 60_000);
  });

  it('refuses malformed and reversed ranges', async () => {
    const { ctx } = cli.context();
    await rejection(points.run({ source: 'orders-db', from: '2026-02-30' }, ctx), UsageError);
    await rejection(points.run({ source: 'orders-db', from: '2026-03-02', to: '2026-03-01' }, ctx), UsageError);
  });
});
