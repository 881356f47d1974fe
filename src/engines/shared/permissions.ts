import type { TargetConfig } from '../../config/schema.ts';
import { read, write, type Permission, type ScopeWhere } from '../../iam/declare.ts';

/** The declarations every engine with a master password shares: its clone secret, and the secret the service manages. */
export const secretPermissions = {
  describe: read('secretsmanager:DescribeSecret', 'clone-secret'),
  value: read('secretsmanager:GetSecretValue', 'clone-secret', 'resource'),
  managedValue: read('secretsmanager:GetSecretValue', 'managed-secret', 'owned-by-clone'),
  /** password 'generated': a new password in a secret named after the clone, tagged like it. */
  generated: [write('secretsmanager:CreateSecret', ['clone-secret'], 'request'), write('secretsmanager:TagResource', ['clone-secret'], 'request')],
  delete: write('secretsmanager:DeleteSecret', ['clone-secret'], 'resource'),
};

/**
 * The secret key of managed secrets: the target's kmsKeyId as a key ARN or key id; by alias, or when none is
 * configured (Secrets Manager's AWS managed key), every key of the account, which the builder binds to that
 * alias (kms:ResourceAliases): never an unbound `key/*`.
 */
export function secretKeyArns(kmsKeyId: string | undefined, w: ScopeWhere): string[] {
  if (kmsKeyId?.startsWith('arn:') && kmsKeyId.includes(':key/')) return [kmsKeyId];
  if (kmsKeyId && !kmsKeyId.includes('alias/')) return [`arn:${w.partition}:kms:${w.region}:${w.account}:key/${kmsKeyId}`];
  return [`arn:${w.partition}:kms:${w.region}:${w.account}:key/*`];
}

/**
 * A restore of a source encrypted with a customer-managed key makes the service create a grant on that key
 * for the clone, with the caller's rights (RDS User Guide, "AWS KMS key management": kms:CreateGrant and
 * kms:DescribeKey), only for an AWS service (kms:GrantIsForAWSResource); the keys are the configured ones.
 */
export const sourceKeyUse: Permission[] = [read('kms:DescribeKey', 'source-key'), write('kms:CreateGrant', ['source-key'], 'grant-for-aws-resource')];

/**
 * The service creates and tags a managed secret with the caller's rights, and checks the caller may use its
 * KMS key (a customer key, `kmsKeyId` of the placement, needs more); `when` says for which targets.
 */
export function managedSecretWrites(kmsKeyId: (t: TargetConfig) => string | undefined, when: (t: TargetConfig) => boolean = () => true): Permission[] {
  return [
    // Never on a secret whose RDS tag names another resource (production's): security H3.
    { ...write('secretsmanager:CreateSecret', ['managed-secret'], 'created-for-clone'), when },
    { ...write('secretsmanager:TagResource', ['managed-secret'], 'created-for-clone'), when },
    { ...read('kms:DescribeKey', 'secret-key'), when },
    ...[read('kms:Decrypt', 'secret-key'), read('kms:GenerateDataKey', 'secret-key'), write('kms:CreateGrant', ['secret-key'], 'grant-for-aws-resource')].map(
      (p) => ({ ...p, when: (t: TargetConfig) => when(t) && Boolean(kmsKeyId(t)) }),
    ),
  ];
}
