import { iamErrors } from './errors.ts';

/**
 * IAM's size and count quotas (IAM User Guide, "IAM and AWS STS quotas"): whitespace is not counted in policy
 * sizes. The error codes are the SDK model's (LimitExceeded 409, MalformedPolicyDocument 400); the messages
 * follow what IAM answers (their wording is a belief: AWS does not document it).
 */
export const QUOTAS = {
  /** Customer-managed policy document. */
  managedPolicyChars: 6144,
  /** All inline policies of one role, together. */
  roleInlineChars: 10240,
  /** A role's trust policy (the default; raisable to 4,096 through Service Quotas). */
  trustPolicyChars: 2048,
  /** Managed policies attached to one role (the default; raisable to 20). */
  managedPoliciesPerRole: 10,
};

/** A policy document's size as IAM counts it: characters other than whitespace. */
export const policySize = (text: string): number => text.replace(/\s/g, '').length;

/**
 * A policy document as IAM takes it: JSON with a Statement (MalformedPolicyDocument otherwise). Documents
 * arrive as the JSON text (the SDKs and the CLI send it as is; IAM answers it URL-encoded).
 */
export function parsedDocument(text: string | undefined, field: string): Record<string, unknown> {
  if (!text) throw iamErrors.validation(`1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw iamErrors.malformedPolicy('Syntax errors in policy.');
  }
  if (!parsed || typeof parsed !== 'object' || !('Statement' in parsed)) throw iamErrors.malformedPolicy('Missing required field Statement');
  return parsed as Record<string, unknown>;
}

export function checkManagedPolicySize(text: string): void {
  if (policySize(text) > QUOTAS.managedPolicyChars) {
    throw iamErrors.limitExceeded(`Cannot exceed quota for PolicySize: ${QUOTAS.managedPolicyChars}`);
  }
}

export function checkTrustPolicySize(text: string): void {
  if (policySize(text) > QUOTAS.trustPolicyChars) {
    throw iamErrors.limitExceeded(`Cannot exceed quota for ACLSizePerRole: ${QUOTAS.trustPolicyChars}`);
  }
}

export function checkInlineTotal(roleName: string, documents: string[]): void {
  if (documents.reduce((sum, d) => sum + policySize(d), 0) > QUOTAS.roleInlineChars) {
    throw iamErrors.limitExceeded(`Maximum policy size of ${QUOTAS.roleInlineChars} bytes exceeded for role ${roleName}`);
  }
}

export function checkAttachmentCount(count: number): void {
  if (count > QUOTAS.managedPoliciesPerRole) {
    throw iamErrors.limitExceeded(`Cannot exceed quota for PoliciesPerRole: ${QUOTAS.managedPoliciesPerRole}`);
  }
}
