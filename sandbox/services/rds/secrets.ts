import { randomUUID } from 'node:crypto';
import { secret } from '../../core/ids.ts';
import type { World } from '../../core/world.ts';
import { createSecretRecord, deleteSecretRecord } from '../secretsmanager/store.ts';
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
export function createManagedSecret(where: Where, instance: DbInstance, kmsKeyId?: string): void {
  const { world, accountId, region } = where;
  const password = secret(32);
  const key = kmsKeyId ?? rdsState(world, accountId, region).secretsKmsKeyId;
  const arn = createSecretRecord(world, accountId, region, {
    name: `rds!db-${randomUUID()}`,
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
