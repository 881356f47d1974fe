import {
  BackupClient,
  GetRecoveryPointRestoreMetadataCommand,
  ListRecoveryPointsByBackupVaultCommand,
  StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import { arn, BACKUP_VAULT, DEV_SECURITY_GROUP, DEV_SUBNET_GROUP, RESTORE_ROLE } from '../../sandbox/scenario/index.ts';
import type { TestSandbox } from './sandbox.ts';

const DAY = 86_400_000;

/** The newest completed AWS Backup recovery point of orders-prod created more than `ago` days ago. */
export async function recoveryPoint(sb: TestSandbox, ago: number): Promise<string> {
  const out = await new BackupClient(sb.config()).send(
    new ListRecoveryPointsByBackupVaultCommand({
      BackupVaultName: BACKUP_VAULT,
      ByResourceArn: arn.db('orders-prod'),
      ByCreatedBefore: new Date(sb.world.clock.nowMs() - ago * DAY),
    }),
  );
  return out.RecoveryPoints![0].RecoveryPointArn!;
}

/**
 * Stages, with the administrator's key, a restore through AWS Backup with snapclone's restore role, as older
 * snapclone versions made them: the instance it creates carries no tags. Returns the restore job id.
 */
export async function backupRestore(sb: TestSandbox, name: string, point: string): Promise<string> {
  const backup = new BackupClient(sb.config());
  const meta = await backup.send(new GetRecoveryPointRestoreMetadataCommand({ BackupVaultName: BACKUP_VAULT, RecoveryPointArn: point }));
  const started = await backup.send(
    new StartRestoreJobCommand({
      RecoveryPointArn: point,
      IamRoleArn: arn.role(RESTORE_ROLE),
      Metadata: {
        ...meta.RestoreMetadata,
        DBInstanceIdentifier: name,
        DBSubnetGroupName: DEV_SUBNET_GROUP,
        VpcSecurityGroupIds: JSON.stringify([DEV_SECURITY_GROUP]),
      },
    }),
  );
  return started.RestoreJobId!;
}
