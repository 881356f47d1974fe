import { AwsError } from '../../core/errors.ts';
import type { IamRole, PolicyDocument, Principal } from '../../core/iam.ts';
import { evaluate, parsePolicy, PolicyError, type CallerPrincipal, type ConditionContext } from '../../core/iam-eval.ts';
import { issueSession, setSessionInfo, type SessionInfo } from '../../core/iam-state.ts';
import type { World } from '../../core/world.ts';

/** What AssumeRole and AssumeRoleWithWebIdentity share: validation, trust evaluation, issuing the session. */

export const validationError = (message: string) => new AwsError('ValidationError', message, 400);

const constraint = (value: unknown, member: string, rule: string) =>
  validationError(`1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: ${rule}`);

export function checkPattern(value: string | undefined, member: string, pattern: RegExp, min: number, max: number): void {
  if (value === undefined) return;
  if (value.length < min) throw constraint(value, member, `Member must have length greater than or equal to ${min}`);
  if (value.length > max) throw constraint(value, member, `Member must have length less than or equal to ${max}`);
  if (!pattern.test(value)) {
    throw constraint(value, member, `Member must satisfy regular expression pattern: ${pattern.source.replace(/^\^|\$$/g, '')}`);
  }
}

export const SESSION_NAME = /^[\w+=,.@-]*$/;

export function findRole(world: World, roleArn: string, notAuthorized: () => AwsError): IamRole {
  checkPattern(roleArn, 'roleArn', /^[^\s]+$/, 20, 2048);
  if (!/^arn:aws:iam::\d{12}:role\/.+/.test(roleArn)) {
    throw validationError(`${roleArn} is invalid`);
  }
  const role = world.roles.get(roleArn);
  // AWS does not reveal whether the role exists: an unknown role is "not authorized".
  if (!role) throw notAuthorized();
  return role;
}

/** DurationSeconds: 900 up to the role's maximum, and at most one hour when chaining roles. */
export function sessionSeconds(requested: number | undefined, role: IamRole, chained: boolean): number {
  const seconds = requested ?? 3600;
  if (seconds < 900) throw constraint(seconds, 'durationSeconds', 'Member must have value greater than or equal to 900');
  if (seconds > 43200) throw constraint(seconds, 'durationSeconds', 'Member must have value less than or equal to 43200');
  if (chained && seconds > 3600) {
    throw validationError(
      `The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.`,
    );
  }
  if (seconds > role.maxSessionDuration) {
    throw validationError('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }
  return seconds;
}

/** Evaluates the role's trust policy for each action the request needs (AssumeRole, TagSession, SetSourceIdentity). */
export function trusts(role: IamRole, actions: string[], caller: CallerPrincipal, context: ConditionContext): boolean {
  try {
    return actions.every((action) => evaluate([role.trustPolicy], { action, context, principal: caller }) === 'allow');
  } catch (error) {
    if (error instanceof PolicyError) return false;
    throw error;
  }
}

export function sessionPolicyOf(policy: string | undefined): PolicyDocument | undefined {
  if (policy === undefined) return undefined;
  if (policy.length > 2048) {
    throw new AwsError('PackedPolicyTooLarge', 'Packed policy consumes more than 100% of allotted space.', 400);
  }
  try {
    return parsePolicy(policy);
  } catch (error) {
    throw new AwsError('MalformedPolicyDocument', (error as Error).message, 400);
  }
}

export interface NewSession {
  role: IamRole;
  sessionName: string;
  seconds: number;
  sourceIdentity?: string;
  sessionTags?: Record<string, string>;
  info: SessionInfo;
}

/** Issues the session credentials and answers the Credentials/AssumedRoleUser part of the response. */
export function startSession(world: World, session: NewSession) {
  const { role, sessionName } = session;
  const principal: Principal = {
    kind: 'assumed-role',
    accountId: role.accountId,
    arn: `arn:aws:sts::${role.accountId}:assumed-role/${role.name}/${sessionName}`,
    userId: `${role.roleId}:${sessionName}`,
    role,
    sessionName,
    sourceIdentity: session.sourceIdentity,
    sessionTags: session.sessionTags,
  };
  setSessionInfo(principal, session.info);
  const expiration = new Date(world.clock.nowMs() + session.seconds * 1000);
  const issued = issueSession(world, principal, expiration);
  const tagCount = Object.keys(session.sessionTags ?? {}).length;
  const packed = session.info.sessionPolicy || tagCount > 0 ? Math.min(99, 6 + tagCount * 2) : undefined;
  return {
    Credentials: {
      AccessKeyId: issued.accessKeyId,
      SecretAccessKey: issued.secretAccessKey,
      SessionToken: issued.sessionToken,
      Expiration: expiration,
    },
    AssumedRoleUser: { AssumedRoleId: principal.userId, Arn: principal.arn },
    PackedPolicySize: packed,
    SourceIdentity: session.sourceIdentity,
  };
}
