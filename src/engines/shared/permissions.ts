import type { TargetConfig } from '../../config/schema.ts';
import { read, write, type Permission } from '../../iam/declare.ts';

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
 * The service creates and tags a managed secret with the caller's rights, and checks the caller may use its
 * KMS key (a customer key, `kmsKeyId` of the placement, needs more); `when` says for which targets.
 */
export function managedSecretWrites(kmsKeyId: (t: TargetConfig) => string | undefined, when: (t: TargetConfig) => boolean = () => true): Permission[] {
  return [
    { ...write('secretsmanager:CreateSecret', ['managed-secret']), when },
    { ...write('secretsmanager:TagResource', ['managed-secret']), when },
    { ...read('kms:DescribeKey', 'secret-key'), when },
    ...['kms:Decrypt', 'kms:GenerateDataKey', 'kms:CreateGrant'].map((action) => ({
      ...read(action, 'secret-key'),
      when: (t: TargetConfig) => when(t) && Boolean(kmsKeyId(t)),
    })),
  ];
}
