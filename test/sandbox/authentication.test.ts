import { Sha256 } from '@aws-crypto/sha256-js';
import { BackupClient, ListBackupVaultsCommand } from '@aws-sdk/client-backup';
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { ListDomainNamesCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { COMPANY_REGION, EXTERNAL_ID, OPERATOR_ROLE } from '../../sandbox/scenario/index.ts';
import type { AccessKey } from '../../sandbox/scenario/iam.ts';
import { errorOf } from '../support/errors.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
beforeAll(async () => {
  sb = await startTestSandbox();
});
afterAll(() => sb?.close());

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

type Key = AccessKey & { sessionToken?: string };
type ClientConfig = ReturnType<TestSandbox['config']> & { credentials: Key; systemClockOffset?: number };

/** One cheap call per service, through its real SDK client; the protocol decides how refusals are named. */
const SERVICES: { service: string; protocol: 'awsQuery' | 'awsJson1_1' | 'restJson1'; call: (config: ClientConfig) => Promise<unknown> }[] = [
  { service: 'sts', protocol: 'awsQuery', call: (c) => new STSClient(c).send(new GetCallerIdentityCommand({})) },
  { service: 'iam', protocol: 'awsQuery', call: (c) => new IAMClient({ ...c, region: 'us-east-1' }).send(new GetRoleCommand({ RoleName: OPERATOR_ROLE })) },
  { service: 'rds', protocol: 'awsQuery', call: (c) => new RDSClient(c).send(new DescribeDBInstancesCommand({})) },
  { service: 'elasticache', protocol: 'awsQuery', call: (c) => new ElastiCacheClient(c).send(new DescribeReplicationGroupsCommand({})) },
  { service: 'secretsmanager', protocol: 'awsJson1_1', call: (c) => new SecretsManagerClient(c).send(new ListSecretsCommand({})) },
  { service: 'tagging', protocol: 'awsJson1_1', call: (c) => new ResourceGroupsTaggingAPIClient(c).send(new GetResourcesCommand({})) },
  { service: 'backup', protocol: 'restJson1', call: (c) => new BackupClient(c).send(new ListBackupVaultsCommand({})) },
  { service: 'opensearch', protocol: 'restJson1', call: (c) => new OpenSearchClient(c).send(new ListDomainNamesCommand({})) },
];

/** AWS's names for the same refusal, per protocol, and the HTTP status that comes with them. */
const EXPECTED = {
  awsQuery: { badSignature: 'SignatureDoesNotMatch', unknownKey: 'InvalidClientTokenId', expired: 'ExpiredToken', status: 403 },
  awsJson1_1: { badSignature: 'InvalidSignatureException', unknownKey: 'UnrecognizedClientException', expired: 'ExpiredTokenException', status: 400 },
  restJson1: { badSignature: 'InvalidSignatureException', unknownKey: 'UnrecognizedClientException', expired: 'ExpiredTokenException', status: 403 },
};

const withKey = (credentials: Key, extra: Partial<ClientConfig> = {}): ClientConfig => ({ ...sb.config(), credentials, ...extra });

describe('authentication refusals are named as each service names them', () => {
  it.each(SERVICES)('$service ($protocol): wrong secret, unknown key, expired session', async ({ protocol, call }) => {
    const expected = EXPECTED[protocol];
    const wrongSecret = await errorOf(call(withKey({ ...sb.scenario.admin, secretAccessKey: 'x'.repeat(40) })));
    expect(wrongSecret).toMatchObject({ name: expected.badSignature, status: expected.status });
    expect(wrongSecret.message).toContain('The request signature we calculated does not match the signature you provided.');
    const unknownKey = await errorOf(call(withKey({ accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'x'.repeat(40) })));
    expect(unknownKey).toMatchObject({
      name: expected.unknownKey,
      status: expected.status,
      message: 'The security token included in the request is invalid.',
    });

    const session = await new STSClient(sb.config(sb.scenario.ci)).send(
      new AssumeRoleCommand({ RoleArn: sb.scenario.roles.operator, RoleSessionName: 'expiring', ExternalId: EXTERNAL_ID, SourceIdentity: 'snapclone-expiring', DurationSeconds: 900 }),
    );
    const c = session.Credentials!;
    sb.world.clock.advance(901_000);
    try {
      const expired = await errorOf(call(withKey({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken })));
      expect(expired).toMatchObject({ name: expected.expired, status: expected.status });
    } finally {
      sb.world.clock.advance(-901_000);
    }
  });
});

/** YYYYMMDDTHHMMSSZ, as X-Amz-Date and AWS's skew messages write times. */
const amzDate = (ms: number) => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');

/** A raw request signed by the admin key at `signingDate` (as a client whose clock is that far off would). */
async function signedAt(signingDate: Date, service: string, headers: Record<string, string>, body: string) {
  const url = new URL(sb.url);
  const request = await new SignatureV4({ credentials: sb.scenario.admin, region: COMPANY_REGION, service, sha256: Sha256 }).sign(
    new HttpRequest({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', headers: { host: url.host, ...headers }, body }),
    { signingDate },
  );
  const response = await fetch(sb.url, { method: 'POST', headers: request.headers, body });
  return { status: response.status, date: response.headers.get('date'), text: await response.text() };
}

const stsCall = (at: Date) =>
  signedAt(at, 'sts', { 'content-type': 'application/x-www-form-urlencoded' }, 'Action=GetCallerIdentity&Version=2011-06-15');
const secretsCall = (at: Date) =>
  signedAt(at, 'secretsmanager', { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.ListSecrets' }, '{}');

/** The times in "Signature expired: T is now earlier than T2 (NOW - N min.)" (or "not yet current … later … +"). */
function skewMessage(message: string) {
  const m = /^Signature (expired|not yet current): (\d{8}T\d{6}Z) is (?:now earlier|still later) than (\d{8}T\d{6}Z) \((\d{8}T\d{6}Z) ([-+]) (\d+) min\.\)$/.exec(message);
  expect(m, message).not.toBeNull();
  const [, kind, signed, bound, now, sign, minutes] = m!;
  return { kind, signed, bound, now, sign, minutes: Number(minutes) };
}

const parseAmz = (t: string) => Date.parse(`${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 11)}:${t.slice(11, 13)}:${t.slice(13)}`);

describe('request time skew, against the wall clock', () => {
  it('refuses a query-protocol request signed 30 hours ago with SignatureDoesNotMatch "Signature expired" (STS allows 15 minutes)', async () => {
    const at = new Date(Date.now() - 30 * HOUR);
    const res = await stsCall(at);
    expect(res.status).toBe(403);
    expect(res.text).toContain('<Code>SignatureDoesNotMatch</Code>');
    const message = /<Message>([^<]*)<\/Message>/.exec(res.text)![1];
    const skew = skewMessage(message);
    expect(skew).toMatchObject({ kind: 'expired', signed: amzDate(at.getTime()), sign: '-', minutes: 15 });
    expect(parseAmz(skew.now) - parseAmz(skew.bound)).toBe(15 * MINUTE);
    expect(Math.abs(parseAmz(skew.now) - Date.now())).toBeLessThan(MINUTE);
  });

  it('refuses a JSON-protocol request signed 30 hours ahead or behind with InvalidSignatureException (5 minutes)', async () => {
    const past = await secretsCall(new Date(Date.now() - 30 * HOUR));
    expect(past.status).toBe(400);
    const pastBody = JSON.parse(past.text) as { __type: string; message: string };
    expect(pastBody.__type).toBe('InvalidSignatureException');
    expect(skewMessage(pastBody.message)).toMatchObject({ kind: 'expired', sign: '-', minutes: 5 });

    const future = await secretsCall(new Date(Date.now() + 30 * HOUR));
    const futureBody = JSON.parse(future.text) as { __type: string; message: string };
    expect(futureBody.__type).toBe('InvalidSignatureException');
    const skew = skewMessage(futureBody.message);
    expect(skew).toMatchObject({ kind: 'not yet current', sign: '+', minutes: 5 });
    expect(parseAmz(skew.bound) - parseAmz(skew.now)).toBe(5 * MINUTE);
  });

  it('accepts a request signed a few minutes off, and compares with wall time, not the sandbox clock', async () => {
    expect((await secretsCall(new Date(Date.now() - 4 * MINUTE))).status).toBe(200);
    sb.world.clock.advance(3 * 24 * HOUR);
    try {
      const res = await stsCall(new Date());
      expect(res.status).toBe(200);
      expect(Math.abs(Date.parse(res.date!) - Date.now())).toBeLessThan(MINUTE);
    } finally {
      sb.world.clock.advance(-3 * 24 * HOUR);
    }
  });

  it('every answer, refusals included, carries a wall-clock Date the SDK corrects its clock offset from', async () => {
    const skewed = new SecretsManagerClient(withKey(sb.scenario.admin, { systemClockOffset: -30 * HOUR }));
    const refused = await errorOf(skewed.send(new ListSecretsCommand({})));
    expect(refused.name).toBe('InvalidSignatureException');
    expect(refused.message).toMatch(/^Signature expired: /);
    expect(Math.abs(await skewed.config.systemClockOffset)).toBeLessThan(MINUTE);
    await expect(skewed.send(new ListSecretsCommand({}))).resolves.toHaveProperty('SecretList');
    // With retries, the SDK takes "Signature expired" from a JSON service as transient and retries corrected.
    const retrying = new SecretsManagerClient(withKey(sb.scenario.admin, { systemClockOffset: -30 * HOUR, maxAttempts: 2 }));
    expect((await retrying.send(new ListSecretsCommand({}))).$metadata.attempts).toBe(2);
  });

  describe('an SDK client on a machine whose clock is 30 hours off', () => {
    // The process's Date is moved (the client's clock); the sandbox keeps reading real wall time.
    beforeEach(() => {
      sb.world.wallClock = () => performance.timeOrigin + performance.now();
    });
    afterEach(() => {
      vi.useRealTimers();
      sb.world.wallClock = () => Date.now();
    });

    it.each([
      ['behind, RDS (SignatureDoesNotMatch)', -30 * HOUR, (c: ClientConfig) => new RDSClient(c).send(new DescribeDBInstancesCommand({}))],
      ['ahead, Backup (InvalidSignatureException)', 30 * HOUR, (c: ClientConfig) => new BackupClient(c).send(new ListBackupVaultsCommand({}))],
    ])('%s: is refused once, corrects itself from the Date header and retries', async (_name, skew, call) => {
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + skew });
      const refused = await errorOf(call(withKey(sb.scenario.admin)));
      expect(refused.message).toMatch(/^Signature (expired|not yet current): /);
      const out = (await call(withKey(sb.scenario.admin, { maxAttempts: 2 }))) as { $metadata: { attempts?: number } };
      expect(out.$metadata.attempts).toBe(2);
    });
  });
});
