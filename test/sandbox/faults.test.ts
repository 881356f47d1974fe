import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeInstanceInformationCommand, SSMClient } from '@aws-sdk/client-ssm';
import { BackupClient, ListBackupVaultsCommand } from '@aws-sdk/client-backup';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeCacheSubnetGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { ListDomainNamesCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import {
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { isThrottlingError, isTransientError } from '@smithy/core/retry';
import { describe, expect, it } from 'vitest';
import { FAULT_ERRORS } from '../../sandbox/core/fault-errors.ts';
import type { RequestEvent } from '../../sandbox/core/faults.ts';
import { World } from '../../sandbox/core/world.ts';
import { createRole } from '../../sandbox/core/iam-state.ts';
import { ADMIN_USER, arn, COMPANY_ACCOUNT, DEV_SUBNET_GROUP, RESTORE_ROLE } from '../../sandbox/scenario/index.ts';
import { services } from '../../sandbox/services/index.ts';
import { hasAwsCli, runAwsCli } from '../support/awscli.ts';
import { errorOf } from '../support/errors.ts';
import { startTestSandbox, useFaultSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
useFaultSandbox((started) => (sb = started));

const rds = () => new RDSClient(sb.config());
const describeOrders = () => rds().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders-prod' }));

/** What the SDK made of a failed call: its name and status, and how its retry strategy classifies it. */
async function classified(promise: Promise<unknown>) {
  const error = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: Error & { $metadata?: { httpStatusCode?: number }; $fault?: string }) => e,
  );
  return {
    name: error.name,
    status: error.$metadata?.httpStatusCode,
    fault: error.$fault,
    throttling: isThrottlingError(error as never),
    transient: isTransientError(error as never),
  };
}

/** One read-only call of every service the sandbox serves, by signing name: each protocol's error path. */
const READS: Record<string, () => Promise<unknown>> = {
  sts: () => new STSClient(sb.config()).send(new GetCallerIdentityCommand({})),
  iam: () => new IAMClient({ ...sb.config(), region: 'us-east-1' }).send(new GetRoleCommand({ RoleName: RESTORE_ROLE })),
  rds: describeOrders,
  elasticache: () => new ElastiCacheClient(sb.config()).send(new DescribeCacheSubnetGroupsCommand({})),
  backup: () => new BackupClient(sb.config()).send(new ListBackupVaultsCommand({})),
  secretsmanager: () => new SecretsManagerClient(sb.config()).send(new ListSecretsCommand({})),
  tagging: () => new ResourceGroupsTaggingAPIClient(sb.config()).send(new GetResourcesCommand({})),
  es: () => new OpenSearchClient(sb.config()).send(new ListDomainNamesCommand({})),
  ec2: () => new EC2Client(sb.config()).send(new DescribeSecurityGroupsCommand({})),
  s3: () => new S3Client({ ...sb.config(), forcePathStyle: true }).send(new ListBucketsCommand({})),
  ssm: () => new SSMClient(sb.config()).send(new DescribeInstanceInformationCommand({})),
};

describe('error faults, as each service spells them', () => {
  it('covers every service the sandbox serves', () => {
    expect(Object.keys(FAULT_ERRORS).sort()).toEqual(Object.keys(services).sort());
    expect(Object.keys(READS).sort()).toEqual(Object.keys(services).sort());
  });

  it.each(Object.keys(READS))('%s: throttle is its throttling error, which the SDK classifies as throttling', async (service) => {
    sb.world.faults.add({ service, kind: 'throttle', count: 1 });
    const [code, status] = FAULT_ERRORS[service].throttle;
    expect(await classified(READS[service]())).toMatchObject({ name: code, status, fault: status >= 500 ? 'server' : 'client', throttling: true }); // S3's SlowDown is a 503
    await READS[service](); // the count is spent
  });

  it.each(Object.keys(READS))('%s: error500 and error503 are server faults the SDK retries', async (service) => {
    sb.world.faults.add({ service, kind: 'error500', count: 1 });
    sb.world.faults.add({ service, kind: 'error503', count: 1 });
    // IAM's awsQuery code ServiceFailure is its model's ServiceFailureException, the name the SDK gives it.
    const name = service === 'iam' ? 'ServiceFailureException' : FAULT_ERRORS[service].error500[0];
    expect(await classified(READS[service]())).toMatchObject({ name, status: 500, fault: 'server', transient: true });
    expect(await classified(READS[service]())).toMatchObject({ name: 'ServiceUnavailable', status: 503, fault: 'server', transient: true });
  });

  it('spells them as the models do: query Throttling 400, Backup ThrottlingException 400, Tagging ThrottledException, OpenSearch 429', () => {
    expect(FAULT_ERRORS.rds.throttle).toEqual(['Throttling', 400, 'Rate exceeded']);
    expect(FAULT_ERRORS.backup.throttle.slice(0, 2)).toEqual(['ThrottlingException', 400]);
    expect(FAULT_ERRORS.secretsmanager.throttle.slice(0, 2)).toEqual(['ThrottlingException', 400]);
    expect(FAULT_ERRORS.tagging.throttle.slice(0, 2)).toEqual(['ThrottledException', 400]);
    expect(FAULT_ERRORS.es.throttle.slice(0, 2)).toEqual(['ThrottlingException', 429]);
  });
});

describe('when a fault fires', () => {
  async function snapshotOfOrders(): Promise<string> {
    const out = await rds().send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'orders-prod', SnapshotType: 'automated' }));
    return out.DBSnapshots![0].DBSnapshotIdentifier!;
  }
  const restore = (id: string, snapshot: string) =>
    rds().send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: id, DBSnapshotIdentifier: snapshot, DBSubnetGroupName: DEV_SUBNET_GROUP }));
  const exists = async (id: string) =>
    (await rds().send(new DescribeDBInstancesCommand({}))).DBInstances!.some((i) => i.DBInstanceIdentifier === id);

  it('before the operation (the default), a throttled call changed nothing and a retry succeeds', async () => {
    const snapshot = await snapshotOfOrders();
    sb.world.faults.add('rds:RestoreDBInstanceFromDBSnapshot=throttle#1');
    expect((await errorOf(restore('fault-before', snapshot))).name).toBe('Throttling');
    expect(await exists('fault-before')).toBe(false);
    expect((await restore('fault-before', snapshot)).DBInstance?.DBInstanceStatus).toBe('creating');
  });

  it('after the operation, the change happened though the client saw the fault: its retry is refused', async () => {
    const snapshot = await snapshotOfOrders();
    sb.world.faults.add('rds:RestoreDBInstanceFromDBSnapshot=error500/after#1');
    expect((await errorOf(restore('fault-after', snapshot))).status).toBe(500);
    expect(await exists('fault-after')).toBe(true);
    expect((await errorOf(restore('fault-after', snapshot))).name).toBe('DBInstanceAlreadyExistsFault');
  });

  it('drop destroys the connection without an answer: before, nothing ran; after, the change is made', async () => {
    const snapshot = await snapshotOfOrders();
    sb.world.faults.add('rds:RestoreDBInstanceFromDBSnapshot=drop#1');
    const dropped = (await errorOf(restore('fault-drop', snapshot))) as { name: string; message: string };
    expect(dropped.message).toMatch(/socket hang up|ECONNRESET/);
    expect(await exists('fault-drop')).toBe(false);
    sb.world.faults.add('rds:RestoreDBInstanceFromDBSnapshot=drop/after#1');
    expect((await errorOf(restore('fault-drop', snapshot))).message).toMatch(/socket hang up|ECONNRESET/);
    expect(await exists('fault-drop')).toBe(true);
    expect(sb.world.faults.stats().injected.drop).toBeGreaterThanOrEqual(2);
  });

  it('count, after and operation narrow a rule: +1#2 lets one call through, fails two, then none', async () => {
    sb.world.faults.add({ service: 'rds', operation: 'DescribeDBInstances', kind: 'throttle', after: 1, count: 2 });
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) outcomes.push(await describeOrders().then(() => 'ok', (e: Error) => e.name));
    await rds().send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'orders-prod', MaxRecords: 20 })); // another operation
    expect(outcomes).toEqual(['ok', 'Throttling', 'Throttling', 'ok']);
    expect(sb.world.faults.list()[0]).toMatchObject({ seen: 4, fired: 2 });
  });

  it('slow holds the answer back: a later call answers first, then the slow one answers', async () => {
    sb.world.faults.add('sts:GetCallerIdentity=slow:300#1');
    const order: string[] = [];
    const slow = new STSClient(sb.config()).send(new GetCallerIdentityCommand({})).then(() => order.push('slow'));
    await describeOrders().then(() => order.push('fast'));
    await slow;
    expect(order).toEqual(['fast', 'slow']);
  });

  it('hang never answers: a client with a request timeout gives up with a TimeoutError', async () => {
    sb.world.faults.add('rds:DescribeDBInstances=hang#1');
    // @smithy/node-http-handler 4.x only warns on a passed requestTimeout unless told to throw.
    const impatient = new RDSClient({ ...sb.config(), requestHandler: { requestTimeout: 200, throwOnRequestTimeout: true } });
    const error = await errorOf(impatient.send(new DescribeDBInstancesCommand({})));
    expect(error.name).toBe('TimeoutError');
    expect(sb.world.faults.stats().injected.hang).toBeGreaterThanOrEqual(1);
  });

  it('hang is released when the sandbox closes: close() returns and the client sees the connection end', async () => {
    const own = await startTestSandbox();
    own.world.faults.add('sts:*=hang');
    const arrived = new Promise<void>((resolve) => own.world.faults.onRequest(() => resolve()));
    const call = errorOf(new STSClient(own.config()).send(new GetCallerIdentityCommand({})));
    await arrived;
    await own.close();
    expect((await call).message).toMatch(/socket hang up|ECONNRESET/);
  });
});

describe('expire-session', () => {
  /** Session credentials of a role the administrator may assume, allowed everything. */
  async function session(seconds = 3600) {
    const roleArn = arn.role('fault-tester');
    if (!sb.world.roles.has(roleArn)) {
      const trust = { Version: '2012-10-17' as const, Statement: [{ Effect: 'Allow' as const, Principal: { AWS: arn.user(ADMIN_USER) }, Action: 'sts:AssumeRole' }] };
      createRole(sb.world, COMPANY_ACCOUNT, 'fault-tester', trust, [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }]);
    }
    const out = await new STSClient(sb.config()).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'faults', DurationSeconds: seconds }));
    const c = out.Credentials!;
    return { ...sb.config(), credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! } };
  }
  const whoAmI = async (config: object) => (await new STSClient(config).send(new GetCallerIdentityCommand({}))).Arn;
  const listSecrets = (config: object) => new SecretsManagerClient(config).send(new ListSecretsCommand({}));

  it('before: the call and every later one with that session get exactly the error of an expired session; another session works', async () => {
    const expiring = await session();
    const other = await session();
    sb.world.faults.add('secretsmanager:ListSecrets=expire-session#1');
    const expired = await errorOf(listSecrets(expiring));
    expect(expired.name).toMatch(/^ExpiredToken/);
    expect(await errorOf(listSecrets(expiring))).toEqual(expired);
    expect(await whoAmI(other)).toContain('assumed-role/fault-tester/faults');
    sb.world.faults.add('sts:GetCallerIdentity=expire-session#1');
    expect(await errorOf(whoAmI(other))).toMatchObject({ name: 'ExpiredToken', status: 403 });
    // A session that ran out on the clock is refused the same way.
    const short = await session(900);
    sb.world.clock.advance(16 * 60_000);
    expect(await errorOf(listSecrets(short))).toEqual(expired);
  });

  it('after: the call succeeds and later ones fail; calls signed with a long-term key are not sessions and pass', async () => {
    sb.world.faults.add('sts:*=expire-session/after#1');
    expect(await whoAmI(sb.config())).toContain(':user/');
    const expiring = await session();
    expect(await whoAmI(expiring)).toContain('assumed-role');
    expect(await errorOf(whoAmI(expiring))).toMatchObject({ name: 'ExpiredToken' });
    expect(sb.world.faults.list()[0]).toMatchObject({ seen: 1, fired: 1 });
  });
});

describe('request observers', () => {
  it('are told of each call before and after it runs, with a sequence number, and are awaited', async () => {
    const events: RequestEvent[] = [];
    let entered!: () => void;
    const inAfter = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const stop = sb.world.faults.onRequest(async (event) => {
      events.push(event);
      if (event.phase === 'after') {
        entered();
        await gate;
      }
    });
    let settled = false;
    const call = describeOrders().then(() => (settled = true));
    await inAfter;
    // The operation ran; its answer waits for the observer (a test kills a process here).
    expect(settled).toBe(false);
    release();
    await call;
    stop();
    await describeOrders();
    expect(events.map((e) => [e.service, e.operation, e.phase])).toEqual([
      ['rds', 'DescribeDBInstances', 'before'],
      ['rds', 'DescribeDBInstances', 'after'],
    ]);
    expect(events[0].seq).toBe(events[1].seq);
  });

  it('stats count the calls and the faults injected by kind', async () => {
    const before = sb.world.faults.stats();
    sb.world.faults.add('rds:*=throttle#1');
    await errorOf(describeOrders());
    await describeOrders();
    const after = sb.world.faults.stats();
    expect(after.requests - before.requests).toBe(2);
    expect(after.injected.throttle - before.injected.throttle).toBe(1);
  });
});

describe('rate', () => {
  /** Which of 40 calls a rate-0.3 rule fires on, in a fresh world seeded with `seed`. */
  async function pattern(seed: number): Promise<string> {
    const world = new World({ faultSeed: seed });
    world.faults.add({ service: 'rds', kind: 'throttle', rate: 0.3 });
    let out = '';
    for (let i = 0; i < 40; i++) {
      out += await world.faults.run({ service: 'rds', operation: 'DescribeDBInstances' }, () => '.').catch(() => 'T');
    }
    return out;
  }

  it('fires on about that fraction of calls, the same ones for the same seed', async () => {
    const first = await pattern(7);
    expect(await pattern(7)).toBe(first);
    expect(await pattern(8)).not.toBe(first);
    const fired = [...first].filter((c) => c === 'T').length;
    expect(fired).toBeGreaterThan(4);
    expect(fired).toBeLessThan(20);
  });
});

describe.skipIf(!hasAwsCli)('the aws CLI (botocore) recognises the throttling answer', () => {
  it('with one attempt it reports Throttling as retryable (max retries reached); with two it retries and succeeds', async () => {
    sb.world.faults.add('rds:DescribeDBInstances=throttle#1');
    const args = ['rds', 'describe-db-instances', '--db-instance-identifier', 'orders-prod'];
    const once = await runAwsCli(sb.url, args, sb.scenario.admin);
    expect(once.code).not.toBe(0);
    expect(once.stderr).toContain('An error occurred (Throttling) when calling the DescribeDBInstances operation (reached max retries: 0): Rate exceeded');
    sb.world.faults.add('rds:DescribeDBInstances=throttle#1');
    const retried = await runAwsCli(sb.url, args, sb.scenario.admin, { AWS_MAX_ATTEMPTS: '2' });
    expect(retried.code).toBe(0);
    expect(JSON.parse(retried.stdout).DBInstances[0].DBInstanceIdentifier).toBe('orders-prod');
    expect(sb.world.faults.list()[1]).toMatchObject({ seen: 2, fired: 1 });
  });
});
