import type { Config } from '../config/schema.ts';
import { UsageError } from '../core/errors.ts';
import { mergedStatements, type MergedStatement, type PolicyDocument, type PolicyStatement } from './policy.ts';

/**
 * IAM's quotas (IAM User Guide, "IAM and AWS STS quotas"; whitespace is not counted): a customer-managed
 * policy holds at most 6,144 characters, a role has at most 10 managed policies attached (the default quota,
 * 20 on request), and a role's inline policies total at most 10,240 characters.
 */
export const IAM_QUOTAS = { managedPolicyChars: 6144, managedPoliciesPerRole: 10, inlineChars: 10240 } as const;

/** A policy's size as IAM counts it: its JSON without whitespace. */
export function policySize(document: PolicyDocument): number {
  return JSON.stringify(document).replace(/\s/g, '').length;
}

export interface NamedPolicy {
  name: string;
  document: PolicyDocument;
}

const documentOf = (Statement: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });

/** The concern a statement belongs to: the engine of its parts, or `shared` (doctor, the janitor, the deny). */
function concernOf(m: MergedStatement): string {
  const engines = [...new Set(m.parts.map((p) => p.engine))];
  return engines.length === 1 ? engines[0] : 'shared';
}

const CONCERNS = ['shared', 'rds', 'aurora', 'elasticache', 'opensearch'];

/**
 * The target's permissions as customer-managed policies that each fit IAM's 6,144 characters, named
 * `<prefix>-<target>-<n>`: statements in a fixed order (shared, then engine by engine, each in the builder's
 * order) go into the first document they fit in, so the same config always gives the same documents.
 * More documents than a role may have attached is a usage error (exit 2).
 */
export function policiesFor(config: Config, targetName: string): NamedPolicy[] {
  const statements = mergedStatements(config, targetName)
    .map((m, i) => ({ m, i, concern: CONCERNS.indexOf(concernOf(m)) }))
    .sort((a, b) => a.concern - b.concern || a.i - b.i)
    .map(({ m }) => m.statement);
  const bins: PolicyStatement[][] = [];
  for (const statement of statements) {
    if (policySize(documentOf([statement])) > IAM_QUOTAS.managedPolicyChars) {
      throw new UsageError(
        `Statement ${statement.Sid} of target ${targetName} alone is ${policySize(documentOf([statement]))} characters, more than an IAM managed policy holds (${IAM_QUOTAS.managedPolicyChars})`,
        'Configure fewer sources for this target (or split them over targets).',
      );
    }
    const bin = bins.find((b) => policySize(documentOf([...b, statement])) <= IAM_QUOTAS.managedPolicyChars);
    if (bin) bin.push(statement);
    else bins.push([statement]);
  }
  if (bins.length > IAM_QUOTAS.managedPoliciesPerRole) {
    throw new UsageError(
      `The permissions of target ${targetName} need ${bins.length} managed policies of at most ${IAM_QUOTAS.managedPolicyChars} characters; a role takes at most ${IAM_QUOTAS.managedPoliciesPerRole} (IAM's default quota)`,
      'Configure fewer sources or engines for this target (or split them over targets).',
    );
  }
  return bins.map((b, i) => ({ name: `${config.prefix}-${targetName}-${i + 1}`, document: documentOf(b) }));
}
