import { paginateListRestoreJobs, type RestoreJobsListMember } from '@aws-sdk/client-backup';
import {
  DescribeDBInstancesCommand,
  ListTagsForResourceCommand,
  paginateDescribeDBInstances,
  type DBInstance,
} from '@aws-sdk/client-rds';
import { paginateGetResources } from '@aws-sdk/client-resource-groups-tagging-api';
import { hasPrefix } from '../../core/naming.ts';
import { fromTagList, readCloneTags, TAG, type CloneTags } from '../../core/tags.ts';
import type { Clone, ResourceRef } from '../types.ts';
import { dbArn, isError, parseDbArn, type Where } from './aws.ts';

export const ENGINE = 'rds';
export const RESOURCE_KIND = 'RDS DB instance';

/** What can be a DB instance identifier (any case); anything else names no instance and is not sent to RDS. */
const DB_IDENTIFIER = /^[A-Za-z][A-Za-z0-9-]{0,62}$/;

/** How far back in-flight AWS Backup restore jobs are looked for. */
const JOB_WINDOW_MS = 7 * 86_400_000;

/** One DB instance by identifier, or undefined when there is none. */
export async function describeInstance(w: Where, id: string): Promise<DBInstance | undefined> {
  try {
    const out = await w.clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
    return out.DBInstances?.[0];
  } catch (error) {
    if (isError(error, 'DBInstanceNotFound')) return undefined;
    throw error;
  }
}

/** The tags of a resource, read from RDS right now (what the guard acts on). */
export async function readTags(w: Where, arn: string): Promise<Record<string, string> | undefined> {
  try {
    const out = await w.clients.rds.send(new ListTagsForResourceCommand({ ResourceName: arn }));
    return fromTagList(out.TagList);
  } catch (error) {
    if (isError(error, 'DBInstanceNotFound')) return undefined;
    throw error;
  }
}

export const instanceArn = (w: Where, id: string) => dbArn(w.region, w.target.config.account, id);

/** Where a password state is recorded on the clone. */
function credentialsState(tags: Record<string, string>): Clone['credentials'] {
  const value = tags[TAG.password];
  return value === 'generated' || value === 'managed' ? value : 'pending';
}

function details(instance: DBInstance | undefined, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const d: Record<string, string | undefined> = {
    dbEngine: instance?.Engine ? `${instance.Engine} ${instance.EngineVersion ?? ''}`.trim() : undefined,
    instanceClass: instance?.DBInstanceClass,
    storage: instance?.AllocatedStorage === undefined ? undefined : `${instance.AllocatedStorage} GB`,
    subnetGroup: instance?.DBSubnetGroup?.DBSubnetGroupName,
    securityGroups: instance?.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId).join(',') || undefined,
    multiAZ: instance?.MultiAZ === undefined ? undefined : String(instance.MultiAZ),
    publiclyAccessible: instance?.PubliclyAccessible === undefined ? undefined : String(instance.PubliclyAccessible),
    deletionProtection: instance?.DeletionProtection === undefined ? undefined : String(instance.DeletionProtection),
    backupRetentionPeriod:
      instance?.BackupRetentionPeriod === undefined ? undefined : String(instance.BackupRetentionPeriod),
    masterUsername: instance?.MasterUsername,
    ...extra,
  };
  return Object.fromEntries(Object.entries(d).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
}

function endpointOf(instance: DBInstance | undefined): Clone['endpoint'] {
  return instance?.Endpoint?.Address && instance.Endpoint.Port
    ? { host: instance.Endpoint.Address, port: instance.Endpoint.Port }
    : undefined;
}

/** A tagged clone from its instance and tags. */
export function cloneFromInstance(instance: DBInstance, tags: CloneTags, raw: Record<string, string>): Clone {
  const credentials = credentialsState(raw);
  return {
    ...tags,
    engine: ENGINE,
    arn: instance.DBInstanceArn ?? '',
    id: instance.DBInstanceIdentifier ?? tags.clone,
    status: instance.DBInstanceStatus ?? 'unknown',
    endpoint: endpointOf(instance),
    secretArn: credentials === 'managed' ? instance.MasterUserSecret?.SecretArn : undefined,
    tagged: true,
    credentials,
    details: details(instance, {
      secret: credentials === 'generated' ? tags.clone : instance.MasterUserSecret?.SecretArn,
      restoreJob: tags.restoreJob,
    }),
  };
}

/** The configured source a restore job restores (by its source ARN), for an untagged clone. */
function sourceNameOf(w: Where, arn: string | undefined): string {
  const parsed = arn ? parseDbArn(arn) : undefined;
  for (const [name, s] of Object.entries(w.ctx.config.sources)) {
    if (parsed && parsed.id === s.id.toLowerCase() && parsed.account === s.account) return name;
  }
  return 'unknown';
}

/** A clone restored by AWS Backup that has not been tagged yet: what the job and the instance tell. */
export function untaggedClone(w: Where, id: string, job: RestoreJobsListMember, instance?: DBInstance): Clone {
  const epoch = new Date(0);
  const status =
    instance?.DBInstanceStatus ?? (inFlight(job) ? 'restoring' : (job.Status ?? 'unknown').toLowerCase());
  return {
    clone: id,
    owner: 'unknown',
    source: sourceNameOf(w, job.SourceResourceArn),
    sourceArn: job.SourceResourceArn ?? '',
    restorePoint: job.RecoveryPointArn ?? '',
    restoreTime: job.RecoveryPointCreationDate ?? epoch,
    target: w.target.name,
    createdAt: job.CreationDate ?? epoch,
    expiresAt: epoch,
    restoreJob: job.RestoreJobId,
    engine: ENGINE,
    arn: instance?.DBInstanceArn ?? instanceArn(w, id),
    id,
    status,
    endpoint: endpointOf(instance),
    tagged: false,
    credentials: 'pending',
    details: details(instance, {
      restoreJob: job.RestoreJobId,
      restoreJobStatus: job.Status,
      percentDone: job.PercentDone,
      note: 'restored by AWS Backup and not tagged yet: re-run snapclone create with this --name to finish it',
    }),
  };
}

/**
 * Recent AWS Backup restore jobs of RDS resources started with the target's restore role (snapclone's):
 * how clones restored through Backup are found before they carry tags.
 */
export async function recentRestoreJobs(w: Where): Promise<RestoreJobsListMember[]> {
  const role = w.target.config.backupRestoreRoleArn;
  if (!role) return [];
  const jobs: RestoreJobsListMember[] = [];
  const pages = paginateListRestoreJobs(
    { client: w.clients.backup, pageSize: 100 },
    {
      ByResourceType: 'RDS',
      ByAccountId: w.target.config.account,
      ByCreatedAfter: new Date(w.ctx.now().getTime() - JOB_WINDOW_MS),
    },
  );
  for await (const page of pages) {
    for (const job of page.RestoreJobs ?? []) if (job.IamRoleArn === role) jobs.push(job);
  }
  return jobs;
}

/** A restore job still running (PENDING or RUNNING). */
export const inFlight = (job: { Status?: string }) => job.Status === 'PENDING' || job.Status === 'RUNNING';

/** The clone named `name` in a target: a tagged instance, an untagged Backup-restored one, or a job under way. */
export async function describeClone(w: Where, name: string): Promise<Clone | undefined> {
  // What cannot be a DB instance identifier names no clone (and is not sent to RDS).
  if (!DB_IDENTIFIER.test(name)) return undefined;
  return cloneOf(w, name, await describeInstance(w, name.toLowerCase()));
}

/** The clone named `name`, given the DB instance of that identifier as just described (undefined: none). */
export async function cloneOf(w: Where, name: string, instance: DBInstance | undefined): Promise<Clone | undefined> {
  const id = name.toLowerCase();
  if (instance) {
    const raw = fromTagList(instance.TagList);
    const tags = readCloneTags(raw);
    if (tags) return tags.clone === id || tags.clone === name ? cloneFromInstance(instance, tags, raw) : undefined;
  }
  // Not tagged (yet): snapclone's only if an AWS Backup restore job with snapclone's role made it.
  const job = linkJob(w, id, instance, await recentRestoreJobs(w));
  return job ? untaggedClone(w, id, job, instance) : undefined;
}

/**
 * The AWS Backup restore job (of snapclone's role) that made an untagged instance: the one whose
 * CreatedResourceArn it is, or, while jobs run without naming their resource yet, the only such job in
 * flight when the instance carries the prefix and is still being created. For display and resume only:
 * tagging checks the job of its own run.
 */
export function linkJob(
  w: Where,
  id: string,
  instance: DBInstance | undefined,
  jobs: RestoreJobsListMember[],
  taken: Set<string> = new Set(),
): RestoreJobsListMember | undefined {
  const arn = instance?.DBInstanceArn ?? instanceArn(w, id);
  const newest = (a: RestoreJobsListMember, b: RestoreJobsListMember) =>
    (b.CreationDate?.getTime() ?? 0) - (a.CreationDate?.getTime() ?? 0);
  const named = jobs
    .filter((j) => j.CreatedResourceArn === arn && (instance ? j.Status !== 'FAILED' && j.Status !== 'ABORTED' : inFlight(j)))
    .sort(newest)[0];
  if (named) return named;
  if (!instance || instance.DBInstanceStatus === 'available' || !hasPrefix(id, w.ctx.config.prefix)) return undefined;
  const nameless = jobs.filter((j) => !j.CreatedResourceArn && inFlight(j) && !taken.has(j.RestoreJobId ?? ''));
  return nameless.length === 1 ? nameless[0] : undefined;
}

/** Every clone in a target: tagged instances (Tagging API) joined with live state, plus untagged Backup restores. */
export async function listClones(w: Where): Promise<Clone[]> {
  const tagged = new Map<string, Record<string, string>>();
  const pages = paginateGetResources(
    { client: w.clients.tagging },
    { TagFilters: [{ Key: TAG.managed, Values: ['true'] }], ResourceTypeFilters: ['rds:db'] },
  );
  for await (const page of pages) {
    for (const r of page.ResourceTagMappingList ?? []) {
      if (r.ResourceARN) tagged.set(r.ResourceARN, fromTagList(r.Tags));
    }
  }
  const instances = new Map<string, DBInstance>();
  for await (const page of paginateDescribeDBInstances({ client: w.clients.rds, pageSize: 100 }, {})) {
    for (const i of page.DBInstances ?? []) if (i.DBInstanceArn) instances.set(i.DBInstanceArn, i);
  }
  const clones: Clone[] = [];
  for (const [arn, raw] of tagged) {
    const instance = instances.get(arn);
    const tags = readCloneTags(raw);
    // The Tagging API can lag behind a deletion: an instance RDS no longer knows is gone.
    if (!instance || !tags) continue;
    clones.push(cloneFromInstance(instance, tags, raw));
  }
  const jobs = await recentRestoreJobs(w);
  if (jobs.length === 0) return clones.sort((a, b) => a.clone.localeCompare(b.clone));
  // Untagged instances AWS Backup restored for snapclone, and jobs whose instance does not show yet.
  const linked = new Set<string>();
  const untagged = [...instances.values()].filter(
    (i) => !tagged.has(i.DBInstanceArn ?? '') && fromTagList(i.TagList)[TAG.managed] !== 'true',
  );
  for (const instance of untagged) {
    const id = instance.DBInstanceIdentifier ?? '';
    const job = linkJob(w, id, instance, jobs, linked);
    if (!job) continue;
    linked.add(job.RestoreJobId ?? '');
    clones.push(untaggedClone(w, id, job, instance));
  }
  for (const job of jobs) {
    if (!inFlight(job) || linked.has(job.RestoreJobId ?? '')) continue;
    const arn = job.CreatedResourceArn;
    if (arn && !instances.has(arn)) {
      clones.push(untaggedClone(w, parseDbArn(arn)?.id ?? arn, job));
    } else if (!arn) {
      w.ctx.reporter.info(
        `An AWS Backup restore job (${job.RestoreJobId}, ${job.Status}) started with the snapclone restore role has not created its DB instance yet.`,
      );
    }
  }
  return clones.sort((a, b) => a.clone.localeCompare(b.clone));
}

/** Any DB instance by identifier or ARN, managed or not, with its tags read right now. */
export async function lookupInstance(w: Where, ref: string): Promise<ResourceRef | undefined> {
  let id = ref;
  if (ref.startsWith('arn:')) {
    const parsed = parseDbArn(ref);
    if (!parsed) return undefined;
    // An ARN of another account or region is not in this target.
    if (parsed.account !== w.target.config.account || parsed.region !== w.region) return undefined;
    id = parsed.id;
  }
  if (!DB_IDENTIFIER.test(id)) return undefined;
  const instance = await describeInstance(w, id.toLowerCase());
  if (!instance?.DBInstanceArn) return undefined;
  const tags = (await readTags(w, instance.DBInstanceArn)) ?? {};
  return { kind: RESOURCE_KIND, id: instance.DBInstanceIdentifier ?? id, arn: instance.DBInstanceArn, tags };
}
