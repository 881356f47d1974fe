// Masking runs where the clone is reachable, and says so when it is not (a clone in a private subnet, seen from a
// laptop off the VPN): the run ends with exit 1 naming the endpoint and the ways to reach it, the clone is kept
// and nothing is handed out. And `masking plan` without --clone: the rules, field by field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import * as credentials from '../../src/commands/credentials.ts';
import * as maskingPlan from '../../src/commands/masking.ts';
import type { Config } from '../../src/config/schema.ts';
import { SnapcloneError } from '../../src/core/errors.ts';
import { MaskingSchema } from '../../src/masking/config.ts';
import { createServer } from 'node:net';
import { findClone } from '../../src/commands/common.ts';
import { maskClone, type SessionOpener } from '../../src/masking/clone.ts';
import { openSession } from '../../src/masking/open.ts';
import { createdClones, startCli, type TestCli } from './support.ts';

/** A loopback port nothing listens on (taken, then let go). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let cli: TestCli;
beforeAll(async () => {
  cli = await startCli({ dataPlane: false });
});
afterAll(() => cli?.close());

const masking = MaskingSchema.parse({
  tables: { customers: { columns: { email: 'fake-email' }, keep: ['id'] } },
});
const withMasking = (config: Config) => {
  config.sources['billing-db'].masking = masking;
  return config;
};

describe('masking where the clone cannot be reached', () => {
  it('ends with exit 1 naming the endpoint and how to reach it; the clone is kept and nothing is handed out', async () => {
    // A clone made without masking, then masked as create masks it, its endpoint a loopback port nobody serves
    // (the sandbox here serves no data; a real endpoint name would send a DNS query off this machine).
    const made = createdClones(
      (await create.run({ sources: ['billing-db'], date: cli.day(4), wait: true }, cli.context().ctx)).json,
    )[0];
    const { ctx } = cli.context({ config: withMasking });
    const found = await findClone(ctx, made.name);
    const port = await closedPort();
    const nowhere: SessionOpener = (details, _at, c, target) =>
      openSession({ ...details, host: '127.0.0.1', port }, { host: '127.0.0.1', port }, c, target);
    const error = (await maskClone(
      { ...found, source: { name: 'billing-db', config: ctx.config.sources['billing-db'] } },
      ctx,
      nowhere,
      () => {},
    ).catch((e: unknown) => e)) as SnapcloneError;
    expect(error).toBeInstanceOf(SnapcloneError);
    expect(error.exitCode).toBe(1);
    expect(error.message).toMatch(
      /Masking refused to start \(nothing in the clone was changed\); the clone is kept, and snapclone hands nothing out for it/,
    );
    expect(error.message).toMatch(
      /cannot be reached from here \(.*ECONNREFUSED.*\): masking runs where the clone is reachable, from a runner or machine in its VPC or through the target's connect\.relay/,
    );
    await expect(credentials.run({ clone: made.name }, ctx)).rejects.toThrow(
      `${made.name}: its masking failed (problems=1 refused), so snapclone does not hand out its credentials.`,
    );
  }, 120_000);

  it('masking plan without --clone lists the rules field by field; a source without rules says its clones are not masked', async () => {
    const { ctx } = cli.context({ config: withMasking });
    const plan = await maskingPlan.run({ source: 'billing-db' }, ctx);
    expect(plan.table!.rows).toEqual([
      ['customers', 'email', 'fake-email'],
      ['customers', 'id', 'keep'],
    ]);
    expect(plan.lines!.join('\n')).toContain('on failure the clone is locked');
    const none = await maskingPlan.run({ source: 'orders-db' }, ctx);
    expect(none.lines).toEqual([
      'orders-db has no masking rules: its clones are handed out as restored ("not masked" in snapclone show). docs/masking.md',
    ]);
    await expect(maskingPlan.run({ source: 'nope' }, ctx)).rejects.toThrow("Unknown source 'nope'");
  });
});
