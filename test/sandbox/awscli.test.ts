import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  arn,
  BACKUP_VAULT,
  COMPANY_ACCOUNT,
  COMPANY_REGION,
  DEV_CACHE_SUBNET_GROUP,
  DEV_SECURITY_GROUP,
  DEV_SUBNET_GROUP,
  EXTERNAL_ID,
  PROD_CACHES,
  PROD_CLUSTERS,
  PROD_DATABASES,
  PROD_SEARCH,
} from '../../sandbox/scenario/index.ts';
import { authTokenOf } from '../../sandbox/services/elasticache/state.ts';
import { createRole } from '../../sandbox/core/iam-state.ts';
import { services } from '../../sandbox/services/index.ts';
import type { AccessKey } from '../../sandbox/scenario/iam.ts';
import { hasAwsCli, runAwsCli } from '../support/awscli.ts';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';


let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox();
});
afterAll(() => sandbox?.close());

/** Runs the real aws CLI against the sandbox and parses its JSON output; a non-zero exit throws. */
async function aws(args: string[], key: AccessKey & { sessionToken?: string } = sandbox.scenario.admin): Promise<Record<string, unknown>> {
  const out = await runAwsCli(sandbox.url, args, key);
  if (out.code !== 0) throw Object.assign(new Error(`aws ${args.join(' ')} exited ${out.code}: ${out.stderr}`), out);
  return out.stdout.trim() === '' ? {} : (JSON.parse(out.stdout) as Record<string, unknown>);
}

describe.skipIf(!hasAwsCli)('the real aws CLI against the sandbox', () => {
  it('sts get-caller-identity', async () => {
    const out = await aws(['sts', 'get-caller-identity'], sandbox.scenario.ci);
    expect(out).toMatchObject({ Account: COMPANY_ACCOUNT, Arn: `arn:aws:iam::${COMPANY_ACCOUNT}:user/snapclone-ci` });
  });

  it('sts assume-role --external-id with the CI key, then calls with the session', async () => {
    const out = (await aws(
      ['sts', 'assume-role', '--role-arn', sandbox.scenario.roles.operator, '--role-session-name', 'cli', '--external-id', EXTERNAL_ID, '--source-identity', 'snapclone-cli'],
      sandbox.scenario.ci,
    )) as { Credentials: Record<string, string>; AssumedRoleUser: { Arn: string } };
    expect(out.AssumedRoleUser.Arn).toBe(`arn:aws:sts::${COMPANY_ACCOUNT}:assumed-role/snapclone-operator/cli`);
    expect(out.Credentials.AccessKeyId).toMatch(/^ASIA/);
    expect(new Date(out.Credentials.Expiration).getTime()).toBeGreaterThan(Date.now());
    const me = await aws(['sts', 'get-caller-identity'], {
      accessKeyId: out.Credentials.AccessKeyId,
      secretAccessKey: out.Credentials.SecretAccessKey,
      sessionToken: out.Credentials.SessionToken,
    });
    expect(me.Arn).toBe(out.AssumedRoleUser.Arn);
  });

  it('authentication refusals carry the names of each protocol (wrong secret, unknown key)', async () => {
    const wrongSecret = { ...sandbox.scenario.admin, secretAccessKey: 'x'.repeat(40) };
    const unknownKey = { accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'x'.repeat(40) };
    const refusal = async (args: string[], key: AccessKey) => {
      const out = await runAwsCli(sandbox.url, args, key);
      expect(out.code).not.toBe(0);
      return /An error occurred \((\w+)\) when calling/.exec(out.stderr)?.[1];
    };
    expect(await refusal(['secretsmanager', 'list-secrets'], wrongSecret)).toBe('InvalidSignatureException');
    expect(await refusal(['backup', 'list-backup-vaults'], wrongSecret)).toBe('InvalidSignatureException');
    expect(await refusal(['rds', 'describe-db-instances'], wrongSecret)).toBe('SignatureDoesNotMatch');
    expect(await refusal(['secretsmanager', 'list-secrets'], unknownKey)).toBe('UnrecognizedClientException');
    expect(await refusal(['opensearch', 'list-domain-names'], unknownKey)).toBe('UnrecognizedClientException');
    expect(await refusal(['sts', 'get-caller-identity'], unknownKey)).toBe('InvalidClientTokenId');
  });

  it('a request signed 30 hours before the wall clock is refused as "Signature expired"', async () => {
    // The aws CLI signs with this machine's clock and cannot be made to sign at another time (no faketime here),
    // so the sandbox's wall clock is moved 30 hours ahead instead: to the sandbox, the CLI is 30 hours behind.
    sandbox.world.wallClock = () => Date.now() + 30 * 3_600_000;
    try {
      const sts = await runAwsCli(sandbox.url, ['sts', 'get-caller-identity'], sandbox.scenario.admin);
      expect(sts.stderr).toMatch(
        // botocore retries clock-skew errors, hence "(reached max retries: 0)" with AWS_MAX_ATTEMPTS=1.
        /\(SignatureDoesNotMatch\) when calling the GetCallerIdentity operation(?: \(reached max retries: \d+\))?: Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)/,
      );
      const secrets = await runAwsCli(sandbox.url, ['secretsmanager', 'list-secrets'], sandbox.scenario.admin);
      expect(secrets.stderr).toMatch(/\(InvalidSignatureException\) when calling the ListSecrets operation(?: \(reached max retries: \d+\))?: Signature expired: .* - 5 min\.\)/);
    } finally {
      sandbox.world.wallClock = () => Date.now();
    }
  });

  it('sts assume-role without the external id is refused', async () => {
    await expect(
      aws(['sts', 'assume-role', '--role-arn', sandbox.scenario.roles.operator, '--role-session-name', 'cli'], sandbox.scenario.ci),
    ).rejects.toThrow(/AccessDenied/);
  });

  it('secretsmanager create-secret / get-secret-value / describe-secret', async () => {
    const created = await aws([
      'secretsmanager',
      'create-secret',
      '--name',
      'cli/secret',
      '--secret-string',
      'from-the-cli',
      '--tags',
      'Key=snapclone:managed,Value=true',
    ]);
    expect(created.ARN).toMatch(/:secret:cli\/secret-[A-Za-z0-9]{6}$/);
    const value = await aws(['secretsmanager', 'get-secret-value', '--secret-id', 'cli/secret']);
    expect(value).toMatchObject({ Name: 'cli/secret', SecretString: 'from-the-cli', VersionStages: ['AWSCURRENT'] });
    const described = await aws(['secretsmanager', 'describe-secret', '--secret-id', String(created.ARN)]);
    expect(described.Tags).toEqual([{ Key: 'snapclone:managed', Value: 'true' }]);
    expect(typeof described.CreatedDate).toBe('string'); // the CLI renders epoch seconds as ISO
  });

  it('resourcegroupstaggingapi get-resources (paginating to the end)', async () => {
    await aws(['secretsmanager', 'create-secret', '--name', 'cli/tagged', '--secret-string', 'x', '--tags', 'Key=cli,Value=yes']);
    const out = (await aws([
      'resourcegroupstaggingapi',
      'get-resources',
      '--tag-filters',
      'Key=cli,Values=yes',
      '--resource-type-filters',
      'secretsmanager:secret',
      '--page-size',
      '1',
    ])) as { ResourceTagMappingList: { ResourceARN: string; Tags: unknown[] }[] };
    expect(out.ResourceTagMappingList).toHaveLength(1);
    expect(out.ResourceTagMappingList[0].ResourceARN).toMatch(/:secret:cli\/tagged-/);
    expect(out.ResourceTagMappingList[0].Tags).toEqual([{ Key: 'cli', Value: 'yes' }]);
  });

  it.skipIf(!services.rds)('rds describe-db-instances', async () => {
    const out = (await aws(['rds', 'describe-db-instances', '--db-instance-identifier', PROD_DATABASES[0].id])) as {
      DBInstances: { DBInstanceIdentifier: string; DBInstanceArn: string; Engine: string }[];
    };
    expect(out.DBInstances).toHaveLength(1);
    expect(out.DBInstances[0]).toMatchObject({
      DBInstanceIdentifier: PROD_DATABASES[0].id,
      DBInstanceArn: arn.db(PROD_DATABASES[0].id),
      Engine: PROD_DATABASES[0].engine,
    });
  });

  it.skipIf(!services.rds)('rds: a restore passes backing-up; deleted keeping its automated backups, they are retained, restorable, deletable', async () => {
    const MINUTE = 60_000;
    const manual = (await aws(['rds', 'describe-db-snapshots', '--db-instance-identifier', PROD_DATABASES[0].id, '--snapshot-type', 'manual'])) as {
      DBSnapshots: { DBSnapshotIdentifier: string }[];
    };
    const dev = ['--db-instance-class', 'db.t4g.micro', '--db-subnet-group-name', DEV_SUBNET_GROUP, '--vpc-security-group-ids', DEV_SECURITY_GROUP];
    const restored = (await aws([
      'rds', 'restore-db-instance-from-db-snapshot', '--db-instance-identifier', 'cli-retain',
      // (aws-cli 2.9 predates --backup-retention-period here: the copy keeps the snapshot's 35 days.)
      '--db-snapshot-identifier', manual.DBSnapshots[0].DBSnapshotIdentifier, ...dev,
    ])) as { DBInstance: { DBInstanceStatus: string } };
    expect(restored.DBInstance.DBInstanceStatus).toBe('creating');
    type Instance = { DBInstanceStatus: string; LatestRestorableTime?: string; InstanceCreateTime?: string };
    const status = async () => ((await aws(['rds', 'describe-db-instances', '--db-instance-identifier', 'cli-retain'])) as { DBInstances: Instance[] }).DBInstances[0];
    type Backups = { DBInstanceAutomatedBackups: { Status: string; DBInstanceAutomatedBackupsArn: string; RestoreWindow?: { EarliestTime?: string } }[] };
    const backups = async (...args: string[]) => (await aws(['rds', 'describe-db-instance-automated-backups', ...args])) as Backups;

    sandbox.world.clock.advance(15 * MINUTE);
    const backingUp = await status();
    expect(backingUp.DBInstanceStatus).toBe('backing-up');
    expect(backingUp.LatestRestorableTime).toBeUndefined();
    expect((await backups('--db-instance-identifier', 'cli-retain')).DBInstanceAutomatedBackups[0].Status).toBe('creating');
    sandbox.world.clock.advance(5 * MINUTE);
    const ready = await status();
    expect(ready).toMatchObject({ DBInstanceStatus: 'available', LatestRestorableTime: expect.any(String) });

    await aws(['rds', 'delete-db-instance', '--db-instance-identifier', 'cli-retain', '--skip-final-snapshot', '--no-delete-automated-backups']);
    sandbox.world.clock.advance(6 * MINUTE);
    const [retained] = (await backups('--db-instance-identifier', 'cli-retain')).DBInstanceAutomatedBackups;
    expect(retained.Status).toBe('retained');
    // The window starts with the copy's first automated backup, taken as its creation ended.
    expect(Date.parse(retained.RestoreWindow!.EarliestTime!)).toBe(Date.parse(ready.InstanceCreateTime!));
    const arn = retained.DBInstanceAutomatedBackupsArn;
    expect(arn).toMatch(new RegExp(`^arn:aws:rds:${COMPANY_REGION}:${COMPANY_ACCOUNT}:auto-backup:ab-[A-Z0-9]{26}$`));
    expect((await backups('--db-instance-automated-backups-arn', arn)).DBInstanceAutomatedBackups).toHaveLength(1);

    const fromRetained = (await aws([
      'rds', 'restore-db-instance-to-point-in-time', '--source-db-instance-automated-backups-arn', arn,
      '--target-db-instance-identifier', 'cli-from-retained', '--use-latest-restorable-time', ...dev,
    ])) as { DBInstance: { DBInstanceStatus: string } };
    expect(fromRetained.DBInstance.DBInstanceStatus).toBe('creating');

    await aws(['rds', 'delete-db-instance-automated-backup', '--db-instance-automated-backups-arn', arn]);
    const gone = await runAwsCli(sandbox.url, ['rds', 'describe-db-instance-automated-backups', '--db-instance-automated-backups-arn', arn], sandbox.scenario.admin);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('DBInstanceAutomatedBackupNotFound');
  }, 90_000);

  it.skipIf(!services.rds)('rds describe-db-clusters', async () => {
    const cluster = PROD_CLUSTERS[0];
    const out = (await aws(['rds', 'describe-db-clusters', '--db-cluster-identifier', cluster.id])) as {
      DBClusters: { DBClusterIdentifier: string; Engine: string; Status: string; DBClusterMembers: { DBInstanceIdentifier: string; IsClusterWriter: boolean }[]; LatestRestorableTime: string }[];
    };
    expect(out.DBClusters).toHaveLength(1);
    expect(out.DBClusters[0]).toMatchObject({
      DBClusterIdentifier: cluster.id,
      Engine: cluster.engine,
      Status: 'available',
      DBClusterMembers: [
        expect.objectContaining({ DBInstanceIdentifier: cluster.instances[0], IsClusterWriter: true }),
        expect.objectContaining({ DBInstanceIdentifier: cluster.instances[1], IsClusterWriter: false }),
      ],
    });
    expect(Number.isNaN(Date.parse(out.DBClusters[0].LatestRestorableTime))).toBe(false);
  });

  it.skipIf(!services.rds)('rds describe-db-cluster-snapshots (the CLI paginates to the end)', async () => {
    const out = (await aws([
      'rds',
      'describe-db-cluster-snapshots',
      '--db-cluster-identifier',
      PROD_CLUSTERS[0].id,
      '--snapshot-type',
      'awsbackup',
      '--page-size',
      '20',
    ])) as { DBClusterSnapshots: { DBClusterSnapshotArn: string; SnapshotType: string }[] };
    expect(out.DBClusterSnapshots).toHaveLength(35);
    for (const snap of out.DBClusterSnapshots) {
      expect(snap.SnapshotType).toBe('awsbackup');
      expect(snap.DBClusterSnapshotArn).toMatch(/:cluster-snapshot:awsbackup:job-/);
    }
  });

  it.skipIf(!services.rds)('rds restore-db-cluster-to-point-in-time --restore-type copy-on-write --use-latest-restorable-time', async () => {
    const out = (await aws([
      'rds',
      'restore-db-cluster-to-point-in-time',
      '--db-cluster-identifier',
      'cli-clone',
      '--source-db-cluster-identifier',
      PROD_CLUSTERS[0].id,
      '--restore-type',
      'copy-on-write',
      '--use-latest-restorable-time',
      '--db-subnet-group-name',
      DEV_SUBNET_GROUP,
      '--vpc-security-group-ids',
      DEV_SECURITY_GROUP,
      '--tags',
      'Key=snapclone:managed,Value=true',
    ])) as { DBCluster: { DBClusterIdentifier: string; Status: string; CloneGroupId: string; DBClusterMembers: unknown[]; TagList: unknown[] } };
    expect(out.DBCluster).toMatchObject({
      DBClusterIdentifier: 'cli-clone',
      Status: 'creating',
      DBClusterMembers: [],
      TagList: [{ Key: 'snapclone:managed', Value: 'true' }],
    });
    expect(out.DBCluster.CloneGroupId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.skipIf(!services.elasticache)('elasticache describe-replication-groups', async () => {
    const cache = PROD_CACHES[0];
    const out = (await aws(['elasticache', 'describe-replication-groups', '--replication-group-id', cache.id])) as {
      ReplicationGroups: {
        ReplicationGroupId: string;
        Status: string;
        MemberClusters: string[];
        AuthTokenEnabled: boolean;
        TransitEncryptionEnabled: boolean;
        NodeGroups: { PrimaryEndpoint: { Address: string; Port: number } }[];
        ARN: string;
      }[];
    };
    expect(out.ReplicationGroups).toHaveLength(1);
    expect(out.ReplicationGroups[0]).toMatchObject({
      ReplicationGroupId: cache.id,
      Status: 'available',
      MemberClusters: [`${cache.id}-001`, `${cache.id}-002`],
      AuthTokenEnabled: true,
      TransitEncryptionEnabled: true,
      ARN: arn.replicationGroup(cache.id),
    });
    expect(out.ReplicationGroups[0].NodeGroups[0].PrimaryEndpoint).toMatchObject({ Port: cache.port });
    const missing = await runAwsCli(sandbox.url, ['elasticache', 'describe-replication-groups', '--replication-group-id', 'nope'], sandbox.scenario.admin);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('ReplicationGroupNotFoundFault');
  });

  it.skipIf(!services.elasticache)('elasticache describe-snapshots (the CLI paginates to the end)', async () => {
    const out = (await aws([
      'elasticache',
      'describe-snapshots',
      '--replication-group-id',
      PROD_CACHES[0].id,
      '--snapshot-source',
      'system',
      '--page-size',
      '20',
    ])) as { Snapshots: { SnapshotName: string; SnapshotSource: string; SnapshotStatus: string; NodeSnapshots: { CacheSize: string }[] }[] };
    expect(out.Snapshots).toHaveLength(35);
    for (const snap of out.Snapshots) {
      expect(snap).toMatchObject({ SnapshotSource: 'automated', SnapshotStatus: 'available' });
      expect(snap.SnapshotName).toMatch(/^automatic\.sessions-prod-\d{4}-\d\d-\d\d-\d\d-\d\d$/);
      expect(snap.NodeSnapshots[0].CacheSize).toMatch(/^\d+ MB$/);
    }
  });

  it.skipIf(!services.elasticache)('elasticache create-replication-group from a snapshot, with tags and a new AUTH token', async () => {
    const token = 'Cli-Auth-Token-0123456789';
    const result = await runAwsCli(
      sandbox.url,
      [
        'elasticache',
        'create-replication-group',
        '--replication-group-id',
        'cli-cache',
        '--replication-group-description',
        'a copy made with the aws CLI',
        '--snapshot-name',
        `${PROD_CACHES[0].id}-before-migration`,
        '--engine',
        'valkey',
        '--cache-node-type',
        'cache.t4g.small',
        '--num-cache-clusters',
        '1',
        '--cache-subnet-group-name',
        DEV_CACHE_SUBNET_GROUP,
        '--security-group-ids',
        DEV_SECURITY_GROUP,
        '--transit-encryption-enabled',
        '--auth-token',
        token,
        '--tags',
        'Key=snapclone:managed,Value=true',
      ],
      sandbox.scenario.admin,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain(token);
    const out = JSON.parse(result.stdout) as {
      ReplicationGroup: { ReplicationGroupId: string; Status: string; MemberClusters: string[]; AuthTokenEnabled: boolean; ARN: string };
    };
    expect(out.ReplicationGroup).toMatchObject({
      ReplicationGroupId: 'cli-cache',
      Status: 'creating',
      MemberClusters: ['cli-cache-001'],
      AuthTokenEnabled: true,
      ARN: `arn:aws:elasticache:${COMPANY_REGION}:${COMPANY_ACCOUNT}:replicationgroup:cli-cache`,
    });
    expect(authTokenOf(sandbox.world, COMPANY_ACCOUNT, COMPANY_REGION, 'cli-cache')).toBe(token);
    const tagged = (await aws([
      'resourcegroupstaggingapi',
      'get-resources',
      '--resource-type-filters',
      'elasticache:replicationgroup',
      '--tag-filters',
      'Key=snapclone:managed,Values=true',
    ])) as { ResourceTagMappingList: { ResourceARN: string }[] };
    expect(tagged.ResourceTagMappingList.map((r) => r.ResourceARN)).toEqual([out.ReplicationGroup.ARN]);
  });

  it.skipIf(!services.iam)('iam simulate-principal-policy (with and without the resource tag context entry)', async () => {
    const subject = createRole(sandbox.world, COMPANY_ACCOUNT, 'cli-simulated', { Version: '2012-10-17', Statement: [] }, [
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'rds:DeleteDBInstance',
            Resource: '*',
            Condition: { StringEquals: { 'aws:ResourceTag/snapclone:managed': 'true' } },
          },
        ],
      },
    ]);
    const simulate = async (...extra: string[]) =>
      (await aws([
        'iam',
        'simulate-principal-policy',
        '--policy-source-arn',
        subject.arn,
        '--action-names',
        'rds:DeleteDBInstance',
        '--resource-arns',
        arn.db('orders-dev'),
        ...extra,
      ])) as {
        EvaluationResults: { EvalActionName: string; EvalResourceName: string; EvalDecision: string; MissingContextValues: string[] }[];
      };
    // The CLI follows Marker itself and prints the merged EvaluationResults.
    const without = await simulate();
    expect(without.EvaluationResults).toHaveLength(1);
    expect(without.EvaluationResults[0]).toMatchObject({
      EvalActionName: 'rds:DeleteDBInstance',
      EvalResourceName: arn.db('orders-dev'),
      EvalDecision: 'implicitDeny',
      MissingContextValues: ['aws:ResourceTag/snapclone:managed'],
    });
    const context = [{ ContextKeyName: 'aws:ResourceTag/snapclone:managed', ContextKeyValues: ['true'], ContextKeyType: 'string' }];
    const managed = await simulate('--context-entries', JSON.stringify(context));
    expect(managed.EvaluationResults.map((r) => r.EvalDecision)).toEqual(['allowed']);
  });

  it.skipIf(!services.backup)('backup list-recovery-points-by-backup-vault', async () => {
    const out = (await aws([
      'backup',
      'list-recovery-points-by-backup-vault',
      '--backup-vault-name',
      BACKUP_VAULT,
      '--by-resource-arn',
      arn.db(PROD_DATABASES[0].id),
    ])) as { RecoveryPoints: { RecoveryPointArn: string; ResourceArn: string; CreationDate: string; Status: string }[] };
    expect(out.RecoveryPoints.length).toBeGreaterThan(0);
    for (const point of out.RecoveryPoints) {
      expect(point.ResourceArn).toBe(arn.db(PROD_DATABASES[0].id));
      expect(Number.isNaN(Date.parse(point.CreationDate))).toBe(false);
    }
  });
  it('opensearch list-domain-names / describe-domain', async () => {
    const names = (await aws(['opensearch', 'list-domain-names'])) as { DomainNames: { DomainName: string; EngineType: string }[] };
    expect(names.DomainNames).toEqual([{ DomainName: PROD_SEARCH[0].id, EngineType: 'OpenSearch' }]);
    const out = (await aws(['opensearch', 'describe-domain', '--domain-name', PROD_SEARCH[0].id])) as {
      DomainStatus: { ARN: string; Created: boolean; Processing: boolean; Endpoints: { vpc: string }; EngineVersion: string };
    };
    expect(out.DomainStatus).toMatchObject({
      ARN: `arn:aws:es:${COMPANY_REGION}:${COMPANY_ACCOUNT}:domain/${PROD_SEARCH[0].id}`,
      // (aws-cli 2.9's model predates DomainProcessingStatus: the CLI drops it.)
      Created: true,
      Processing: false,
      EngineVersion: PROD_SEARCH[0].engineVersion,
    });
    expect(out.DomainStatus.Endpoints.vpc).toMatch(/^127\.0\.0\.1:\d+$/);
    const missing = await runAwsCli(sandbox.url, ['opensearch', 'describe-domain', '--domain-name', 'no-such-domain'], sandbox.scenario.admin);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('ResourceNotFoundException');
  });

  it.skipIf(!existsSync('/usr/bin/curl'))('curl --aws-sigv4 "aws:amz:REGION:es" reads _cat/indices of a domain; unsigned is refused', async () => {
    const out = (await aws(['opensearch', 'describe-domain', '--domain-name', PROD_SEARCH[0].id])) as { DomainStatus: { Endpoints: { vpc: string } } };
    const url = `http://${out.DomainStatus.Endpoints.vpc}/_cat/indices?bytes=b&format=json`; // curl 7.88 signs the query as given: keep it sorted
    const curl = (args: string[]) =>
      promisify(execFile)('/usr/bin/curl', ['-sS', '-w', '\n%{http_code}', ...args, url], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, timeout: 30_000 });
    const key = sandbox.scenario.admin;
    const signed = await curl(['--aws-sigv4', `aws:amz:${COMPANY_REGION}:es`, '--user', `${key.accessKeyId}:${key.secretAccessKey}`]);
    const [body, status] = [signed.stdout.slice(0, signed.stdout.lastIndexOf('\n')), signed.stdout.slice(signed.stdout.lastIndexOf('\n') + 1)];
    expect(status).toBe('200');
    const rows = JSON.parse(body) as { index: string; health: string; 'docs.count': string }[];
    expect(rows.map((r) => r.index)).toContain('products');
    expect(rows.every((r) => r.health === 'green')).toBe(true);
    const unsigned = await curl([]);
    expect(unsigned.stdout.endsWith('403')).toBe(true);
  });
});
