// Short-lived access: the role session is refreshed when a long wait outlives it.
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClients } from '../../src/aws/session.ts';
import { explain } from '../../src/cli/errors.ts';
import { ExitCode } from '../../src/core/errors.ts';
import { startCli, type TestCli } from './support.ts';

let cli: TestCli;
beforeAll(async () => {
  cli = await startCli();
});
afterAll(() => cli.close());
afterEach(() => vi.useRealTimers());

const sessionsOf = (cli: TestCli) =>
  [...cli.sb.world.credentials.values()].filter((c) => c.principal.sessionName === 'snapclone-bob');

describe('role sessions', () => {
  it('assumes the role again when the session has expired, instead of failing with ExpiredToken', async () => {
    // Only Date is faked: the SDK's expiry check and the sandbox's clock both read it, as real clocks agree.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const target = { ...cli.config.targets.dev, access: { ...cli.config.targets.dev.access, durationSeconds: 900 } };
    const rds = createClients(target, { person: 'bob', endpoint: cli.sb.url, credentials: cli.sb.scenario.ci }).of(RDSClient);

    await rds.send(new DescribeDBInstancesCommand({}));
    expect(sessionsOf(cli)).toHaveLength(1);
    const [first] = sessionsOf(cli);

    vi.setSystemTime(Date.now() + 20 * 60_000); // past the 15-minute session
    expect(first.expiration!.getTime()).toBeLessThan(cli.sb.world.clock.nowMs());
    const out = await rds.send(new DescribeDBInstancesCommand({}));
    expect(out.DBInstances?.length).toBeGreaterThan(0);
    expect(sessionsOf(cli)).toHaveLength(2);
    expect(sessionsOf(cli)[1].principal).toMatchObject({ sourceIdentity: 'snapclone-bob' });
  });
});

describe('refused credentials', () => {
  it('a wrong secret key is explained as refused credentials by JSON services too (InvalidSignatureException)', async () => {
    // A target without a role: the first call may go to a JSON service, which names the refusal its own way.
    const target = { ...cli.config.targets.dev, access: { ...cli.config.targets.dev.access, roleArn: undefined } };
    const wrong = { ...cli.sb.scenario.ci, secretAccessKey: 'x'.repeat(40) };
    const secrets = createClients(target, { person: 'bob', endpoint: cli.sb.url, credentials: wrong }).of(SecretsManagerClient);
    const error = await secrets.send(new ListSecretsCommand({})).catch((e: unknown) => e);
    expect(explain(error)).toMatchObject({
      message: expect.stringMatching(/^AWS rejected the credentials \(InvalidSignatureException\): The request signature/),
      exitCode: ExitCode.usage,
    });
  });
});
