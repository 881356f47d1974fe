/**
 * Reading a role's trust policy to say why AWS refused an AssumeRole, for diagnosis only (AWS decides; this
 * never grants anything). AWS answers the same AccessDenied whether the role is missing, the trust does not name
 * the caller, the external id is wrong or MFA is missing, so snapclone reads the trust itself where it may
 * (iam:GetRole). Only what it can check exactly is judged: the principal, the external id, MFA, the source
 * identity and session name; any other condition is reported as one it cannot check.
 */

export interface Caller {
  /** As GetCallerIdentity answers it: arn:aws:iam::ACCOUNT:user/NAME, arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION… */
  arn: string;
  account: string;
}

export interface Request {
  externalId?: string;
  /** Whether an MFA code is sent (access.mfaSerial is set). */
  mfa: boolean;
  sourceIdentity: string;
  sessionName: string;
}

/** Why the trust refuses, as far as the document tells. */
export type TrustFinding =
  | { kind: 'not-named' }
  | { kind: 'external-id'; missing: boolean }
  | { kind: 'mfa' }
  | { kind: 'source-identity' }
  | { kind: 'session-name' }
  | { kind: 'unchecked'; keys: string[] }
  | { kind: 'denied' }
  | { kind: 'allows' };

interface Statement {
  Effect?: string;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)]);

/** The role a session ARN belongs to: account and role name (a role ARN's path is not in a session ARN). */
export function sessionRole(arn: string): { account: string; role: string } | undefined {
  const m = /^arn:[\w-]+:sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  return m ? { account: m[1], role: m[2] } : undefined;
}

export function roleOf(roleArn: string): { account: string; role: string } | undefined {
  const m = /^arn:[\w-]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  return m ? { account: m[1], role: m[2] } : undefined;
}

/** Whether the caller is already a session of `roleArn`. */
export function isSessionOf(callerArn: string, roleArn: string): boolean {
  const session = sessionRole(callerArn);
  const role = roleOf(roleArn);
  return Boolean(session && role && session.account === role.account && session.role === role.role);
}

/** A Principal element's AWS entries name the caller: '*', its account, its ARN, or (for a session) its role. */
function names(principal: unknown, caller: Caller): boolean {
  if (principal === '*') return true;
  const aws = list((principal as { AWS?: unknown } | undefined)?.AWS);
  const session = sessionRole(caller.arn);
  return aws.some((p) => {
    if (p === '*' || p === caller.account || p === caller.arn || new RegExp(`^arn:[\\w-]+:iam::${caller.account}:root$`).test(p)) return true;
    const role = roleOf(p);
    return Boolean(session && role && role.account === session.account && role.role === session.role);
  });
}

/** IAM's wildcard match: * any run of characters, ? one character. */
function like(value: string, pattern: string, flags = ''): boolean {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, flags).test(value);
}

/** Action names are case-insensitive. */
function allowsAction(statement: Statement, action: string): boolean {
  return list(statement.Action).some((a) => like(action, a, 'i'));
}

/** Whether a string condition on a value we send holds; an absent value fails unless the operator is …IfExists. */
function stringHolds(operator: string, sent: string | undefined, values: string[]): boolean {
  if (sent === undefined) return operator.endsWith('IfExists');
  const op = operator.replace(/IfExists$/, '');
  if (op === 'StringEquals') return values.includes(sent);
  if (op === 'StringEqualsIgnoreCase') return values.some((v) => v.toLowerCase() === sent.toLowerCase());
  if (op === 'StringLike') return values.some((v) => like(sent, v));
  if (op === 'StringNotEquals') return !values.includes(sent);
  if (op === 'StringNotLike') return !values.some((v) => like(sent, v));
  return false;
}

/** What in one statement's conditions the request fails, or the keys it cannot check. */
function failures(statement: Statement, request: Request): { failed: TrustFinding[]; unchecked: string[] } {
  const failed: TrustFinding[] = [];
  const unchecked: string[] = [];
  for (const [operator, entries] of Object.entries(statement.Condition ?? {})) {
    for (const [rawKey, rawValues] of Object.entries(entries)) {
      const key = rawKey.toLowerCase();
      const values = list(rawValues);
      if (key === 'sts:externalid') {
        if (!stringHolds(operator, request.externalId, values)) failed.push({ kind: 'external-id', missing: request.externalId === undefined });
      } else if (key === 'sts:sourceidentity') {
        if (!stringHolds(operator, request.sourceIdentity, values)) failed.push({ kind: 'source-identity' });
      } else if (key === 'sts:rolesessionname') {
        if (!stringHolds(operator, request.sessionName, values)) failed.push({ kind: 'session-name' });
      } else if (key === 'aws:multifactorauthpresent' && /^Bool(IfExists)?$/.test(operator)) {
        const wanted = values.includes('true');
        // Without MFA the key is absent from a user's long-term-key request: BoolIfExists false-checks then pass.
        if (wanted && !request.mfa) failed.push({ kind: 'mfa' });
      } else if (key === 'aws:multifactorauthage') {
        if (!request.mfa && !operator.endsWith('IfExists')) failed.push({ kind: 'mfa' });
      } else {
        unchecked.push(rawKey);
      }
    }
  }
  return { failed, unchecked };
}

const order: TrustFinding['kind'][] = ['external-id', 'mfa', 'source-identity', 'session-name'];

/**
 * Why a trust policy refuses this caller and request: the statements that name the caller for sts:AssumeRole,
 * and what each one's conditions need that the request lacks. The statement missing least decides.
 */
export function judgeTrust(documentText: string, caller: Caller, request: Request): TrustFinding {
  let document: { Statement?: Statement | Statement[] };
  try {
    document = JSON.parse(documentText) as typeof document;
  } catch {
    return { kind: 'unchecked', keys: ['(the trust policy could not be read)'] };
  }
  const statements = ([] as Statement[]).concat(document.Statement ?? []);
  if (statements.some((s) => s.NotPrincipal !== undefined || s.NotAction !== undefined)) {
    return { kind: 'unchecked', keys: ['NotPrincipal/NotAction'] };
  }
  const forCaller = (action: string) => statements.filter((s) => names(s.Principal, caller) && allowsAction(s, action));
  const denies = forCaller('sts:AssumeRole').filter((s) => s.Effect === 'Deny' && !s.Condition);
  if (denies.length > 0) return { kind: 'denied' };
  const allows = forCaller('sts:AssumeRole').filter((s) => s.Effect === 'Allow');
  if (allows.length === 0) return { kind: 'not-named' };
  const judged = allows.map((s) => failures(s, request));
  const passing = judged.filter((j) => j.failed.length === 0);
  if (passing.length === 0) {
    const closest = judged.sort((a, b) => a.failed.length - b.failed.length)[0];
    return closest.failed.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind))[0];
  }
  if (passing.every((j) => j.unchecked.length > 0)) return { kind: 'unchecked', keys: [...new Set(passing.flatMap((j) => j.unchecked))] };
  // snapclone always sets a SourceIdentity, which the trust must allow too (sts:SetSourceIdentity).
  const setsIdentity = forCaller('sts:SetSourceIdentity').filter((s) => s.Effect === 'Allow').some((s) => failures(s, request).failed.length === 0);
  return setsIdentity ? { kind: 'allows' } : { kind: 'source-identity' };
}
