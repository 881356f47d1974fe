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

// TO BE WRITTEN (helper B): the Secrets Manager state; RDS calls this for ManageMasterUserPassword.
export function createSecretRecord(world: World, accountId: string, region: string, input: SecretInput): string {
  void world;
  void accountId;
  void region;
  void input;
  throw new Error('createSecretRecord not written yet');
}

export function deleteSecretRecord(world: World, accountId: string, region: string, arn: string): void {
  void world;
  void accountId;
  void region;
  void arn;
  throw new Error('deleteSecretRecord not written yet');
}
