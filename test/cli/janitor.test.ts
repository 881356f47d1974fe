import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RestoreDBInstanceFromDBSnapshotCommand } from '@aws-sdk/client-rds';
import { CreateSecretCommand, DescribeSecretCommand, TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import type { CreatedJson } from '../../src/commands/create.ts';
import * as janitor from '../../src/commands/janitor.ts';
import type { Line } from '../../src/commands/janitor.ts';
import { TAG, toTagList } from '../../src/core/tags.ts';
import { AwsError } from '../../sandbox/core/errors.ts';
import { rdsState } from '../../sandbox/services/rds/state.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION } from '../../sandbox/scenario/constants.ts';
import { backupRestore, recoveryPoint } from '../support/staging.ts';
import { startCli, type TestCli } from './support.ts';

const HOUR = 3_600_000;
let cli: TestCli;

beforeAll(async () => {
  cli = await startCli();
});
afterAll(() => cli?.close());

const day = (ago: number) => cli.day(ago);
// The administrator stages what snapclone (running as the operator role) must not be fooled by.
const rds = () => cli.admin.rds;
const secrets = () => cli.admin.secrets;
/** Exists and is not being deleted, as RDS tells the administrator. */
async function alive(id: string): Promise<boolean> {
  try {
    const out = await rds().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
    return out.DBInstances![0].DBInstanceStatus !== 'deleting';
  } catch {
    return false;
  }
}

async function made(source: string, name: string, person: string, ttl: string): Promise<string> {
  const r = await create.run({ sources: [source], date: day(3), name, ttl, wait: true }, cli.context({ person }).ctx);
  return (r.json as { clones: CreatedJson[] }).clones[0].name;
}

/** The mix: fresh and expired clones of several people, a forced-foreign resource, an untagged orphan, orphan secrets. */
async function stage() {
  const fresh = await made('orders-db', 'snapclone-jan-fresh', 'alice', '1d');
  const expired = [await made('orders-db', 'snapclone-jan-old-a', 'alice', '1h'), await made('billing-db', 'snapclone-jan-old-b', 'bob', '1h')];
  const snapshots = await rds().send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'orders-prod', SnapshotType: 'manual' }));
  const snapshot = snapshots.DBSnapshots![0].DBSnapshotIdentifier!;
  // Someone tagged a hand-made copy as if it were a clone (outside the prefix): never snapclone's.
  await rds().send(
    new RestoreDBInstanceFromDBSnapshotCommand({
      DBInstanceIdentifier: 'legacy-orders-copy',
      DBSnapshotIdentifier: snapshot,
      Tags: toTagList({ [TAG.managed]: 'true', [TAG.clone]: 'legacy-orders-copy', [TAG.expiresAt]: new Date(0).toISOString() }),
    }),
  );
  const orphan = 'snapclone-jan-orphan';
  await backupRestore(cli.sb, orphan, await recoveryPoint(cli.sb, 6));
  const created = new Date(cli.sb.world.clock.nowMs()).toISOString();
  await secrets().send(
    new CreateSecretCommand({
      Name: 'snapclone-jan-ghost',
      SecretString: '{"password":"x"}',
      Tags: toTagList({ [TAG.managed]: 'true', [TAG.clone]: 'snapclone-jan-ghost', [TAG.owner]: 'carol', [TAG.createdAt]: created }),
    }),
  );
  cli.sb.world.clock.advance(2 * HOUR);
  return { fresh, expired, orphan, ghost: 'snapclone-jan-ghost' };
}

describe('snapclone janitor', () => {
  it('dry-run says what it would delete and changes nothing; the run deletes exactly the expired clones and the orphans', async () => {
    const { fresh, expired, orphan, ghost } = await stage();
    const instances = cli.instanceIds();
    const secretNames = cli.secretNames();
    const dry = cli.context({ person: 'dave' });
    const preview = await janitor.run({ dryRun: true }, dry.ctx);
    const planned = (preview.json as { resources: Line[] }).resources;
    const by = (lines: Line[], name: string) => lines.find((l) => l.name === name);
    expect(planned.filter((l) => l.result === 'would delete').map((l) => l.name).sort()).toEqual([...expired, ghost, orphan].sort());
    expect(by(planned, fresh)).toMatchObject({ result: 'kept' });
    expect(by(planned, 'legacy-orders-copy')).toMatchObject({ result: 'skipped' });
    expect(by(planned, 'legacy-orders-copy')!.detail).toContain('does not start with the configured prefix');
    expect(cli.instanceIds()).toEqual(instances);
    expect(cli.secretNames()).toEqual(secretNames);
    expect(dry.calls.filter((c) => /Delete|Modify|AddTags|Remove/.test(c))).toEqual([]);
    // One paginated Tagging API query finds every clone and secret.
    expect(dry.calls.filter((c) => c === 'tag:GetResources')).toHaveLength(1);

    const run = cli.context({ person: 'dave' });
    const result = await janitor.run({}, run.ctx);
    const lines = (result.json as { resources: Line[]; failed: number }).resources;
    expect(result.exitCode).toBeUndefined();
    expect(lines.filter((l) => l.result === 'deleted').map((l) => l.name).sort()).toEqual([...expired, ghost, orphan].sort());
    expect(by(lines, orphan)!.detail).toContain('never tagged');
    for (const id of [...expired, orphan]) expect(await alive(id)).toBe(false);
    expect(cli.secretNames()).not.toContain(ghost);
    for (const id of expired) expect(cli.secretNames()).not.toContain(id);
    // Nothing else: the fresh clone and its secret, the foreign copy, and production.
    for (const id of [fresh, 'legacy-orders-copy', 'orders-prod', 'billing-prod']) expect(await alive(id)).toBe(true);
    expect(cli.secretNames()).toContain(fresh);
    expect(result.table!.rows.every((r) => r.length === 5)).toBe(true);
  });

  it('two janitors at once do not fight: both succeed and everything expired is gone', async () => {
    const expired = [await made('orders-db', 'snapclone-jan-twice-a', 'erin', '1h'), await made('billing-db', 'snapclone-jan-twice-b', 'erin', '1h')];
    cli.sb.world.clock.advance(2 * HOUR);
    const [a, b] = await Promise.all([janitor.run({}, cli.context({ person: 'j1' }).ctx), janitor.run({}, cli.context({ person: 'j2' }).ctx)]);
    for (const r of [a, b]) expect((r.json as { failed: number }).failed).toBe(0);
    for (const id of expired) expect(await alive(id)).toBe(false);
  });

  it('ends with everything expired gone when AWS throttles the deletions', async () => {
    const expired = [
      await made('orders-db', 'snapclone-jan-thr-a', 'erin', '1h'),
      await made('billing-db', 'snapclone-jan-thr-b', 'erin', '1h'),
      await made('orders-db', 'snapclone-jan-thr-c', 'erin', '1h'),
    ];
    cli.sb.world.clock.advance(2 * HOUR);
    let throttled = 0;
    // More throttling answers in a row than the SDK retries by itself.
    cli.sb.world.observer = (call) => {
      if (call.action === 'rds:DeleteDBInstance' && throttled < 12) {
        throttled++;
        throw new AwsError('Throttling', 'Rate exceeded', 400);
      }
    };
    try {
      const result = await janitor.run({ concurrency: 2 }, cli.context({ person: 'j3' }).ctx);
      expect((result.json as { failed: number }).failed).toBe(0);
    } finally {
      cli.sb.world.observer = undefined;
    }
    expect(throttled).toBe(12);
    for (const id of expired) expect(await alive(id)).toBe(false);
  });

  it('re-reads the expiry right before deleting: a clone extended after the survey is kept (security review M3)', async () => {
    const extended = await made('orders-db', 'snapclone-jan-extended', 'erin', '1h');
    const other = await made('billing-db', 'snapclone-jan-expired', 'erin', '1h');
    cli.sb.world.clock.advance(2 * HOUR);
    const later = new Date(cli.sb.world.clock.nowMs() + 8 * HOUR).toISOString();
    let extendedAt: number | undefined;
    // The owner extends the clone after the janitor listed it as expired, before the janitor's guard reads its tags.
    const stop = cli.sb.world.faults.onRequest((event) => {
      if (extendedAt === undefined && event.phase === 'before' && event.operation === 'ListTagsForResource') {
        rdsState(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION).instances.get(extended)!.tags.set(TAG.expiresAt, later);
        extendedAt = event.seq;
      }
    });
    let result;
    try {
      result = await janitor.run({ concurrency: 1 }, cli.context({ person: 'j5' }).ctx);
    } finally {
      stop();
    }
    expect(extendedAt).toBeDefined();
    const lines = (result.json as { resources: Line[] }).resources;
    const kept = lines.find((l) => l.name === extended)!;
    expect(kept.result).toBe('skipped');
    expect(kept.detail).toContain('extended since the janitor listed it');
    expect(await alive(extended)).toBe(true);
    // The other expired clone still goes.
    expect(await alive(other)).toBe(false);
  });

  it("keeps a live clone's secret re-tagged as the secret of a missing clone (security review L4)", async () => {
    const live = await made('billing-db', 'snapclone-jan-live', 'erin', '1d');
    // Someone re-tags the live clone's secret as the secret of a clone that is gone.
    await secrets().send(new TagResourceCommand({ SecretId: live, Tags: toTagList({ [TAG.clone]: 'snapclone-jan-gone' }) }));
    cli.sb.world.clock.advance(2 * HOUR);
    const result = await janitor.run({}, cli.context({ person: 'j6' }).ctx);
    const line = (result.json as { resources: Line[] }).resources.find((l) => l.name === 'snapclone-jan-gone')!;
    expect(line).toMatchObject({ result: 'skipped' });
    expect(line.detail).toContain(`its name '${live}' is not its clone tag 'snapclone-jan-gone'`);
    expect((await secrets().send(new DescribeSecretCommand({ SecretId: live }))).DeletedDate).toBeUndefined();
  });

  it('reports a failure with exit 1 and still deletes the rest; an orphan secret within the grace period is kept', async () => {
    const expired = [await made('orders-db', 'snapclone-jan-fail-a', 'erin', '1h'), await made('billing-db', 'snapclone-jan-fail-b', 'erin', '1h')];
    await secrets().send(
      new CreateSecretCommand({
        Name: 'snapclone-jan-young',
        SecretString: '{}',
        Tags: toTagList({ [TAG.managed]: 'true', [TAG.clone]: 'snapclone-jan-young', [TAG.createdAt]: new Date(cli.sb.world.clock.nowMs() + 2 * HOUR).toISOString() }),
      }),
    );
    cli.sb.world.clock.advance(2 * HOUR);
    cli.sb.world.observer = (call) => {
      if (call.action === 'rds:DeleteDBInstance' && call.resources.some((r) => r.endsWith(expired[0]))) {
        throw new AwsError('InvalidDBInstanceState', 'DB instance is being modified.', 400);
      }
    };
    let result;
    try {
      result = await janitor.run({}, cli.context({ person: 'j4' }).ctx);
    } finally {
      cli.sb.world.observer = undefined;
    }
    const lines = (result.json as { resources: Line[] }).resources;
    expect(result.exitCode).toBe(1);
    expect(lines.find((l) => l.name === expired[0])).toMatchObject({ result: 'failed' });
    expect(lines.find((l) => l.name === 'snapclone-jan-young')).toMatchObject({ result: 'kept' });
    expect(await alive(expired[0])).toBe(true);
    expect(await alive(expired[1])).toBe(false);
  });
});
