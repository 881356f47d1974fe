import type { PolicyDocument, PolicyStatement } from '../../core/iam.ts';
import {
  evaluate,
  parsePolicy,
  PolicyError,
  type ConditionContext,
  type Decision,
  type EvalRequest,
} from '../../core/iam-eval.ts';
import { keyedPage } from '../../core/paging.ts';
import type { RequestContext } from '../../core/service.ts';
import { policySource } from './entities.ts';
import { iamErrors } from './errors.ts';

export interface ContextEntry {
  ContextKeyName?: string;
  ContextKeyValues?: string[];
  ContextKeyType?: string;
}

export interface SimulatePrincipalPolicyInput {
  PolicySourceArn?: string;
  PolicyInputList?: string[];
  PermissionsBoundaryPolicyInputList?: string[];
  PolicyExclusionList?: unknown[];
  ActionNames?: string[];
  ResourceArns?: string[];
  ResourcePolicy?: string;
  ResourceOwner?: string;
  CallerArn?: string;
  ContextEntries?: ContextEntry[];
  ResourceHandlingOption?: string;
  MaxItems?: number;
  Marker?: string;
}

type SourcePolicyType = 'role' | 'user' | 'none';

/** One policy of the simulation and how results name it (MatchedStatements' SourcePolicyId / Type). */
interface SourcePolicy {
  id: string;
  type: SourcePolicyType;
  document: PolicyDocument;
}

const CONTEXT_KEY_TYPES = new Set([
  'string',
  'stringList',
  'numeric',
  'numericList',
  'boolean',
  'booleanList',
  'ip',
  'ipList',
  'binary',
  'binaryList',
  'date',
  'dateList',
]);

const single = (statement: PolicyStatement): PolicyDocument => ({ Version: '2012-10-17', Statement: [statement] });

/** The simulation's context: the entries as given (key names compare case-insensitively), nothing else. */
function contextOf(entries: ContextEntry[] | undefined): ConditionContext {
  const context: ConditionContext = {};
  for (const entry of entries ?? []) {
    if (!entry.ContextKeyName) throw iamErrors.invalidInput('Context entries must have a ContextKeyName.');
    if (entry.ContextKeyType !== undefined && !CONTEXT_KEY_TYPES.has(entry.ContextKeyType)) {
      throw iamErrors.invalidInput(`Invalid ContextKeyType ${entry.ContextKeyType} for ${entry.ContextKeyName}.`);
    }
    context[entry.ContextKeyName] = entry.ContextKeyValues ?? [];
  }
  return context;
}

/** Condition keys of statements that apply to this action and resource which the context does not supply. */
function missingContextValues(policies: SourcePolicy[], request: EvalRequest): string[] {
  const given = new Set(Object.keys(request.context).map((k) => k.toLowerCase()));
  const missing = new Map<string, string>();
  for (const { document } of policies) {
    for (const statement of document.Statement) {
      if (!statement.Condition) continue;
      const applies = evaluate([single({ ...statement, Effect: 'Allow', Condition: undefined })], request) === 'allow';
      if (!applies) continue;
      for (const keys of Object.values(statement.Condition)) {
        for (const key of Object.keys(keys)) {
          if (!given.has(key.toLowerCase()) && !missing.has(key.toLowerCase())) missing.set(key.toLowerCase(), key);
        }
      }
    }
  }
  return [...missing.values()];
}

const DECISIONS: Record<Decision, 'allowed' | 'explicitDeny' | 'implicitDeny'> = {
  allow: 'allowed',
  'explicit-deny': 'explicitDeny',
  'implicit-deny': 'implicitDeny',
};

/** One EvaluationResult: the decision over all policies and the policies whose statements decided it. */
function simulateOne(policies: SourcePolicy[], request: EvalRequest) {
  const decision = evaluate(
    policies.map((p) => p.document),
    request,
  );
  // The statements that decided: the matching Deny statements, or the matching Allow ones; none for implicit deny.
  const matched =
    decision === 'implicit-deny'
      ? []
      : policies
          .filter((p) => p.document.Statement.some((s) => evaluate([single(s)], request) === decision))
          .map((p) => ({ SourcePolicyId: p.id, SourcePolicyType: p.type }));
  return {
    EvalActionName: request.action,
    EvalResourceName: request.resource,
    EvalDecision: DECISIONS[decision],
    MatchedStatements: matched,
    MissingContextValues: missingContextValues(policies, request),
  };
}

/**
 * IAM SimulatePrincipalPolicy: every (action, resource) pair evaluated against the source entity's identity
 * policies plus PolicyInputList, with only the ContextEntries as condition context — like AWS, the simulator
 * reads no resource tags or caller facts of its own.
 */
export function simulatePrincipalPolicy(input: SimulatePrincipalPolicyInput, ctx: RequestContext) {
  for (const parameter of [
    'ResourcePolicy',
    'PermissionsBoundaryPolicyInputList',
    'PolicyExclusionList',
    'ResourceHandlingOption',
  ] as const) {
    if (input[parameter] !== undefined) throw iamErrors.unsupported('SimulatePrincipalPolicy', parameter);
  }
  if (!input.PolicySourceArn) throw iamErrors.invalidInput('The request must contain the parameter PolicySourceArn.');
  if (!input.ActionNames || input.ActionNames.length === 0) {
    throw iamErrors.invalidInput('The request must contain the parameter ActionNames.');
  }
  const max = input.MaxItems ?? 100;
  if (!Number.isInteger(max) || max < 1 || max > 1000) {
    throw iamErrors.validation(
      `1 validation error detected: Value '${input.MaxItems}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000`,
    );
  }
  const source = policySource(ctx.world, ctx.accountId, input.PolicySourceArn);
  const policies: SourcePolicy[] = source.policies.map((document, i) => ({
    id: `${source.name}-policy-${i + 1}`,
    type: source.kind,
    document,
  }));
  (input.PolicyInputList ?? []).forEach((text, i) => {
    try {
      policies.push({ id: `PolicyInputList.${i + 1}`, type: 'none', document: parsePolicy(text) });
    } catch (error) {
      if (error instanceof PolicyError) {
        throw iamErrors.invalidInput(`Policy PolicyInputList.${i + 1} is malformed: ${error.message}`);
      }
      throw error;
    }
  });

  const context = contextOf(input.ContextEntries);
  const resources = input.ResourceArns && input.ResourceArns.length > 0 ? input.ResourceArns : ['*'];
  const pairs = input.ActionNames.flatMap((action) => resources.map((resource) => ({ action, resource })));
  const keyed = pairs.map((pair, i) => ({ ...pair, key: String(i).padStart(8, '0') }));
  const page = keyedPage(keyed, (p) => p.key, input.Marker, max, {
    prefix: 'simulate:v1:',
    invalid: () => iamErrors.invalidInput(`Invalid Marker: ${input.Marker}`),
  });
  try {
    return {
      EvaluationResults: page.items.map(({ action, resource }) => simulateOne(policies, { action, resource, context })),
      IsTruncated: page.next !== undefined,
      ...(page.next !== undefined ? { Marker: page.next } : {}),
    };
  } catch (error) {
    if (error instanceof PolicyError)
      throw iamErrors.policyEvaluation(`The policies could not be evaluated: ${error.message}`);
    throw error;
  }
}
