import { randomUUID } from 'node:crypto';
import { checkPermission, requestTagContext } from '../../core/authorize.ts';
import { AwsError } from '../../core/errors.ts';
import type { RequestContext } from '../../core/service.ts';
import { tagList } from '../../core/tags.ts';
import { addSecret, findSecret, secretArnPrefix, secretNotFound, secretsOf, type SecretRecord } from './store.ts';

type Tag = { Key?: string; Value?: string };

const invalidParameter = (message: string) => new AwsError('InvalidParameterException', message);
const invalidRequest = (message: string) => new AwsError('InvalidRequestException', message);
const constraint = (member: string, rule: string) =>
  new AwsError('ValidationException', `1 validation error detected: Value at '${member}' failed to satisfy constraint: ${rule}`);

function checkLength(value: string | undefined, member: string, min: number, max: number): void {
  if (value === undefined) return;
  if (value.length < min) throw constraint(member, `Member must have length greater than or equal to ${min}`);
  if (value.length > max) throw constraint(member, `Member must have length less than or equal to ${max}`);
}

export function tagsOf(tags: Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if ((tags?.length ?? 0) > 50) throw invalidParameter('Number of tags exceeds the limit of 50.');
  for (const tag of tags ?? []) {
    if (!tag.Key || tag.Key.length > 128) throw constraint('tags.member.key', 'Member must have length between 1 and 128');
    if ((tag.Value ?? '').length > 256) throw constraint('tags.member.value', 'Member must have length less than or equal to 256');
    if (tag.Key.toLowerCase().startsWith('aws:')) throw invalidParameter('Tag keys with the prefix aws: are reserved for AWS use.');
    out[tag.Key] = tag.Value ?? '';
  }
  return out;
}

/** A secret that exists, by name or ARN; ResourceNotFoundException otherwise. */
function existing(ctx: RequestContext, secretId: string | undefined): SecretRecord {
  checkLength(secretId, 'secretId', 1, 2048);
  const secret = secretId === undefined ? undefined : findSecret(ctx.world, ctx.accountId, ctx.region, secretId);
  if (!secret) throw secretNotFound();
  return secret;
}

function notDeleted(secret: SecretRecord): SecretRecord {
  if (secret.deletionDate) {
    throw invalidRequest(`You can't perform this operation on the secret because it was marked for deletion.`);
  }
  return secret;
}

const versionStages = (secret: SecretRecord) =>
  Object.fromEntries([...secret.versions.values()].map((v) => [v.id, [...v.stages]]));

const NAME = /^[A-Za-z0-9/_+=.@-]+$/;

interface CreateSecretInput {
  Name: string;
  ClientRequestToken?: string;
  Description?: string;
  KmsKeyId?: string;
  SecretBinary?: Uint8Array;
  SecretString?: string;
  Tags?: Tag[];
  AddReplicaRegions?: unknown[];
  ForceOverwriteReplicaSecret?: boolean;
  Type?: string;
}

export function createSecret(input: CreateSecretInput, ctx: RequestContext) {
  checkLength(input.Name, 'name', 1, 512);
  checkLength(input.ClientRequestToken, 'clientRequestToken', 32, 64);
  checkLength(input.Description, 'description', 0, 2048);
  checkLength(input.KmsKeyId, 'kmsKeyId', 0, 2048);
  if (!NAME.test(input.Name)) {
    throw invalidParameter('Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
  }
  if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
    throw invalidParameter("You can't specify both a binary secret value and a string secret value in the same secret.");
  }
  if (input.SecretString !== undefined && Buffer.byteLength(input.SecretString) > 65536) {
    throw constraint('secretString', 'Member must have length less than or equal to 65536');
  }
  if (input.AddReplicaRegions && input.AddReplicaRegions.length > 0) {
    throw invalidRequest('The snapclone sandbox does not replicate secrets to other regions.');
  }
  const tags = tagsOf(input.Tags);
  if (Object.keys(tags).length > 0) {
    // Tags at creation also need secretsmanager:TagResource (the Secrets Manager API reference).
    const arn = `${secretArnPrefix(ctx.region, ctx.accountId, input.Name)}-??????`;
    checkPermission(ctx, 'secretsmanager:TagResource', [arn], requestTagContext(tags));
  }
  const token = input.ClientRequestToken ?? randomUUID();
  const current = findSecret(ctx.world, ctx.accountId, ctx.region, input.Name);
  const sameVersion = current?.versions.get(token);
  if (current && sameVersion && !current.deletionDate) {
    // Idempotent retry: the same token with the same value answers what the first call answered.
    const sameValue =
      sameVersion.secretString === input.SecretString &&
      Buffer.compare(Buffer.from(sameVersion.secretBinary ?? []), Buffer.from(input.SecretBinary ?? [])) === 0;
    if (!sameValue) {
      throw new AwsError(
        'ResourceExistsException',
        "You can't modify an existing version, you can only create a new version. Use PutSecretValue instead.",
      );
    }
    return { ARN: current.arn, Name: current.name, VersionId: token };
  }
  const secret = addSecret(ctx.world, ctx.accountId, ctx.region, {
    name: input.Name,
    secretString: input.SecretString as string,
    secretBinary: input.SecretBinary,
    description: input.Description,
    kmsKeyId: input.KmsKeyId,
    tags,
    versionId: token,
  });
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: secret.versions.size > 0 ? token : undefined,
  };
}

export function getSecretValue(input: { SecretId: string; VersionId?: string; VersionStage?: string }, ctx: RequestContext) {
  const secret = notDeleted(existing(ctx, input.SecretId));
  const versions = [...secret.versions.values()];
  let version;
  if (input.VersionId !== undefined) {
    version = secret.versions.get(input.VersionId);
    if (!version) {
      throw new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${input.VersionId}`);
    }
    if (input.VersionStage !== undefined && !version.stages.includes(input.VersionStage)) {
      throw invalidRequest(`You provided a VersionStage that is not associated to the provided VersionId.`);
    }
  } else {
    const stage = input.VersionStage ?? 'AWSCURRENT';
    version = versions.find((v) => v.stages.includes(stage));
    if (!version) {
      throw new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for staging label: ${stage}`);
    }
  }
  const now = ctx.world.clock.now();
  secret.lastAccessed = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: version.id,
    SecretString: version.secretString,
    SecretBinary: version.secretBinary,
    VersionStages: [...version.stages],
    CreatedDate: version.created,
  };
}

export function putSecretValue(
  input: { SecretId: string; ClientRequestToken?: string; SecretString?: string; SecretBinary?: Uint8Array; VersionStages?: string[] },
  ctx: RequestContext,
) {
  const secret = notDeleted(existing(ctx, input.SecretId));
  if ((input.SecretString === undefined) === (input.SecretBinary === undefined)) {
    throw invalidParameter('You must provide either SecretString or SecretBinary, but not both.');
  }
  const id = input.ClientRequestToken ?? randomUUID();
  const stages = input.VersionStages ?? ['AWSCURRENT'];
  const same = secret.versions.get(id);
  if (same) {
    if (same.secretString !== input.SecretString) {
      throw new AwsError('ResourceExistsException', "You can't modify an existing version, you can only create a new version.");
    }
    return { ARN: secret.arn, Name: secret.name, VersionId: id, VersionStages: [...same.stages] };
  }
  const now = ctx.world.clock.now();
  // The version losing AWSCURRENT becomes AWSPREVIOUS; versions left without labels are dropped.
  const previousCurrent = stages.includes('AWSCURRENT')
    ? [...secret.versions.values()].find((v) => v.stages.includes('AWSCURRENT'))
    : undefined;
  for (const version of secret.versions.values()) {
    version.stages = version.stages.filter((s) => !stages.includes(s) && !(previousCurrent && s === 'AWSPREVIOUS'));
  }
  previousCurrent?.stages.push('AWSPREVIOUS');
  for (const [versionId, version] of secret.versions) if (version.stages.length === 0) secret.versions.delete(versionId);
  secret.versions.set(id, { id, secretString: input.SecretString, secretBinary: input.SecretBinary, stages, created: now });
  secret.lastChanged = now;
  return { ARN: secret.arn, Name: secret.name, VersionId: id, VersionStages: stages };
}

function describe(secret: SecretRecord) {
  return {
    ARN: secret.arn,
    Name: secret.name,
    Description: secret.description,
    KmsKeyId: secret.kmsKeyId,
    RotationEnabled: false,
    LastChangedDate: secret.lastChanged,
    LastAccessedDate: secret.lastAccessed,
    DeletedDate: secret.deletedDate,
    Tags: tagList(secret.tags),
    OwningService: secret.owningService,
    CreatedDate: secret.created,
  };
}

export function describeSecret(input: { SecretId: string }, ctx: RequestContext) {
  const secret = existing(ctx, input.SecretId);
  return { ...describe(secret), VersionIdsToStages: versionStages(secret) };
}

export function deleteSecret(
  input: { SecretId: string; RecoveryWindowInDays?: number; ForceDeleteWithoutRecovery?: boolean },
  ctx: RequestContext,
) {
  const secret = existing(ctx, input.SecretId);
  const force = input.ForceDeleteWithoutRecovery === true;
  if (force && input.RecoveryWindowInDays !== undefined) {
    throw invalidParameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
  }
  const days = input.RecoveryWindowInDays ?? 30;
  if (!force && (days < 7 || days > 30)) {
    throw invalidParameter('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
  }
  if (secret.owningService) {
    throw invalidRequest(
      `You can't delete secret ${secret.name} because it's managed by ${secret.owningService}.amazonaws.com. Delete the resource that owns it instead.`,
    );
  }
  if (secret.deletionDate && !force) {
    throw invalidRequest(`You can't perform this operation on the secret because it was already scheduled for deletion.`);
  }
  const now = ctx.world.clock.now();
  if (force) {
    secretsOf(ctx.world, ctx.accountId, ctx.region).delete(secret.name);
    return { ARN: secret.arn, Name: secret.name, DeletionDate: now };
  }
  secret.deletedDate = now;
  secret.deletionDate = new Date(now.getTime() + days * 86_400_000);
  return { ARN: secret.arn, Name: secret.name, DeletionDate: secret.deletionDate };
}

export function restoreSecret(input: { SecretId: string }, ctx: RequestContext) {
  const secret = existing(ctx, input.SecretId);
  secret.deletedDate = undefined;
  secret.deletionDate = undefined;
  return { ARN: secret.arn, Name: secret.name };
}

export function tagResource(input: { SecretId: string; Tags: Tag[] }, ctx: RequestContext) {
  const secret = notDeleted(existing(ctx, input.SecretId));
  const tags = { ...secret.tags, ...tagsOf(input.Tags) };
  if (Object.keys(tags).length > 50) throw invalidParameter('Number of tags exceeds the limit of 50.');
  secret.tags = tags;
  return {};
}

export function untagResource(input: { SecretId: string; TagKeys: string[] }, ctx: RequestContext) {
  const secret = notDeleted(existing(ctx, input.SecretId));
  for (const key of input.TagKeys ?? []) delete secret.tags[key];
  return {};
}

type Filter = { Key?: string; Values?: string[] };
const FILTER_KEYS = new Set(['description', 'name', 'tag-key', 'tag-value', 'primary-region', 'owning-service', 'all']);

/** Filter values are prefix matches; a leading '!' negates. Several values: any; several filters: all. */
function matchesFilter(secret: SecretRecord, filter: Filter, region: string): boolean {
  const fields: Record<string, string[]> = {
    description: [secret.description ?? ''],
    name: [secret.name],
    'tag-key': Object.keys(secret.tags),
    'tag-value': Object.values(secret.tags),
    'primary-region': [region],
    'owning-service': secret.owningService ? [secret.owningService] : [],
  };
  fields.all = [...fields.name, ...fields.description, ...fields['tag-key'], ...fields['tag-value']];
  const candidates = fields[filter.Key ?? ''] ?? [];
  return (filter.Values ?? []).some((value) =>
    value.startsWith('!')
      ? !candidates.some((c) => c.startsWith(value.slice(1)))
      : candidates.some((c) => c.startsWith(value)),
  );
}

export function listSecrets(
  input: { IncludePlannedDeletion?: boolean; MaxResults?: number; NextToken?: string; Filters?: Filter[]; SortOrder?: string; SortBy?: string },
  ctx: RequestContext,
) {
  const max = input.MaxResults ?? 100;
  if (max < 1 || max > 100) throw constraint('maxResults', 'Member must have value between 1 and 100');
  for (const filter of input.Filters ?? []) {
    if (!FILTER_KEYS.has(filter.Key ?? '')) throw invalidParameter(`Invalid filter key: ${filter.Key}`);
  }
  let start = 0;
  if (input.NextToken !== undefined) {
    start = Number(Buffer.from(input.NextToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) {
      throw new AwsError('InvalidNextTokenException', 'The NextToken value is invalid.');
    }
  }
  const secrets = [...secretsOf(ctx.world, ctx.accountId, ctx.region).values()]
    .filter((s) => input.IncludePlannedDeletion || !s.deletionDate)
    .filter((s) => (input.Filters ?? []).every((f) => matchesFilter(s, f, ctx.region)));
  const by = input.SortBy ?? 'created-date';
  const key = (s: SecretRecord): string | number =>
    by === 'name' ? s.name : by === 'last-changed-date' ? s.lastChanged.getTime() : by === 'last-accessed-date' ? (s.lastAccessed?.getTime() ?? 0) : s.created.getTime();
  secrets.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.name.localeCompare(b.name)));
  if ((input.SortOrder ?? 'asc') === 'desc') secrets.reverse();
  const page = secrets.slice(start, start + max);
  const next = start + max < secrets.length ? Buffer.from(String(start + max)).toString('base64url') : undefined;
  return {
    SecretList: page.map((s) => ({ ...describe(s), SecretVersionsToStages: versionStages(s) })),
    NextToken: next,
  };
}
