import { checkRule, FaultRuleError, type CheckedFaultRule, type FaultRuleInput } from './fault-rules.ts';

/**
 * The `--fault` grammar: `SERVICE:OPERATION=KIND[:MS]` then, in any order, at most one each of `@RATE` (0..1),
 * `#COUNT`, `+AFTER` and `/PHASE` (before | after). E.g. `rds:DescribeDBInstances=throttle@0.2`,
 * `*:*=error503#3`, `es:*=slow:2000@0.1`, `rds:RestoreDBInstanceFromDBSnapshot=drop/after#1`, `sts:*=expire-session+2#1`.
 */
export const FAULT_SPEC_GRAMMAR = 'SERVICE:OPERATION=KIND[:MS][@RATE][#COUNT][+AFTER][/before|/after]';

const SPEC = /^([^:=]+):([^=]+)=([a-z0-9-]+)(?::(\d+))?((?:[@#+/][^@#+/]*)*)$/;

const MODIFIERS: Record<string, keyof FaultRuleInput> = { '@': 'rate', '#': 'count', '+': 'after', '/': 'phase' };

/** Parses one `--fault` spec into a checked rule; throws FaultRuleError naming the spec and what is wrong. */
export function parseFaultSpec(spec: string): CheckedFaultRule {
  const m = SPEC.exec(spec.trim());
  if (!m) throw new FaultRuleError(`'${spec}' is not a fault spec (${FAULT_SPEC_GRAMMAR})`);
  const [, service, operation, kind, delay, tail] = m;
  const rule: Record<string, unknown> = { service, operation, kind };
  if (delay !== undefined) rule.delayMs = Number(delay);
  for (const [, mark, value] of tail.matchAll(/([@#+/])([^@#+/]*)/g)) {
    const field = MODIFIERS[mark];
    if (field in rule) throw new FaultRuleError(`'${spec}': ${mark} is given twice`);
    const number = field === 'phase' ? value : Number(value);
    rule[field] = value === '' || Number.isNaN(number) ? value : number;
  }
  try {
    return checkRule(rule);
  } catch (error) {
    throw new FaultRuleError(`'${spec}': ${(error as Error).message}`);
  }
}
