import { CreateDBInstanceCommand, DeleteDBClusterCommand, DeleteDBInstanceCommand, DescribeDBClustersCommand, ModifyDBClusterCommand, RestoreDBClusterToPointInTimeCommand, RDSClient } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import type { CreatedJson } from '../../src/commands/create.ts';
import type { CloneJson } from '../../src/commands/common.ts';
import * as credentials from '../../src/commands/credentials.ts';
import * as del from '../../src/commands/delete.ts';
import * as janitor from '../../src/commands/janitor.ts';
import type { Line } from '../../src/commands/janitor.ts';
import * as list from '../../src/commands/list.ts';
import * as points from '../../src/commands/points.ts';
import * as show from '../../src/commands/show.ts';
import { RefusedError } from '../../src/core/errors.ts';
import { TAG } from '../../src/core/tags.ts';
import { AURORA_PERMISSIONS } from '../../src/engines/aurora/permissions.ts';
import { actionsOf } from '../../src/iam/declare.ts';
import { rdsState } from '../../sandbox/services/rds/state.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION } from '../../sandbox/scenario/index.ts';
import { createdClones, createOne, interruptAt, rejection, startCli, undeclaredCalls, type TestCli } from './support.ts';

const SOURCE = 'catalog-db';
const PROD = 'catalog-prod';
const MINUTE = 60_000;

let cli: TestCli;
const state = () => rdsState(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION);
const cluster = (id: string) => state().clusters.get(id);
/** Clusters and cluster members as the sandbox holds them (not read through the API under test). */
const clusterIds = () => [...state().clusters.values()].filter((c) => !c.deletion).map((c) => c.id).sort();
const membersOf = (id: string) => [...state().instances.values()].filter((i) => i.clusterId === id && !i.deletion).map((i) => i.id);

const make = (options: Partial<create.CreateOptions>, person = 'alice') => createOne(cli, SOURCE, options, person);

/** The sandbox clock's latest restorable time of the production cluster. */
async function latestRestorable(): Promise<Date> {
  const out = await cli.admin.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: PROD }));
  return out.DBClusters![0].LatestRestorableTime!;
}

const iso = (d: Date) => d.toISOString().replace(/\.\d+Z$/, 'Z');

beforeAll(async () => {
  cli = await startCli();
});
afterAll(() => cli?.close());

describe('points', () => {
  it('lists AWS Backup recovery points, cluster snapshots and the point-in-time window, newest first, with declared calls only', async () => {
    const { ctx, calls } = cli.context();
    const out = (await points.run({ source: SOURCE }, ctx)).json as { points: { kind: string; time: string; earliest?: string }[] };
    const kinds = new Set(out.points.map((p) => p.kind));
    expect([...kinds].sort()).toEqual(['automated-snapshot', 'backup', 'point-in-time']);
    expect(out.points.filter((p) => p.kind === 'backup').length).toBeGreaterThanOrEqual(34);
    const times = out.points.map((p) => Date.parse(p.time));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const window = out.points.find((p) => p.kind === 'point-in-time')!;
    expect(Date.parse(window.time) - Date.parse(window.earliest!)).toBeGreaterThan(30 * 86_400_000);
    expect(undeclaredCalls(calls, actionsOf(AURORA_PERMISSIONS.points))).toEqual([]);
    expect(calls).toContain('rds:DescribeDBClusterSnapshots');
  });
});

describe('create, list, show, credentials, delete', () => {
  let byDate: CreatedJson;

  it('--date restores the day\'s AWS Backup point as a full copy: cluster + tagged writer, new password, declared calls only', async () => {
    const { entry, text, calls } = await make({ date: cli.day(5) });
    byDate = entry;
    expect(entry).toMatchObject({ engine: 'aurora', status: 'available', ready: true, credentials: 'generated', resumed: false });
    expect(entry.point.kind).toBe('backup');
    expect(text).toContain('full copy from the AWS Backup recovery point');
    const c = cluster(entry.name)!;
    expect(c.isClone).toBe(false);
    expect(c.tags.get(TAG.engine)).toBe('aurora');
    expect(c.tags.get(TAG.password)).toBe('generated');
    expect(c.deletionProtection).toBe(false);
    expect(membersOf(entry.name)).toEqual([`${entry.name}-1`]);
    const writer = state().instances.get(`${entry.name}-1`)!;
    expect(writer.tags.get(TAG.clone)).toBe(entry.name);
    expect(writer.instanceClass).toBe('db.t4g.medium');
    // Never the source's password, and never printed.
    expect(c.masterPassword).not.toBe(cluster(PROD)!.masterPassword);
    expect(text).not.toContain(c.masterPassword);
    expect(undeclaredCalls(calls, actionsOf(AURORA_PERMISSIONS.create))).toEqual([]);
  }, 60_000);

  it('--latest makes a copy-on-write clone and says so; an --at minutes before the latest does too; an older --at is a full copy', async () => {
    const latest = await make({ latest: true, name: 'snapclone-catalog-latest' });
    expect(latest.entry.point.kind).toBe('point-in-time');
    expect(latest.entry.restorePoint).toBe(`${PROD}@latest`);
    expect(latest.text).toContain('copy-on-write clone of the latest restorable time');
    expect(latest.text).toContain('snapclone-catalog-latest: a copy-on-write clone (clone group ');
    expect(cluster('snapclone-catalog-latest')!.isClone).toBe(true);

    const near = new Date((await latestRestorable()).getTime() - 2 * MINUTE);
    const close = await make({ at: iso(near), name: 'snapclone-catalog-near' });
    expect(close.text).toMatch(/copy-on-write clone of the latest restorable time, \d+ s after the time asked for/);
    expect(cluster('snapclone-catalog-near')!.isClone).toBe(true);

    const older = await make({ at: `${cli.day(2)}T10:30`, name: 'snapclone-catalog-older' });
    expect(older.text).toContain('full copy to');
    expect(cluster('snapclone-catalog-older')!.isClone).toBe(false);
    await del.run({ clones: ['snapclone-catalog-latest', 'snapclone-catalog-near', 'snapclone-catalog-older'], yes: true, wait: true }, cli.context().ctx);
    expect(clusterIds()).not.toContain('snapclone-catalog-older');
  }, 60_000);

  it('lists the Aurora clone once (its writer is not an RDS clone) and shows it without a password', async () => {
    const { ctx, calls } = cli.context();
    const all = (await list.run({}, ctx)).json as { clones: CloneJson[] };
    expect(all.clones.map((c) => c.name)).toEqual([byDate.name]);
    expect(all.clones[0]).toMatchObject({ engine: 'aurora', status: 'available', owner: 'alice', source: SOURCE });
    expect(undeclaredCalls(calls, [...actionsOf(AURORA_PERMISSIONS.describe), 'rds:DescribeDBInstances', 'backup:ListRestoreJobs'])).toEqual([]);
    const shown = (await show.run({ clone: byDate.name }, cli.context().ctx)).json as { clone: CloneJson };
    expect(shown.clone.details).toMatchObject({ storage: 'full copy', backupRetentionPeriod: '1' });
    expect(shown.clone.details.writer).toContain(`${byDate.name}-1 (db.t4g.medium, available)`);
    expect(JSON.stringify(shown)).not.toContain(cluster(byDate.name)!.masterPassword);
  });

  it('credentials give the clone\'s own password and endpoint', async () => {
    const { ctx, calls } = cli.context();
    const creds = (await credentials.run({ clone: byDate.name }, ctx)).json as { host: string; port: number; username: string; password: string };
    expect(creds.password).toBe(cluster(byDate.name)!.masterPassword);
    // The cluster's endpoint: in the sandbox, the loopback port its data is served on (sandbox/services/rds/data-plane.ts).
    expect(creds).toMatchObject({ host: '127.0.0.1', port: state().dataPlanes.get(cluster(byDate.name)!.arn)!.endpoint.port });
    expect(undeclaredCalls(calls, actionsOf(AURORA_PERMISSIONS.credentials))).toEqual([]);
  });

  it('delete removes the writer, then the cluster and the secret', async () => {
    const { ctx, calls } = cli.context();
    await del.run({ clones: [byDate.name], yes: true, wait: true }, ctx);
    expect(clusterIds()).not.toContain(byDate.name);
    expect(cli.instanceIds()).not.toContain(`${byDate.name}-1`);
    expect(cli.secretNames()).not.toContain(byDate.name);
    expect(undeclaredCalls(calls, actionsOf(AURORA_PERMISSIONS.delete))).toEqual([]);
  }, 60_000);
});

describe('the copy-on-write limit', () => {
  it('at 15 clones of the source AWS silently makes a full copy: snapclone says so from the cluster AWS made', async () => {
    const staged: string[] = [];
    for (let i = 0; i < 15; i++) {
      const id = `staged-clone-${i}`;
      await cli.admin.rds.send(
        new RestoreDBClusterToPointInTimeCommand({ DBClusterIdentifier: id, SourceDBClusterIdentifier: PROD, RestoreType: 'copy-on-write', UseLatestRestorableTime: true }),
      );
      staged.push(id);
    }
    const { entry, text } = await make({ latest: true, name: 'snapclone-catalog-full' });
    // Asked for copy-on-write (no pre-count: AWS decides); AWS's answer, a cluster without CloneGroupId, is reported.
    expect(text).toContain(`${entry.name}: a full copy of the data, available.`);
    expect(text).not.toContain(`${entry.name}: a copy-on-write clone`);
    expect(entry.details.storage).toBe('full copy');
    expect(cluster(entry.name)!.isClone).toBe(false);
    await del.run({ clones: [entry.name], yes: true, wait: true }, cli.context().ctx);
    for (const id of staged) await cli.admin.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: id, SkipFinalSnapshot: true }));
  }, 60_000);
});

describe('resume', () => {
  it.each([1, 3, 5, 8])('an interrupted create resumes to one cluster with one writer (interrupted at poll %i)', async (at) => {
    const name = `snapclone-catalog-resume-${at}`;
    const first = cli.context();
    interruptAt(first.ctx, at);
    await expect(create.run({ sources: [SOURCE], date: cli.day(4), name, wait: true }, first.ctx)).rejects.toThrow('interrupted');
    const again = await make({ date: cli.day(4), name });
    expect(again.entry).toMatchObject({ name, resumed: true, ready: true, credentials: 'generated' });
    expect(membersOf(name)).toEqual([`${name}-1`]);
    expect((await credentials.run({ clone: name }, cli.context().ctx)).json).toMatchObject({ password: cluster(name)!.masterPassword });
    await del.run({ clones: [name], yes: true, wait: true }, cli.context().ctx);
    expect(clusterIds()).not.toContain(name);
  }, 60_000);

  it('an interrupted delete re-run finishes it: cluster and secret gone', async () => {
    const { entry } = await make({ date: cli.day(6), name: 'snapclone-catalog-halfdeleted' });
    const { ctx } = cli.context();
    // The first run deletes the writer and stops before the cluster (as if killed).
    await cli.admin.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: `${entry.name}-1` }));
    cli.sb.world.clock.advance(10 * MINUTE);
    await del.run({ clones: [entry.name], yes: true, wait: true }, ctx);
    expect(clusterIds()).not.toContain(entry.name);
    expect(cli.secretNames()).not.toContain(entry.name);
  }, 60_000);
});

describe('a delete interrupted after the resources went', () => {
  it('is finished by a re-run: the clone\'s leftover secret is deleted, not "no clone named …"', async () => {
    const { entry } = await make({ date: cli.day(6), name: 'snapclone-catalog-leftover' });
    // The first run deleted the writer and the cluster, and was killed before the secret.
    await cli.admin.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: `${entry.name}-1` }));
    await cli.admin.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: entry.name, SkipFinalSnapshot: true }));
    cli.sb.world.clock.advance(30 * MINUTE);
    expect(clusterIds()).not.toContain(entry.name);
    expect(cli.secretNames()).toContain(entry.name);
    // Another person's leftover is theirs: refused (exit 3) unless --force.
    const refused = await rejection(del.run({ clones: [entry.name], yes: true, wait: true }, cli.context({ person: 'bob' }).ctx), RefusedError);
    expect(refused.message).toContain('belongs to alice');
    expect(cli.secretNames()).toContain(entry.name);
    const result = await del.run({ clones: [entry.name], yes: true, wait: true }, cli.context().ctx);
    expect(result.json).toMatchObject({ deleted: [{ name: entry.name, status: 'deleted' }] });
    expect(cli.secretNames()).not.toContain(entry.name);
  }, 60_000);
});

describe('the guard', () => {
  it('refuses the production cluster and its instances (exit 3) before any write, and IAM denies them to the role', async () => {
    const { ctx, calls } = cli.context();
    for (const ref of [PROD, 'catalog-prod-1', 'catalog-prod-2', `arn:aws:rds:${COMPANY_REGION}:${COMPANY_ACCOUNT}:cluster:${PROD}`]) {
      const error = await rejection(del.run({ clones: [ref], yes: true, wait: true }, ctx), RefusedError);
      expect(error.exitCode).toBe(3);
    }
    expect(calls.filter((c) => /Delete|Modify|AddTags|Remove|Create/.test(c))).toEqual([]);
    // The second layer: the role itself (the generated policy) is denied every write on them.
    const rds = ctx.clients('dev').of(RDSClient);
    const denied = [
      new DeleteDBClusterCommand({ DBClusterIdentifier: PROD, SkipFinalSnapshot: true }),
      new ModifyDBClusterCommand({ DBClusterIdentifier: PROD, MasterUserPassword: 'x'.repeat(20), ApplyImmediately: true }),
      new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'catalog-prod-1' }),
      new CreateDBInstanceCommand({ DBInstanceIdentifier: 'snapclone-intruder', DBClusterIdentifier: PROD, Engine: 'aurora-postgresql', DBInstanceClass: 'db.t4g.medium', Tags: [{ Key: TAG.managed, Value: 'true' }] }),
    ];
    for (const command of denied) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      await expect(rds.send(command as any)).rejects.toMatchObject({ name: 'AccessDenied' });
    }
    expect(cluster(PROD)!.deletion).toBeUndefined();
    expect(membersOf(PROD).sort()).toEqual(['catalog-prod-1', 'catalog-prod-2']);
  });

  it("another person's Aurora clone is refused (exit 3) naming the owner", async () => {
    const { entry } = await make({ date: cli.day(7), name: 'snapclone-catalog-bob' }, 'bob');
    const error = await rejection(del.run({ clones: [entry.name], yes: true, wait: true }, cli.context().ctx), RefusedError);
    expect(error.message).toContain('belongs to bob');
    expect(clusterIds()).toContain(entry.name);
    await del.run({ clones: [entry.name], yes: true, wait: true }, cli.context({ person: 'bob' }).ctx);
  }, 60_000);
});

describe('with the rest of snapclone', () => {
  it('a set of an RDS and an Aurora source is cloned from one date, listed as a set and deleted together', async () => {
    const { ctx } = cli.context();
    const result = await create.run({ sources: ['orders-db', SOURCE], date: cli.day(4), wait: true }, ctx);
    const clones = createdClones(result.json);
    expect(clones.map((c) => c.engine).sort()).toEqual(['aurora', 'rds']);
    expect(new Set(clones.map((c) => c.set)).size).toBe(1);
    const set = clones[0].set!;
    await del.run({ clones: [set], yes: true, wait: true }, cli.context().ctx);
    for (const c of clones) {
      expect(cli.instanceIds()).not.toContain(c.name);
      expect(clusterIds()).not.toContain(c.name);
    }
  }, 60_000);

  it('the janitor deletes an expired Aurora clone once (cluster and writer), and keeps a fresh one', async () => {
    const expired = (await make({ date: cli.day(3), name: 'snapclone-catalog-expired', ttl: '30m' })).entry;
    const fresh = (await make({ date: cli.day(3), name: 'snapclone-catalog-fresh', ttl: '8h' })).entry;
    cli.sb.world.clock.advance(60 * MINUTE);
    const { ctx } = cli.context();
    const out = (await janitor.run({}, ctx)).json as { resources: Line[] };
    const lines = out.resources.filter((l) => l.name.startsWith('snapclone-catalog-'));
    expect(lines.map((l) => [l.name, l.kind, l.result]).sort()).toEqual([
      [expired.name, 'aurora clone', 'deleted'],
      [fresh.name, 'aurora clone', 'kept'],
    ]);
    cli.sb.world.clock.advance(10 * MINUTE);
    expect(clusterIds()).not.toContain(expired.name);
    expect(membersOf(expired.name)).toEqual([]);
    expect(clusterIds()).toContain(fresh.name);
    await del.run({ clones: [fresh.name], yes: true, wait: true }, cli.context().ctx);
  }, 60_000);
});
