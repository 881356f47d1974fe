import { AddTagsToResourceCommand, DeleteReplicationGroupCommand, DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
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
import { ELASTICACHE_PERMISSIONS } from '../../src/engines/elasticache/permissions.ts';
import { actionsOf } from '../../src/iam/declare.ts';
import { authTokenOf, elasticacheState } from '../../sandbox/services/elasticache/state.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION } from '../../sandbox/scenario/index.ts';
import { createdClones, interruptAt, recordedCreates, rejection, startCli, undeclaredCalls, type TestCli } from './support.ts';

const SOURCE = 'sessions-cache';
const PROD = 'sessions-prod';
const MINUTE = 60_000;

let cli: TestCli;
/** Replication groups as the sandbox holds them (not read through the API under test). */
const groups = () => elasticacheState(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION).replicationGroups;
const alive = (id: string) => {
  const g = groups().get(id);
  return g !== undefined && !g.deletion;
};
const tokenOf = (id: string) => authTokenOf(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION, id);

/** Everything said by snapclone in this file, to look for tokens in. */
const { said, make } = recordedCreates(() => cli, SOURCE);

beforeAll(async () => {
  cli = await startCli();
});
afterAll(() => cli?.close());

describe('points', () => {
  it("lists the source's automatic and manual snapshots, newest first, with sizes, with declared calls only", async () => {
    const { ctx, calls } = cli.context();
    const out = (await points.run({ source: SOURCE }, ctx)).json as { points: { kind: string; id: string; time: string; sizeGb: number | null }[] };
    expect(out.points.filter((p) => p.kind === 'automated-snapshot').length).toBeGreaterThanOrEqual(34);
    expect(out.points.filter((p) => p.kind === 'snapshot').map((p) => p.id)).toContain('sessions-prod-before-migration');
    expect(out.points.some((p) => p.kind === 'point-in-time')).toBe(false);
    const times = out.points.map((p) => Date.parse(p.time));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(out.points[0].sizeGb).toBeGreaterThan(0);
    expect(undeclaredCalls(calls, actionsOf(ELASTICACHE_PERMISSIONS.points))).toEqual([]);
  });
});

describe('create, list, show, credentials, delete', () => {
  let byDate: CreatedJson;

  it('--date restores that day\'s snapshot into a small tagged group with a new AUTH token (declared calls only)', async () => {
    const { entry, text, calls } = await make({ date: cli.day(5) });
    byDate = entry;
    expect(entry).toMatchObject({ engine: 'elasticache', status: 'available', ready: true, resumed: false, credentials: 'generated' });
    expect(entry.point.kind).toBe('automated-snapshot');
    expect(text).toContain('TLS, a new AUTH token in its secret');
    const group = groups().get(entry.name)!;
    expect(group.tags.get(TAG.engine)).toBe('elasticache');
    expect(group.tags.get(TAG.clone)).toBe(entry.name);
    const token = tokenOf(entry.name)!;
    expect(token).toBeTruthy();
    expect(token).not.toBe(tokenOf(PROD));
    expect(text).not.toContain(token);
    expect(text).not.toContain(tokenOf(PROD)!);
    expect(undeclaredCalls(calls, actionsOf(ELASTICACHE_PERMISSIONS.create))).toEqual([]);
  }, 60_000);

  it('--latest takes the newest snapshot; --at says there is no point in time and takes the latest snapshot before it', async () => {
    const latest = await make({ latest: true, name: 'snapclone-sessions-latest' });
    const { ctx } = cli.context();
    const all = (await points.run({ source: SOURCE }, ctx)).json as { points: { id: string }[] };
    expect(latest.entry.point.id).toBe(all.points[0].id);
    const at = await make({ at: `${cli.day(3)}T12:00`, name: 'snapclone-sessions-at' });
    expect(at.text).toContain('has no point-in-time restore window');
    expect(at.entry.point.kind).not.toBe('point-in-time');
    await del.run({ clones: ['snapclone-sessions-latest', 'snapclone-sessions-at'], yes: true, wait: true }, cli.context().ctx);
    expect(alive('snapclone-sessions-latest')).toBe(false);
  }, 60_000);

  it('lists and shows the cache clone without its token', async () => {
    const { ctx, calls } = cli.context();
    const all = (await list.run({}, ctx)).json as { clones: CloneJson[] };
    expect(all.clones.map((c) => c.name)).toEqual([byDate.name]);
    expect(all.clones[0]).toMatchObject({ engine: 'elasticache', status: 'available', owner: 'alice', source: SOURCE });
    expect(undeclaredCalls(calls, actionsOf(ELASTICACHE_PERMISSIONS.describe))).toEqual([]);
    const shown = await show.run({ clone: byDate.name }, cli.context().ctx);
    const json = (shown.json as { clone: CloneJson }).clone;
    expect(json.details).toMatchObject({ tls: 'on', authToken: 'new (snapclone credentials)', snapshotRetentionLimit: '0' });
    said.push(JSON.stringify(shown));
  });

  it('credentials give the new token, TLS on, and the clone\'s own endpoint', async () => {
    const { ctx, calls } = cli.context();
    const creds = (await credentials.run({ clone: byDate.name }, ctx)).json as { host: string; port: number; username: string; password: string; tls: boolean };
    expect(creds).toMatchObject({ username: 'default', tls: true, password: tokenOf(byDate.name) });
    // The sandbox serves the clone's keys on loopback (test/cli/elasticache-data.test.ts): its own port, not the source's.
    expect(creds.host).toBe('127.0.0.1');
    const prod = (await cli.admin.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: PROD }))).ReplicationGroups![0];
    expect(creds.port).not.toBe(prod.NodeGroups![0].PrimaryEndpoint!.Port);
    expect(undeclaredCalls(calls, actionsOf(ELASTICACHE_PERMISSIONS.credentials))).toEqual([]);
  });

  it('delete removes the group and its secret', async () => {
    const { ctx, calls } = cli.context();
    await del.run({ clones: [byDate.name], yes: true, wait: true }, ctx);
    expect(alive(byDate.name)).toBe(false);
    expect(cli.secretNames()).not.toContain(byDate.name);
    expect(undeclaredCalls(calls, actionsOf(ELASTICACHE_PERMISSIONS.delete))).toEqual([]);
  }, 60_000);
});

describe('what the clone gets for authentication', () => {
  it('a source on RBAC user groups: the clone does not get them, gets TLS and a new token instead, and says so', async () => {
    const prod = groups().get(PROD)!;
    const before = prod.userGroupIds;
    prod.userGroupIds = ['sessions-users'];
    try {
      const { entry, text } = await make({ date: cli.day(6), name: 'snapclone-sessions-rbac' });
      expect(text).toContain("the source's RBAC user groups (sessions-users) are not attached to the clone");
      expect(groups().get(entry.name)!.userGroupIds).toEqual([]);
      expect(tokenOf(entry.name)).toBeTruthy();
      await del.run({ clones: [entry.name], yes: true, wait: true }, cli.context().ctx);
    } finally {
      prod.userGroupIds = before;
    }
  }, 60_000);
});

describe('resume', () => {
  it.each([1, 3])('an interrupted create resumes to one group with the token of its secret (interrupted at poll %i)', async (at) => {
    const name = `snapclone-sessions-resume-${at}`;
    const first = cli.context();
    interruptAt(first.ctx, at);
    await expect(create.run({ sources: [SOURCE], date: cli.day(4), name, wait: true }, first.ctx)).rejects.toThrow('interrupted');
    const again = await make({ date: cli.day(4), name });
    expect(again.entry).toMatchObject({ name, resumed: true, ready: true });
    const creds = (await credentials.run({ clone: name }, cli.context().ctx)).json as { password: string };
    expect(creds.password).toBe(tokenOf(name));
    await del.run({ clones: [name], yes: true, wait: true }, cli.context().ctx);
    expect(alive(name)).toBe(false);
  }, 60_000);
});

describe('the guard', () => {
  it('refuses the production replication group (exit 3) before any write, and IAM denies writes on it to the role', async () => {
    const { ctx, calls } = cli.context();
    for (const ref of [PROD, `arn:aws:elasticache:${COMPANY_REGION}:${COMPANY_ACCOUNT}:replicationgroup:${PROD}`]) {
      const error = await rejection(del.run({ clones: [ref], yes: true, wait: true }, ctx), RefusedError);
      expect(error.exitCode).toBe(3);
    }
    expect(calls.filter((c) => /Delete|Modify|AddTags|Remove|Create|Copy/.test(c))).toEqual([]);
    const client = ctx.clients('dev').of(ElastiCacheClient);
    const arn = `arn:aws:elasticache:${COMPANY_REGION}:${COMPANY_ACCOUNT}:replicationgroup:${PROD}`;
    // The role's own declared calls, aimed at the source (ModifyReplicationGroup and CopySnapshot, which it is
    // never granted at all, are in test/iam/policy.test.ts).
    const denied = [
      new DeleteReplicationGroupCommand({ ReplicationGroupId: PROD }),
      new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: TAG.managed, Value: 'true' }, { Key: TAG.clone, Value: 'snapclone-x' }] }),
    ];
    for (const command of denied) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      await expect(client.send(command as any)).rejects.toMatchObject({ name: 'AccessDenied' });
    }
    const prod = await cli.admin.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: PROD }));
    expect(prod.ReplicationGroups?.[0]?.Status).toBe('available');
  });

  it("another person's cache clone is refused (exit 3) naming the owner", async () => {
    const { entry } = await make({ date: cli.day(7), name: 'snapclone-sessions-bob' }, 'bob');
    const error = await rejection(del.run({ clones: [entry.name], yes: true, wait: true }, cli.context().ctx), RefusedError);
    expect(error.message).toContain('belongs to bob');
    expect(alive(entry.name)).toBe(true);
    await del.run({ clones: [entry.name], yes: true, wait: true }, cli.context({ person: 'bob' }).ctx);
  }, 60_000);
});

describe('with the rest of snapclone', () => {
  it('a set of an RDS and a cache source is cloned from one date and deleted together', async () => {
    const result = await create.run({ sources: ['orders-db', SOURCE], date: cli.day(4), wait: true }, cli.context().ctx);
    const clones = createdClones(result.json);
    expect(clones.map((c) => c.engine).sort()).toEqual(['elasticache', 'rds']);
    expect(new Set(clones.map((c) => c.set)).size).toBe(1);
    await del.run({ clones: [clones[0].set!], yes: true, wait: true }, cli.context().ctx);
    for (const c of clones) {
      expect(cli.instanceIds()).not.toContain(c.name);
      expect(alive(c.name)).toBe(false);
    }
  }, 60_000);

  it('the janitor deletes an expired cache clone once and keeps a fresh one', async () => {
    const expired = (await make({ date: cli.day(3), name: 'snapclone-sessions-expired', ttl: '30m' })).entry;
    const fresh = (await make({ date: cli.day(3), name: 'snapclone-sessions-fresh', ttl: '8h' })).entry;
    cli.sb.world.clock.advance(60 * MINUTE);
    const out = (await janitor.run({}, cli.context().ctx)).json as { resources: Line[] };
    const lines = out.resources.filter((l) => l.name.startsWith('snapclone-sessions-'));
    expect(lines.map((l) => [l.name, l.kind, l.result]).sort()).toEqual([
      [expired.name, 'elasticache clone', 'deleted'],
      [fresh.name, 'elasticache clone', 'kept'],
    ]);
    expect(groups().get(expired.name)?.deletion).toBeDefined();
    expect(alive(fresh.name)).toBe(true);
    await del.run({ clones: [fresh.name], yes: true, wait: true }, cli.context().ctx);
  }, 60_000);

  it("the source's token appeared in no output", () => {
    const token = tokenOf(PROD)!;
    expect(token.length).toBeGreaterThan(15);
    expect(said.join('\n')).not.toContain(token);
  });
});
