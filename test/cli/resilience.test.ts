// Waits that ride out AWS trouble, give up with the command that carries on, renew sessions AWS ends early,
// and requests that time out instead of hanging: through the real SDK clients against the sandbox.
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsError } from '../../sandbox/core/errors.ts';
import type { ObservedCall } from '../../sandbox/core/world.ts';
import { explain } from '../../src/cli/errors.ts';
import * as list from '../../src/commands/list.ts';
import { ExitCode, SnapcloneError } from '../../src/core/errors.ts';
import { OUTAGE_BUDGET_MS } from '../../src/engines/shared/aws.ts';
import { createOne, rejection, startCli, type TestCli } from './support.ts';

let cli: TestCli;
let rds: RDSClient;
beforeAll(async () => {
  cli = await startCli();
  rds = new RDSClient(cli.sb.config());
});
afterAll(async () => {
  rds?.destroy();
  await cli?.close();
});

const RESTORES = new Set(['backup:StartRestoreJob', 'rds:RestoreDBInstanceFromDBSnapshot', 'rds:RestoreDBInstanceToPointInTime']);

/**
 * Runs `act` while the sandbox fails `action` with `error` from the first restore on, as long as `failing`
 * (given the failures so far) says so; also counts AssumeRole calls.
 */
async function failingAfterRestore<T>(action: string, error: () => AwsError, failing: (n: number) => boolean, act: () => Promise<T>) {
  const state = { restored: false, failed: 0, assumed: 0 };
  cli.sb.world.observer = (call: ObservedCall) => {
    if (call.action === 'sts:AssumeRole') state.assumed++;
    if (RESTORES.has(call.action)) state.restored = true;
    if (state.restored && call.action === action && failing(state.failed)) {
      state.failed++;
      throw error();
    }
  };
  try {
    return { state, result: await act() };
  } finally {
    cli.sb.world.observer = undefined;
  }
}

async function instances(prefix: string): Promise<string[]> {
  const out = await rds.send(new DescribeDBInstancesCommand({}));
  return (out.DBInstances ?? []).map((i) => i.DBInstanceIdentifier!).filter((id) => id.startsWith(prefix));
}

describe('waiting through AWS trouble', () => {
  it('rides out more throttling in a row than the SDK attempts by itself, and the clone is made', async () => {
    const { state, result } = await failingAfterRestore(
      'rds:DescribeDBInstances',
      () => new AwsError('Throttling', 'Rate exceeded', 400),
      (n) => n < 30,
      () => createOne(cli, 'orders-db', { date: cli.day(7), name: 'snapclone-res-throttle' }),
    );
    expect(result.entry.ready).toBe(true);
    expect(state.failed).toBe(30);
    expect(await instances('snapclone-res-throttle')).toEqual(['snapclone-res-throttle']);
  });

  it('gives up after a long outage with exit 1, what happened and the exact command; that command finishes the clone', async () => {
    const day = cli.day(6);
    const startedAt = cli.sb.world.clock.nowMs();
    const { state, result: error } = await failingAfterRestore(
      'rds:DescribeDBInstances',
      () => new AwsError('ServiceUnavailable', 'Service unavailable', 503),
      () => true,
      () => rejection(createOne(cli, 'orders-db', { date: day }), SnapcloneError),
    );
    expect(state.failed).toBeGreaterThan(8);
    expect(cli.sb.world.clock.nowMs() - startedAt).toBeGreaterThanOrEqual(OUTAGE_BUDGET_MS);
    expect(error.exitCode).toBe(ExitCode.failed);
    expect(error.message).toMatch(/Stopped waiting for snapclone-orders-db-\S+ to be restored: AWS kept failing for 1[5-9] minutes \(last: ServiceUnavailable: Service unavailable\)/);
    const name = /--name (\S+)/.exec(error.hint ?? '')?.[1];
    expect(error.hint).toContain(`Run the same command again to carry on:\n    snapclone create orders-db --date ${day} --name ${name}`);
    // The restore went on meanwhile: the command in the hint attaches to it.
    const again = await createOne(cli, 'orders-db', { date: day, name });
    expect(again.entry).toMatchObject({ name, resumed: true, ready: true });
    expect(await instances(name!)).toEqual([name]);
  });

  it('renews a session that AWS ended before its stated expiry, and carries on', async () => {
    const { state, result } = await failingAfterRestore(
      'rds:DescribeDBInstances',
      () => new AwsError('ExpiredToken', 'The security token included in the request is expired', 403),
      (n) => n < 1,
      () => createOne(cli, 'billing-db', { date: cli.day(5), name: 'snapclone-res-expired' }),
    );
    expect(result.entry.ready).toBe(true);
    expect(state.failed).toBe(1);
    // One session for all the run's clients, and one more after AWS said it had expired.
    expect(state.assumed).toBe(2);
  });
});

describe('an endpoint that stops answering', () => {
  let server: Server;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    // Accepts connections and never answers.
    server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('times out (exit 1, saying so and that re-running carries on) instead of hanging', async () => {
    const { port } = server.address() as { port: number };
    const { ctx } = cli.context({ session: { endpoint: `http://127.0.0.1:${port}`, timeouts: { connectMs: 200, requestMs: 300 }, maxAttempts: 2 } });
    const error = await list.run({}, ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    const explained = explain(error);
    expect(explained.exitCode).toBe(ExitCode.failed);
    expect(explained.message).toMatch(/^Could not reach AWS: the request timed out/);
    expect(explained.hint).toMatch(/running the same command again carries on/);
    expect(sockets.length).toBeGreaterThanOrEqual(2); // it tried again before giving up
  });
});
