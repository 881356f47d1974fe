import {
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  RemoveTagsFromResourceCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import type { CreatedJson } from '../../src/commands/create.ts';
import type { CloneJson } from '../../src/commands/common.ts';
import * as credentials from '../../src/commands/credentials.ts';
import * as del from '../../src/commands/delete.ts';
import * as list from '../../src/commands/list.ts';
import * as show from '../../src/commands/show.ts';
import { dayOf } from '../../src/core/dates.ts';
import { RefusedError, UsageError } from '../../src/core/errors.ts';
import { TAG } from '../../src/core/tags.ts';
import { rdsEngine } from '../../src/engines/rds/index.ts';
import { RDS_PERMISSIONS } from '../../src/engines/rds/permissions.ts';
import { actionsOf } from '../../src/iam/declare.ts';
import type { CommandResult } from '../../src/output/render.ts';
import { everything, rejection, startCli, type TestCli } from './support.ts';

const DAY = 86_400_000;
const PROD_ARN = 'arn:aws:rds:ap-northeast-1:123456789012:db:orders-prod';

let cli: TestCli;
let rds: RDSClient;
let alice: CreatedJson;
let bob: CreatedJson;
/** Alice's clone's password, read from the sandbox's state right after create. */
let alicePassword: string;
/** Everything alice's commands returned or said, to look for her password in. */
const said: string[] = [];

const day = (ago: number) => dayOf(new Date(cli.sb.world.clock.nowMs() - ago * DAY), 'Asia/Tokyo');
const exists = (id: string) => cli.instanceIds().includes(id);
const status = async (id: string) =>
  (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0]?.DBInstanceStatus;
const undeclared = (calls: string[], declared: string[]) => calls.filter((c) => !c.startsWith('sts:') && !declared.includes(c));

async function run<T>(fn: (ctx: ReturnType<TestCli['context']>['ctx']) => Promise<CommandResult>, person = 'alice') {
  const { ctx, reporter, calls } = cli.context({ person });
  const result = await fn(ctx);
  said.push(everything(result, reporter));
  return { json: result.json as T, result, reporter, calls };
}

beforeAll(async () => {
  cli = await startCli();
  rds = new RDSClient(cli.sb.config());
  alice = (await run<{ clones: CreatedJson[] }>((ctx) => create.run({ sources: ['orders-db'], date: day(3), wait: true }, ctx))).json
    .clones[0];
  bob = (
    await run<{ clones: CreatedJson[] }>(
      (ctx) => create.run({ sources: ['billing-db'], latest: true, ttl: '30m', wait: true }, ctx),
      'bob',
    )
  ).json.clones[0];
  alicePassword = cli.masterPassword(alice.name)!;
  // An hour later bob's 30-minute clone has expired; alice's 8-hour one has not.
  cli.sb.world.clock.advance(3_600_000);
}, 60_000);
afterAll(async () => {
  rds?.destroy();
  await cli?.close();
});

describe('list and show', () => {
  it('lists every clone with owner, status and expiry; --mine and --expired filter', async () => {
    const all = await run<{ clones: CloneJson[] }>((ctx) => list.run({}, ctx));
    expect(all.json.clones.map((c) => c.name)).toEqual([bob.name, alice.name].sort());
    const a = all.json.clones.find((c) => c.name === alice.name)!;
    expect(a).toMatchObject({ owner: 'alice', source: 'orders-db', status: 'available', tagged: true, expired: false, target: 'dev' });
    // In the sandbox a clone is served on a loopback port of its own (sandbox/services/rds/data-plane.ts).
    expect(a.endpoint).toEqual({ host: '127.0.0.1', port: expect.any(Number) });
    expect(all.result.table!.rows.find((r) => r[0] === alice.name)![3]).toMatch(/^in [67]h\d\dm$/);
    const wide = await run<{ clones: CloneJson[] }>((ctx) => list.run({ wide: true }, ctx));
    expect(wide.result.table!.rows.find((r) => r[1] === alice.name)![7]).toMatch(/\+09:00 \(in [67]h\d\dm\)/);
    expect(undeclared(all.calls, actionsOf(RDS_PERMISSIONS.describe))).toEqual([]);
    expect(all.calls).toContain('tag:GetResources');

    const mine = await run<{ clones: CloneJson[] }>((ctx) => list.run({ mine: true }, ctx));
    expect(mine.json.clones.map((c) => c.name)).toEqual([alice.name]);
    const expired = await run<{ clones: CloneJson[] }>((ctx) => list.run({ expired: true }, ctx));
    expect(expired.json.clones.map((c) => c.name)).toEqual([bob.name]);
    expect(expired.json.clones[0].expired).toBe(true);
  });

  it('shows one clone: endpoint, status, restore point, expiry — no password', async () => {
    const shown = await run<{ clone: CloneJson }>((ctx) => show.run({ clone: alice.name }, ctx));
    expect(shown.json.clone).toMatchObject({
      name: alice.name,
      status: 'available',
      restorePoint: alice.restorePoint,
      restoreJob: alice.restoreJob,
      credentials: 'generated',
      expiresAt: alice.expiresAt,
    });
    expect(shown.json.clone.details).toMatchObject({ instanceClass: 'db.t4g.micro', multiAZ: 'false', publiclyAccessible: 'false' });
    const rows = Object.fromEntries(shown.result.table!.rows);
    expect(rows.endpoint).toBe(`127.0.0.1:${alice.endpoint!.port}`);
    expect(rows.password).toBe(`generated (run snapclone credentials ${alice.name})`);
  });

  it('an unknown clone is bad input (exit 2), never a source', async () => {
    const { ctx } = cli.context();
    const error = await rejection(show.run({ clone: 'snapclone-nothing-here' }, ctx), UsageError);
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain("No clone or set named 'snapclone-nothing-here'");
    // A source's name is not a clone either: no fallback to the production instance.
    await rejection(show.run({ clone: 'orders-prod' }, ctx), UsageError);
    await rejection(credentials.run({ clone: 'orders-prod' }, ctx), UsageError);
    // Neither is anything that cannot be a name, nor a clone of a deleted name in delete.
    await rejection(show.run({ clone: 'Orders_DB; drop' }, ctx), UsageError);
    const gone = await rejection(del.run({ clones: ['snapclone-never-made'], yes: true, wait: true }, ctx), UsageError);
    expect(gone.exitCode).toBe(2);
  });
});

describe('credentials', () => {
  it('gives the rotated password of the clone (and only this command shows it)', async () => {
    const { ctx, calls } = cli.context();
    const result = await credentials.run({ clone: alice.name }, ctx);
    const json = result.json as { host: string; port: number; username: string; password: string; database: string | null };
    const password = cli.masterPassword(alice.name)!;
    expect(json.password).toBe(password);
    expect(json.password).not.toBe(cli.masterPassword('orders-prod'));
    expect(json.host).toBe(alice.endpoint!.host);
    expect(json).toMatchObject({ port: alice.endpoint!.port, username: 'admin', database: 'orders' });
    expect(result.fields).toContainEqual(['password', password]);
    expect(undeclared(calls, actionsOf(RDS_PERMISSIONS.credentials))).toEqual([]);
  });
});

describe('delete', () => {
  it('without --yes and without a terminal: a UsageError telling to pass --yes; nothing deleted', async () => {
    const { ctx } = cli.context();
    const error = await rejection(del.run({ clones: [alice.name], wait: true }, ctx), UsageError);
    expect(error.exitCode).toBe(2);
    expect(error.hint).toContain('--yes');
    expect(await status(alice.name)).toBe('available');
  });

  it('asks on a terminal; answering no deletes nothing', async () => {
    const { ctx, reporter } = cli.context({ interactive: true, answers: ['n'] });
    const result = await del.run({ clones: [alice.name], wait: true }, ctx);
    expect(result.json).toEqual({ deleted: [], cancelled: true });
    // Said once, as the result (audit m6).
    expect(result.lines).toEqual(['Cancelled: nothing was deleted.']);
    expect(reporter.text).not.toContain('othing was deleted');
    expect(await status(alice.name)).toBe('available');
  });

  it('refuses a source by name or by ARN (exit 3), before any question; it still exists', async () => {
    for (const ref of ['orders-prod', PROD_ARN]) {
      const { ctx, calls } = cli.context({ interactive: true, answers: ['y'] });
      const error = await rejection(del.run({ clones: [ref], yes: false, wait: true }, ctx), RefusedError);
      expect(error.exitCode).toBe(3);
      expect(error.message).toContain(`Refused to delete RDS DB instance orders-prod (${PROD_ARN})`);
      expect(error.message).toContain("its name 'orders-prod' does not start with the configured prefix 'snapclone-'");
      expect(calls.filter((c) => /Delete|Modify|AddTags|Remove/.test(c))).toEqual([]);
    }
    expect(await status('orders-prod')).toBe('available');
  });

  it('refuses a tagged resource whose name lacks the prefix, and a prefixed one without the tag', async () => {
    const snapshots = await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'orders-prod', SnapshotType: 'manual' }));
    const snapshotId = snapshots.DBSnapshots![0].DBSnapshotIdentifier!;
    // Made by hand with the admin key, not by snapclone.
    await rds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: 'legacy-orders-copy',
        DBSnapshotIdentifier: snapshotId,
        Tags: [
          { Key: TAG.managed, Value: 'true' },
          { Key: TAG.clone, Value: 'legacy-orders-copy' },
        ],
      }),
    );
    await rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'snapclone-handmade', DBSnapshotIdentifier: snapshotId }));
    const { ctx } = cli.context();
    const unprefixed = await rejection(del.run({ clones: ['legacy-orders-copy'], yes: true, wait: true }, ctx), RefusedError);
    expect(unprefixed.message).toContain("does not start with the configured prefix 'snapclone-'");
    const untagged = await rejection(del.run({ clones: ['snapclone-handmade'], yes: true, wait: true }, ctx), RefusedError);
    expect(untagged.message).toContain('does not carry the tag snapclone:managed=true');
    // One refusal stops the whole batch: alice's clone, named alongside, is untouched.
    await rejection(del.run({ clones: [alice.name, 'orders-prod'], yes: true, wait: true }, ctx), RefusedError);
    expect(exists('legacy-orders-copy') && exists('snapclone-handmade') && exists(alice.name)).toBe(true);
    expect(await status(alice.name)).toBe('available');
    // create will not adopt an instance it did not make either.
    const adopt = await rejection(
      create.run({ sources: ['orders-db'], latest: true, name: 'snapclone-handmade', wait: true }, ctx),
      UsageError,
    );
    expect(adopt.message).toContain('already exists and is not a snapclone clone');
  });

  it('re-reads the tags right before acting: a clone whose tags vanished is refused', async () => {
    const { ctx } = cli.context();
    const clone = (await rdsEngine.describe(bob.name, { name: 'dev', config: ctx.config.targets.dev }, ctx))!;
    expect(clone.tagged).toBe(true);
    await rds.send(new RemoveTagsFromResourceCommand({ ResourceName: clone.arn, TagKeys: [TAG.managed] }));
    const error = await rejection(rdsEngine.delete(clone, ctx, { wait: true, onProgress: () => {} }), RefusedError);
    expect(error.exitCode).toBe(3);
    expect(await status(bob.name)).toBe('available');
  });

  it('deletes a clone with --yes: instance and secret gone, waiting until then', async () => {
    const { ctx, reporter, calls } = cli.context();
    expect(cli.secretNames()).toContain(alice.name);
    const result = await del.run({ clones: [alice.name], yes: true, wait: true }, ctx);
    said.push(everything(result, reporter));
    expect(result.json).toEqual({
      deleted: [{ name: alice.name, target: 'dev', engine: 'rds', id: alice.name, arn: alice.arn, status: 'deleted' }],
      cancelled: false,
    });
    expect(exists(alice.name)).toBe(false);
    expect(cli.secretNames()).not.toContain(alice.name);
    expect(await status('orders-prod')).toBe('available');
    expect(undeclared(calls, actionsOf(RDS_PERMISSIONS.delete))).toEqual([]);
    expect(calls).toContain('rds:DeleteDBInstance');
    expect(calls).toContain('secretsmanager:DeleteSecret');
    // Gone from the registry too.
    const after = await run<{ clones: CloneJson[] }>((ctx2) => list.run({}, ctx2));
    expect(after.json.clones.map((c) => c.name)).not.toContain(alice.name);
  });

  it('asks on a terminal and deletes on yes; --no-wait returns while it is deleting', async () => {
    const carol = cli.context({ person: 'carol' });
    const made = (await create.run({ sources: ['billing-db'], date: day(4), wait: true }, carol.ctx)).json as { clones: CreatedJson[] };
    const name = made.clones[0].name;
    const { ctx, reporter } = cli.context({ person: 'carol', interactive: true, answers: ['y'] });
    const result = await del.run({ clones: [name], wait: false }, ctx);
    expect(reporter.text).not.toContain('Nothing was deleted');
    expect((result.json as { deleted: { status: string }[] }).deleted[0].status).toBe('deleting');
    expect(await status(name)).toBe('deleting');
  });

  it('alice\'s password appeared in no output but credentials\'', async () => {
    expect(alicePassword).toMatch(/^[A-Za-z0-9]{32}$/);
    // create, list (three times), show, delete and the list after it: results and everything reported.
    expect(said.length).toBeGreaterThanOrEqual(7);
    for (const text of said) {
      expect(text).not.toContain(alicePassword);
      expect(text).not.toContain(cli.masterPassword('orders-prod')!);
      expect(text).not.toMatch(/"password":/);
    }
  });
});
