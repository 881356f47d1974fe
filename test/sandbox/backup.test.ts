import {
  BackupClient,
  DescribeRecoveryPointCommand,
  DescribeRestoreJobCommand,
  GetBackupPlanCommand,
  GetBackupSelectionCommand,
  GetRecoveryPointRestoreMetadataCommand,
  ListBackupPlansCommand,
  ListBackupSelectionsCommand,
  ListBackupVaultsCommand,
  ListProtectedResourcesCommand,
  ListRecoveryPointsByBackupVaultCommand,
  ListRecoveryPointsByResourceCommand,
  ListRestoreJobsCommand,
  paginateListRecoveryPointsByBackupVault,
  paginateListRestoreJobs,
  StartRestoreJobCommand,
  type DescribeRestoreJobCommandOutput,
  type RecoveryPointByBackupVault,
  type RestoreJobStatus,
} from '@aws-sdk/client-backup';
import { DeleteDBInstanceCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROD_SECURITY_GROUP, PROD_SUBNET_GROUP } from '../../sandbox/scenario/databases.ts';
import {
  arn,
  BACKUP_VAULT,
  COMPANY_ACCOUNT,
  COMPANY_REGION,
  DEV_SECURITY_GROUP,
  DEV_SUBNET_GROUP,
  DEV_VPC,
  PROD_CLUSTERS,
  PROD_DATABASES,
  RESTORE_ROLE,
} from '../../sandbox/scenario/index.ts';
import { createUser, issueUserKey } from '../../sandbox/core/iam-state.ts';
import { tagConditionedPolicy } from '../support/policies.ts';
import { masterPasswordOf } from '../../sandbox/services/rds/state.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { errorOf } from '../support/errors.ts';

let sb: TestSandbox;
let backup: BackupClient;
let rds: RDSClient;
beforeAll(async () => {
  sb = await startTestSandbox();
  backup = new BackupClient(sb.config());
  rds = new RDSClient(sb.config());
});
afterAll(async () => sb?.close());

const MINUTE = 60_000;
const DAY = 86_400_000;
const ORDERS = PROD_DATABASES[0];
const BILLING = PROD_DATABASES[1];
const RESTORE_ROLE_ARN = arn.role(RESTORE_ROLE);

const advance = (ms: number) => sb.world.clock.advance(ms);
const now = () => sb.world.clock.nowMs();
const hidden = (id: string) => masterPasswordOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, id);
const job = (RestoreJobId: string) => backup.send(new DescribeRestoreJobCommand({ RestoreJobId }));
const percent = (j: DescribeRestoreJobCommandOutput) => Number(j.PercentDone!.replace('%', ''));

async function pointsOf(resourceArn: string): Promise<RecoveryPointByBackupVault[]> {
  const out = await backup.send(
    new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: BACKUP_VAULT, ByResourceArn: resourceArn }),
  );
  return out.RecoveryPoints!;
}

/** The newest recovery point whose backup has finished (today's may still be running). */
async function latestCompleted(resourceArn: string): Promise<RecoveryPointByBackupVault> {
  const point = (await pointsOf(resourceArn)).find((p) => p.Status === 'COMPLETED');
  expect(point).toBeDefined();
  return point!;
}

/** The dev-network overrides snapclone puts on top of the recovery point's metadata. */
async function devMetadata(pointArn: string, id: string): Promise<Record<string, string>> {
  const meta = await backup.send(
    new GetRecoveryPointRestoreMetadataCommand({ BackupVaultName: BACKUP_VAULT, RecoveryPointArn: pointArn }),
  );
  return {
    ...meta.RestoreMetadata,
    DBInstanceIdentifier: id,
    DBSubnetGroupName: DEV_SUBNET_GROUP,
    VpcSecurityGroupIds: JSON.stringify([DEV_SECURITY_GROUP]),
    DBInstanceClass: 'db.t4g.micro',
    MultiAZ: 'false',
    DeletionProtection: 'false',
  };
}

describe('backup plans', () => {
  it('reads the plan that made the recovery points: its rule, and selections by ARN and by tag', async () => {
    const plans = (await backup.send(new ListBackupPlansCommand({}))).BackupPlansList!;
    expect(plans.map((p) => p.BackupPlanName)).toEqual(['production-daily']);
    const planId = plans[0].BackupPlanId!;
    const point = await latestCompleted(arn.db(ORDERS.id));
    expect(point.CreatedBy).toMatchObject({ BackupPlanId: planId, BackupPlanArn: plans[0].BackupPlanArn, BackupPlanVersion: plans[0].VersionId });
    expect(plans[0].LastExecutionDate!.getTime()).toBeGreaterThanOrEqual(point.CreationDate!.getTime());
    const plan = await backup.send(new GetBackupPlanCommand({ BackupPlanId: planId }));
    expect(plan.BackupPlan!.Rules).toEqual([
      expect.objectContaining({
        RuleId: point.CreatedBy!.BackupRuleId,
        RuleName: point.CreatedBy!.BackupRuleName,
        ScheduleExpression: point.CreatedBy!.BackupRuleCron,
        ScheduleExpressionTimezone: 'Asia/Tokyo',
        TargetBackupVaultName: BACKUP_VAULT,
        Lifecycle: expect.objectContaining({ DeleteAfterDays: 35 }),
      }),
    ]);
    const selections = (await backup.send(new ListBackupSelectionsCommand({ BackupPlanId: planId }))).BackupSelectionsList!;
    expect(selections.map((s) => s.SelectionName)).toEqual(['production-aurora', 'production-instances']);
    const [aurora, instances] = await Promise.all(selections.map((s) => backup.send(new GetBackupSelectionCommand({ BackupPlanId: planId, SelectionId: s.SelectionId }))));
    expect(instances.BackupSelection!.Resources!.sort()).toEqual([arn.db(BILLING.id), arn.db(ORDERS.id)].sort());
    expect(aurora.BackupSelection).toMatchObject({ Resources: ['arn:aws:rds:*:*:cluster:*'], Conditions: { StringEquals: [{ ConditionKey: 'aws:ResourceTag/env', ConditionValue: 'production' }] } });
    expect(instances.BackupSelection!.IamRoleArn).toBe(RESTORE_ROLE_ARN);
  });

  it('answers ResourceNotFoundException for an unknown plan, version or selection', async () => {
    const planId = (await backup.send(new ListBackupPlansCommand({}))).BackupPlansList![0].BackupPlanId!;
    for (const call of [
      new GetBackupPlanCommand({ BackupPlanId: 'no-such-plan' }),
      new GetBackupPlanCommand({ BackupPlanId: planId, VersionId: 'no-such-version' }),
      new ListBackupSelectionsCommand({ BackupPlanId: 'no-such-plan' }),
      new GetBackupSelectionCommand({ BackupPlanId: planId, SelectionId: 'no-such-selection' }),
    ]) {
      expect((await errorOf(backup.send(call as GetBackupPlanCommand))).name).toBe('ResourceNotFoundException');
    }
  });
});

describe('vaults, protected resources and recovery points', () => {
  it('lists the backup vault with its recovery points', async () => {
    const out = await backup.send(new ListBackupVaultsCommand({}));
    expect(out.BackupVaultList).toHaveLength(1);
    expect(out.BackupVaultList![0]).toMatchObject({
      BackupVaultName: BACKUP_VAULT,
      BackupVaultArn: arn.vault(BACKUP_VAULT),
      NumberOfRecoveryPoints: 105, // 35 days × (2 instances + the Aurora cluster)
      VaultState: 'AVAILABLE',
    });
    expect(out.BackupVaultList![0].CreationDate).toBeInstanceOf(Date);
  });

  it('lists the protected RDS instances (and the Aurora cluster) with their latest backup at 03:00 Tokyo time', async () => {
    const out = await backup.send(new ListProtectedResourcesCommand({}));
    const cluster = `arn:aws:rds:${COMPANY_REGION}:${COMPANY_ACCOUNT}:cluster:${PROD_CLUSTERS[0].id}`;
    expect(out.Results!.map((r) => r.ResourceArn).sort()).toEqual([cluster, arn.db(BILLING.id), arn.db(ORDERS.id)]);
    expect(out.Results!.find((r) => r.ResourceArn === cluster)).toMatchObject({
      ResourceType: 'Aurora',
      LastRecoveryPointArn: expect.stringMatching(/:cluster-snapshot:awsbackup:job-/),
    });
    for (const resource of out.Results!.filter((r) => r.ResourceArn !== cluster)) {
      expect(resource.ResourceType).toBe('RDS');
      expect(resource.LastBackupTime!.getUTCHours()).toBe(18);
      expect(now() - resource.LastBackupTime!.getTime()).toBeLessThan(DAY);
      expect(resource.LastRecoveryPointArn).toMatch(/:snapshot:awsbackup:job-/);
    }
  });

  it('lists 35 daily completed recovery points per instance, newest first', async () => {
    const points = await pointsOf(arn.db(ORDERS.id));
    expect(points).toHaveLength(35);
    const times = points.map((p) => p.CreationDate!.getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(times[0] - times[1]).toBe(DAY);
    // Today's backup may have started (CREATING) while the tests ran; all earlier ones are COMPLETED.
    const settled = points.filter((p) => now() - p.CreationDate!.getTime() > 30 * MINUTE);
    expect(settled.length).toBeGreaterThanOrEqual(34);
    for (const point of settled) {
      expect(point).toMatchObject({
        BackupVaultName: BACKUP_VAULT,
        BackupVaultArn: arn.vault(BACKUP_VAULT),
        ResourceArn: arn.db(ORDERS.id),
        ResourceType: 'RDS',
        ResourceName: ORDERS.id,
        Status: 'COMPLETED',
        IamRoleArn: RESTORE_ROLE_ARN,
      });
      expect(point.RecoveryPointArn).toMatch(
        new RegExp(`^arn:aws:rds:${COMPANY_REGION}:${COMPANY_ACCOUNT}:snapshot:awsbackup:job-[0-9a-f-]{36}$`),
      );
      expect(point.CreationDate!.getUTCHours()).toBe(18);
      expect(point.BackupSizeInBytes).toBeGreaterThan(ORDERS.storageGb * 2 ** 28);
      expect(point.CompletionDate!.getTime()).toBeGreaterThan(point.CreationDate!.getTime());
    }
  });

  it('pages with NextToken without repeating points; the last page has no token', async () => {
    const seen: string[] = [];
    const tokens: (string | undefined)[] = [];
    for await (const page of paginateListRecoveryPointsByBackupVault(
      { client: backup, pageSize: 30 },
      { BackupVaultName: BACKUP_VAULT },
    )) {
      expect(page.RecoveryPoints!.length).toBeLessThanOrEqual(30);
      seen.push(...page.RecoveryPoints!.map((p) => p.RecoveryPointArn!));
      tokens.push(page.NextToken);
    }
    expect(tokens).toHaveLength(4);
    expect(tokens.at(-1)).toBeUndefined();
    expect(seen).toHaveLength(105);
    expect(new Set(seen).size).toBe(105);
  });

  it('filters server-side by resource, type and creation time: "the backup of 7 days ago" is one call', async () => {
    const day = new Date(now() - 7 * DAY);
    const start = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate());
    const out = await backup.send(
      new ListRecoveryPointsByBackupVaultCommand({
        BackupVaultName: BACKUP_VAULT,
        ByResourceArn: arn.db(BILLING.id),
        ByResourceType: 'RDS',
        ByCreatedAfter: new Date(start),
        ByCreatedBefore: new Date(start + DAY),
      }),
    );
    expect(out.RecoveryPoints).toHaveLength(1);
    expect(out.RecoveryPoints![0]).toMatchObject({ ResourceArn: arn.db(BILLING.id) });
    expect(out.RecoveryPoints![0].CreationDate!.getTime()).toBe(start + 18 * 60 * MINUTE);
    const ebs = await backup.send(
      new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: BACKUP_VAULT, ByResourceType: 'EBS' }),
    );
    expect(ebs.RecoveryPoints).toEqual([]);
    const rdsOnly = await backup.send(
      new ListRecoveryPointsByBackupVaultCommand({
        BackupVaultName: BACKUP_VAULT,
        ByResourceType: 'RDS',
        MaxResults: 1000,
      }),
    );
    expect(rdsOnly.RecoveryPoints).toHaveLength(70);
  });

  it('answers ResourceNotFoundException and InvalidParameterValueException as AWS Backup does', async () => {
    expect(
      await errorOf(backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'nope' }))),
    ).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
    for (const MaxResults of [0, 1001]) {
      expect(
        (
          await errorOf(
            backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: BACKUP_VAULT, MaxResults })),
          )
        ).name,
      ).toBe('InvalidParameterValueException');
    }
  });

  it('lists points by resource, with BackupSizeBytes', async () => {
    const out = await backup.send(
      new ListRecoveryPointsByResourceCommand({ ResourceArn: arn.db(BILLING.id), MaxResults: 20 }),
    );
    expect(out.RecoveryPoints).toHaveLength(20);
    expect(out.NextToken).toBeTruthy();
    expect(out.RecoveryPoints![0]).toMatchObject({
      Status: 'COMPLETED',
      BackupVaultName: BACKUP_VAULT,
      ResourceName: BILLING.id,
    });
    expect(out.RecoveryPoints![0].BackupSizeBytes).toBeGreaterThan(0);
    const rest = await backup.send(
      new ListRecoveryPointsByResourceCommand({ ResourceArn: arn.db(BILLING.id), NextToken: out.NextToken }),
    );
    expect(rest.RecoveryPoints).toHaveLength(15);
    expect(rest.NextToken).toBeUndefined();
    const none = await backup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: arn.db('unknown') }));
    expect(none.RecoveryPoints).toEqual([]);
  });

  it('describes a recovery point, only in its own vault', async () => {
    const point = await latestCompleted(arn.db(ORDERS.id));
    const out = await backup.send(
      new DescribeRecoveryPointCommand({ BackupVaultName: BACKUP_VAULT, RecoveryPointArn: point.RecoveryPointArn }),
    );
    expect(out).toMatchObject({
      RecoveryPointArn: point.RecoveryPointArn,
      ResourceArn: arn.db(ORDERS.id),
      ResourceType: 'RDS',
      Status: 'COMPLETED',
      IamRoleArn: RESTORE_ROLE_ARN,
      IsEncrypted: true,
      Lifecycle: { DeleteAfterDays: 35 },
      CreatedBy: { BackupRuleTimezone: 'Asia/Tokyo' },
    });
    expect(out.CalculatedLifecycle!.DeleteAt!.getTime()).toBe(point.CreationDate!.getTime() + 35 * DAY);
    expect(
      (
        await errorOf(
          backup.send(
            new DescribeRecoveryPointCommand({ BackupVaultName: 'other', RecoveryPointArn: point.RecoveryPointArn }),
          ),
        )
      ).name,
    ).toBe('ResourceNotFoundException');
    expect(
      (
        await errorOf(
          backup.send(
            new DescribeRecoveryPointCommand({
              BackupVaultName: BACKUP_VAULT,
              RecoveryPointArn: `${point.RecoveryPointArn}0`,
            }),
          ),
        )
      ).name,
    ).toBe('ResourceNotFoundException');
  });

  it('gives the restore metadata of the source as it was backed up, all values strings', async () => {
    const point = await latestCompleted(arn.db(ORDERS.id));
    const out = await backup.send(
      new GetRecoveryPointRestoreMetadataCommand({
        BackupVaultName: BACKUP_VAULT,
        RecoveryPointArn: point.RecoveryPointArn,
      }),
    );
    expect(out.ResourceType).toBe('RDS');
    expect(out.RecoveryPointArn).toBe(point.RecoveryPointArn);
    expect(out.RestoreMetadata).toMatchObject({
      DBInstanceIdentifier: ORDERS.id,
      DBInstanceClass: 'db.r6g.large',
      Engine: 'mysql',
      Port: String(ORDERS.port),
      MultiAZ: 'true',
      PubliclyAccessible: 'false',
      DeletionProtection: 'true',
      DBSubnetGroupName: PROD_SUBNET_GROUP,
      VpcSecurityGroupIds: JSON.stringify([PROD_SECURITY_GROUP]),
    });
    expect(Object.values(out.RestoreMetadata!).every((v) => typeof v === 'string')).toBe(true);
  });
});

describe('restore jobs', () => {
  let jobId: string;
  let pointArn: string;

  it('runs PENDING → RUNNING (PercentDone rising) → COMPLETED, creating the instance meanwhile', async () => {
    const points = await pointsOf(arn.db(ORDERS.id));
    pointArn = points[7].RecoveryPointArn!;
    const started = await backup.send(
      new StartRestoreJobCommand({
        RecoveryPointArn: pointArn,
        Metadata: await devMetadata(pointArn, 'orders-from-backup'),
        IamRoleArn: RESTORE_ROLE_ARN,
        IdempotencyToken: 'clone-orders-1',
        ResourceType: 'RDS',
      }),
    );
    jobId = started.RestoreJobId!;
    expect(jobId).toMatch(/^[0-9A-F-]{36}$/);

    const pending = await job(jobId);
    expect(pending).toMatchObject({
      Status: 'PENDING',
      PercentDone: '0.00%',
      RecoveryPointArn: pointArn,
      SourceResourceArn: arn.db(ORDERS.id),
      BackupVaultArn: arn.vault(BACKUP_VAULT),
      IamRoleArn: RESTORE_ROLE_ARN,
      ResourceType: 'RDS',
      AccountId: COMPANY_ACCOUNT,
    });
    expect(pending.ExpectedCompletionTimeMinutes).toBe(16);
    expect(pending.BackupSizeInBytes).toBe(points[7].BackupSizeInBytes);
    expect(pending.CreatedResourceArn).toBeUndefined();
    expect(pending.CompletionDate).toBeUndefined();
    expect(
      (await errorOf(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders-from-backup' })))).name,
    ).toBe('DBInstanceNotFoundFault');

    advance(MINUTE + 1000);
    const running = await job(jobId);
    expect(running.Status).toBe('RUNNING');
    advance(5 * MINUTE);
    const later = await job(jobId);
    expect(later.Status).toBe('RUNNING');
    expect(percent(later)).toBeGreaterThan(percent(running));
    expect(percent(later)).toBeCloseTo(((5 * MINUTE + 1000) / (15 * MINUTE)) * 100, 0);
    expect(later.PercentDone).toMatch(/^\d+\.\d{2}%$/);
    const creating = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders-from-backup' })))
      .DBInstances![0];
    expect(creating.DBInstanceStatus).toBe('creating');
    expect(creating.TagList).toEqual([]);

    advance(10 * MINUTE);
    const done = await job(jobId);
    expect(done).toMatchObject({
      Status: 'COMPLETED',
      PercentDone: '100.00%',
      CreatedResourceArn: arn.db('orders-from-backup'),
    });
    expect(done.CompletionDate!.getTime()).toBeGreaterThan(done.CreationDate!.getTime());
    const describe = async () =>
      (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders-from-backup' }))).DBInstances![0];
    // The job is done once the instance exists; RDS then takes its first automated backup.
    const backingUp = await describe();
    expect(backingUp.DBInstanceStatus).toBe('backing-up');
    expect(backingUp.LatestRestorableTime).toBeUndefined();
    advance(5 * MINUTE);
    const instance = await describe();
    expect(instance.LatestRestorableTime).toBeInstanceOf(Date);
    expect(instance).toMatchObject({
      DBInstanceStatus: 'available',
      DBInstanceClass: 'db.t4g.micro',
      MultiAZ: false,
      DeletionProtection: false,
      PubliclyAccessible: false,
      MasterUsername: 'admin',
      DBSubnetGroup: { DBSubnetGroupName: DEV_SUBNET_GROUP, VpcId: DEV_VPC },
      VpcSecurityGroups: [{ VpcSecurityGroupId: DEV_SECURITY_GROUP }],
    });
    expect(hidden('orders-from-backup')).toBe(hidden(ORDERS.id));
  });

  it('returns the same job for the same idempotency token', async () => {
    const before = (await backup.send(new ListRestoreJobsCommand({}))).RestoreJobs!.length;
    const again = await backup.send(
      new StartRestoreJobCommand({
        RecoveryPointArn: pointArn,
        Metadata: await devMetadata(pointArn, 'orders-from-backup'),
        IamRoleArn: RESTORE_ROLE_ARN,
        IdempotencyToken: 'clone-orders-1',
      }),
    );
    expect(again.RestoreJobId).toBe(jobId);
    expect((await backup.send(new ListRestoreJobsCommand({}))).RestoreJobs).toHaveLength(before);
  });

  it('copies the source tags when asked to', async () => {
    const point = await latestCompleted(arn.db(BILLING.id));
    const started = await backup.send(
      new StartRestoreJobCommand({
        RecoveryPointArn: point.RecoveryPointArn,
        Metadata: await devMetadata(point.RecoveryPointArn!, 'billing-tagged'),
        IamRoleArn: RESTORE_ROLE_ARN,
        CopySourceTagsToRestoredResource: true,
      }),
    );
    advance(2 * MINUTE);
    expect((await job(started.RestoreJobId!)).Status).toBe('RUNNING');
    const instance = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'billing-tagged' })))
      .DBInstances![0];
    expect(instance.TagList).toEqual(
      expect.arrayContaining([
        { Key: 'env', Value: 'production' },
        { Key: 'app', Value: 'billing' },
      ]),
    );
  });

  it('fails (status FAILED with a message) when the restore cannot be done, creating nothing', async () => {
    const point = await latestCompleted(arn.db(ORDERS.id));
    const meta = await backup.send(
      new GetRecoveryPointRestoreMetadataCommand({
        BackupVaultName: BACKUP_VAULT,
        RecoveryPointArn: point.RecoveryPointArn,
      }),
    );
    // The metadata as it comes names the source itself, which exists.
    const clash = await backup.send(
      new StartRestoreJobCommand({
        RecoveryPointArn: point.RecoveryPointArn,
        Metadata: meta.RestoreMetadata,
        IamRoleArn: RESTORE_ROLE_ARN,
      }),
    );
    const noRole = await backup.send(
      new StartRestoreJobCommand({
        RecoveryPointArn: point.RecoveryPointArn,
        Metadata: await devMetadata(point.RecoveryPointArn!, 'orders-no-role'),
        IamRoleArn: arn.role('no-such-role'),
      }),
    );
    expect((await job(clash.RestoreJobId!)).Status).toBe('PENDING');
    advance(4 * MINUTE);
    const failed = await job(clash.RestoreJobId!);
    expect(failed.Status).toBe('FAILED');
    expect(failed.StatusMessage).toContain('DBInstanceAlreadyExists');
    expect(failed.CreatedResourceArn).toBeUndefined();
    expect(failed.CompletionDate).toBeInstanceOf(Date);
    const roleless = await job(noRole.RestoreJobId!);
    expect(roleless.Status).toBe('FAILED');
    expect(roleless.StatusMessage).toContain('no-such-role');
    expect(
      (await errorOf(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders-no-role' })))).name,
    ).toBe('DBInstanceNotFoundFault');
  });

  it('fails the job when its instance is deleted before the restore completes', async () => {
    const point = await latestCompleted(arn.db(ORDERS.id));
    const started = await backup.send(
      new StartRestoreJobCommand({
        RecoveryPointArn: point.RecoveryPointArn,
        Metadata: await devMetadata(point.RecoveryPointArn!, 'orders-abandoned'),
        IamRoleArn: RESTORE_ROLE_ARN,
      }),
    );
    advance(3 * MINUTE);
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'orders-abandoned', SkipFinalSnapshot: true }));
    const out = await job(started.RestoreJobId!);
    expect(out.Status).toBe('FAILED');
    expect(out.StatusMessage).toContain('deleted');
  });

  it('refuses bad requests synchronously', async () => {
    const point = await latestCompleted(arn.db(ORDERS.id));
    const start = (input: Record<string, unknown>) =>
      errorOf(
        backup.send(
          new StartRestoreJobCommand({
            RecoveryPointArn: point.RecoveryPointArn,
            Metadata: { DBInstanceIdentifier: 'x' },
            IamRoleArn: RESTORE_ROLE_ARN,
            ...input,
          }),
        ),
      );
    expect(await start({ RecoveryPointArn: `${point.RecoveryPointArn}x` })).toMatchObject({
      name: 'ResourceNotFoundException',
      status: 400,
    });
    expect((await start({ Metadata: undefined })).name).toBe('MissingParameterValueException');
    expect((await start({ ResourceType: 'EBS' })).name).toBe('InvalidParameterValueException');
    expect((await start({ Metadata: { DBInstanceIdentifier: 'x', MultiAZ: 'maybe' } })).name).toBe(
      'InvalidParameterValueException',
    );
    expect((await errorOf(job('00000000-0000-0000-0000-000000000000'))).name).toBe('ResourceNotFoundException');
  });

  it('needs iam:PassRole on the restore role when IAM is enforced', async () => {
    const point = await latestCompleted(arn.db(BILLING.id));
    const user = createUser(sb.world, COMPANY_ACCOUNT, 'backup-operator-test', [tagConditionedPolicy]);
    const operator = new BackupClient(sb.config(issueUserKey(sb.world, user)));
    const metadata = await devMetadata(point.RecoveryPointArn!, 'billing-passrole');
    sb.world.enforceIam = true;
    try {
      const denied = await errorOf(
        operator.send(
          new StartRestoreJobCommand({
            RecoveryPointArn: point.RecoveryPointArn,
            Metadata: metadata,
            IamRoleArn: arn.role('snapclone-operator'),
          }),
        ),
      );
      expect(denied).toMatchObject({ name: 'AccessDeniedException', status: 403 });
      expect(denied.message).toContain('iam:PassRole');
      const allowed = await operator.send(
        new StartRestoreJobCommand({
          RecoveryPointArn: point.RecoveryPointArn,
          Metadata: metadata,
          IamRoleArn: RESTORE_ROLE_ARN,
        }),
      );
      expect((await operator.send(new DescribeRestoreJobCommand({ RestoreJobId: allowed.RestoreJobId }))).Status).toBe(
        'PENDING',
      );
    } finally {
      sb.world.enforceIam = false;
    }
  });

  it('lists restore jobs with status, time and type filters, paging without repeats', async () => {
    const all = await backup.send(new ListRestoreJobsCommand({}));
    expect(all.RestoreJobs!.length).toBeGreaterThanOrEqual(5);
    expect(all.RestoreJobs!.map((j) => j.RestoreJobId)).toContain(jobId);
    const completed = await backup.send(new ListRestoreJobsCommand({ ByStatus: 'COMPLETED' }));
    expect(completed.RestoreJobs!.map((j) => j.RestoreJobId)).toContain(jobId);
    expect(completed.RestoreJobs!.every((j) => j.Status === 'COMPLETED' && j.CreatedResourceArn)).toBe(true);
    const failed = await backup.send(new ListRestoreJobsCommand({ ByStatus: 'FAILED' }));
    expect(failed.RestoreJobs!.length).toBeGreaterThanOrEqual(3);
    expect(failed.RestoreJobs!.every((j) => j.Status === 'FAILED' && j.StatusMessage)).toBe(true);
    const recent = await backup.send(new ListRestoreJobsCommand({ ByCreatedAfter: new Date(now() - 10 * MINUTE) }));
    expect(recent.RestoreJobs!.length).toBeLessThan(all.RestoreJobs!.length);
    expect((await backup.send(new ListRestoreJobsCommand({ ByResourceType: 'EBS' }))).RestoreJobs).toEqual([]);
    expect(
      (await errorOf(backup.send(new ListRestoreJobsCommand({ ByStatus: 'DONE' as RestoreJobStatus })))).name,
    ).toBe('InvalidParameterValueException');
    const ids: string[] = [];
    let pages = 0;
    let last: string | undefined = 'unset';
    for await (const page of paginateListRestoreJobs({ client: backup, pageSize: 2 }, {})) {
      pages++;
      ids.push(...page.RestoreJobs!.map((j) => j.RestoreJobId!));
      last = page.NextToken;
    }
    expect(ids).toHaveLength(all.RestoreJobs!.length);
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages).toBe(Math.ceil(ids.length / 2));
    expect(last).toBeUndefined();
  });

  it('keeps the schedule running: a new backup each day (CREATING, then COMPLETED), the 35-day-old one gone', async () => {
    const before = await pointsOf(arn.db(ORDERS.id));
    const oldest = before.at(-1)!;
    const nextRun = before[0].CreationDate!.getTime() + DAY;
    expect(oldest.CreationDate!.getTime() + 35 * DAY).toBe(nextRun);
    advance(nextRun - now() + 1000);
    const after = await pointsOf(arn.db(ORDERS.id));
    expect(after).toHaveLength(35);
    expect(after.map((p) => p.RecoveryPointArn)).not.toContain(oldest.RecoveryPointArn);
    expect(after[0]).toMatchObject({
      Status: 'CREATING',
      ResourceArn: arn.db(ORDERS.id),
      IamRoleArn: RESTORE_ROLE_ARN,
    });
    expect(after[0].CreationDate!.getTime()).toBe(nextRun);
    expect(after[0].CompletionDate).toBeUndefined();
    expect(
      (
        await errorOf(
          backup.send(
            new DescribeRecoveryPointCommand({
              BackupVaultName: BACKUP_VAULT,
              RecoveryPointArn: oldest.RecoveryPointArn,
            }),
          ),
        )
      ).name,
    ).toBe('ResourceNotFoundException');
    const tooEarly = await errorOf(
      backup.send(
        new StartRestoreJobCommand({
          RecoveryPointArn: after[0].RecoveryPointArn,
          Metadata: { DBInstanceIdentifier: 'orders-too-early' },
          IamRoleArn: RESTORE_ROLE_ARN,
        }),
      ),
    );
    expect(tooEarly).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    advance(10 * MINUTE);
    const completed = await pointsOf(arn.db(ORDERS.id));
    expect(completed[0]).toMatchObject({ RecoveryPointArn: after[0].RecoveryPointArn, Status: 'COMPLETED' });
    expect(completed[0].CompletionDate).toBeInstanceOf(Date);
  });
});
