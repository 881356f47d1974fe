import { AwsError } from './errors.ts';
import type { PolicyDocument, Principal } from './iam.ts';
import { evaluate, PolicyError, type ConditionContext, type Decision } from './iam-eval.ts';
import { sessionInfo } from './iam-state.ts';
import type { OperationDef, RequestContext } from './service.ts';
import type { World } from './world.ts';

/** Calls AWS allows to anyone who can sign (GetCallerIdentity needs no permission). */
const ALWAYS_ALLOWED = new Set(['sts:GetCallerIdentity']);

/** The global condition keys of any request, whoever makes it: time, region, transport. */
export function requestContext(world: World, region: string): ConditionContext {
  const now = world.clock.now();
  return {
    'aws:CurrentTime': now.toISOString(),
    'aws:EpochTime': String(Math.floor(now.getTime() / 1000)),
    'aws:RequestedRegion': region,
    'aws:SecureTransport': 'true',
  };
}

/** The global condition keys that describe the caller (aws:PrincipalArn, aws:PrincipalTag/…, aws:username…). */
export function principalContext(world: World, principal: Principal, region: string): ConditionContext {
  const now = world.clock.now();
  const info = sessionInfo(principal);
  const context: ConditionContext = {
    'aws:PrincipalAccount': principal.accountId,
    'aws:PrincipalArn': principal.role?.arn ?? principal.arn,
    'aws:PrincipalType': principal.kind === 'user' ? 'User' : 'AssumedRole',
    'aws:userid': principal.userId,
    ...requestContext(world, region),
  };
  if (principal.user) context['aws:username'] = principal.user.name;
  if (principal.sourceIdentity) context['aws:SourceIdentity'] = principal.sourceIdentity;
  if (info.federatedProvider) context['aws:FederatedProvider'] = info.federatedProvider;
  if (principal.kind === 'assumed-role') {
    context['aws:MultiFactorAuthPresent'] = info.mfaAuthenticatedAt ? 'true' : 'false';
  }
  if (info.mfaAuthenticatedAt) {
    context['aws:MultiFactorAuthAge'] = String(Math.floor((now.getTime() - info.mfaAuthenticatedAt.getTime()) / 1000));
  }
  const tags = principal.sessionTags ?? {};
  for (const [key, value] of Object.entries(tags)) context[`aws:PrincipalTag/${key}`] = value;
  return context;
}

/** Condition keys describing a resource: its tags as aws:ResourceTag/… and the service's own tag keys. */
export function resourceContext(world: World, arn: string): ConditionContext {
  if (arn === '*') return {};
  const tags = world.tagsOf(arn) ?? {};
  const [, , service, , , ...rest] = arn.split(':');
  const context: ConditionContext = {};
  for (const [key, value] of Object.entries(tags)) {
    context[`aws:ResourceTag/${key}`] = value;
    if (service === 'rds') context[`rds:${rest[0]}-tag/${key}`] = value;
    if (service === 'secretsmanager') context[`secretsmanager:ResourceTag/${key}`] = value;
  }
  return context;
}

/** aws:RequestTag/… and aws:TagKeys for the tags a call puts on what it creates. */
export function requestTagContext(tags: Record<string, string> | undefined): ConditionContext {
  const context: ConditionContext = {};
  if (!tags || Object.keys(tags).length === 0) return context;
  for (const [key, value] of Object.entries(tags)) context[`aws:RequestTag/${key}`] = value;
  context['aws:TagKeys'] = Object.keys(tags);
  return context;
}

function identityPolicies(principal: Principal): PolicyDocument[] {
  return principal.role?.policies ?? principal.user?.policies ?? [];
}

function denied(ctx: RequestContext, action: string, resource: string, why: string): AwsError {
  const code = ctx.protocol === 'awsQuery' ? 'AccessDenied' : 'AccessDeniedException';
  return new AwsError(
    code,
    `User: ${ctx.principal.arn} is not authorized to perform: ${action} on resource: ${resource} ${why}`,
    403,
  );
}

/**
 * Checks one action on some resources against the caller's identity policies (and session policy), as
 * AWS does for same-account calls. Handlers may call it for extra actions (e.g. iam:PassRole on a role ARN).
 * Does nothing unless `world.enforceIam`.
 */
export function checkPermission(
  ctx: RequestContext,
  action: string,
  resources: string[],
  extraContext: ConditionContext = {},
): void {
  const { world, principal } = ctx;
  if (principal.role) world.calledActions.add(`${principal.role.arn} ${action}`);
  if (!world.enforceIam || ALWAYS_ALLOWED.has(action) || principal.arn === 'anonymous') return;
  const base = { ...principalContext(world, principal, ctx.region), ...extraContext };
  const sessionPolicy = sessionInfo(principal).sessionPolicy;
  for (const resource of resources.length > 0 ? resources : ['*']) {
    const request = { action, resource, context: { ...base, ...resourceContext(world, resource) } };
    let identity: Decision;
    let session: Decision = 'allow';
    try {
      identity = evaluate(identityPolicies(principal), request);
      if (sessionPolicy) session = evaluate([sessionPolicy], request);
    } catch (error) {
      if (error instanceof PolicyError) throw new AwsError('InternalFailure', `Sandbox policy error: ${error.message}`, 500);
      throw error;
    }
    if (identity === 'explicit-deny') throw denied(ctx, action, resource, 'with an explicit deny in an identity-based policy');
    if (session === 'explicit-deny') throw denied(ctx, action, resource, 'with an explicit deny in a session policy');
    if (identity !== 'allow') {
      throw denied(ctx, action, resource, `because no identity-based policy allows the ${action} action`);
    }
    if (session !== 'allow') throw denied(ctx, action, resource, `because no session policy allows the ${action} action`);
  }
}

/**
 * The IAM enforcement hook, called by the server for every call: with `world.enforceIam`, the caller (an
 * IAM user or an assumed role) must be allowed `${iamPrefix}:${operation}` on every resource the operation
 * names. Role sessions' actions are recorded either way (world.calledActions). Returns normally when allowed; throws AccessDenied (query) / AccessDeniedException (JSON) otherwise.
 */
export function authorize(ctx: RequestContext, op: OperationDef, input: unknown, iamPrefix: string): void {
  const resources = op.resources?.(input, ctx) ?? ['*'];
  const keys = Object.entries(op.conditionContext?.(input) ?? {}).filter((e): e is [string, string] => e[1] !== undefined);
  checkPermission(ctx, `${iamPrefix}:${ctx.operation}`, resources, { ...requestTagContext(op.requestTags?.(input)), ...Object.fromEntries(keys) });
}
