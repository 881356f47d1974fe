import { DescribeDBInstancesCommand, ModifyDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import type { CreatedJson } from '../../src/commands/create.ts';
import { dayOf, endOfDay } from '../../src/core/dates.ts';
import { SnapcloneError } from '../../src/core/errors.ts';
import { TAG } from '../../src/core/tags.ts';
import { RDS_PERMISSIONS } from '../../src/engines/rds/permissions.ts';
import { actionsOf } from '../../src/iam/declare.ts';
import { everything, startCli, type TestCli } from './support.ts';

const ZONE = 'Asia/Tokyo';
const DAY = 86_400_000;

let cli: TestCli;
let rds: RDSClient;
let secrets: SecretsManagerClient;
beforeAll(async () => {
  cli = await startCli();
  rds = new RDSClient(cli.sb.config());
  secrets = new SecretsManagerClient(cli.sb.config());
});
afterAll(async () => {
  rds?.destroy();
  secrets?.destroy();
  await cli?.close();
});

const daysAgo = (n: number) => dayOf(new Date(cli.sb.world.clock.nowMs() - n * DAY), ZONE);
const compact = (day: string) => day.replace(/-/g, '');

async function instance(id: string) {
  return (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0];
}

async function secretPassword(name: string): Promise<string> {
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: name }));
  return (JSON.parse(out.SecretString!) as { password: string }).password;
}

/** A clone is placed safely, tagged as the registry, and no longer has its source's password. */
async function expectSafeClone(entry: CreatedJson, source: string, sourceId: string) {
  const db = await instance(entry.name);
  expect(db.DBInstanceStatus).toBe('available');
  expect(db.DBSubnetGroup?.DBSubnetGroupName).toBe('snapclone-dev');
  expect(db.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId)).toEqual(['sg-0d0e0f1011121314a']);
  expect(db.DBInstanceClass).toBe('db.t4g.micro');
  expect(db.MultiAZ).toBe(false);
  expect(db.PubliclyAccessible).toBe(false);
  expect(db.DeletionProtection).toBe(false);
  expect(db.BackupRetentionPeriod).toBe(0);
  const tags = Object.fromEntries((db.TagList ?? []).map((t) => [t.Key, t.Value]));
  expect(tags).toMatchObject({
    [TAG.managed]: 'true',
    [TAG.clone]: entry.name,
    [TAG.owner]: entry.owner,
    [TAG.source]: source,
    [TAG.sourceArn]: `arn:aws:rds:ap-northeast-1:123456789012:db:${sourceId}`,
    [TAG.target]: 'dev',
    [TAG.password]: 'generated',
  });
  // No production tags copied over.
  expect(tags.env).toBeUndefined();
  const password = cli.masterPassword(entry.name)!;
  expect(password).toBeDefined();
  expect(password).not.toBe(cli.masterPassword(sourceId));
  expect(await secretPassword(entry.name)).toBe(password);
  return { db, tags, password };
}

describe('snapclone create', () => {
  it('--date 7 days ago restores that day\'s AWS Backup recovery point (orders-db), safely placed, password rotated', async () => {
    const { ctx, reporter, calls } = cli.context();
    const jobs = cli.restoreJobCount();
    const day = daysAgo(7);
    const result = await create.run({ sources: ['orders-db'], date: day, wait: true }, ctx);
    const [entry] = (result.json as { clones: CreatedJson[] }).clones;
    expect(entry.name).toBe(`snapclone-orders-db-${compact(day)}-alice`);
    expect(entry.owner).toBe('alice');
    expect(entry.point.kind).toBe('backup');
    // The latest backup created on or before the end of that day (Tokyo): the 03:00 JST backup of that day.
    expect(dayOf(new Date(entry.point.time), ZONE)).toBe(day);
    expect(Date.parse(entry.point.time)).toBeLessThanOrEqual(endOfDay(day, ZONE).getTime());
    expect(new Date(entry.point.time).toISOString()).toMatch(/T18:00:00/);
    expect(entry).toMatchObject({ status: 'available', ready: true, resumed: false, tagged: true, credentials: 'generated' });
    // An AWS Backup recovery point of RDS is an RDS snapshot: restored through RDS, tagged at creation, no job.
    expect(entry.point.id).toMatch(/^arn:aws:rds:ap-northeast-1:123456789012:snapshot:awsbackup:job-/);
    expect(entry.restoreJob).toBeNull();
    expect(cli.restoreJobCount()).toBe(jobs);
    const { tags, password } = await expectSafeClone(entry, 'orders-db', 'orders-prod');
    expect(tags[TAG.restoreJob]).toBeUndefined();
    expect(tags[TAG.restorePoint]).toBe(entry.point.id);
    expect(Date.parse(tags[TAG.expiresAt]) - Date.parse(tags[TAG.createdAt])).toBe(8 * 3_600_000);
    // How to connect, without the password.
    // The clone's endpoint: in the sandbox, the loopback port its data is served on (sandbox/services/rds/data-plane.ts).
    expect(entry.connect).toMatchObject({ host: '127.0.0.1', port: expect.any(Number), username: 'admin', passwordCommand: `snapclone credentials ${entry.name}` });
    expect(entry.connect!.port).not.toBe(3306);
    expect(result.lines!.join('\n')).toContain(`snapclone credentials ${entry.name}`);
    expect(everything(result, reporter)).not.toContain(password);
    // Progress was reported while RDS created it.
    expect(reporter.events.some((e) => e.kind === 'progress' && e.progress.phase.includes('creating'))).toBe(true);
    // Every call is declared for `create`.
    const undeclared = calls.filter((c) => !c.startsWith('sts:') && !actionsOf(RDS_PERMISSIONS.create).includes(c));
    expect(undeclared).toEqual([]);
    expect(calls).not.toContain('backup:StartRestoreJob');
    expect(calls).toContain('rds:RestoreDBInstanceFromDBSnapshot');
  });

  it('--date restores from an RDS snapshot for a source with restoreFrom: snapshot (billing-db), tagged at creation', async () => {
    const { ctx, reporter, calls } = cli.context();
    const jobs = cli.restoreJobCount();
    const day = daysAgo(7);
    const result = await create.run({ sources: ['billing-db'], date: day, wait: true, ttl: '1d' }, ctx);
    const [entry] = (result.json as { clones: CreatedJson[] }).clones;
    expect(entry.name).toBe(`snapclone-billing-db-${compact(day)}-alice`);
    expect(entry.point.kind).toBe('automated-snapshot');
    expect(entry.point.id).toMatch(/^rds:billing-prod-/);
    expect(dayOf(new Date(entry.point.time), ZONE)).toBe(day);
    expect(entry.restoreJob).toBeNull();
    expect(cli.restoreJobCount()).toBe(jobs);
    const { tags, password } = await expectSafeClone(entry, 'billing-db', 'billing-prod');
    expect(tags[TAG.restorePoint]).toBe(entry.point.id);
    expect(Date.parse(tags[TAG.expiresAt]) - Date.parse(tags[TAG.createdAt])).toBe(86_400_000);
    expect(entry.connect).toMatchObject({ host: '127.0.0.1', port: expect.any(Number), username: 'postgres' });
    expect(everything(result, reporter)).not.toContain(password);
    expect(calls).toContain('rds:RestoreDBInstanceFromDBSnapshot');
    expect(calls.filter((c) => !c.startsWith('sts:') && !actionsOf(RDS_PERMISSIONS.create).includes(c))).toEqual([]);
  });

  it('--at inside the point-in-time window restores to exactly that time', async () => {
    const { ctx, calls } = cli.context();
    const day = daysAgo(2);
    const result = await create.run({ sources: ['orders-db'], at: `${day}T14:30`, name: 'snapclone-orders-pitr', wait: true }, ctx);
    const [entry] = (result.json as { clones: CreatedJson[] }).clones;
    const at = new Date(`${day}T14:30:00+09:00`).toISOString();
    expect(entry.point.kind).toBe('point-in-time');
    expect(entry.point.at).toBe(at);
    expect(entry.restoreTime).toBe(at);
    expect(entry.restorePoint).toBe(`orders-prod@${at}`);
    expect(calls).toContain('rds:RestoreDBInstanceToPointInTime');
    await expectSafeClone(entry, 'orders-db', 'orders-prod');
  });

  it('--at after the point-in-time window falls back to the latest point before it and says so', async () => {
    const { ctx, reporter } = cli.context();
    const at = new Date(cli.sb.world.clock.nowMs() - 60_000).toISOString();
    const result = await create.run({ sources: ['billing-db'], at, name: 'snapclone-billing-now', wait: false }, ctx);
    const [entry] = (result.json as { clones: CreatedJson[] }).clones;
    expect(entry.point.kind).not.toBe('point-in-time');
    expect(Date.parse(entry.point.time)).toBeLessThan(Date.parse(at));
    expect(reporter.text).toMatch(/does not cover .*using the latest restore point before it instead/);
    // --no-wait: the restore runs, the password is not rotated yet, and the output says how to finish it.
    expect(entry).toMatchObject({ ready: false, credentials: 'pending', connect: null });
    expect(result.lines!.join('\n')).toContain('snapclone create billing-db --name snapclone-billing-now');
  });

  it('--latest takes the newest point of the source\'s kind', async () => {
    const { ctx } = cli.context();
    const result = await create.run({ sources: ['billing-db'], latest: true, name: 'snapclone-billing-latest', wait: false }, ctx);
    const [entry] = (result.json as { clones: CreatedJson[] }).clones;
    expect(entry.point.kind).toBe('automated-snapshot');
    // Newer than every manual snapshot and at most a day old.
    expect(cli.sb.world.clock.nowMs() - Date.parse(entry.point.time)).toBeLessThan(DAY + 60_000);
  });

  it('clones several sources in parallel from the same date', async () => {
    const { ctx } = cli.context({ person: 'carol' });
    const day = daysAgo(5);
    const result = await create.run({ sources: ['orders-db', 'billing-db'], date: day, wait: true }, ctx);
    const names = (result.json as { clones: CreatedJson[] }).clones.map((c) => c.name);
    expect(names).toEqual([`snapclone-orders-db-${compact(day)}-carol`, `snapclone-billing-db-${compact(day)}-carol`]);
    for (const name of names) expect((await instance(name)).DBInstanceStatus).toBe('available');
  });
});

describe('a busy instance', () => {
  it('waits out an instance busy with another change and still replaces the password', async () => {
    const { ctx } = cli.context();
    const name = 'snapclone-orders-busy';
    // Right before snapclone's first ModifyDBInstance, an operator changes the instance class: the
    // instance turns 'modifying' and refuses snapclone's change with InvalidDBInstanceState.
    let interfered = 0;
    ctx.clients('dev').of(RDSClient).middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ModifyDBInstanceCommand' && interfered++ === 0) {
          await rds.send(
            new ModifyDBInstanceCommand({ DBInstanceIdentifier: name, DBInstanceClass: 'db.t4g.small', ApplyImmediately: true }),
          );
        }
        return next(args);
      },
      { step: 'initialize', name: 'operatorInterferes' },
    );
    const result = await create.run({ sources: ['billing-db'], date: daysAgo(6), name, wait: true }, ctx);
    const [entry] = (result.json as { clones: CreatedJson[] }).clones;
    expect(interfered).toBeGreaterThanOrEqual(2); // snapclone tried again after the refusal
    expect(entry).toMatchObject({ name, ready: true, credentials: 'generated' });
    const password = cli.masterPassword(name)!;
    expect(password).not.toBe(cli.masterPassword('billing-prod'));
    expect(await secretPassword(name)).toBe(password);
  });
});

describe('resuming and concurrent creates', () => {
  // Interrupted at the first poll the instance is being created; at the fourth its password is being replaced.
  it.each([
    [1, 9],
    [4, 10],
  ])('an interrupted create (Backup) resumes: one instance, no restore job (interrupted at poll %i)', async (at, ago) => {
    const first = cli.context();
    let sleeps = 0;
    const sleep = first.ctx.sleep;
    first.ctx.sleep = async (ms) => {
      if (++sleeps === at) throw new Error('interrupted');
      await sleep(ms);
    };
    const jobs = cli.restoreJobCount();
    const day = daysAgo(ago);
    const name = `snapclone-orders-db-${compact(day)}-alice`;
    await expect(create.run({ sources: ['orders-db'], date: day, wait: true }, first.ctx)).rejects.toThrow('interrupted');
    expect(cli.instanceIds()).toContain(name);

    const second = cli.context();
    const result = await create.run({ sources: ['orders-db'], date: day, wait: true }, second.ctx);
    const [entry] = (result.json as { clones: CreatedJson[] }).clones;
    expect(entry.name).toBe(name);
    expect(entry.resumed).toBe(true);
    expect(entry.ready).toBe(true);
    expect(cli.restoreJobCount()).toBe(jobs);
    expect(cli.instanceIds().filter((id) => id === name)).toHaveLength(1);
    await expectSafeClone(entry, 'orders-db', 'orders-prod');
  });

  it('re-running a --no-wait create of a snapshot clone attaches to it and finishes it', async () => {
    const day = daysAgo(11);
    const name = 'snapclone-billing-resume';
    const first = await create.run({ sources: ['billing-db'], date: day, name, wait: false }, cli.context().ctx);
    expect((first.json as { clones: CreatedJson[] }).clones[0].status).not.toBe('available');
    const before = cli.instanceIds();
    const second = await create.run({ sources: ['billing-db'], date: day, name, wait: true }, cli.context().ctx);
    const [entry] = (second.json as { clones: CreatedJson[] }).clones;
    expect(entry).toMatchObject({ name, resumed: true, ready: true });
    expect(cli.instanceIds()).toEqual(before);
    await expectSafeClone(entry, 'billing-db', 'billing-prod');
  });

  it('two concurrent creates of the same name (Backup) yield one clone, both attached to it', async () => {
    const jobs = cli.restoreJobCount();
    const instances = cli.instanceIds().length;
    const day = daysAgo(13);
    const name = 'snapclone-orders-shared';
    const a = cli.context();
    const b = cli.context();
    const [ra, rb] = await Promise.all([
      create.run({ sources: ['orders-db'], date: day, name, wait: true }, a.ctx),
      create.run({ sources: ['orders-db'], date: day, name, wait: true }, b.ctx),
    ]);
    const ea = (ra.json as { clones: CreatedJson[] }).clones[0];
    const eb = (rb.json as { clones: CreatedJson[] }).clones[0];
    expect(ea.name).toBe(name);
    expect(eb.name).toBe(name);
    expect([ea.resumed, eb.resumed].sort()).toEqual([false, true]);
    expect(cli.restoreJobCount()).toBe(jobs);
    expect(cli.instanceIds().length).toBe(instances + 1);
    expect(cli.secretNames().filter((s) => s === name)).toHaveLength(1);
    // Both runs applied the one password the secret holds.
    await expectSafeClone(ea, 'orders-db', 'orders-prod');
  });

  it('two concurrent creates of the same name (snapshot) yield one clone, the second attached', async () => {
    const instances = cli.instanceIds().length;
    const day = daysAgo(14);
    const name = 'snapclone-billing-shared';
    const [ra, rb] = await Promise.all([
      create.run({ sources: ['billing-db'], date: day, name, wait: true }, cli.context().ctx),
      create.run({ sources: ['billing-db'], date: day, name, wait: true }, cli.context().ctx),
    ]);
    const entries = [ra, rb].map((r) => (r.json as { clones: CreatedJson[] }).clones[0]);
    expect(entries.map((e) => e.name)).toEqual([name, name]);
    expect(entries.filter((e) => e.resumed)).toHaveLength(1);
    expect(cli.instanceIds().length).toBe(instances + 1);
    await expectSafeClone(entries[0], 'billing-db', 'billing-prod');
  });

  it('concurrent creates of one name from two different points (Backup): one clone, one clear error', async () => {
    const instances = cli.instanceIds().length;
    const name = 'snapclone-orders-race';
    const settled = await Promise.allSettled([
      create.run({ sources: ['orders-db'], date: daysAgo(15), name, wait: true }, cli.context().ctx),
      create.run({ sources: ['orders-db'], date: daysAgo(16), name, wait: true }, cli.context().ctx),
    ]);
    const ok = settled.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof create.run>>> => r.status === 'fulfilled');
    const failed = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect((failed[0].reason as SnapcloneError).exitCode).toBe(2);
    expect(String(failed[0].reason.message)).toMatch(/already exists/);
    expect(cli.instanceIds().length).toBe(instances + 1);
    // The clone carries the tags of the run whose restore made it.
    const winner = (ok[0].value.json as { clones: CreatedJson[] }).clones[0];
    const { tags } = await expectSafeClone(winner, 'orders-db', 'orders-prod');
    expect(tags[TAG.restorePoint]).toBe(winner.point.id);
  });

  it.each([
    ['Backup', 'orders-db', 21],
    ['snapshot', 'billing-db', 22],
  ])('two people creating the same name at once (%s) get one clone and one clear error', async (_via, source, ago) => {
    const instances = cli.instanceIds().length;
    const name = `snapclone-${source}-twopeople`;
    const settled = await Promise.allSettled([
      create.run({ sources: [source], date: daysAgo(ago), name, wait: true }, cli.context({ person: 'dave' }).ctx),
      create.run({ sources: [source], date: daysAgo(ago), name, wait: true }, cli.context({ person: 'erin' }).ctx),
    ]);
    const ok = settled.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof create.run>>> => r.status === 'fulfilled');
    const failed = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(1);
    const winner = (ok[0].value.json as { clones: CreatedJson[] }).clones[0];
    expect(failed[0].reason).toBeInstanceOf(SnapcloneError);
    expect((failed[0].reason as SnapcloneError).exitCode).toBe(2);
    expect((failed[0].reason as SnapcloneError).message).toContain(`already exists, owned by ${winner.owner}`);
    expect(cli.instanceIds().length).toBe(instances + 1);
    await expectSafeClone(winner, source, source === 'orders-db' ? 'orders-prod' : 'billing-prod');
  });

  it("another person's create of an existing clone's name is refused before anything is written", async () => {
    const name = 'snapclone-orders-db-twopeople';
    const instances = cli.instanceIds();
    const jobs = cli.restoreJobCount();
    const error = await create
      .run({ sources: ['orders-db'], date: daysAgo(21), name, wait: true }, cli.context({ person: 'frank' }).ctx)
      .catch((e: unknown) => e as SnapcloneError);
    expect(error).toBeInstanceOf(SnapcloneError);
    expect((error as SnapcloneError).exitCode).toBe(2);
    expect((error as SnapcloneError).message).toMatch(/already exists, owned by (dave|erin)/);
    expect(cli.instanceIds()).toEqual(instances);
    expect(cli.restoreJobCount()).toBe(jobs);
  });

  it('the same --name from another restore point is refused before anything is written', async () => {
    const { ctx } = cli.context();
    const instances = cli.instanceIds();
    const jobs = cli.restoreJobCount();
    const error = await create
      .run({ sources: ['orders-db'], date: daysAgo(20), name: 'snapclone-orders-shared', wait: true }, ctx)
      .catch((e: unknown) => e as SnapcloneError);
    expect(error).toBeInstanceOf(SnapcloneError);
    expect((error as SnapcloneError).exitCode).toBe(2);
    expect((error as SnapcloneError).message).toContain('already exists');
    expect(cli.instanceIds()).toEqual(instances);
    expect(cli.restoreJobCount()).toBe(jobs);
  });
});
