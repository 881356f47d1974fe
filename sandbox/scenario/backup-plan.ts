import { randomUUID } from 'node:crypto';
import type { World } from '../core/world.ts';
import { addBackupPlan, planArn } from '../services/backup/plan-state.ts';
import { dbArn } from '../services/rds/state.ts';
import { arn, BACKUP_VAULT, COMPANY_ACCOUNT, COMPANY_REGION, PROD_DATABASES, RESTORE_ROLE } from './constants.ts';
import { PLAN, RETENTION_DAYS } from './databases.ts';

const DAY = 86_400_000;

/**
 * The AWS Backup plan behind the production recovery points (PLAN, which the schedules of seedDatabases and
 * seedClusters name): one rule, daily at 03:00 Asia/Tokyo into the Default vault, kept RETENTION_DAYS days; the RDS
 * instances selected by ARN, the Aurora clusters by tag (env=production, any DB cluster).
 */
export function seedBackupPlan(world: World): void {
  const now = world.clock.nowMs();
  const createdAt = now - 400 * DAY;
  const iamRoleArn = arn.role(RESTORE_ROLE);
  addBackupPlan(world, COMPANY_ACCOUNT, COMPANY_REGION, {
    id: PLAN.planId,
    arn: planArn(COMPANY_REGION, COMPANY_ACCOUNT, PLAN.planId),
    name: PLAN.planName,
    versionId: PLAN.planVersion,
    createdAt,
    rules: [
      {
        ruleId: PLAN.ruleId,
        ruleName: PLAN.ruleName,
        targetVaultName: BACKUP_VAULT,
        scheduleExpression: PLAN.cron,
        scheduleExpressionTimezone: PLAN.timezone,
        startWindowMinutes: 60,
        completionWindowMinutes: 10_080,
        deleteAfterDays: RETENTION_DAYS,
      },
    ],
    selections: [
      {
        id: randomUUID(),
        name: 'production-instances',
        iamRoleArn,
        resources: PROD_DATABASES.map((db) => dbArn(COMPANY_REGION, COMPANY_ACCOUNT, db.id)),
        notResources: [],
        listOfTags: [],
        conditions: {},
        createdAt,
      },
      {
        id: randomUUID(),
        name: 'production-aurora',
        iamRoleArn,
        resources: ['arn:aws:rds:*:*:cluster:*'],
        notResources: [],
        listOfTags: [],
        conditions: { StringEquals: [{ ConditionKey: 'aws:ResourceTag/env', ConditionValue: 'production' }] },
        createdAt,
      },
    ],
  });
}
