// The one place the tests call the policy builder. Today src/iam/policy.ts exports `policyFor(config, target)`
// (one document, attached inline); another branch adds `policiesFor(config, target)` returning the managed
// policies `{ name, document }[]`. This adapter uses `policiesFor` when the module exports it, else `policyFor`.
// INTEGRATOR: once `policiesFor` lands, nothing here needs to change; drop the fallback when `policyFor` goes.
import type { Config } from '../../../src/config/schema.ts';
import * as builder from '../../../src/iam/policy.ts';
import type { PolicyDocument } from '../../../src/iam/policy.ts';
import type { NamedDocument } from './sar-check.ts';

type PoliciesFor = (config: Config, target: string) => NamedDocument[];
type PolicyFor = (config: Config, target: string) => PolicyDocument;

const exported = builder as unknown as { policiesFor?: PoliciesFor; policyFor?: PolicyFor };

/**
 * The role's permissions for a target, as the checker takes them: the managed policies when the builder makes
 * several (each checked against the managed-policy quota), else the single document (checked as inline).
 */
export function generatedPolicies(config: Config, target: string): PolicyDocument | NamedDocument[] {
  if (exported.policiesFor) return exported.policiesFor(config, target);
  if (exported.policyFor) return exported.policyFor(config, target);
  throw new Error('src/iam/policy.ts exports neither policiesFor nor policyFor');
}

/** The same, as plain documents (what an evaluator attaches to the role). */
export function policyDocuments(config: Config, target: string): PolicyDocument[] {
  const policies = generatedPolicies(config, target);
  return Array.isArray(policies) ? policies.map((p) => p.document) : [policies];
}

/** Which builder function the adapter used, for test titles. */
export const builderFunction = exported.policiesFor ? 'policiesFor' : 'policyFor';
