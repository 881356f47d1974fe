import type { RequestContext } from './service.ts';

/** An authorization a call needs besides its own action (AWS checks it with the caller's rights). */
export interface DependentCheck {
  action: string;
  resources: string[];
  /** The condition keys AWS sets on that authorization (a grant the service creates for itself). */
  context?: Record<string, string>;
}

/**
 * What a restore into storage encrypted with a customer-managed key needs: the service creates a grant on the
 * key with the caller's rights (RDS User Guide, "AWS KMS key management": "To create an RDS resource using a
 * customer managed key, a user must have permissions to call kms:CreateGrant, kms:DescribeKey"). AWS managed keys
 * (aws/rds) need nothing of the caller. Keys given as ids are made ARNs in the caller's account and region.
 */
export function customerKeyChecks(ctx: RequestContext, keys: (string | undefined)[], awsManaged: string[]): DependentCheck[] {
  const arns = new Set<string>();
  for (const key of keys) {
    if (!key) continue;
    const arn = key.startsWith('arn:') ? key : `arn:aws:kms:${ctx.region}:${ctx.accountId}:key/${key}`;
    if (!awsManaged.includes(arn)) arns.add(arn);
  }
  if (arns.size === 0) return [];
  return [
    { action: 'kms:DescribeKey', resources: [...arns] },
    // The grant is for the service's own use of the key: kms:GrantIsForAWSResource is true (KMS developer guide).
    { action: 'kms:CreateGrant', resources: [...arns], context: { 'kms:GrantIsForAWSResource': 'true' } },
  ];
}
