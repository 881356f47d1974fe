import { AwsError } from './errors.ts';
import type { PolicyDocument, Principal } from './iam.ts';
import { evaluate, PolicyError, type ConditionContext, type Decision } from './iam-eval.ts';
import { sessionInfo } from './iam-state.ts';
import { allowedKeys, resourceTypeOf, sarAction, UnknownActionError, wildcardArn } from './sar.ts';
import type { OperationDef, RequestContext, ResourceNaming } from './service.ts';
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
  const message = `User: ${ctx.principal.arn} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
  // EC2 answers Client.UnauthorizedOperation (its API reference, "Troubleshooting API request errors").
  if (ctx.protocol === 'ec2Query') return new AwsError('UnauthorizedOperation', `You are not authorized to perform this operation. ${message}`, 403);
  return new AwsError(ctx.protocol === 'awsQuery' || ctx.protocol === 'restXml' ? 'AccessDenied' : 'AccessDeniedException', message, 403);
}

/** The SAR entry of an action; an action AWS's data does not know is a sandbox bug: a loud 500, never a silent allow. */
function knownAction(action: string) {
  try {
    return sarAction(action);
  } catch (error) {
    if (error instanceof UnknownActionError) {
      console.error(`[sandbox] ${error.message}`);
      throw new AwsError('InternalFailure', `Sandbox bug: ${error.message}`, 500);
    }
    throw error;
  }
}

/** Only the keys AWS supplies for this action on this resource (sar.ts: allowedKeys). */
export function keysFor(action: string, resource: string, context: ConditionContext): ConditionContext {
  const type = resource === '*' ? undefined : resourceTypeOf(action, resource);
  const allowed = allowedKeys(action, type);
  return Object.fromEntries(Object.entries(context).filter(([key]) => allowed(key)));
}

/**
 * Checks one action on some resources against the caller's identity policies (and session policy), as
 * AWS does for same-account calls: each resource is evaluated with only the condition keys the Service
 * Authorization Reference lists for the action and that resource's type (request tags only where listed).
 * Handlers call it for extra actions (e.g. iam:PassRole on a role ARN, kms:CreateGrant on a key). Actions are
 * looked up even when IAM is not enforced, so an action missing from AWS's data fails every run.
 */
export function checkPermission(
  ctx: RequestContext,
  action: string,
  resources: string[],
  extraContext: ConditionContext = {},
): void {
  const { world, principal } = ctx;
  knownAction(action);
  // What a role session did (the tests' policy coverage); what IAM refused it (a test playing an attacker) apart.
  const record = (set: Set<string>) => principal.role && set.add(`${principal.role.arn} ${action}`);
  if (!world.enforceIam || ALWAYS_ALLOWED.has(action) || principal.arn === 'anonymous') {
    record(world.calledActions);
    return;
  }
  try {
    evaluateAll(ctx, action, resources, extraContext);
  } catch (error) {
    record(world.deniedActions);
    throw error;
  }
  record(world.calledActions);
}

function evaluateAll(ctx: RequestContext, action: string, resources: string[], extraContext: ConditionContext): void {
  const { world, principal } = ctx;
  const base = { ...principalContext(world, principal, ctx.region), ...extraContext };
  const sessionPolicy = sessionInfo(principal).sessionPolicy;
  for (const resource of resources.length > 0 ? resources : ['*']) {
    const context = keysFor(action, resource, { ...base, ...resourceContext(world, resource) });
    const request = { action, resource, context };
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

/** In a ResourceNaming: the field holds the ARN of a resource of any of the action's types. */
export const ANY_TYPE = 'arn';

const strings = (value: unknown): string[] =>
  typeof value === 'string' && value !== ''
    ? [value]
    : Array.isArray(value)
      ? value.filter((v): v is string => typeof v === 'string' && v !== '')
      : [];

/**
 * Every ARN a call is authorized on: those the operation names itself, plus each input field of the service's
 * naming table whose resource type the SAR lists for the action (an ARN in a field counts where its pattern is
 * one of the action's types: iam:AttachRolePolicy is authorized on the role, its PolicyArn is a condition key).
 * A required type the request names nothing of is checked as the data's ARN pattern with wildcard names
 * (e.g. RDS's default option group), unless the call names a resource no pattern of the action describes.
 */
export function resourcesOf(ctx: RequestContext, action: string, op: OperationDef, input: unknown, naming?: ResourceNaming): string[] {
  const entry = knownAction(action);
  const listed = new Set(entry.resourceTypes.map((r) => r.name));
  const arns = new Set(op.resources?.(input, ctx) ?? []);
  const fields = (input ?? {}) as Record<string, unknown>;
  for (const [field, type] of Object.entries(naming?.fields ?? {})) {
    for (const value of strings(fields[field])) {
      if (value.startsWith('arn:')) {
        if (type === ANY_TYPE || resourceTypeOf(action, value)) arns.add(value);
      }
      else if (listed.has(type) && naming?.arns[type]) arns.add(naming.arns[type](value, ctx));
    }
  }
  const named = [...arns].filter((arn) => arn !== '*');
  const types = new Set(named.map((arn) => resourceTypeOf(action, arn)));
  // A field that names one resource of whichever type (tagging's ARN/ResourceName): the SAR lists each type it
  // may be as required (es:AddTags: application, datasource, domain), but the call is about that one resource.
  const namesOneOfAny = Object.entries(naming?.fields ?? {}).some(([field, type]) => type === ANY_TYPE && strings(fields[field]).length > 0);
  if (!types.has(undefined) && !namesOneOfAny) {
    for (const row of entry.resourceTypes) {
      if (row.required && !types.has(row.name)) named.push(wildcardArn(action, row.name, ctx.region, ctx.accountId));
    }
  }
  return named.length > 0 ? named : ['*'];
}

/**
 * The IAM enforcement hook, called by the server for every call: with `world.enforceIam`, the caller (an
 * IAM user or an assumed role) must be allowed `${iamPrefix}:${operation}` on every resource AWS authorizes the
 * operation on (resourcesOf). Role sessions' actions are recorded: allowed in world.calledActions, refused in world.deniedActions. Returns
 * normally when allowed; throws AccessDenied (query) / AccessDeniedException (JSON) otherwise.
 */
export function authorize(ctx: RequestContext, op: OperationDef, input: unknown, iamPrefix: string, naming?: ResourceNaming): string[] {
  const action = op.action ?? `${iamPrefix}:${ctx.operation}`;
  const resources = resourcesOf(ctx, action, op, input, naming);
  const keys = Object.entries(op.conditionContext?.(input) ?? {}).filter((e): e is [string, string] => e[1] !== undefined);
  checkPermission(ctx, action, resources, { ...requestTagContext(op.requestTags?.(input)), ...Object.fromEntries(keys) });
  for (const check of op.dependentChecks?.(input, ctx) ?? []) checkPermission(ctx, check.action, check.resources, check.context);
  return resources;
}
