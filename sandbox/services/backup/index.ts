import * as schemas from '@aws-sdk/client-backup';
import type { ServiceDef } from '../../core/service.ts';
import {
  describeRecoveryPoint,
  getRecoveryPointRestoreMetadata,
  listBackupVaults,
  listProtectedResources,
  listRecoveryPointsByBackupVault,
  listRecoveryPointsByResource,
} from './recovery-points.ts';
import { failRestoreJob } from './fail-restore.ts';
import { planArn } from './plan-state.ts';
import { getBackupPlan, getBackupSelection, listBackupPlans, listBackupSelections } from './plans.ts';
import { describeRestoreJob, listRestoreJobs, startRestoreJob } from './restore-jobs.ts';
import { vaultArn } from './state.ts';

const planOf = (input: { BackupPlanId?: string }, ctx: { region: string; accountId: string }) => [planArn(ctx.region, ctx.accountId, input.BackupPlanId ?? '*')];
const pointArn = (input: { RecoveryPointArn?: string }) => [input.RecoveryPointArn ?? '*'];

/** AWS Backup (restJson1): vaults, backup plans and their selections, recovery points of RDS instances, restore jobs. */
export const backup: ServiceDef = {
  signingName: 'backup',
  iamPrefix: 'backup',
  protocol: 'restJson1',
  schemas,
  operations: {
    ListBackupVaults: { handler: listBackupVaults },
    ListProtectedResources: { handler: listProtectedResources },
    ListBackupPlans: { handler: listBackupPlans },
    GetBackupPlan: { handler: getBackupPlan, resources: planOf },
    ListBackupSelections: { handler: listBackupSelections, resources: planOf },
    GetBackupSelection: { handler: getBackupSelection, resources: planOf },
    ListRecoveryPointsByBackupVault: {
      handler: listRecoveryPointsByBackupVault,
      resources: (input, ctx) => [vaultArn(ctx.region, ctx.accountId, input.BackupVaultName ?? '*')],
    },
    ListRecoveryPointsByResource: { handler: listRecoveryPointsByResource },
    DescribeRecoveryPoint: { handler: describeRecoveryPoint, resources: pointArn },
    GetRecoveryPointRestoreMetadata: { handler: getRecoveryPointRestoreMetadata, resources: pointArn },
    StartRestoreJob: { handler: startRestoreJob, resources: pointArn, failRestore: failRestoreJob },
    DescribeRestoreJob: { handler: describeRestoreJob },
    ListRestoreJobs: { handler: listRestoreJobs },
  },
};
