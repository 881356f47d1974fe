import { randomUUID } from 'node:crypto';
import { checkPermission } from '../../core/authorize.ts';
import { AwsError } from '../../core/errors.ts';
import { roleArn } from '../../core/iam-state.ts';
import { byKey } from '../../core/paging.ts';
import type { RequestContext } from '../../core/service.ts';
import { checkIdentifier } from '../rds/errors.ts';
import { createRestoredInstance, type RestoreParams } from '../rds/restore.ts';
import { DURATIONS, rdsState } from '../rds/state.ts';
import {
  backupErrors,
  backupState,
  findPoint,
  newestFirstKey,
  pageOf,
  pointStatus,
  vaultArn,
  type RestoreJob,
  type RestoreJobStatus,
} from './state.ts';

const MINUTE = 60_000;
/** A job waits this long before it runs (real AWS: about a minute). */
const PENDING_MS = MINUTE;
/** A job that cannot restore fails this long after it starts running. */
const FAILING_MS = 2 * MINUTE;
const TOKEN_TTL_MS = 60 * MINUTE;

type Kind = 'string' | 'bool' | 'int' | 'list';

/** Restore metadata keys AWS Backup passes on to RDS (matched case-insensitively, as AWS does). */
const METADATA: Record<string, [string, Kind]> = Object.fromEntries(
  (
    [
      ['DBInstanceIdentifier', 'string'],
      ['DBInstanceClass', 'string'],
      ['Port', 'int'],
      ['AvailabilityZone', 'string'],
      ['DBSubnetGroupName', 'string'],
      ['MultiAZ', 'bool'],
      ['PubliclyAccessible', 'bool'],
      ['AutoMinorVersionUpgrade', 'bool'],
      ['LicenseModel', 'string'],
      ['DBName', 'string'],
      ['Engine', 'string'],
      ['OptionGroupName', 'string'],
      ['CopyTagsToSnapshot', 'bool'],
      ['StorageType', 'string'],
      ['AllocatedStorage', 'int'],
      ['VpcSecurityGroupIds', 'list'],
      ['EnableIAMDatabaseAuthentication', 'bool'],
      ['DBParameterGroupName', 'string'],
      ['DeletionProtection', 'bool'],
      ['BackupRetentionPeriod', 'int'],
    ] as [string, Kind][]
  ).map(([name, kind]) => [name.toLowerCase(), [name, kind]]),
);

function parseValue(key: string, kind: Kind, text: string): unknown {
  if (kind === 'string') return text;
  if (kind === 'bool') {
    if (!/^(true|false)$/i.test(text))
      throw backupErrors.invalidValue(`Invalid value for metadata key ${key}: ${text}`);
    return text.toLowerCase() === 'true';
  }
  if (kind === 'int') {
    if (!/^\d+$/.test(text)) throw backupErrors.invalidValue(`Invalid value for metadata key ${key}: ${text}`);
    return Number(text);
  }
  if (text.trim().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw backupErrors.invalidValue(`Invalid value for metadata key ${key}: ${text}`);
    }
    if (!Array.isArray(parsed) || parsed.some((v) => typeof v !== 'string')) {
      throw backupErrors.invalidValue(`Invalid value for metadata key ${key}: ${text}`);
    }
    return parsed;
  }
  return text
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

/** The restore parameters a Metadata map says; empty values count as absent, unknown keys are ignored. */
function parseMetadata(metadata: Record<string, string>): { targetId?: string; params: RestoreParams } {
  const params: Record<string, unknown> = {};
  let targetId: string | undefined;
  for (const [key, text] of Object.entries(metadata)) {
    const known = METADATA[key.toLowerCase()];
    if (!known || text === '') continue;
    const [name, kind] = known;
    const value = parseValue(key, kind, text);
    if (name === 'DBInstanceIdentifier') targetId = value as string;
    else params[name] = value;
  }
  return { targetId, params: params as RestoreParams };
}

export function startRestoreJob(
  input: {
    RecoveryPointArn?: string;
    Metadata?: Record<string, string>;
    IamRoleArn?: string;
    IdempotencyToken?: string;
    ResourceType?: string;
    CopySourceTagsToRestoredResource?: boolean;
  },
  ctx: RequestContext,
) {
  const { world, accountId, region } = ctx;
  if (!input.RecoveryPointArn) throw backupErrors.missing('RecoveryPointArn');
  if (!input.Metadata) throw backupErrors.missing('Metadata');
  const state = backupState(world, accountId, region);
  const now = world.clock.nowMs();
  if (input.IdempotencyToken) {
    const seen = state.tokens.get(input.IdempotencyToken);
    if (seen && now - seen.at < TOKEN_TTL_MS) return { RestoreJobId: seen.jobId };
  }
  const point = findPoint(world, accountId, region, input.RecoveryPointArn);
  if (pointStatus(point, now) !== 'COMPLETED') {
    throw backupErrors.invalidRequest(
      `Recovery point ${point.arn} is not in COMPLETED status and cannot be restored yet.`,
    );
  }
  if (input.ResourceType && input.ResourceType !== point.resourceType) {
    throw backupErrors.invalidValue(
      `ResourceType ${input.ResourceType} does not match the recovery point's resource type ${point.resourceType}.`,
    );
  }
  if (point.resourceType !== 'RDS') {
    throw backupErrors.invalidValue(
      `The snapclone sandbox restores only RDS DB instance recovery points with StartRestoreJob; restore ${point.resourceType} recovery point ${point.arn} with RestoreDBClusterFromSnapshot.`,
    );
  }
  const role = input.IamRoleArn ?? roleArn(accountId, 'service-role/AWSBackupDefaultServiceRole');
  checkPermission(ctx, 'iam:PassRole', [role]);
  const { targetId, params } = parseMetadata(input.Metadata);
  const snapshot = rdsState(world, accountId, region).snapshots.get(point.snapshotId);
  if (!snapshot) throw backupErrors.notFound(`Recovery point ${point.arn} was not found.`);

  const runningAt = now + world.scaled(PENDING_MS);
  let endAt = runningAt + world.scaled(DURATIONS.restore(snapshot.config.allocatedStorage));
  let outcome: RestoreJob['outcome'];
  try {
    if (world.roles.size > 0 && !world.roles.has(role)) {
      throw new AwsError('AccessDenied', `AWS Backup cannot assume the IAM role ${role}: it does not exist.`);
    }
    const instance = createRestoredInstance(ctx, {
      targetId: checkIdentifier('DBInstanceIdentifier', targetId),
      source: snapshot.config,
      masterPassword: snapshot.masterPassword,
      params,
      tags: input.CopySourceTagsToRestoredResource ? snapshot.sourceTags : new Map(),
      visibleFrom: runningAt,
      availableAt: endAt,
      origin: { sourceId: snapshot.instanceId, sourceArn: point.resourceArn, at: snapshot.createdAt },
    });
    outcome = { status: 'COMPLETED', instance };
  } catch (error) {
    if (!(error instanceof AwsError)) throw error;
    endAt = runningAt + world.scaled(FAILING_MS);
    outcome = { status: 'FAILED', message: `${error.code}: ${error.message}` };
  }
  const job: RestoreJob = {
    id: randomUUID().toUpperCase(),
    accountId,
    recoveryPointArn: point.arn,
    recoveryPointCreatedAt: point.createdAt,
    vaultArn: vaultArn(region, accountId, point.vaultName),
    sourceResourceArn: point.resourceArn,
    resourceType: point.resourceType,
    iamRoleArn: role,
    sizeBytes: point.sizeBytes,
    createdAt: now,
    runningAt,
    endAt,
    outcome,
  };
  state.jobs.set(job.id, job);
  if (input.IdempotencyToken) state.tokens.set(input.IdempotencyToken, { jobId: job.id, at: now });
  return { RestoreJobId: job.id };
}

interface JobProgress {
  status: RestoreJobStatus;
  percent: number;
  completedAt?: number;
  message?: string;
}

/** Where a job is at `now`: PENDING, RUNNING with PercentDone rising linearly, then its outcome. */
function progress(job: RestoreJob, now: number): JobProgress {
  const deletion = job.outcome.status === 'COMPLETED' ? job.outcome.instance.deletion : undefined;
  if (deletion && deletion.requestedAt < job.endAt && now >= deletion.requestedAt) {
    return {
      status: 'FAILED',
      percent: Math.max(0, ((deletion.requestedAt - job.runningAt) / (job.endAt - job.runningAt)) * 100),
      completedAt: deletion.requestedAt,
      message: 'The restored DB instance was deleted before the restore job completed.',
    };
  }
  if (now < job.runningAt) return { status: 'PENDING', percent: 0 };
  if (now < job.endAt) {
    return { status: 'RUNNING', percent: ((now - job.runningAt) / (job.endAt - job.runningAt)) * 100 };
  }
  return job.outcome.status === 'COMPLETED'
    ? { status: 'COMPLETED', percent: 100, completedAt: job.endAt }
    : { status: 'FAILED', percent: 100, completedAt: job.endAt, message: job.outcome.message };
}

function jobView(job: RestoreJob, now: number) {
  const p = progress(job, now);
  return {
    AccountId: job.accountId,
    RestoreJobId: job.id,
    RecoveryPointArn: job.recoveryPointArn,
    SourceResourceArn: job.sourceResourceArn,
    BackupVaultArn: job.vaultArn,
    CreationDate: new Date(job.createdAt),
    CompletionDate: p.completedAt !== undefined ? new Date(p.completedAt) : undefined,
    Status: p.status,
    StatusMessage: p.message,
    PercentDone: `${p.percent.toFixed(2)}%`,
    BackupSizeInBytes: job.sizeBytes,
    IamRoleArn: job.iamRoleArn,
    ExpectedCompletionTimeMinutes: Math.max(1, Math.round((job.endAt - job.createdAt) / MINUTE)),
    CreatedResourceArn:
      p.status === 'COMPLETED' && job.outcome.status === 'COMPLETED' ? job.outcome.instance.arn : undefined,
    ResourceType: job.resourceType,
    RecoveryPointCreationDate: new Date(job.recoveryPointCreatedAt),
    IsParent: false,
  };
}

export function describeRestoreJob(input: { RestoreJobId?: string }, ctx: RequestContext) {
  if (!input.RestoreJobId) throw backupErrors.missing('RestoreJobId');
  const job = backupState(ctx.world, ctx.accountId, ctx.region).jobs.get(input.RestoreJobId);
  if (!job) throw backupErrors.notFound(`Restore job ${input.RestoreJobId} was not found.`);
  return jobView(job, ctx.world.clock.nowMs());
}

const STATUSES = new Set<RestoreJobStatus>(['PENDING', 'RUNNING', 'COMPLETED', 'ABORTED', 'FAILED']);
const jobKey = (job: RestoreJob) => newestFirstKey(job.createdAt, job.id);

export function listRestoreJobs(
  input: {
    ByAccountId?: string;
    ByResourceType?: string;
    ByCreatedBefore?: Date;
    ByCreatedAfter?: Date;
    ByStatus?: string;
    ByCompleteBefore?: Date;
    ByCompleteAfter?: Date;
    ByRestoreTestingPlanArn?: string;
    ByParentJobId?: string;
    NextToken?: string;
    MaxResults?: number;
  },
  ctx: RequestContext,
) {
  if (input.ByStatus !== undefined && !STATUSES.has(input.ByStatus as RestoreJobStatus)) {
    throw backupErrors.invalidValue(
      `Invalid value ${input.ByStatus} for ByStatus: must be one of PENDING, RUNNING, COMPLETED, ABORTED, FAILED.`,
    );
  }
  const now = ctx.world.clock.nowMs();
  const inRange = (time: number | undefined, before?: Date, after?: Date) =>
    (before === undefined || (time !== undefined && time < before.getTime())) &&
    (after === undefined || (time !== undefined && time > after.getTime()));
  const jobs = [...backupState(ctx.world, ctx.accountId, ctx.region).jobs.values()]
    .map((job) => ({ job, p: progress(job, now) }))
    .filter(({ job }) => !input.ByAccountId || job.accountId === input.ByAccountId)
    .filter(({ job }) => !input.ByResourceType || job.resourceType === input.ByResourceType)
    .filter(({ p }) => !input.ByStatus || p.status === input.ByStatus)
    .filter(({ job }) => inRange(job.createdAt, input.ByCreatedBefore, input.ByCreatedAfter))
    .filter(({ p }) => inRange(p.completedAt, input.ByCompleteBefore, input.ByCompleteAfter))
    .filter(() => !input.ByRestoreTestingPlanArn && !input.ByParentJobId)
    .map(({ job }) => job)
    .sort(byKey(jobKey));
  const result = pageOf(jobs, jobKey, input);
  return { RestoreJobs: result.items.map((job) => jobView(job, now)), NextToken: result.next };
}
