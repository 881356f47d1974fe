import { requestContext } from '../../core/authorize.ts';
import { AwsError } from '../../core/errors.ts';
import type { ConditionContext } from '../../core/iam-eval.ts';
import { verifyWebIdentityToken, type JwtClaims } from '../../core/oidc.ts';
import { webIdentityConditionKeys } from './condition-keys.ts';
import type { RequestContext } from '../../core/service.ts';
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

export interface AssumeRoleWithWebIdentityInput {
  RoleArn: string;
  RoleSessionName: string;
  WebIdentityToken: string;
  ProviderId?: string;
  PolicyArns?: { arn?: string }[];
  Policy?: string;
  DurationSeconds?: number;
}

/** The `<issuer>:<claim>` keys AWS lists for sts:AssumeRoleWithWebIdentity, filled from the token's claims. */
function claimKeys(host: string, claims: JwtClaims): ConditionContext {
  const context: ConditionContext = {};
  for (const key of webIdentityConditionKeys()) {
    if (!key.startsWith(`${host}:`)) continue;
    const value = claims[key.slice(host.length + 1)];
    if (typeof value === 'string' || typeof value === 'number') context[key] = String(value);
  }
  return context;
}

const TAGS_CLAIM = 'https://aws.amazon.com/tags';
const SOURCE_IDENTITY_CLAIM = 'https://aws.amazon.com/source_identity';

/**
 * STS AssumeRoleWithWebIdentity (sent unsigned): verifies the OIDC token against the account's provider, then
 * the role's trust policy with the provider's condition keys: `<issuer>:aud`, `<issuer>:sub`, `<issuer>:amr`,
 * and the token's other claims only where AWS's Service Authorization Reference lists `<issuer>:<claim>` for
 * this action (for GitHub: repository_id, repository_owner_id, job_workflow_ref, environment, …).
 */
export function assumeRoleWithWebIdentity(input: AssumeRoleWithWebIdentityInput, ctx: RequestContext) {
  const { world } = ctx;
  const notAuthorized = () => new AwsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403);
  checkPattern(input.RoleSessionName, 'roleSessionName', SESSION_NAME, 2, 64);
  checkPattern(input.WebIdentityToken, 'webIdentityToken', /^[\s\S]*$/, 4, 20000);
  if (input.PolicyArns && input.PolicyArns.length > 0) {
    throw validationError('The snapclone sandbox does not support managed session policies (PolicyArns); pass Policy instead.');
  }
  const sessionPolicy = sessionPolicyOf(input.Policy);
  const role = findRole(world, input.RoleArn, notAuthorized);
  const { provider, claims } = verifyWebIdentityToken(world, role.accountId, input.WebIdentityToken);
  const seconds = sessionSeconds(input.DurationSeconds, role, false);
  const host = provider.url.replace(/^https:\/\//, '');

  const tagClaim = (claims[TAGS_CLAIM] as { principal_tags?: Record<string, string[]> } | undefined)?.principal_tags;
  const sessionTags = tagClaim
    ? Object.fromEntries(Object.entries(tagClaim).map(([k, v]) => [k, String(Array.isArray(v) ? v[0] : v)]))
    : undefined;
  const sourceIdentity = typeof claims[SOURCE_IDENTITY_CLAIM] === 'string' ? (claims[SOURCE_IDENTITY_CLAIM] as string) : undefined;

  // The caller is anonymous: no aws:Principal… keys, only the request's own and the provider's.
  const context: ConditionContext = {
    ...requestContext(world, ctx.region),
    'aws:FederatedProvider': provider.arn,
    [`${host}:aud`]: claims.aud,
    [`${host}:sub`]: claims.sub,
    [`${host}:amr`]: claims.amr as string | string[] | undefined,
    ...claimKeys(host, claims),
    'sts:RoleSessionName': input.RoleSessionName,
  };
  if (sessionTags) {
    for (const [k, v] of Object.entries(sessionTags)) context[`aws:RequestTag/${k}`] = v;
    context['aws:TagKeys'] = Object.keys(sessionTags);
  }
  const actions = ['sts:AssumeRoleWithWebIdentity'];
  if (sessionTags) actions.push('sts:TagSession');
  if (sourceIdentity) actions.push('sts:SetSourceIdentity');
  if (!trusts(role, actions, { type: 'Federated', arn: provider.arn }, context)) throw notAuthorized();

  const session = startSession(world, {
    role,
    sessionName: input.RoleSessionName,
    seconds,
    sourceIdentity,
    sessionTags,
    info: { sessionPolicy, federatedProvider: provider.arn },
  });
  return {
    ...session,
    SubjectFromWebIdentityToken: claims.sub,
    Provider: host,
    Audience: Array.isArray(claims.aud) ? claims.aud[0] : claims.aud,
  };
}
