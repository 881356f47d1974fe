// The two evaluators, each behind one adapter: the sandbox's (sandbox/core/iam-eval.ts) and
// @cloud-copilot/iam-simulate (AGPL: a development dependency, never bundled or shipped).
import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument, PolicyStatement } from '../../../src/iam/policy.ts';
import { keysFor, requestTagContext, resourceContext } from '../../../sandbox/core/authorize.ts';
import { evaluate, type ConditionContext } from '../../../sandbox/core/iam-eval.ts';
import type { PolicyDocument as SandboxPolicy } from '../../../sandbox/core/iam.ts';
import type { World as SandboxWorld } from '../../../sandbox/core/world.ts';
import type { Context, Row } from './rows.ts';

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

/** The caller both evaluators see: the operator role, session `snapclone-alice` (snapclone's SourceIdentity form). */
export const SESSION = { role: 'snapclone-operator', person: 'alice', sessionName: 'snapclone-alice' } as const;

/** The global keys AWS supplies for any call of the session (aws:PrincipalArn, aws:SourceIdentity…), for both evaluators. */
export function sessionContext(account: string): Context {
  return {
    'aws:PrincipalAccount': account,
    'aws:PrincipalArn': `arn:aws:iam::${account}:role/${SESSION.role}`,
    'aws:PrincipalType': 'AssumedRole',
    'aws:userid': `AROAEXAMPLEOPERATOR:${SESSION.sessionName}`,
    'aws:SourceIdentity': SESSION.sessionName,
    'aws:SecureTransport': 'true',
  };
}

/**
 * The sandbox's decision for a row, through the sandbox's own per-resource context building (what
 * sandbox/core/authorize.ts `checkPermission` does for each resource of a call): the request's raw parts —
 * `globals` (the session's keys), the request tags (`requestTagContext`), the request parameters, the resource's
 * tags (`resourceContext`, which also writes the services' own tag keys) — filtered to the keys AWS supplies for
 * the action on that resource's type (authorize.ts's keysFor, as checkPermission filters them).
 * The test's context builder (rows.ts contextOf) feeds only iam-simulate, so the two evaluators share no
 * context code.
 */
export function sandboxDecision(docs: PolicyDocument[], row: Row, globals: Context = {}): Decision {
  const world = { tagsOf: () => row.resourceTags } as unknown as SandboxWorld;
  const raw: ConditionContext = {
    ...globals,
    ...requestTagContext(row.requestTags),
    ...row.params,
    ...resourceContext(world, row.resource),
  };
  const context = keysFor(row.action, row.resource, raw);
  return evaluate(docs as unknown as SandboxPolicy[], { action: row.action, resource: row.resource, context });
}

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const glob = (pattern: string, value: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i').test(value);

/** A statement can apply to an action only if one of its Action patterns (or none of its NotAction ones) matches. */
function mayApply(statement: PolicyStatement & { NotAction?: string | string[] }, action: string): boolean {
  if (statement.NotAction !== undefined) return !list(statement.NotAction).some((a) => glob(a, action));
  return list(statement.Action).some((a) => glob(a, action));
}

/** KMS keys take their key policy into account: the default one delegates to the account's IAM policies. */
const defaultKeyPolicy = (account: string) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }],
});

const SIMULATED: Record<string, Decision> = { Allowed: 'allow', ExplicitlyDenied: 'explicit-deny', ImplicitlyDenied: 'implicit-deny' };

type Simulation = Parameters<typeof runSimulation>[0];

function simulation(docs: PolicyDocument[], row: Row, context: Context, account: string): Simulation {
  return {
    identityPolicies: docs.map((policy, i) => ({ name: `snapclone-${i + 1}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(row.action.startsWith('kms:') ? { resourcePolicy: defaultKeyPolicy(account) } : {}),
    request: {
      action: row.action,
      principal: `arn:aws:sts::${account}:assumed-role/snapclone-operator/snapclone-alice`,
      resource: { accountId: account, resource: row.resource },
      contextVariables: context,
    },
  };
}

/** Statements that cannot apply to the row's action are left out: the decision cannot depend on them. */
const relevantTo = (docs: PolicyDocument[], action: string) =>
  docs.map((d) => ({ ...d, Statement: list(d.Statement).filter((s) => mayApply(s, action)) })).filter((d) => d.Statement.length > 0);

const cache = new Map<string, Promise<Decision>>();

/**
 * iam-simulate's decision for a row, fast: `runUnsafeSimulation` evaluates the row as given, without validating
 * the documents (validateForSimulator does, once per config), the action, the ARN's type or the context keys
 * (the context is built from the SAR already). KMS rows, which need a key policy (runUnsafeSimulation cannot
 * load an unnamed one), go through the checked path. Decisions are remembered per (statements, row): many
 * configs share statements.
 */
export function fastSimulatorDecision(docs: PolicyDocument[], row: Row, context: Context, account: string): Promise<Decision> {
  const relevant = relevantTo(docs, row.action);
  const id = JSON.stringify([relevant, row.action, row.resource, context, account]);
  let decision = cache.get(id);
  if (!decision) {
    decision = row.action.startsWith('kms:')
      ? simulatorDecision(relevant, row, context, account).then((r) => r.decision)
      : Promise.resolve(SIMULATED[runUnsafeSimulation(simulation(relevant, row, context, account), {})]);
    cache.set(id, decision);
  }
  return decision;
}

/**
 * iam-simulate's decision through its checked entry point `runSimulation`: it validates the documents, the action
 * and the ARN against the action's resource types, and drops context keys it holds the action does not take
 * (returned as `ignored`). Slower; for random rows and for validating a config's documents.
 */
export async function simulatorDecision(docs: PolicyDocument[], row: Row, context: Context, account: string): Promise<{ decision: Decision; ignored: string[] }> {
  const response = await runSimulation(simulation(relevantTo(docs, row.action), row, context, account), {});
  if (response.resultType === 'error') throw new Error(`iam-simulate refused ${row.action} on ${row.resource}: ${JSON.stringify(response.errors)}`);
  const ignored = response.resultType === 'single' ? (response.result.ignoredContextKeys ?? []) : [];
  return { decision: SIMULATED[response.overallResult], ignored };
}

/** iam-simulate's validation of whole documents (iam-policy): the errors it finds, none when valid. */
export async function validateForSimulator(docs: PolicyDocument[], account: string): Promise<string[]> {
  const row: Row = { action: 'sts:GetCallerIdentity', resource: '*', kind: 'any', params: {} };
  const response = await runSimulation(simulation(docs, row, {}, account), {});
  return response.resultType === 'error' ? [JSON.stringify(response.errors)] : [];
}
