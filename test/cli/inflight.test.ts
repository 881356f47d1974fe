import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import type { CreatedJson } from '../../src/commands/create.ts';
import type { CloneJson } from '../../src/commands/common.ts';
import * as del from '../../src/commands/delete.ts';
import * as list from '../../src/commands/list.ts';
import * as show from '../../src/commands/show.ts';
import { dayOf } from '../../src/core/dates.ts';
import { RefusedError } from '../../src/core/errors.ts';
import { rejection, startCli, type TestCli } from './support.ts';

let cli: TestCli;
beforeAll(async () => {
  cli = await startCli();
});
afterAll(() => cli?.close());

describe('a clone restored through AWS Backup before it carries tags (--no-wait)', () => {
  it('is listed, shown, not deletable, and finished by re-running create', async () => {
    const day = dayOf(new Date(cli.sb.world.clock.nowMs() - 6 * 86_400_000), 'Asia/Tokyo');
    const name = 'snapclone-orders-inflight';
    const jobs = cli.restoreJobCount();
    const started = await create.run({ sources: ['orders-db'], date: day, name, wait: false }, cli.context().ctx);
    const entry = (started.json as { clones: CreatedJson[] }).clones[0];
    expect(entry).toMatchObject({ name, tagged: false, ready: false, status: 'restoring' });
    expect(entry.restoreJob).toMatch(/^[0-9A-F-]{36}$/);

    // PENDING: no instance yet; list says a job is under way.
    const pending = cli.context();
    const listed = await list.run({}, pending.ctx);
    expect((listed.json as { clones: CloneJson[] }).clones).toEqual([]);
    expect(pending.reporter.text).toContain(`AWS Backup restore job (${entry.restoreJob}, PENDING)`);

    // RUNNING: the instance shows, untagged; list and show link it to its job.
    cli.sb.world.clock.advance(10_000);
    const running = (await list.run({}, cli.context().ctx)).json as { clones: CloneJson[] };
    expect(running.clones).toHaveLength(1);
    expect(running.clones[0]).toMatchObject({ name, tagged: false, restoreJob: entry.restoreJob, source: 'orders-db', owner: 'unknown' });
    const shown = (await show.run({ clone: name }, cli.context().ctx)).json as { clone: CloneJson };
    expect(shown.clone.status).toBe('creating');

    // Not tagged = refused by the guard (exit 3), saying how to finish it; nothing was changed.
    const error = await rejection(del.run({ clones: [name], yes: true, wait: true }, cli.context().ctx), RefusedError);
    expect(error.exitCode).toBe(3);
    expect(error.hint).toContain(`--name ${name}`);
    expect(error.message).toContain('carries no tags yet');
    expect(cli.instanceIds()).toContain(name);

    // Re-running create resumes the same job, tags the instance and replaces the password.
    const resumed = await create.run({ sources: ['orders-db'], date: day, name, wait: true }, cli.context().ctx);
    const done = (resumed.json as { clones: CreatedJson[] }).clones[0];
    expect(done).toMatchObject({ name, tagged: true, ready: true, resumed: true, restoreJob: entry.restoreJob, owner: 'alice' });
    expect(cli.restoreJobCount()).toBe(jobs + 1);
    expect(cli.masterPassword(name)).not.toBe(cli.masterPassword('orders-prod'));
    await del.run({ clones: [name], yes: true, wait: true }, cli.context().ctx);
    expect(cli.instanceIds()).not.toContain(name);
  });
});
