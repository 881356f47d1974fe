import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import type { Context } from '../core/context.ts';
import { enginesIn } from '../engines/index.ts';
import type { SourceRef, TargetRef } from '../engines/types.ts';
import { sourceKeyArns } from '../iam/policy.ts';
import type { Check } from './doctor.ts';

/** The KMS key a source's storage is encrypted with, as AWS describes it (the describe calls create already makes). */
async function storageKeyOf(ctx: Context, target: TargetRef, source: SourceRef): Promise<string | undefined> {
  const clients = ctx.clients(target.name);
  switch (source.config.engine) {
    case 'rds': {
      const out = await clients.of(RDSClient).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: source.config.id }));
      return out.DBInstances?.[0]?.KmsKeyId;
    }
    case 'aurora': {
      const out = await clients.of(RDSClient).send(new DescribeDBClustersCommand({ DBClusterIdentifier: source.config.id }));
      return out.DBClusters?.[0]?.KmsKeyId;
    }
    case 'elasticache': {
      const out = await clients.of(ElastiCacheClient).send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: source.config.id }));
      return out.ReplicationGroups?.[0]?.KmsKeyId;
    }
    default:
      return undefined;
  }
}

/**
 * Which sources' storage keys the role must be allowed to use (kms:CreateGrant, kms:DescribeKey) in the keys'
 * own policies, and a warning for a source encrypted with a key the config does not name: a restore from it
 * fails if that key is customer-managed (an AWS managed key, aws/rds, needs nothing).
 */
export async function checkSourceKeys(ctx: Context, target: TargetRef, role: string): Promise<Check[]> {
  const engines = new Set(enginesIn(target).map((e) => e.name));
  const sources = Object.entries(ctx.config.sources)
    .filter(([, s]) => engines.has(s.engine) && s.account === target.config.account && s.region === target.config.region)
    .map(([name, config]) => ({ name, config }));
  const checks: Check[] = [];
  for (const source of sources) {
    const configured = sourceKeyArns(source.config);
    let key: string | undefined;
    try {
      key = await storageKeyOf(ctx, target, source);
    } catch {
      continue; // the source's own checks say why it cannot be read
    }
    const check = `source key (${source.name})`;
    if (!key && configured.length === 0) continue;
    if (key && !configured.includes(key)) {
      checks.push({
        target: target.name,
        check,
        ok: true,
        warning: true,
        detail: `${source.name} is encrypted with ${key}, which sources.${source.name}.kmsKeyArn does not name: restores fail if it is a customer-managed key`,
        fix: `If it is customer-managed, set sources.${source.name}.kmsKeyArn: ${key}, regenerate the policy, and let that key's policy allow ${role} kms:CreateGrant and kms:DescribeKey.`,
      });
      continue;
    }
    checks.push({
      target: target.name,
      check,
      ok: true,
      detail: `the key policy of ${configured.join(', ')} must allow ${role} kms:CreateGrant (for AWS resources) and kms:DescribeKey`,
    });
  }
  return checks;
}
