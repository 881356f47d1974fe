import {
  type BackupClient,
  GetBackupPlanCommand,
  GetBackupSelectionCommand,
  paginateListBackupPlans,
  paginateListBackupSelections,
  type BackupSelection,
} from '@aws-sdk/client-backup';

/**
 * AWS Backup plans as init reads them (read-only: ListBackupPlans, GetBackupPlan, ListBackupSelections,
 * GetBackupSelection), and which of their rules protect a source: a plan's rules back up every resource its
 * selections select.
 */

export interface PlanRule {
  plan: string;
  rule: string;
  /** cron(…) or rate(…), as the rule has it. */
  schedule: string;
  timezone?: string;
  vault: string;
  deleteAfterDays?: number;
  /** The selection that selects the source. */
  selection: string;
}

export interface DiscoveredPlan {
  name: string;
  rules: Omit<PlanRule, 'selection'>[];
  selections: BackupSelection[];
}

export async function readPlans(backup: BackupClient): Promise<DiscoveredPlan[]> {
  const plans: DiscoveredPlan[] = [];
  for await (const page of paginateListBackupPlans({ client: backup }, {})) {
    for (const listed of page.BackupPlansList ?? []) {
      const BackupPlanId = listed.BackupPlanId!;
      const plan = await backup.send(new GetBackupPlanCommand({ BackupPlanId }));
      const name = plan.BackupPlan?.BackupPlanName ?? listed.BackupPlanName ?? BackupPlanId;
      const selections: BackupSelection[] = [];
      for await (const sp of paginateListBackupSelections({ client: backup }, { BackupPlanId })) {
        for (const s of sp.BackupSelectionsList ?? []) {
          const got = await backup.send(new GetBackupSelectionCommand({ BackupPlanId, SelectionId: s.SelectionId }));
          if (got.BackupSelection) selections.push(got.BackupSelection);
        }
      }
      const rules = (plan.BackupPlan?.Rules ?? []).map((r) => ({
        plan: name,
        rule: r.RuleName ?? r.RuleId ?? '?',
        schedule: r.ScheduleExpression ?? '(on demand)',
        timezone: r.ScheduleExpressionTimezone,
        vault: r.TargetBackupVaultName ?? '?',
        deleteAfterDays: r.Lifecycle?.DeleteAfterDays,
      }));
      plans.push({ name, rules, selections });
    }
  }
  return plans;
}

/** IAM-style wildcard match (`*` any run, `?` one character), case-sensitive as AWS Backup's conditions are. */
function like(pattern: string, value: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(value);
}

const tagKey = (key: string | undefined) => (key ?? '').replace(/^aws:ResourceTag\//, '');

/**
 * Whether a selection selects a resource. Conditions must all hold (AND) and NotResources excludes, as AWS documents.
 * Resources and ListOfTags (whose entries are OR'ed) are taken as alternatives; a selection naming neither selects
 * every supported resource, as the BackupSelection reference warns.
 */
export function selects(s: BackupSelection, arn: string, tags: Record<string, string>): boolean {
  const resources = s.Resources ?? [];
  const listOfTags = s.ListOfTags ?? [];
  const included =
    (resources.length === 0 && listOfTags.length === 0) ||
    resources.some((r) => like(r, arn)) ||
    listOfTags.some((t) => tags[tagKey(t.ConditionKey)] === t.ConditionValue);
  if (!included || (s.NotResources ?? []).some((r) => like(r, arn))) return false;
  const c = s.Conditions ?? {};
  const value = (k?: string) => tags[tagKey(k)];
  return (
    (c.StringEquals ?? []).every((p) => value(p.ConditionKey) === p.ConditionValue) &&
    (c.StringNotEquals ?? []).every((p) => value(p.ConditionKey) !== p.ConditionValue) &&
    (c.StringLike ?? []).every((p) => value(p.ConditionKey) !== undefined && like(p.ConditionValue ?? '', value(p.ConditionKey)!)) &&
    (c.StringNotLike ?? []).every((p) => value(p.ConditionKey) === undefined || !like(p.ConditionValue ?? '', value(p.ConditionKey)!))
  );
}

/** The rules that back a resource up: every rule of each plan one of whose selections selects it. */
export function protectingRules(plans: DiscoveredPlan[], arn: string, tags: Record<string, string>): PlanRule[] {
  return plans.flatMap((p) => {
    const selection = p.selections.find((s) => selects(s, arn, tags));
    return selection ? p.rules.map((r) => ({ ...r, selection: selection.SelectionName ?? '?' })) : [];
  });
}

/** One line of a rule: production-daily/daily-0300-jst-35d: cron(0 3 ? * * *) Asia/Tokyo into vault Default, kept 35 days. */
export function describeRule(r: PlanRule): string {
  const kept = r.deleteAfterDays === undefined ? 'kept until deleted' : `kept ${r.deleteAfterDays} days`;
  return `${r.plan}/${r.rule}: ${r.schedule}${r.timezone ? ` ${r.timezone}` : ''} into vault ${r.vault}, ${kept} (selection ${r.selection})`;
}
