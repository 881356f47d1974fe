import type { PolicyDocument, PolicyStatement } from './iam.ts';

/**
 * A small IAM policy evaluator: Effect/Action/NotAction/Resource/NotResource/Principal and the condition
 * operators snapclone's policies and trust policies use. Explicit deny wins over allow; nothing matching is an
 * implicit deny. Condition key names are case-insensitive, values case-sensitive (except *IgnoreCase).
 */

/** Request context: condition key → value(s); absent keys are simply not there. */
export type ConditionContext = Record<string, string | string[] | undefined>;

/** Who is asking, for trust policies' Principal element. */
export type CallerPrincipal =
  | { type: 'AWS'; arn: string; accountId: string; roleArn?: string }
  | { type: 'Federated'; arn: string }
  | { type: 'Service'; name: string };

export interface EvalRequest {
  action: string;
  /** Omit for trust policies (which have no Resource element). */
  resource?: string;
  context: ConditionContext;
  principal?: CallerPrincipal;
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

function lookup(context: ConditionContext, key: string): string[] | undefined {
  const lower = key.toLowerCase();
  for (const [name, value] of Object.entries(context)) {
    if (name.toLowerCase() === lower && value !== undefined) return list(value);
  }
  return undefined;
}

/** Replaces policy variables (${aws:username}, ${aws:PrincipalTag/team}, ${*}) with context values. */
function substitute(text: string, context: ConditionContext): string {
  return text.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
    if (name === '*' || name === '?' || name === '$') return name;
    const [key, fallback] = name.split(/,\s*/);
    const value = lookup(context, key)?.[0];
    if (value !== undefined) return value;
    return fallback !== undefined ? fallback.replace(/^'(.*)'$/, '$1') : `\u0000unresolved:${key}`;
  });
}

type Compare = (policyValue: string, contextValue: string) => boolean;

const asDate = (v: string): number => (/^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : Date.parse(v));
const numeric = (f: (a: number, b: number) => boolean): Compare => (p, c) => f(Number(c), Number(p));
const dated = (f: (a: number, b: number) => boolean): Compare => (p, c) => f(asDate(c), asDate(p));
const arnLike: Compare = (p, c) => {
  const ps = p.split(':');
  const cs = c.split(':');
  if (ps.length < 6 || cs.length < 6) return false;
  const resourceP = ps.slice(5).join(':');
  const resourceC = cs.slice(5).join(':');
  return ps.slice(0, 5).every((part, i) => wildcard(part, cs[i], false)) && wildcard(resourceP, resourceC, false);
};

/** Positive comparisons; the Not* operators are their negation. */
const OPERATORS: Record<string, { compare: Compare; negated: boolean }> = {
  stringequals: { compare: (p, c) => p === c, negated: false },
  stringnotequals: { compare: (p, c) => p === c, negated: true },
  stringequalsignorecase: { compare: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: false },
  stringnotequalsignorecase: { compare: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: true },
  stringlike: { compare: (p, c) => wildcard(p, c, false), negated: false },
  stringnotlike: { compare: (p, c) => wildcard(p, c, false), negated: true },
  arnequals: { compare: arnLike, negated: false },
  arnlike: { compare: arnLike, negated: false },
  arnnotequals: { compare: arnLike, negated: true },
  arnnotlike: { compare: arnLike, negated: true },
  bool: { compare: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: false },
  numericequals: { compare: numeric((a, b) => a === b), negated: false },
  numericnotequals: { compare: numeric((a, b) => a === b), negated: true },
  numericlessthan: { compare: numeric((a, b) => a < b), negated: false },
  numericlessthanequals: { compare: numeric((a, b) => a <= b), negated: false },
  numericgreaterthan: { compare: numeric((a, b) => a > b), negated: false },
  numericgreaterthanequals: { compare: numeric((a, b) => a >= b), negated: false },
  dateequals: { compare: dated((a, b) => a === b), negated: false },
  datenotequals: { compare: dated((a, b) => a === b), negated: true },
  datelessthan: { compare: dated((a, b) => a < b), negated: false },
  datelessthanequals: { compare: dated((a, b) => a <= b), negated: false },
  dategreaterthan: { compare: dated((a, b) => a > b), negated: false },
  dategreaterthanequals: { compare: dated((a, b) => a >= b), negated: false },
};

export class PolicyError extends Error {}

/** One condition operator applied to one key: does the condition hold? */
function conditionHolds(operatorName: string, key: string, policyValues: string[], context: ConditionContext): boolean {
  let name = operatorName.toLowerCase();
  let set: 'any' | 'all' | undefined;
  if (name.startsWith('forallvalues:')) [set, name] = ['all', name.slice('forallvalues:'.length)];
  else if (name.startsWith('foranyvalue:')) [set, name] = ['any', name.slice('foranyvalue:'.length)];
  const ifExists = name.endsWith('ifexists');
  if (ifExists) name = name.slice(0, -'ifexists'.length);
  const values = lookup(context, key);

  if (name === 'null') {
    const wantsAbsent = policyValues.some((v) => v.toLowerCase() === 'true');
    return wantsAbsent === (values === undefined || values.length === 0);
  }
  const operator = OPERATORS[name];
  if (!operator) throw new PolicyError(`Unsupported condition operator ${operatorName}`);
  const resolved = policyValues.map((v) => substitute(v, context));
  const matches = (c: string) => resolved.some((p) => operator.compare(p, c));
  const holds = (c: string) => (operator.negated ? !matches(c) : matches(c));

  if (set === 'all') return (values ?? []).every(holds);
  if (set === 'any') return (values ?? []).some(holds);
  if (values === undefined) return ifExists || operator.negated;
  return operator.negated ? values.every(holds) : values.some(holds);
}

function conditionsHold(condition: PolicyStatement['Condition'], context: ConditionContext): boolean {
  return Object.entries(condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, value]) =>
      conditionHolds(operator, key, list(value as string | string[] | boolean).map(String), context),
    ),
  );
}

function principalMatches(spec: unknown, caller: CallerPrincipal | undefined): boolean {
  if (spec === undefined) return true;
  if (!caller) return false;
  if (spec === '*') return true;
  const entries = spec as Record<string, string | string[]>;
  if (caller.type === 'Service') return list(entries.Service).includes(caller.name);
  if (caller.type === 'Federated') return list(entries.Federated).includes(caller.arn);
  return list(entries.AWS).some(
    (p) =>
      p === '*' ||
      p === caller.accountId ||
      p === `arn:aws:iam::${caller.accountId}:root` ||
      p === caller.arn ||
      (caller.roleArn !== undefined && p === caller.roleArn),
  );
}

function statementMatches(statement: PolicyStatement, request: EvalRequest): boolean {
  const action = request.action;
  if (statement.Action !== undefined && !list(statement.Action).some((a) => wildcard(a, action, true))) return false;
  if (statement.NotAction !== undefined && list(statement.NotAction).some((a) => wildcard(a, action, true))) return false;
  if (request.resource !== undefined) {
    const resource = request.resource;
    const resourceMatch = (r: string) => wildcard(substitute(r, request.context), resource, false);
    if (statement.Resource !== undefined && !list(statement.Resource).some(resourceMatch)) return false;
    if (statement.NotResource !== undefined && list(statement.NotResource).some(resourceMatch)) return false;
  }
  if (statement.Principal !== undefined && !principalMatches(statement.Principal, request.principal)) return false;
  return conditionsHold(statement.Condition, request.context);
}

/** Evaluates policies for one action on one resource: explicit deny > allow > implicit deny. */
export function evaluate(policies: PolicyDocument[], request: EvalRequest): Decision {
  let allowed = false;
  for (const policy of policies) {
    for (const statement of list(policy.Statement)) {
      if (!statementMatches(statement, request)) continue;
      if (statement.Effect === 'Deny') return 'explicit-deny';
      allowed = true;
    }
  }
  return allowed ? 'allow' : 'implicit-deny';
}

/** Parses and shallowly validates a JSON policy document (session policies, generated policies). */
export function parsePolicy(text: string): PolicyDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new PolicyError('Syntax errors in policy.');
  }
  const doc = parsed as Partial<PolicyDocument>;
  if (!doc || typeof doc !== 'object' || doc.Statement === undefined) throw new PolicyError('Missing required field Statement');
  for (const statement of list(doc.Statement as PolicyStatement | PolicyStatement[])) {
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') throw new PolicyError('Invalid effect');
    if (statement.Action === undefined && statement.NotAction === undefined) throw new PolicyError('Missing required field Action');
  }
  return { Version: '2012-10-17', Statement: list(doc.Statement as PolicyStatement | PolicyStatement[]) };
}
