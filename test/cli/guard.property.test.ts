// Property: no write on anything snapclone did not create ever reaches the sandbox, whatever a user names
// (names, ARNs of other partitions, accounts, regions and resource types, case and Unicode look-alikes) and
// however tags change between snapclone's check and its act.
import { AddTagsToResourceCommand, DescribeDBSnapshotsCommand, RDSClient, RemoveTagsFromResourceCommand, RestoreDBInstanceFromDBSnapshotCommand } from '@aws-sdk/client-rds';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import * as credentials from '../../src/commands/credentials.ts';
import * as del from '../../src/commands/delete.ts';
import { cloneTags, TAG, toTagList } from '../../src/core/tags.ts';
import type { ObservedCall } from '../../sandbox/core/world.ts';
import { arn } from '../../sandbox/scenario/index.ts';
import { startCli, type TestCli } from './support.ts';

const WRITE = /:(AddTags|RemoveTags|Modify|Delete|Restore|Create|Tag|Untag|Put|Start|Stop|Reboot|Rotate|Update)/;
const MINUTE = 60_000;

let cli: TestCli;
let admin: RDSClient;
let snapshot: string;

beforeAll(async () => {
  cli = await startCli({ speed: 2000 });
  admin = new RDSClient(cli.sb.config());
  const snapshots = await admin.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'orders-prod', SnapshotType: 'manual' }));
  snapshot = snapshots.DBSnapshots![0].DBSnapshotIdentifier!;
  // Look-alikes made by the administrator, not by snapclone: none of them is a clone.
  const made = (id: string, tags: Record<string, string> = {}) =>
    admin.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: id, DBSnapshotIdentifier: snapshot, Tags: toTagList(tags) }));
  await made('snapclone-foreign');
  await made('legacy-copy', { [TAG.managed]: 'true', [TAG.clone]: 'legacy-copy', [TAG.owner]: 'bob' });
  await made('snapclone-wrongclone', { [TAG.managed]: 'true', [TAG.clone]: 'snapclone-other', [TAG.owner]: 'bob' });
  await made('snapclone-falsy', { [TAG.managed]: 'false', [TAG.clone]: 'snapclone-falsy', [TAG.owner]: 'bob' });
  await made('snapclone-nocl', { [TAG.managed]: 'true', [TAG.owner]: 'bob' });
  const secrets = new SecretsManagerClient(cli.sb.config());
  await secrets.send(new CreateSecretCommand({ Name: 'orders-prod-master', SecretString: '{"password":"production"}' }));
  await secrets.send(new CreateSecretCommand({ Name: 'snapclone-foreign', SecretString: '{"password":"not-a-clone"}' }));
  cli.sb.world.clock.advance(60 * MINUTE);
});
afterAll(() => cli?.close());

const FOREIGN = ['orders-prod', 'billing-prod', 'snapclone-foreign', 'legacy-copy', 'snapclone-wrongclone', 'snapclone-falsy', 'snapclone-nocl'];

/** What a user could type to name a resource: names, ARNs, case and Unicode variants, prefix tricks, noise. */
const lookalike: Record<string, string> = { o: 'о', a: 'а', e: 'е', c: 'с', p: 'р', '-': '‐', l: 'ӏ' };
const ref = fc.oneof(
  fc.constantFrom(...FOREIGN),
  fc.record({
    partition: fc.constantFrom('aws', 'aws-us-gov', 'aws-cn', 'AWS', 'aws-iso'),
    service: fc.constantFrom('rds', 'rds', 'elasticache', 'es'),
    region: fc.constantFrom('ap-northeast-1', 'ap-northeast-1', 'us-east-1', 'cn-north-1', 'us-gov-west-1'),
    account: fc.constantFrom('123456789012', '123456789012', '210987654321', '12345678901'),
    type: fc.constantFrom('db', 'db', 'cluster', 'snapshot', 'DB', 'replicationgroup'),
    id: fc.constantFrom(...FOREIGN),
  }).map((a) => `arn:${a.partition}:${a.service}:${a.region}:${a.account}:${a.type}:${a.id}`),
  fc.tuple(fc.constantFrom(...FOREIGN), fc.array(fc.boolean(), { minLength: 24, maxLength: 24 })).map(([id, up]) =>
    [...id].map((ch, i) => (up[i] ? ch.toUpperCase() : ch)).join(''),
  ),
  fc.tuple(fc.constantFrom(...FOREIGN), fc.nat({ max: 20 })).map(([id, at]) => {
    const chars = [...id];
    const i = at % chars.length;
    chars[i] = lookalike[chars[i]] ?? `${chars[i]}\u200b`;
    return chars.join('');
  }),
  fc.tuple(fc.constantFrom('snapclone_', 'snapclone--', 'Snapclone-', 'snapclone-', ' snapclone-', 'snapclone'), fc.constantFrom(...FOREIGN)).map(
    ([p, id]) => `${p}${id.replace(/^snapclone-/, '')}`,
  ),
  fc.constantFrom(...FOREIGN).map((id) => `${id} `),
  fc.string({ maxLength: 40 }),
);

const TAG_WRITE = /:(AddTagsToResource|TagResource)$/;

/**
 * Writes the sandbox served on an existing DB instance or secret that was not, at that moment, a clone of that
 * name. With `tagRace`, a tag write on a resource still named with the prefix and not marked
 * snapclone:managed=false is not counted: between snapclone's re-read of the tags and its tag write, a change
 * by someone else can be overwritten (IAM allows tag writes in the prefix; docs/iam.md), but nothing else can.
 */
function watch(tagRace = false): { violations: string[]; writes: number; stop: () => void } {
  const seen = { violations: [] as string[], writes: 0, stop: () => (cli.sb.world.observer = undefined) };
  cli.sb.world.observer = (call: ObservedCall) => {
    if (!WRITE.test(call.action)) return;
    seen.writes++;
    for (const resource of call.resources) {
      const m = /^arn:aws:(rds|secretsmanager):[^:]+:\d+:(db|secret):(.+)$/.exec(resource);
      if (!m) continue;
      const tags = cli.sb.world.tagsOf(resource);
      if (tags === undefined) continue; // does not exist (yet): a restore creating a clone
      const name = m[2] === 'secret' ? m[3].replace(/-[A-Za-z0-9]{6}$/, '') : m[3];
      if (tagRace && TAG_WRITE.test(call.action) && name.startsWith('snapclone-') && tags[TAG.managed] !== 'false') continue;
      if (tags[TAG.managed] !== 'true' || tags[TAG.clone] !== name || !name.startsWith('snapclone-')) {
        seen.violations.push(`${call.action} on ${resource} (tags ${JSON.stringify(tags)})`);
      }
    }
  };
  return seen;
}

describe('the guard alone (IAM enforcement off)', () => {
  it('never lets a write on a non-clone reach the sandbox, whatever is named (delete, credentials, create --force)', async () => {
    cli.sb.world.enforceIam = false;
    const seen = watch();
    const bob = cli.context({ person: 'bob' }).ctx;
    let refused = 0;
    try {
      await fc.assert(
        fc.asyncProperty(ref, async (name) => {
          const outcomes = await Promise.allSettled([
            del.run({ clones: [name], yes: true, wait: false, force: true }, bob),
            credentials.run({ clone: name, force: true }, bob),
          ]);
          refused += outcomes.filter((o) => o.status === 'rejected').length;
          expect(seen.violations).toEqual([]);
        }),
        { numRuns: 1500, seed: 20261123 },
      );
      // create with the same names, forced: a free valid name makes a new clone; anything taken is refused.
      await fc.assert(
        fc.asyncProperty(ref, async (name) => {
          await create.run({ sources: ['orders-db'], latest: true, name, wait: false, force: true }, bob).catch(() => undefined);
          expect(seen.violations).toEqual([]);
        }),
        { numRuns: 300, seed: 20261124 },
      );
    } finally {
      seen.stop();
      cli.sb.world.enforceIam = true;
    }
    expect(refused).toBeGreaterThan(2500);
    expect(cli.instanceIds()).toEqual(expect.arrayContaining(FOREIGN));
    for (const id of FOREIGN) expect(cli.sb.world.tagsOf(arn.db(id))?.[TAG.forcedBy]).toBeUndefined();
  }, 240_000);
});

describe('tags changing between the check and the act (IAM enforced)', () => {
  const mutations = {
    'drop managed': (id: string) => admin.send(new RemoveTagsFromResourceCommand({ ResourceName: arn.db(id), TagKeys: [TAG.managed] })),
    'managed=false': (id: string) => admin.send(new AddTagsToResourceCommand({ ResourceName: arn.db(id), Tags: [{ Key: TAG.managed, Value: 'false' }] })),
    'other clone': (id: string) => admin.send(new AddTagsToResourceCommand({ ResourceName: arn.db(id), Tags: [{ Key: TAG.clone, Value: 'snapclone-else' }] })),
    'drop all': (id: string) => admin.send(new RemoveTagsFromResourceCommand({ ResourceName: arn.db(id), TagKeys: Object.keys(cloneTagsOf(id)) })),
  };
  const cloneTagsOf = (id: string) => {
    const now = new Date(cli.sb.world.clock.nowMs());
    return cloneTags({
      clone: id,
      owner: 'alice',
      source: 'orders-db',
      sourceArn: arn.db('orders-prod'),
      restorePoint: snapshot,
      restoreTime: now,
      target: 'dev',
      createdAt: now,
      expiresAt: new Date(now.getTime() + 3_600_000),
    });
  };

  it('no change or delete reaches a resource that stopped being a clone, whenever the tags change', async () => {
    const seen = watch(true);
    let n = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.nat({ max: 8 }),
          fc.constantFrom(...(Object.keys(mutations) as (keyof typeof mutations)[])),
          fc.constantFrom('alice', 'bob'),
          fc.boolean(),
          async (moment, mutation, person, deleting) => {
            const id = `snapclone-toctou-${n++}`;
            await admin.send(
              new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: id, DBSnapshotIdentifier: snapshot, Tags: toTagList(cloneTagsOf(id)) }),
            );
            cli.sb.world.clock.advance(60 * MINUTE);
            const { ctx } = cli.context({ person });
            let requests = 0;
            // The adversary changes the clone's tags right before snapclone's `moment`-th RDS request is sent.
            ctx.clients('dev').of(RDSClient).middlewareStack.add(
              (next) => async (args) => {
                if (requests++ === moment) await mutations[mutation](id);
                return next(args);
              },
              { step: 'finalizeRequest', name: 'adversary' },
            );
            const run = deleting
              ? del.run({ clones: [id], yes: true, wait: false, force: true }, ctx)
              : credentials.run({ clone: id, force: true }, ctx);
            await run.catch(() => undefined);
            expect(seen.violations).toEqual([]);
          },
        ),
        { numRuns: 120, seed: 20261125 },
      );
    } finally {
      seen.stop();
    }
    // Some runs did write (the change came after the last write, or not at all): the property is not vacuous.
    expect(seen.writes).toBeGreaterThan(0);
  }, 240_000);
});
