import { byKey } from '../../core/paging.ts';
import type { RequestContext } from '../../core/service.ts';
import { findPlan, lastExecution, type BackupPlanRecord, type BackupSelectionRecord } from './plan-state.ts';
import { backupErrors, backupState, pageOf } from './state.ts';

/** ListBackupPlans, GetBackupPlan, ListBackupSelections, GetBackupSelection: reading plans (never deleted here). */

const planKey = (p: BackupPlanRecord) => `${p.name}|${p.id}`;
const selectionKey = (s: BackupSelectionRecord) => `${s.name}|${s.id}`;

export function listBackupPlans(input: { NextToken?: string; MaxResults?: number; IncludeDeleted?: boolean }, ctx: RequestContext) {
  const now = ctx.world.clock.nowMs();
  const plans = [...backupState(ctx.world, ctx.accountId, ctx.region).plans.values()].sort(byKey(planKey));
  const page = pageOf(plans, planKey, input);
  return {
    BackupPlansList: page.items.map((p) => ({
      BackupPlanArn: p.arn,
      BackupPlanId: p.id,
      CreationDate: new Date(p.createdAt),
      VersionId: p.versionId,
      BackupPlanName: p.name,
      LastExecutionDate: lastExecution(ctx.world, ctx.accountId, ctx.region, p.id, now),
    })),
    NextToken: page.next,
  };
}

export function getBackupPlan(input: { BackupPlanId?: string; VersionId?: string }, ctx: RequestContext) {
  const plan = findPlan(ctx.world, ctx.accountId, ctx.region, input.BackupPlanId);
  if (input.VersionId !== undefined && input.VersionId !== plan.versionId) {
    throw backupErrors.notFound(`Failed reading Backup plan with provided version. Version ${input.VersionId} of backup plan ${plan.id} does not exist.`);
  }
  return {
    BackupPlan: {
      BackupPlanName: plan.name,
      Rules: plan.rules.map((r) => ({
        RuleName: r.ruleName,
        TargetBackupVaultName: r.targetVaultName,
        ScheduleExpression: r.scheduleExpression,
        ScheduleExpressionTimezone: r.scheduleExpressionTimezone,
        StartWindowMinutes: r.startWindowMinutes,
        CompletionWindowMinutes: r.completionWindowMinutes,
        Lifecycle: { DeleteAfterDays: r.deleteAfterDays, OptInToArchiveForSupportedResources: false },
        RuleId: r.ruleId,
        EnableContinuousBackup: false,
      })),
    },
    BackupPlanId: plan.id,
    BackupPlanArn: plan.arn,
    VersionId: plan.versionId,
    CreationDate: new Date(plan.createdAt),
    LastExecutionDate: lastExecution(ctx.world, ctx.accountId, ctx.region, plan.id, ctx.world.clock.nowMs()),
  };
}

export function listBackupSelections(input: { BackupPlanId?: string; NextToken?: string; MaxResults?: number }, ctx: RequestContext) {
  const plan = findPlan(ctx.world, ctx.accountId, ctx.region, input.BackupPlanId);
  const page = pageOf([...plan.selections].sort(byKey(selectionKey)), selectionKey, input);
  return {
    BackupSelectionsList: page.items.map((s) => ({
      SelectionId: s.id,
      SelectionName: s.name,
      BackupPlanId: plan.id,
      CreationDate: new Date(s.createdAt),
      IamRoleArn: s.iamRoleArn,
    })),
    NextToken: page.next,
  };
}

export function getBackupSelection(input: { BackupPlanId?: string; SelectionId?: string }, ctx: RequestContext) {
  const plan = findPlan(ctx.world, ctx.accountId, ctx.region, input.BackupPlanId);
  if (!input.SelectionId) throw backupErrors.missing('SelectionId');
  const s = plan.selections.find((x) => x.id === input.SelectionId);
  if (!s) throw backupErrors.notFound(`Backup selection ${input.SelectionId} of backup plan ${plan.id} does not exist.`);
  return {
    BackupSelection: {
      SelectionName: s.name,
      IamRoleArn: s.iamRoleArn,
      Resources: s.resources,
      NotResources: s.notResources,
      ListOfTags: s.listOfTags,
      Conditions: { StringEquals: [], StringNotEquals: [], StringLike: [], StringNotLike: [], ...s.conditions },
    },
    SelectionId: s.id,
    BackupPlanId: plan.id,
    CreationDate: new Date(s.createdAt),
  };
}
