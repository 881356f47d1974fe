import { principalContext, requestTagContext } from '../../core/authorize.ts';
import { AwsError } from '../../core/errors.ts';
import type { ConditionContext } from '../../core/iam-eval.ts';
import { mfaDevices, sessionInfo } from '../../core/iam-state.ts';
import type { RequestContext } from '../../core/service.ts';
import { verifyTotp } from '../../core/totp.ts';
import {
  checkPattern,
  findRole,
  SESSION_NAME,
  sessionPolicyOf,
  sessionSeconds,
  startSession,
  trusts,
  validationError,
} from './sessions.ts';

export interface AssumeRoleInput {
  RoleArn: string;
  RoleSessionName: string;
  PolicyArns?: { arn?: string }[];
  Policy?: string;
  DurationSeconds?: number;
  Tags?: { Key: string; Value: string }[];
  TransitiveTagKeys?: string[];
  ExternalId?: string;
  SerialNumber?: string;
  TokenCode?: string;
  SourceIdentity?: string;
}

const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export function sessionTagsOf(tags: AssumeRoleInput['Tags']): Record<string, string> | undefined {
  if (!tags || tags.length === 0) return undefined;
  if (tags.length > 50) throw validationError('1 validation error detected: Value at \'tags\' failed to satisfy constraint: Member must have length less than or equal to 50');
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  for (const [i, tag] of tags.entries()) {
    checkPattern(tag.Key, `tags.${i + 1}.member.key`, TAG_KEY, 1, 128);
    checkPattern(tag.Value ?? '', `tags.${i + 1}.member.value`, TAG_VALUE, 0, 256);
    if (seen.has(tag.Key.toLowerCase())) throw validationError('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    seen.add(tag.Key.toLowerCase());
    out[tag.Key] = tag.Value ?? '';
  }
  return out;
}

/** STS AssumeRole: validation, MFA, trust policy (principal, sts:ExternalId, aws:MultiFactorAuthPresent), session. */
export function assumeRole(input: AssumeRoleInput, ctx: RequestContext) {
  const { world } = ctx;
  const caller = ctx.principal;
  const notAuthorized = () =>
    new AwsError(
      'AccessDenied',
      `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`,
      403,
    );

  checkPattern(input.RoleSessionName, 'roleSessionName', SESSION_NAME, 2, 64);
  checkPattern(input.ExternalId, 'externalId', /^[\w+=,.@:/-]*$/, 2, 1224);
  checkPattern(input.SerialNumber, 'serialNumber', /^[\w+=/:,.@-]*$/, 9, 256);
  checkPattern(input.TokenCode, 'tokenCode', /^\d*$/, 6, 6);
  checkPattern(input.SourceIdentity, 'sourceIdentity', SESSION_NAME, 2, 64);
  if (input.PolicyArns && input.PolicyArns.length > 0) {
    throw validationError('The snapclone sandbox does not support managed session policies (PolicyArns); pass Policy instead.');
  }
  const sessionPolicy = sessionPolicyOf(input.Policy);
  const requestTags = sessionTagsOf(input.Tags);
  const role = findRole(world, input.RoleArn, notAuthorized);
  const chained = caller.kind === 'assumed-role';
  const seconds = sessionSeconds(input.DurationSeconds, role, chained);
  const now = world.clock.now();

  let mfa = false;
  if (input.SerialNumber !== undefined || input.TokenCode !== undefined) {
    const device = input.SerialNumber ? mfaDevices(world, caller.accountId).get(input.SerialNumber) : undefined;
    if (!device || device.userArn !== caller.arn || input.TokenCode === undefined) {
      throw new AwsError('AccessDenied', 'MultiFactorAuthentication failed, unable to validate MFA code.', 403);
    }
    if (!verifyTotp(device.secret, input.TokenCode, now.getTime())) {
      throw new AwsError('AccessDenied', 'MultiFactorAuthentication failed with invalid MFA one time pass code. ', 403);
    }
    mfa = true;
  }

  // Role chaining: transitive session tags and the source identity carry over to the new session.
  const callerInfo = sessionInfo(caller);
  const inherited: Record<string, string> = {};
  for (const key of chained ? (callerInfo.transitiveTagKeys ?? []) : []) {
    const value = caller.sessionTags?.[key];
    if (value !== undefined) inherited[key] = value;
  }
  for (const key of Object.keys(requestTags ?? {})) {
    if (Object.keys(inherited).some((k) => k.toLowerCase() === key.toLowerCase())) {
      throw validationError(`One or more tags conflict with transitive tags of the calling session: ${key}`);
    }
  }
  for (const key of input.TransitiveTagKeys ?? []) {
    if (!requestTags || !(key in requestTags)) throw validationError(`The transitive tag key ${key} is not a session tag.`);
  }
  if (chained && caller.sourceIdentity && input.SourceIdentity && input.SourceIdentity !== caller.sourceIdentity) {
    throw new AwsError('AccessDenied', 'The source identity of a role session cannot be changed.', 403);
  }
  const sourceIdentity = input.SourceIdentity ?? caller.sourceIdentity;

  const context: ConditionContext = {
    ...principalContext(world, caller, ctx.region),
    ...requestTagContext(requestTags),
    'sts:RoleSessionName': input.RoleSessionName,
    'sts:ExternalId': input.ExternalId,
    'sts:SourceIdentity': input.SourceIdentity,
    'sts:TransitiveTagKeys': input.TransitiveTagKeys,
  };
  if (mfa) {
    context['aws:MultiFactorAuthPresent'] = 'true';
    context['aws:MultiFactorAuthAge'] = '0';
  }
  const actions = ['sts:AssumeRole'];
  if (requestTags) actions.push('sts:TagSession');
  if (input.SourceIdentity) actions.push('sts:SetSourceIdentity');
  const callerPrincipal = {
    type: 'AWS' as const,
    arn: caller.arn,
    accountId: caller.accountId,
    roleArn: caller.role?.arn,
  };
  if (!trusts(role, actions, callerPrincipal, context)) throw notAuthorized();

  const sessionTags = { ...inherited, ...requestTags };
  return startSession(world, {
    role,
    sessionName: input.RoleSessionName,
    seconds,
    sourceIdentity,
    sessionTags: Object.keys(sessionTags).length > 0 ? sessionTags : undefined,
    info: {
      mfaAuthenticatedAt: mfa ? now : undefined,
      sessionPolicy,
      transitiveTagKeys: [...Object.keys(inherited), ...(input.TransitiveTagKeys ?? [])],
    },
  });
}
