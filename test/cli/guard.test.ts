import { DescribeDBInstancesCommand, RestoreDBInstanceFromDBSnapshotCommand } from '@aws-sdk/client-rds';
import { CreateSecretCommand, DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import type { CreatedJson } from '../../src/commands/create.ts';
import type { CloneJson } from '../../src/commands/common.ts';
import * as credentials from '../../src/commands/credentials.ts';
import * as del from '../../src/commands/delete.ts';
import * as list from '../../src/commands/list.ts';
import * as show from '../../src/commands/show.ts';
import { RefusedError, UsageError } from '../../src/core/errors.ts';
import { fromTagList, TAG } from '../../src/core/tags.ts';
import { backupRestore as stagedRestore, recoveryPoint as stagedPoint } from '../support/staging.ts';
import { rejection, startCli, type TestCli } from './support.ts';

const DAY = 86_400_000;
let cli: TestCli;

beforeAll(async () => {
  cli = await startCli();
});
afterAll(() => cli?.close());

const day = (ago: number) => cli.day(ago);
// The administrator stages what snapclone (running as the operator role) must not be fooled by.
const rds = () => cli.admin.rds;
const secrets = () => cli.admin.secrets;
const tagsOf = async (id: string) => fromTagList((await rds().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0].TagList);
const clones = (json: unknown) => (json as { clones: CreatedJson[] }).clones;

const recoveryPoint = (ago: number) => stagedPoint(cli.sb, ago);
const backupRestore = (name: string, point: string) => stagedRestore(cli.sb, name, point);

describe('AWS Backup recovery points are restored through RDS', () => {
  it('a --no-wait clone is tagged, its password pending (credentials refuse it), listed and deleted without waiting', async () => {
    const jobs = cli.restoreJobCount();
    const name = 'snapclone-orders-nowait';
    const started = await create.run({ sources: ['orders-db'], date: day(6), name, wait: false }, cli.context().ctx);
    const [entry] = clones(started.json);
    expect(entry).toMatchObject({ name, tagged: true, ready: false, status: 'creating', point: { kind: 'backup' } });
    expect(cli.restoreJobCount()).toBe(jobs);
    expect(await tagsOf(name)).toMatchObject({ [TAG.managed]: 'true', [TAG.clone]: name, [TAG.owner]: 'alice' });
    // An RDS restore keeps the source's password until snapclone replaces it (aws-notes, F2): until then the clone
    // is pending and nobody is handed its credentials.
    await expect(credentials.run({ clone: name }, cli.context().ctx)).rejects.toThrow(/password/i);
    const listed = (await list.run({}, cli.context().ctx)).json as { clones: CloneJson[] };
    expect(listed.clones.find((c) => c.name === name)).toMatchObject({ tagged: true, owner: 'alice', status: 'creating' });
    await del.run({ clones: [name], yes: true, wait: true }, cli.context().ctx);
    expect(cli.instanceIds()).not.toContain(name);
  });
});

describe("an untagged restore made by snapclone's AWS Backup restore role (as older versions did)", () => {
  it('is tied to the clone only by the job record, listed with an unknown owner, and taken over only with --force', async () => {
    const name = 'snapclone-orders-legacy';
    const point = await recoveryPoint(8);
    const job = await backupRestore(name, point);

    // Running: the instance exists, but the job names no resource yet — nothing ties it to snapclone.
    cli.sb.world.clock.advance(10_000);
    expect(cli.instanceIds()).toContain(name);
    const running = cli.context();
    expect(((await list.run({}, running.ctx)).json as { clones: CloneJson[] }).clones.map((c) => c.name)).not.toContain(name);
    expect(running.reporter.text).toContain(`AWS Backup restore job (${job}, RUNNING)`);
    await rejection(show.run({ clone: name }, cli.context().ctx), UsageError);

    // Completed: the job's CreatedResourceArn names it; still listed weeks later, when the job is old.
    cli.sb.world.clock.advance(DAY);
    cli.sb.world.clock.advance(20 * DAY);
    const later = ((await list.run({}, cli.context().ctx)).json as { clones: CloneJson[] }).clones.find((c) => c.name === name);
    expect(later).toMatchObject({ tagged: false, owner: 'unknown', restoreJob: job, source: 'orders-db', status: 'available' });

    // create of that name without --force: exit 2, nothing changed (still untagged, still production's password).
    const again = await rejection(
      create.run({ sources: ['orders-db'], date: day(8), name, wait: true }, cli.context({ person: 'bob' }).ctx).catch((e: unknown) => {
        throw e;
      }),
      UsageError,
    );
    expect(again.message).toMatch(/its owner is unknown|not made from the point/);
    expect((await tagsOf(name))[TAG.managed]).toBeUndefined();
    expect(cli.masterPassword(name)).toBe(cli.masterPassword('orders-prod'));

    // delete without --force: exit 3 naming the unknown owner; with --force: recorded on it, then deleted.
    const refused = await rejection(del.run({ clones: [name], yes: true, wait: true }, cli.context().ctx), RefusedError);
    expect(refused.message).toContain('its owner is unknown');
    expect(refused.message).toContain(job);
    expect((await tagsOf(name))[TAG.managed]).toBeUndefined();
    const forced = cli.context({ person: 'bob' });
    await del.run({ clones: [name], yes: true, wait: false, force: true }, forced.ctx);
    const tags = await tagsOf(name);
    expect(tags).toMatchObject({ [TAG.managed]: 'true', [TAG.clone]: name, [TAG.forcedBy]: 'bob', [TAG.restoreJob]: job });
    const tagAt = forced.calls.indexOf('rds:AddTagsToResource');
    expect(tagAt).toBeGreaterThanOrEqual(0);
    expect(forced.calls.indexOf('rds:DeleteDBInstance')).toBeGreaterThan(tagAt);
  });

  it('a resumed create with --force finishes it: tagged, owner recorded, password replaced, backups off', async () => {
    const name = 'snapclone-orders-legacy2';
    const ago = 9;
    await backupRestore(name, await recoveryPoint(ago));
    cli.sb.world.clock.advance(DAY);
    const result = await create.run({ sources: ['orders-db'], date: day(ago + 1), name, wait: true, force: true }, cli.context({ person: 'bob' }).ctx);
    const [entry] = clones(result.json);
    expect(entry).toMatchObject({ name, tagged: true, ready: true, resumed: true, owner: 'bob', credentials: 'generated' });
    expect(await tagsOf(name)).toMatchObject({ [TAG.forcedBy]: 'bob', [TAG.owner]: 'bob' });
    expect(cli.masterPassword(name)).not.toBe(cli.masterPassword('orders-prod'));
    expect(entry.details.backupRetentionPeriod).toBe('0');
  });
});

describe('the guard cannot be led to claim what snapclone did not create', () => {
  it('a foreign look-alike instance named like a clone is refused (exit 2 and 3) and stays untagged with its password', async () => {
    const name = 'snapclone-foreign';
    const snapshot = (await recoveryPoint(5)).split(':snapshot:')[1];
    await rds().send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: name, DBSnapshotIdentifier: snapshot }));
    // An AWS Backup restore of snapclone's role is in flight meanwhile (the old heuristic linked the two).
    await backupRestore('snapclone-orders-inflight', await recoveryPoint(5));
    cli.sb.world.clock.advance(10_000);
    const password = cli.masterPassword(name);
    const error = await rejection(create.run({ sources: ['orders-db'], date: day(6), name, wait: true }, cli.context({ person: 'bob' }).ctx), UsageError);
    expect(error.message).toContain('is not a snapclone clone');
    const refused = await rejection(del.run({ clones: [name], yes: true, wait: true, force: true }, cli.context({ person: 'bob' }).ctx), RefusedError);
    expect(refused.message).toContain('does not carry the tag snapclone:managed=true');
    expect(await tagsOf(name)).toEqual({});
    expect(cli.masterPassword(name)).toBe(password);
  });

  it('a secret planted under a future clone name is not adopted: exit 2 before anything is created', async () => {
    const name = 'snapclone-orders-planted';
    await secrets().send(
      new CreateSecretCommand({
        Name: name,
        SecretString: JSON.stringify({ password: 'chosen-by-someone-else', dbInstanceIdentifier: name }),
        Tags: [
          { Key: TAG.managed, Value: 'true' },
          { Key: TAG.clone, Value: name },
          { Key: TAG.owner, Value: 'alice' },
        ],
      }),
    );
    const instances = cli.instanceIds();
    const error = await rejection(create.run({ sources: ['orders-db'], date: day(4), name, wait: true }, cli.context().ctx), UsageError);
    expect(error.message).toContain(`A secret named ${name} already exists`);
    expect(cli.instanceIds()).toEqual(instances);
    expect((await secrets().send(new DescribeSecretCommand({ SecretId: name }))).Name).toBe(name);
  });
});

describe('a clone belongs to its owner', () => {
  it("another person's delete and credentials are refused (exit 3) naming the owner; --force is recorded on the clone", async () => {
    const made = await create.run({ sources: ['billing-db'], date: day(3), wait: true }, cli.context({ person: 'carol' }).ctx);
    const name = clones(made.json)[0].name;
    const bob = () => cli.context({ person: 'bob' }).ctx;
    const refusedRead = await rejection(credentials.run({ clone: name }, bob()), RefusedError);
    expect(refusedRead.message).toContain('it belongs to carol');
    const refusedDelete = await rejection(del.run({ clones: [name], yes: true, wait: true }, bob()), RefusedError);
    expect(refusedDelete.exitCode).toBe(3);
    expect(refusedDelete.message).toContain('it belongs to carol');
    expect(await tagsOf(name)).not.toHaveProperty(TAG.forcedBy);

    const read = (await credentials.run({ clone: name, force: true }, bob())).json as { password: string };
    expect(read.password).toBe(cli.masterPassword(name));
    expect(await tagsOf(name)).toMatchObject({ [TAG.forcedBy]: 'bob', [TAG.owner]: 'carol' });
    await del.run({ clones: [name], yes: true, wait: true, force: true }, bob());
    expect(cli.instanceIds()).not.toContain(name);
  });
});
