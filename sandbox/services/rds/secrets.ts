import { randomUUID } from 'node:crypto';
import { secret } from '../../core/ids.ts';
import type { World } from '../../core/world.ts';
import { checkPermission } from '../../core/authorize.ts';
import type { RequestContext } from '../../core/service.ts';
import { createSecretRecord, deleteSecretRecord, secretArnPrefix } from '../secretsmanager/store.ts';
import { rdsState, type DbInstance } from './state.ts';

interface Where {
  world: World;
  accountId: string;
  region: string;
}

/**
 * ManageMasterUserPassword: RDS creates a secret it owns (named rds!db-<uuid>) holding a new random
 * password, and the instance's master password becomes that one.
 */
export function createManagedSecret(where: Where | RequestContext, instance: DbInstance, kmsKeyId?: string): void {
  const { world, accountId, region } = where;
  const password = secret(32);
  const key = kmsKeyId ?? rdsState(world, accountId, region).secretsKmsKeyId;
  const name = `rds!db-${randomUUID()}`;
  if ('principal' in where) {
    // RDS creates and tags the secret with the caller's rights (the RDS User Guide's required permissions).
    const secretArn = secretArnPrefix(region, accountId, name);
    checkPermission(where, 'kms:DescribeKey', [key]);
    checkPermission(where, 'secretsmanager:CreateSecret', [secretArn]);
    checkPermission(where, 'secretsmanager:TagResource', [secretArn]);
  }
  const arn = createSecretRecord(world, accountId, region, {
    name,
    secretString: JSON.stringify({ username: instance.masterUsername, password }),
    description: `Secret associated with primary RDS DB instance: ${instance.arn}`,
    kmsKeyId: key,
    tags: { 'aws:rds:primaryDBInstanceArn': instance.arn },
    owningService: 'rds',
  });
  instance.masterUserSecret = { arn, kmsKeyId: key };
  instance.masterPassword = password;
}

/** The instance's RDS-owned secret goes when the instance does, or when it stops being managed. */
export function deleteManagedSecret(where: Where, instance: DbInstance): void {
  if (!instance.masterUserSecret) return;
  deleteSecretRecord(where.world, where.accountId, where.region, instance.masterUserSecret.arn);
  instance.masterUserSecret = undefined;
}
