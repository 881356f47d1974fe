import { UsageError } from '../core/errors.ts';
import { judgeTrust, roleOf, type Caller, type Request, type TrustFinding } from './trust-check.ts';

/**
 * A failed AssumeRole, told apart. AWS answers one AccessDenied ("User: X is not authorized to perform:
 * sts:AssumeRole on resource: R") whether the role does not exist, its trust policy does not name the caller,
 * the external id is wrong or MFA is missing — it does not reveal which — so snapclone works it out from what it
 * can know: its own settings (external id, MFA device), who the caller is (GetCallerIdentity), the reason
 * clause AWS may add ("because no identity-based policy allows…"), and the role's trust policy where the
 * caller may read it (iam:GetRole). Where it still cannot tell, it lists the likely causes in order.
 */

export interface AssumeAttempt extends Request {
  roleArn: string;
}

/** What reading the role told: missing, its trust policy, or why it could not be read. */
export type RoleLookup = { found: false } | { found: true; trustPolicy: string } | { unread: string };

export interface Facts {
  /** Who asked, when GetCallerIdentity answered (else read from AWS's message). */
  caller?: Caller;
  role: RoleLookup;
}

const CONFIG = {
  roleArn: 'access.roleArn',
  externalId: 'access.externalId',
  mfaSerial: 'access.mfaSerial',
  trustPrincipals: 'access.trust.principals',
};

const name = (error: unknown) => (error as { Code?: string; name?: string })?.Code ?? (error as { name?: string })?.name ?? '';
const messageOf = (error: unknown) => String((error as { message?: string })?.message ?? '');

/** Whether an AssumeRole failure is AWS refusing it (rather than bad input, a network error…). */
export function isAssumeRoleRefusal(error: unknown): boolean {
  return name(error) === 'AccessDenied';
}

/** The caller AWS names in its message ("User: arn:… is not authorized…"), when GetCallerIdentity could not say. */
function callerFromMessage(message: string): Caller | undefined {
  const arn = /User: (arn:[^\s]+) is not authorized/.exec(message)?.[1];
  const account = arn ? /^arn:[\w-]+:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1] : undefined;
  return arn && account ? { arn, account } : undefined;
}

const refused = (roleArn: string) => `Could not assume ${roleArn}`;

/** The error the user reads for a refused AssumeRole: one cause and its next step, or the likely causes in order. */
export function explainRefusal(error: unknown, attempt: AssumeAttempt, facts: Facts): UsageError {
  const message = messageOf(error);
  const { roleArn } = attempt;
  const caller = facts.caller ?? callerFromMessage(message);
  const who = caller?.arn ?? 'the credentials snapclone started from';

  if (/MultiFactorAuthentication failed with invalid MFA one time pass code/i.test(message)) {
    return new UsageError(
      `${refused(roleArn)}: AWS refused the MFA code (wrong, expired, or already used).`,
      'Wait for the next code on your MFA device and run the command again.',
    );
  }
  if (/MultiFactorAuthentication failed/i.test(message)) {
    return new UsageError(
      `${refused(roleArn)}: AWS could not check the MFA code against ${CONFIG.mfaSerial} for ${who}.`,
      `Set ${CONFIG.mfaSerial} to the ARN of an MFA device of ${who} (IAM console → Users → Security credentials → Multi-factor authentication).`,
    );
  }
  if ('found' in facts.role && !facts.role.found) {
    const account = roleOf(roleArn)?.account ?? 'its account';
    return new UsageError(
      `${refused(roleArn)}: there is no such role in account ${account}.`,
      `Check ${CONFIG.roleArn} for a typo (IAM console → Roles lists the account's roles), or create the role: snapclone iam template prints a CloudFormation template for it.`,
    );
  }
  const identityReason = /because (no identity-based policy allows[^.]*|of an explicit deny[^.]*|with an explicit deny[^.]*)/.exec(message)?.[1];
  if (identityReason) {
    return new UsageError(
      `${refused(roleArn)}: the permissions of ${who} do not allow it (AWS: ${identityReason}).`,
      `Check ${CONFIG.roleArn} for a typo; if it is right, ${who} needs a policy allowing sts:AssumeRole and sts:SetSourceIdentity on ${roleArn}.`,
    );
  }
  if ('found' in facts.role && facts.role.found && caller) {
    return fromTrust(judgeTrust(facts.role.trustPolicy, caller, attempt), attempt, who);
  }
  return likelyCauses(attempt, who, facts);
}

function fromTrust(finding: TrustFinding, attempt: AssumeAttempt, who: string): UsageError {
  const { roleArn } = attempt;
  const trustHint = 'snapclone iam trust prints the trust policy the role needs';
  switch (finding.kind) {
    case 'not-named':
      return new UsageError(
        `${refused(roleArn)}: its trust policy does not let ${who} assume it.`,
        `Add ${who} to ${CONFIG.trustPrincipals} and update the role's trust policy (${trustHint}), or run snapclone with credentials the trust policy names.`,
      );
    case 'denied':
      return new UsageError(`${refused(roleArn)}: its trust policy denies ${who}.`, `Ask the role's owner; ${trustHint}.`);
    case 'external-id':
      return finding.missing
        ? new UsageError(
            `${refused(roleArn)}: its trust policy requires an external id, and the target sets none.`,
            `Set ${CONFIG.externalId} to the external id the infrastructure team gave you (the sts:ExternalId of the role's trust policy).`,
          )
        : new UsageError(
            `${refused(roleArn)}: the external id snapclone sends (${CONFIG.externalId}) is not the one its trust policy requires.`,
            `Set ${CONFIG.externalId} to the external id the infrastructure team gave you (the sts:ExternalId of the role's trust policy).`,
          );
    case 'mfa':
      return new UsageError(
        `${refused(roleArn)}: its trust policy requires MFA, and the target names no MFA device.`,
        `Set ${CONFIG.mfaSerial} to your MFA device's ARN (arn:aws:iam::ACCOUNT:mfa/NAME); snapclone then asks for the code (or reads SNAPCLONE_MFA_CODE, or --mfa-code).`,
      );
    case 'source-identity':
    case 'session-name':
      return new UsageError(
        `${refused(roleArn)}: its trust policy does not accept the session snapclone starts (session name and SourceIdentity ${attempt.sourceIdentity}, which needs sts:SetSourceIdentity).`,
        `Update the role's trust policy: ${trustHint}.`,
      );
    case 'allows':
      return new UsageError(
        `${refused(roleArn)}: its trust policy lets ${who} assume it, so something else denies it.`,
        `Look for a permissions boundary, a service control policy or a deny in the policies of ${who} covering sts:AssumeRole or sts:SetSourceIdentity on ${roleArn}.`,
      );
    case 'unchecked':
      return new UsageError(
        `${refused(roleArn)}: its trust policy lets ${who} assume it only under conditions snapclone cannot check (${finding.keys.join(', ')}).`,
        `Check those conditions of the role's trust policy against where and how you run snapclone; ${trustHint}.`,
      );
  }
}

/** Where snapclone cannot tell: the causes that fit what it knows, most likely first. */
function likelyCauses(attempt: AssumeAttempt, who: string, facts: Facts): UsageError {
  const causes = [
    `the role does not exist: check ${CONFIG.roleArn} for a typo`,
    `the role's trust policy does not name ${who} (snapclone iam trust prints the one it needs)`,
    attempt.externalId === undefined
      ? `the trust policy requires an external id, and ${CONFIG.externalId} is not set`
      : `${CONFIG.externalId} is not the external id the trust policy requires`,
    ...(attempt.mfa ? [] : [`the trust policy requires MFA, and ${CONFIG.mfaSerial} is not set`]),
  ];
  const unread = 'unread' in facts.role ? ` (snapclone could not read the role's trust policy: ${facts.role.unread})` : '';
  return new UsageError(
    `${refused(attempt.roleArn)}: AWS refused (AccessDenied) without saying why${unread}.`,
    `Likely causes, most likely first:\n${causes.map((c, i) => `    ${i + 1}. ${c}`).join('\n')}`,
  );
}
