import { FAULT_SERVICES } from './fault-errors.ts';

export const FAULT_KINDS = ['throttle', 'error500', 'error503', 'drop', 'slow', 'hang', 'expire-session', 'fail-restore'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type FaultPhase = 'before' | 'after';

/** A fault to inject, as a test, the control endpoint or a `--fault` flag asks for it. */
export interface FaultRuleInput {
  /** The signing name of the service (rds, elasticache, es, backup, secretsmanager, tagging, sts, iam) or '*'. */
  service: string;
  /** The operation as the SDK names it (`DescribeDBInstances`; `ESHttpGet`… on a domain's endpoint), or '*' (default). */
  operation?: string;
  kind: FaultKind;
  /** slow: how long (wall-clock ms) the answer is held back. */
  delayMs?: number;
  /** Fire on this fraction (0..1) of the matching calls, drawn from the rule's seeded generator. */
  rate?: number;
  /** Fire on the next N matching calls only. */
  count?: number;
  /** Let the first N matching calls through untouched. */
  after?: number;
  /** 'before' the operation runs (default: a faulted call changed nothing) or 'after' it ran, before it is answered. */
  phase?: FaultPhase;
}

/** A rule checked, with its defaults filled in. */
export type CheckedFaultRule = FaultRuleInput & { operation: string; phase: FaultPhase };

/** A rule as the sandbox holds it: its id and how many matching calls it has seen and fired on. */
export interface FaultRule extends CheckedFaultRule {
  id: number;
  seen: number;
  fired: number;
}

export class FaultRuleError extends Error {}

const MAX_DELAY_MS = 600_000;

const isCount = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** Checks a rule given as untrusted data (JSON) and fills its defaults; throws FaultRuleError saying what is wrong. */
export function checkRule(input: unknown): CheckedFaultRule {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new FaultRuleError('a fault rule is an object');
  const rule = input as Record<string, unknown>;
  const known = new Set(['service', 'operation', 'kind', 'delayMs', 'rate', 'count', 'after', 'phase']);
  const unknown = Object.keys(rule).filter((key) => !known.has(key));
  if (unknown.length > 0) throw new FaultRuleError(`unknown fault rule field ${unknown.join(', ')}`);
  const { service, operation = '*', kind, delayMs, rate, count, after, phase } = rule;
  if (typeof service !== 'string' || (service !== '*' && !FAULT_SERVICES.includes(service))) {
    throw new FaultRuleError(`service must be '*' or one of ${FAULT_SERVICES.join(', ')}, not '${String(service)}'`);
  }
  if (typeof operation !== 'string' || !/^(\*|[A-Za-z][A-Za-z0-9]*)$/.test(operation)) {
    throw new FaultRuleError(`operation must be '*' or an operation name, not '${String(operation)}'`);
  }
  if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new FaultRuleError(`kind must be one of ${FAULT_KINDS.join(', ')}, not '${String(kind)}'`);
  }
  if (kind === 'slow' ? !isCount(delayMs) || (delayMs as number) > MAX_DELAY_MS : delayMs !== undefined) {
    throw new FaultRuleError(kind === 'slow' ? `slow needs a delay of 0 to ${MAX_DELAY_MS} ms` : `only slow takes a delay`);
  }
  if (rate !== undefined && (typeof rate !== 'number' || !(rate >= 0 && rate <= 1))) {
    throw new FaultRuleError(`rate must be a number from 0 to 1, not '${String(rate)}'`);
  }
  if (count !== undefined && (!isCount(count) || count === 0)) throw new FaultRuleError(`count must be a positive integer, not '${String(count)}'`);
  if (after !== undefined && !isCount(after)) throw new FaultRuleError(`after must be a non-negative integer, not '${String(after)}'`);
  if (phase !== undefined && phase !== 'before' && phase !== 'after') {
    throw new FaultRuleError(`phase must be 'before' or 'after', not '${String(phase)}'`);
  }
  // A failed restore is a consequence of the restore having started: it can only come after the operation.
  if (kind === 'fail-restore' && phase === 'before') throw new FaultRuleError('fail-restore acts after the restore started: it has no before phase');
  return {
    service,
    operation,
    kind: kind as FaultKind,
    ...(delayMs !== undefined && { delayMs: delayMs as number }),
    ...(rate !== undefined && { rate }),
    ...(count !== undefined && { count: count as number }),
    ...(after !== undefined && { after: after as number }),
    phase: kind === 'fail-restore' ? 'after' : ((phase as FaultPhase | undefined) ?? 'before'),
  };
}

export const ruleMatches = (rule: FaultRule, service: string, operation: string): boolean =>
  (rule.service === '*' || rule.service === service) && (rule.operation === '*' || rule.operation === operation);

/**
 * Counts a matching call and says whether the rule fires on it: not within its first `after` calls, not once
 * `count` firings are spent, and with probability `rate` (from `random`).
 */
export function firesOn(rule: FaultRule, random: () => number): boolean {
  rule.seen++;
  if (rule.seen <= (rule.after ?? 0)) return false;
  if (rule.count !== undefined && rule.fired >= rule.count) return false;
  if (rule.rate !== undefined && random() >= rule.rate) return false;
  rule.fired++;
  return true;
}

/** mulberry32: a small seedable generator of numbers in [0, 1), so rate-based faults repeat run after run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
