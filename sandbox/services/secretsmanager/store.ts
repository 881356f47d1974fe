import { randomUUID } from 'node:crypto';
import { AwsError } from '../../core/errors.ts';
import { alnumId } from '../../core/ids.ts';
import type { World } from '../../core/world.ts';

export interface SecretInput {
  name: string;
  secretString: string;
  description?: string;
  kmsKeyId?: string;
  tags?: Record<string, string>;
  /** Set for secrets a service manages (RDS master user secrets: 'rds'). */
  owningService?: string;
}

export interface SecretVersion {
  id: string;
  secretString?: string;
  secretBinary?: Uint8Array;
  stages: string[];
  created: Date;
}

export interface SecretRecord {
  arn: string;
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags: Record<string, string>;
  owningService?: string;
  created: Date;
  lastChanged: Date;
  lastAccessed?: Date;
  /** Set while the secret is scheduled for deletion: when it was deleted and when it will be gone. */
  deletedDate?: Date;
  deletionDate?: Date;
  versions: Map<string, SecretVersion>;
}

const registered = new WeakSet<World>();

/** A secret's ARN up to its name; the secret's own ARN adds `-` and six random characters. */
export const secretArnPrefix = (region: string, accountId: string, name: string) =>
  `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}`;

/** The secrets of one account and region (by name), purged of those whose deletion date has passed. */
export function secretsOf(world: World, accountId: string, region: string): Map<string, SecretRecord> {
  if (!registered.has(world)) {
    registered.add(world);
    world.addTagSource((w, account, r) =>
      w.regionsOf('secretsmanager', account).includes(r)
        ? [...secretsOf(w, account, r).values()].map((s) => ({ arn: s.arn, tags: { ...s.tags } }))
        : [],
      {
        service: 'secretsmanager',
        find: (w, arn) => {
          const [, , , r, account] = arn.split(':');
          if (!w.regionsOf('secretsmanager', account).includes(r)) return undefined;
          const secret = findSecret(w, account, r, arn);
          return secret?.arn === arn ? { ...secret.tags } : undefined;
        },
      },
    );
  }
  const secrets = world.state('secretsmanager', accountId, region, () => new Map<string, SecretRecord>());
  const now = world.clock.nowMs();
  for (const [name, secret] of secrets) {
    if (secret.deletionDate && secret.deletionDate.getTime() <= now) secrets.delete(name);
  }
  return secrets;
}

export const secretNotFound = () => new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");

/** Finds a secret by name, full ARN, or partial ARN (without the random suffix). */
export function findSecret(world: World, accountId: string, region: string, secretId: string): SecretRecord | undefined {
  const secrets = secretsOf(world, accountId, region);
  if (!secretId.startsWith('arn:')) return secrets.get(secretId);
  for (const secret of secrets.values()) {
    if (secret.arn === secretId || secret.arn.slice(0, -7) === secretId) return secret;
  }
  return undefined;
}

/** Adds a secret with one AWSCURRENT version; answers ResourceExistsException when the name is taken. */
export function addSecret(
  world: World,
  accountId: string,
  region: string,
  input: SecretInput & { secretBinary?: Uint8Array; versionId?: string; secretString?: string },
): SecretRecord {
  const secrets = secretsOf(world, accountId, region);
  const existing = secrets.get(input.name);
  if (existing?.deletionDate) {
    throw new AwsError(
      'InvalidRequestException',
      `You can't create this secret because a secret with this name is already scheduled for deletion.`,
    );
  }
  if (existing) throw new AwsError('ResourceExistsException', `The operation failed because the secret ${input.name} already exists.`);
  const now = world.clock.now();
  const secret: SecretRecord = {
    arn: `${secretArnPrefix(region, accountId, input.name)}-${alnumId(6)}`,
    name: input.name,
    description: input.description,
    kmsKeyId: input.kmsKeyId,
    tags: { ...input.tags },
    owningService: input.owningService,
    created: now,
    lastChanged: now,
    versions: new Map(),
  };
  if (input.secretString !== undefined || input.secretBinary !== undefined) {
    const id = input.versionId ?? randomUUID();
    secret.versions.set(id, {
      id,
      secretString: input.secretString,
      secretBinary: input.secretBinary,
      stages: ['AWSCURRENT'],
      created: now,
    });
  }
  secrets.set(secret.name, secret);
  return secret;
}

/** Creates a secret on behalf of a service (RDS ManageMasterUserPassword); returns its ARN. */
export function createSecretRecord(world: World, accountId: string, region: string, input: SecretInput): string {
  return addSecret(world, accountId, region, input).arn;
}

/**
 * A new value of a service-managed secret (RDS rotating the master password it manages): a new version takes
 * AWSCURRENT, the one that had it becomes AWSPREVIOUS, as PutSecretValue does.
 */
export function putServiceSecretValue(world: World, accountId: string, region: string, arn: string, secretString: string): void {
  const secret = [...secretsOf(world, accountId, region).values()].find((s) => s.arn === arn);
  if (!secret) throw secretNotFound();
  const now = world.clock.now();
  const current = [...secret.versions.values()].find((v) => v.stages.includes('AWSCURRENT'));
  for (const [id, version] of secret.versions) {
    version.stages = version.stages.filter((s) => s !== 'AWSPREVIOUS' && !(version === current && s === 'AWSCURRENT'));
    if (version === current) version.stages.push('AWSPREVIOUS');
    if (version.stages.length === 0) secret.versions.delete(id);
  }
  const id = randomUUID();
  secret.versions.set(id, { id, secretString, stages: ['AWSCURRENT'], created: now });
  secret.lastChanged = now;
}

/** Removes a service-managed secret at once (the owning service deletes it with its resource). */
export function deleteSecretRecord(world: World, accountId: string, region: string, arn: string): void {
  const secrets = secretsOf(world, accountId, region);
  for (const [name, secret] of secrets) if (secret.arn === arn) secrets.delete(name);
}
