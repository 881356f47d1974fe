// A TypeScript port of the audit's check-policy.mjs (../shared/audits/aws-reality.md, Appendix A), strict mode by
// default, plus IAM's size quotas and the "no merged statement grants more than its parts" rule (F10). Each
// problem names the action, resource type, statement and the reason, so that a failing test says what to fix.
import type { PolicyDocument, PolicyStatement } from '../../../src/iam/policy.ts';
import { GLOBAL_KEY, grantsType, keyMatches, REQUEST_TAG_KEY, sarAction, sarResourceType, suppliedKeys } from './sar.ts';

export interface NamedDocument {
  name: string;
  document: PolicyDocument;
}

export interface Problem {
  check: 'action' | 'resource' | 'condition' | 'quota' | 'merge';
  document?: string;
  sid?: string;
  action?: string;
  resourceType?: string;
  reason: string;
}

export interface CheckOptions {
  /** aws:RequestTag / aws:TagKeys count only where the SAR lists them on the action or its row (default true). */
  strict?: boolean;
}

/**
 * Resource types the SAR marks REQUIRED for an action that are in fact alternatives: the call names one ARN, of
 * one of these types (es:AddTags/ListTags/RemoveTags take one `ARN` of a domain, an application or a data
 * source). Granting any one of them satisfies all.
 */
const ALTERNATIVE_ROWS: Record<string, string[]> = {
  'es:AddTags': ['domain', 'application', 'datasource'],
  'es:ListTags': ['domain', 'application', 'datasource'],
  'es:RemoveTags': ['domain', 'application', 'datasource'],
};

/** IAM quotas (IAM User Guide, "IAM and AWS STS quotas"); whitespace is not counted. */
export const QUOTA = { inline: 10_240, managed: 6_144, managedPerRole: 10 };

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Size as IAM counts it: the JSON without any whitespace. */
export const policySize = (document: PolicyDocument): number => JSON.stringify(document).replace(/\s/g, '').length;

function named(input: PolicyDocument | PolicyDocument[] | NamedDocument[]): { single: boolean; docs: NamedDocument[] } {
  if (!Array.isArray(input)) return { single: true, docs: [{ name: 'inline', document: input }] };
  return {
    single: false,
    docs: input.map((d, i) => ('document' in d ? d : { name: `policy ${i + 1}`, document: d })),
  };
}

/** What a condition on a key AWS does not supply does: fail the statement, or pass and restrict nothing. */
export function whenAbsent(operator: string, values: string[]): 'never-matches' | 'restricts-nothing' {
  const op = operator.toLowerCase();
  if (op === 'null') return values.some((v) => String(v).toLowerCase() === 'true') ? 'restricts-nothing' : 'never-matches';
  if (op.endsWith('ifexists')) return 'restricts-nothing';
  if (op.startsWith('forallvalues:')) return 'restricts-nothing';
  if (op.startsWith('foranyvalue:')) return 'never-matches';
  if (/^(stringnot|arnnot|numericnotequals|datenotequals)/.test(op)) return 'restricts-nothing';
  return 'never-matches';
}

interface Stmt {
  doc: string;
  s: PolicyStatement;
}

/**
 * The rule for keys AWS does not supply, per Allow statement S, action A it grants and resource type row R of A
 * whose ARNs S grants (required or optional):
 * - a condition that never matches on an absent key (StringEquals, StringLike, ArnLike, Bool, ForAnyValue:…,
 *   Null false) makes S grant nothing on R: a problem on (S, A, R);
 * - a condition that passes on an absent key (…IfExists, ForAllValues:…, the Not… operators, Null true) restricts
 *   nothing on R. S relies on it when the key is absent on EVERY row of A that S grants: then the restriction it
 *   expresses never applies to A, a problem on (S, A). Where the key is supplied on another row S grants for A,
 *   AWS authorizes every resource of a call, so the restriction holds through that row and it is no problem.
 * aws:RequestTag / aws:TagKeys count only where the SAR lists them on the action or on R's row (strict); other
 * keys of R's own definition count; global aws:* keys always count.
 */
function conditionProblems(t: Stmt, action: string, rows: string[], strict: boolean): Problem[] {
  const problems: Problem[] = [];
  const supplied = (key: string, row: string | undefined) => {
    if (GLOBAL_KEY.test(key)) return true;
    const patterns = suppliedKeys(action, row);
    if (!strict && row) patterns.push(...(sarResourceType(action.split(':')[0], row)?.conditionKeys ?? []).filter((k) => REQUEST_TAG_KEY.test(k)));
    return patterns.some((p) => keyMatches(key, p));
  };
  const checkedRows: (string | undefined)[] = rows.length > 0 ? rows : [undefined];
  for (const [operator, block] of Object.entries(t.s.Condition ?? {})) {
    for (const [key, value] of Object.entries(block)) {
      const effect = whenAbsent(operator, list(value).map(String));
      const absentOn = checkedRows.filter((row) => !supplied(key, row));
      if (effect === 'never-matches') {
        for (const row of absentOn) {
          problems.push({
            check: 'condition',
            document: t.doc,
            sid: t.s.Sid,
            action,
            resourceType: row,
            reason: `${operator} ${key}: AWS supplies no such key here, so the statement never matches this resource`,
          });
        }
      } else if (absentOn.length === checkedRows.length) {
        problems.push({
          check: 'condition',
          document: t.doc,
          sid: t.s.Sid,
          action,
          resourceType: checkedRows.filter(Boolean).join(',') || undefined,
          reason: `${operator} ${key}: absent on every resource type the statement grants this action on, so it restricts nothing`,
        });
      }
    }
  }
  return problems;
}

/** Checks policy documents against the SAR: resources, condition keys and IAM's size quotas. */
export function checkPolicies(input: PolicyDocument | PolicyDocument[] | NamedDocument[], options: CheckOptions = {}): Problem[] {
  const strict = options.strict ?? true;
  const { single, docs } = named(input);
  const problems: Problem[] = [];

  if (single) {
    const size = policySize(docs[0].document);
    if (size > QUOTA.inline) problems.push({ check: 'quota', document: docs[0].name, reason: `${size} characters: over IAM's ${QUOTA.inline} for a role's inline policies` });
  } else {
    if (docs.length > QUOTA.managedPerRole) problems.push({ check: 'quota', reason: `${docs.length} managed policies: over IAM's ${QUOTA.managedPerRole} per role` });
    for (const d of docs) {
      const size = policySize(d.document);
      if (size > QUOTA.managed) problems.push({ check: 'quota', document: d.name, reason: `${size} characters: over IAM's ${QUOTA.managed} for a managed policy` });
    }
  }

  const allows: Stmt[] = docs.flatMap((d) => list(d.document.Statement).filter((s) => s.Effect === 'Allow').map((s) => ({ doc: d.name, s })));
  const actions = [...new Set(allows.flatMap((t) => list(t.s.Action)))].sort();
  for (const action of actions) {
    const detail = sarAction(action);
    if (!detail) {
      problems.push({ check: 'action', action, reason: 'not in the Service Authorization Reference' });
      continue;
    }
    const service = action.split(':')[0];
    const granting = allows.filter((t) => list(t.s.Action).includes(action));
    if (detail.resourceTypes.length === 0) {
      for (const t of granting) {
        if (!list(t.s.Resource).includes('*')) {
          problems.push({ check: 'resource', document: t.doc, sid: t.s.Sid, action, reason: 'AWS has no resource-level permissions for it: it needs "Resource": "*"' });
        }
        problems.push(...conditionProblems(t, action, [], strict));
      }
      continue;
    }
    const formatOf = (row: string) => sarResourceType(service, row)?.arn ?? '?';
    const rowsGrantedBy = (t: Stmt) => detail.resourceTypes.filter((r) => list(t.s.Resource).some((arn) => grantsType(arn, formatOf(r.name)))).map((r) => r.name);
    const grantedRows = new Set(granting.flatMap(rowsGrantedBy));
    const alternatives = ALTERNATIVE_ROWS[action] ?? [];
    for (const row of detail.resourceTypes) {
      if (!row.required || grantedRows.has(row.name)) continue;
      if (alternatives.includes(row.name) && alternatives.some((a) => grantedRows.has(a))) continue;
      problems.push({ check: 'resource', action, resourceType: row.name, reason: `REQUIRED resource type (${formatOf(row.name)}) granted by no statement` });
    }
    for (const t of granting) {
      const rows = rowsGrantedBy(t);
      if (rows.length === 0) {
        problems.push({ check: 'resource', document: t.doc, sid: t.s.Sid, action, reason: 'the statement grants it on no resource type AWS authorizes it against' });
        continue;
      }
      problems.push(...conditionProblems(t, action, rows, strict));
    }
  }
  return problems;
}

const canonical = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(canonical).map((v) => JSON.stringify(v)).sort()
    : value && typeof value === 'object'
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, canonical(v)]))
      : value;

/** Can `resource` (a policy's Resource entry) be a resource of `action` at all? An ARN of another type never is. */
function appliesTo(action: string, resource: string): boolean {
  const detail = sarAction(action);
  if (!detail || resource === '*' || detail.resourceTypes.length === 0) return true;
  const service = action.split(':')[0];
  return detail.resourceTypes.some((r) => grantsType(resource, sarResourceType(service, r.name)?.arn ?? '?'));
}

/**
 * Every (action, resource, condition) an Allow statement grants: a statement grants each action on each
 * resource, except ARNs of a type the action is never authorized against (another service's, in a statement
 * several services share), which grant nothing.
 */
function grants(docs: PolicyDocument[]): Map<string, { sid?: string; action: string; resource: string }> {
  const out = new Map<string, { sid?: string; action: string; resource: string }>();
  for (const s of docs.flatMap((d) => list(d.Statement)).filter((s) => s.Effect === 'Allow')) {
    const condition = JSON.stringify(canonical(s.Condition ?? {}));
    for (const action of list(s.Action)) {
      for (const resource of list(s.Resource)) {
        if (appliesTo(action, resource)) out.set(`${action} ${resource} ${condition}`, { sid: s.Sid, action, resource });
      }
    }
  }
  return out;
}

/**
 * F10: the policy of a whole config grants nothing that no part grants alone. The parts are the policies of the
 * same target with one engine each: merging their statements must not give an action a resource or a weaker
 * condition that only another engine's declaration had (kms:CreateGrant on key/* from DescribeKey's scope).
 */
export function grantsBeyondParts(whole: PolicyDocument[], parts: PolicyDocument[][]): Problem[] {
  if (parts.length === 0) return [];
  const allowed = new Set(parts.flatMap((p) => [...grants(p).keys()]));
  return [...grants(whole).entries()]
    .filter(([key]) => !allowed.has(key))
    .map(([, g]) => ({
      check: 'merge' as const,
      sid: g.sid,
      action: g.action,
      reason: `grants it on ${g.resource} (with this statement's condition), which no engine's own policy does: merged from another declaration`,
    }));
}

/** One line per problem, for test output. */
export function formatProblems(problems: Problem[]): string {
  return problems
    .map((p) => [p.check.padEnd(9), p.document ?? '', p.sid ?? '-', p.action ?? '-', p.resourceType ?? '-', p.reason].join(' | '))
    .join('\n');
}
