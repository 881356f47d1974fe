import type { World } from '../../core/world.ts';
import { backupErrors, backupState, orderedPoints } from './state.ts';

/**
 * Backup plans as AWS Backup keeps them: rules (when, into which vault, kept how long) and resource selections
 * (which resources, by ARN or by tag). The sandbox does not run plans: the scenario seeds a plan next to the
 * per-resource schedules (BackupSchedule) that make its recovery points, naming the same rule.
 */

export interface BackupRuleRecord {
  ruleId: string;
  ruleName: string;
  targetVaultName: string;
  scheduleExpression: string;
  scheduleExpressionTimezone: string;
  startWindowMinutes: number;
  completionWindowMinutes: number;
  deleteAfterDays: number;
}

/** A selection's `Conditions` (all must hold) and `ListOfTags` (STRINGEQUALS only), as the API has them. */
export interface BackupSelectionRecord {
  id: string;
  name: string;
  iamRoleArn: string;
  resources: string[];
  notResources: string[];
  listOfTags: { ConditionType: 'STRINGEQUALS'; ConditionKey: string; ConditionValue: string }[];
  conditions: Partial<Record<'StringEquals' | 'StringNotEquals' | 'StringLike' | 'StringNotLike', { ConditionKey: string; ConditionValue: string }[]>>;
  createdAt: number;
}

export interface BackupPlanRecord {
  id: string;
  arn: string;
  name: string;
  versionId: string;
  createdAt: number;
  rules: BackupRuleRecord[];
  selections: BackupSelectionRecord[];
}

export const planArn = (region: string, accountId: string, id: string) => `arn:aws:backup:${region}:${accountId}:backup-plan:${id}`;

export function addBackupPlan(world: World, accountId: string, region: string, plan: BackupPlanRecord): void {
  backupState(world, accountId, region).plans.set(plan.id, plan);
}

export function findPlan(world: World, accountId: string, region: string, id: string | undefined): BackupPlanRecord {
  if (!id) throw backupErrors.missing('BackupPlanId');
  const plan = backupState(world, accountId, region).plans.get(id);
  if (!plan) throw backupErrors.notFound(`Failed reading Backup plan with provided version. Backup plan ${id} does not exist.`);
  return plan;
}

/** When the plan last made a recovery point (its newest point that names it), if ever. */
export function lastExecution(world: World, accountId: string, region: string, planId: string, now: number): Date | undefined {
  const newest = orderedPoints(world, accountId, region, now).find((p) => p.plan?.planId === planId);
  return newest ? new Date(newest.createdAt) : undefined;
}
