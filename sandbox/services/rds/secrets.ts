import { randomUUID } from 'node:crypto';
import { AwsError } from '../../core/errors.ts';
import { secret } from '../../core/ids.ts';
import type { World } from '../../core/world.ts';
import { checkPermission } from '../../core/authorize.ts';
import type { RequestContext } from '../../core/service.ts';
import { createSecretRecord, deleteSecretRecord, putServiceSecretValue, secretArnPrefix } from '../secretsmanager/store.ts';
import { rdsErrors } from './errors.ts';
import { rdsState } from './state.ts';

/** A DB instance or an Aurora DB cluster: what has a master user that RDS may manage. */
interface MasterUser {
  arn: string;
  masterUsername: string;
  masterPassword: string;
  masterPasswordSets?: number;
  masterUserSecret?: { arn: string; kmsKeyId: string };
  inheritedSecret?: { arn: string; kmsKeyId: string };
}

interface Where {
  world: World;
  accountId: string;
  region: string;
}

/**
 * ManageMasterUserPassword: RDS creates a secret it owns (named rds!db-<uuid>) holding a new random
 * password, and the instance's master password becomes that one.
 */
export function createManagedSecret(where: Where | RequestContext, instance: MasterUser, kmsKeyId?: string): void {
  const { world, accountId, region } = where;
  const password = secret(32);
  const key = kmsKeyId ?? rdsState(world, accountId, region).secretsKmsKeyId;
  // A cluster's secret is rds!cluster-<uuid>, tagged with aws:rds:primaryDBClusterArn.
  const cluster = instance.arn.split(':')[5] === 'cluster';
  const name = `rds!${cluster ? 'cluster' : 'db'}-${randomUUID()}`;
  if ('principal' in where) {
    // RDS creates and tags the secret with the caller's rights (the RDS User Guide's required permissions).
    const secretArn = secretArnPrefix(region, accountId, name);
    // Secrets Manager's AWS managed key carries its alias (kms:ResourceAliases, a key's condition key).
    checkPermission(where, 'kms:DescribeKey', [key], kmsKeyId ? {} : { 'kms:ResourceAliases': ['alias/aws/secretsmanager'] });
    checkPermission(where, 'secretsmanager:CreateSecret', [secretArn]);
    checkPermission(where, 'secretsmanager:TagResource', [secretArn]);
  }
  const arn = createSecretRecord(world, accountId, region, {
    name,
    secretString: JSON.stringify({ username: instance.masterUsername, password }),
    description: `Secret associated with primary RDS DB ${cluster ? 'cluster' : 'instance'}: ${instance.arn}`,
    kmsKeyId: key,
    tags: { [cluster ? 'aws:rds:primaryDBClusterArn' : 'aws:rds:primaryDBInstanceArn']: instance.arn },
    owningService: 'rds',
  });
  instance.masterUserSecret = { arn, kmsKeyId: key };
  // Its own secret replaces the one it reported from its source's metadata.
  instance.inheritedSecret = undefined;
  instance.masterPassword = password;
  instance.masterPasswordSets = (instance.masterPasswordSets ?? 0) + 1;
}

/**
 * RotateMasterUserPassword: RDS puts a new random password in the secret it manages (a new AWSCURRENT version)
 * and returns it, for the modification to make it the master password. The API reference: "valid only if the
 * master user password is managed by RDS in Amazon Web Services Secrets Manager"; "You must apply the change
 * immediately when rotating the master user password". (Whether RDS also checks secretsmanager:RotateSecret
 * on the caller is not documented; the sandbox checks nothing more than the modification itself.)
 */
export function rotateManagedSecret(where: Where, resource: MasterUser, input: RotationInput): string | undefined {
  if (input.RotateMasterUserPassword !== true) return undefined;
  checkRotation(resource, input);
  const password = secret(32);
  putServiceSecretValue(where.world, where.accountId, where.region, resource.masterUserSecret!.arn, JSON.stringify({ username: resource.masterUsername, password }));
  return password;
}

interface RotationInput {
  RotateMasterUserPassword?: boolean;
  ApplyImmediately?: boolean;
  MasterUserPassword?: string;
  ManageMasterUserPassword?: boolean;
}

/** Refuses a RotateMasterUserPassword the API reference's constraints exclude (checked before anything changes). */
export function checkRotation(resource: MasterUser, input: RotationInput): void {
  if (input.RotateMasterUserPassword !== true) return;
  if (!resource.masterUserSecret || input.ManageMasterUserPassword === false) {
    throw rdsErrors.invalidParameterCombination('You can rotate the master user password only when it is managed by RDS in Secrets Manager.');
  }
  if (input.MasterUserPassword !== undefined) {
    throw rdsErrors.invalidParameterCombination('You cannot specify MasterUserPassword when RotateMasterUserPassword is true.');
  }
  if (input.ApplyImmediately !== true) {
    throw rdsErrors.invalidParameterCombination('You must apply the change immediately (ApplyImmediately) when rotating the master user password.');
  }
}

/**
 * ManageMasterUserPassword=false where RDS does not manage the password (none, or only a secret inherited from
 * the source's metadata): RDS refuses it with this answer (reported from July 2026 by terraform-provider-aws
 * #48901, third-party).
 */
export function notManaged(): AwsError {
  return new AwsError(
    'InvalidParameterCombination',
    'You cannot set ManageMasterUserPassword to false because the master user password is not currently managed by RDS.',
    400,
  );
}

/** The instance's RDS-owned secret goes when the instance does, or when it stops being managed. */
export function deleteManagedSecret(where: Where, instance: MasterUser): void {
  if (!instance.masterUserSecret) return;
  deleteSecretRecord(where.world, where.accountId, where.region, instance.masterUserSecret.arn);
  instance.masterUserSecret = undefined;
}
