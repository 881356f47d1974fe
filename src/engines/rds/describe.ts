import { paginateListRestoreJobs, type RestoreJobsListMember, BackupClient } from '@aws-sdk/client-backup';
import { DescribeDBInstancesCommand, ListTagsForResourceCommand, paginateDescribeDBInstances, type DBInstance, RDSClient } from '@aws-sdk/client-rds';
import { paginateGetResources, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { hasPrefix } from '../../core/naming.ts';
import { fromTagList, readCloneTags, TAG, type CloneTags } from '../../core/tags.ts';
import type { Meter } from '../../cost/estimate.ts';
import type { Clone, ResourceRef } from '../types.ts';
import { idInTarget } from '../shared/aws.ts';
import { dbArn, isError, parseDbArn, type Where } from './aws.ts';

export const ENGINE = 'rds';
export const RESOURCE_KIND = 'RDS DB instance';
/** The tag by which RDS ties the master user secret it manages to its DB instance. */
export const OWNER_TAG = 'aws:rds:primaryDBInstanceArn';

/** What can be a DB instance identifier (any case); anything else names no instance and is not sent to RDS. */
const DB_IDENTIFIER = /^[A-Za-z][A-Za-z0-9-]{0,62}$/;

/** How long an AWS Backup restore can run: its job was created at most this long before its instance. */
const JOB_LEAD_MS = 7 * 86_400_000;

/** One DB instance by identifier, or undefined when there is none. */
export async function describeInstance(w: Where, id: string): Promise<DBInstance | undefined> {
  try {
    const out = await w.clients.of(RDSClient).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
    return out.DBInstances?.[0];
  } catch (error) {
    if (isError(error, 'DBInstanceNotFound')) return undefined;
    throw error;
  }
}

/** The tags of a resource, read from RDS right now (what the guard acts on). */
export async function readTags(w: Where, arn: string): Promise<Record<string, string> | undefined> {
  try {
    const out = await w.clients.of(RDSClient).send(new ListTagsForResourceCommand({ ResourceName: arn }));
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
    storageType: instance?.StorageType,
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

/** What an RDS instance is billed for: its class (per engine) and its storage. */
export function metersOf(instance: DBInstance | undefined): Meter[] {
  const meters: Meter[] = [];
  const engine = instance?.Engine;
  const cls = instance?.DBInstanceClass;
  if (engine && cls) meters.push({ label: `${cls} (${engine})`, key: `rds/${engine}/${cls}`, unit: 'hour', quantity: instance?.MultiAZ ? 2 : 1 });
  if (instance?.AllocatedStorage) {
    const type = instance.StorageType ?? 'gp2';
    meters.push({ label: `${instance.AllocatedStorage} GB ${type} storage`, key: `rds/storage/${type}`, unit: 'gb-month', quantity: instance.AllocatedStorage });
  }
  return meters;
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
    meters: metersOf(instance),
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

/** A DB instance that an AWS Backup restore job made and nobody tagged: what the job and the instance tell. */
export function untaggedClone(w: Where, id: string, job: RestoreJobsListMember, instance: DBInstance): Clone {
  const epoch = new Date(0);
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
    arn: instance.DBInstanceArn ?? instanceArn(w, id),
    id,
    status: instance.DBInstanceStatus ?? 'unknown',
    endpoint: endpointOf(instance),
    tagged: false,
    credentials: 'pending',
    meters: metersOf(instance),
    details: details(instance, {
      restoreJob: job.RestoreJobId,
      note: `restored by AWS Backup job ${job.RestoreJobId}, never tagged: its owner is unknown and it still has its source's password; take it over with --force (create, delete)`,
    }),
  };
}

/**
 * AWS Backup restore jobs of RDS resources, started with the target's restore role, created after `since`:
 * how instances restored through AWS Backup (which cannot tag) are tied to snapclone by AWS's own record.
 */
export async function restoreJobs(w: Where, since: Date): Promise<RestoreJobsListMember[]> {
  const role = w.target.config.backupRestoreRoleArn;
  if (!role) return [];
  const jobs: RestoreJobsListMember[] = [];
  const pages = paginateListRestoreJobs(
    { client: w.clients.of(BackupClient), pageSize: 100 },
    { ByResourceType: 'RDS', ByAccountId: w.target.config.account, ByCreatedAfter: since },
  );
  for await (const page of pages) {
    for (const job of page.RestoreJobs ?? []) if (job.IamRoleArn === role) jobs.push(job);
  }
  return jobs;
}

/** A restore job still running (PENDING or RUNNING). */
export const inFlight = (job: { Status?: string }) => job.Status === 'PENDING' || job.Status === 'RUNNING';

/** When a restore job that made this instance can have been created at the earliest. */
const jobsSince = (instance: DBInstance, now: Date) =>
  new Date((instance.InstanceCreateTime ?? now).getTime() - JOB_LEAD_MS);

/**
 * The restore job that made an untagged instance: only the one whose CreatedResourceArn names it (AWS's own
 * record). A job that has not named its resource yet ties nothing: nothing is adopted by a guess.
 */
export function jobOf(instance: DBInstance, jobs: RestoreJobsListMember[]): RestoreJobsListMember | undefined {
  // The ARN of a DB instance is its name: an instance made again under that name after the job is not the job's.
  const created = instance.InstanceCreateTime?.getTime();
  return jobs.find(
    (j) =>
      j.Status === 'COMPLETED' &&
      j.CreatedResourceArn !== undefined &&
      j.CreatedResourceArn === instance.DBInstanceArn &&
      created !== undefined &&
      j.CreationDate !== undefined &&
      j.CompletionDate !== undefined &&
      created >= j.CreationDate.getTime() &&
      created <= j.CompletionDate.getTime() + 3_600_000,
  );
}

/** The clone named `name` in a target: a tagged instance, or an untagged one a snapclone restore job made. */
export async function describeClone(w: Where, name: string): Promise<Clone | undefined> {
  // What cannot be a DB instance identifier, or lacks the prefix, names no clone (and is not sent to RDS).
  if (!DB_IDENTIFIER.test(name) || !hasPrefix(name.toLowerCase(), w.ctx.config.prefix)) return undefined;
  return cloneOf(w, name, await describeInstance(w, name.toLowerCase()));
}

/** The clone named `name`, given the DB instance of that identifier as just described (undefined: none). */
export async function cloneOf(w: Where, name: string, instance: DBInstance | undefined): Promise<Clone | undefined> {
  // A member of an Aurora DB cluster is part of an Aurora clone (the aurora engine's), never an RDS clone.
  if (!instance || instance.DBClusterIdentifier) return undefined;
  const id = name.toLowerCase();
  const raw = fromTagList(instance.TagList);
  const tags = readCloneTags(raw);
  if (tags) return tags.clone === id || tags.clone === name ? cloneFromInstance(instance, tags, raw) : undefined;
  if (raw[TAG.managed] !== undefined || !hasPrefix(id, w.ctx.config.prefix)) return undefined;
  const job = jobOf(instance, await restoreJobs(w, jobsSince(instance, w.ctx.now())));
  return job ? untaggedClone(w, id, job, instance) : undefined;
}

/** Every clone in a target: tagged instances (Tagging API) joined with live state, plus untagged restores by snapclone's jobs. */
export async function listClones(w: Where): Promise<Clone[]> {
  const tagged = new Map<string, Record<string, string>>();
  const pages = paginateGetResources(
    { client: w.clients.of(ResourceGroupsTaggingAPIClient) },
    { TagFilters: [{ Key: TAG.managed, Values: ['true'] }], ResourceTypeFilters: ['rds:db'] },
  );
  for await (const page of pages) {
    for (const r of page.ResourceTagMappingList ?? []) {
      if (r.ResourceARN) tagged.set(r.ResourceARN, fromTagList(r.Tags));
    }
  }
  const instances = new Map<string, DBInstance>();
  for await (const page of paginateDescribeDBInstances({ client: w.clients.of(RDSClient), pageSize: 100 }, {})) {
    for (const i of page.DBInstances ?? []) if (i.DBInstanceArn && !i.DBClusterIdentifier) instances.set(i.DBInstanceArn, i);
  }
  const clones: Clone[] = [];
  for (const [arn, raw] of tagged) {
    const instance = instances.get(arn);
    const tags = readCloneTags(raw);
    // The Tagging API can lag behind a deletion: an instance RDS no longer knows is gone.
    if (!instance || !tags) continue;
    clones.push(cloneFromInstance(instance, tags, raw));
  }
  // Untagged instances with the prefix: clones only where a snapclone restore job's record names them.
  const untagged = [...instances.values()].filter(
    (i) => !tagged.has(i.DBInstanceArn ?? '') && fromTagList(i.TagList)[TAG.managed] === undefined && hasPrefix(i.DBInstanceIdentifier, w.ctx.config.prefix),
  );
  const now = w.ctx.now();
  const since = new Date(Math.min(now.getTime() - JOB_LEAD_MS, ...untagged.map((i) => jobsSince(i, now).getTime())));
  const jobs = await restoreJobs(w, since);
  for (const instance of untagged) {
    const job = jobOf(instance, jobs);
    if (job) clones.push(untaggedClone(w, instance.DBInstanceIdentifier ?? '', job, instance));
  }
  for (const job of jobs.filter(inFlight)) {
    w.ctx.reporter.info(
      `An AWS Backup restore job (${job.RestoreJobId}, ${job.Status}) started with the snapclone restore role has not named the DB instance it creates yet.`,
    );
  }
  return clones.sort((a, b) => a.clone.localeCompare(b.clone));
}

/** Any DB instance by identifier or ARN, managed or not, with its tags read right now. */
export async function lookupInstance(w: Where, ref: string): Promise<ResourceRef | undefined> {
  const id = idInTarget(w, ref, parseDbArn);
  if (id === undefined) return undefined;
  if (!DB_IDENTIFIER.test(id)) return undefined;
  const instance = await describeInstance(w, id.toLowerCase());
  if (!instance?.DBInstanceArn) return undefined;
  // Without the prefix the guard refuses on the name alone: the tags DescribeDBInstances returned are
  // enough to say so (and the role may not read tags outside the prefix).
  const tags = hasPrefix(instance.DBInstanceIdentifier, w.ctx.config.prefix)
    ? ((await readTags(w, instance.DBInstanceArn)) ?? {})
    : fromTagList(instance.TagList);
  return { kind: RESOURCE_KIND, id: instance.DBInstanceIdentifier ?? id, arn: instance.DBInstanceArn, tags };
}

/** Untagged instances that completed restore jobs of snapclone's restore role made (any age the jobs list). */
export async function orphanRestores(w: Where): Promise<Clone[]> {
  const made = new Set((await restoreJobs(w, new Date(0))).flatMap((j) => (j.Status === 'COMPLETED' && j.CreatedResourceArn ? [j.CreatedResourceArn] : [])));
  const orphans: Clone[] = [];
  for (const arn of made) {
    const id = parseDbArn(arn)?.id;
    const clone = id ? await describeClone(w, id) : undefined;
    if (clone && !clone.tagged) orphans.push(clone);
  }
  return orphans;
}
