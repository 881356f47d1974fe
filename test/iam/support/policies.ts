// The one place the tests call the policy builder: the customer-managed policies `policiesFor` splits the
// generated permissions into (src/iam/split.ts), each checked against the managed-policy quota.
import type { Config } from '../../../src/config/schema.ts';
import type { PolicyDocument } from '../../../src/iam/policy.ts';
import { policiesFor } from '../../../src/iam/split.ts';
import type { NamedDocument } from './sar-check.ts';

/** The role's permissions for a target, as the checker takes them: the managed policies. */
export function generatedPolicies(config: Config, target: string): NamedDocument[] {
  return policiesFor(config, target);
}

/** The same, as plain documents (what an evaluator attaches to the role). */
export function policyDocuments(config: Config, target: string): PolicyDocument[] {
  return generatedPolicies(config, target).map((p) => p.document);
}

/** The builder function the tests use, for test titles. */
export const builderFunction = 'policiesFor';
