import {
  BackupClient,
  GetRecoveryPointRestoreMetadataCommand,
  ListRecoveryPointsByBackupVaultCommand,
  StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import { DescribeDBSnapshotsCommand, RDSClient, RestoreDBInstanceFromDBSnapshotCommand, type DBInstance } from '@aws-sdk/client-rds';
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

/**
 * Restores the latest manual snapshot of `source` as `id` into the development network (db.t4g.micro) with
 * `rds`; answers the new instance as the restore call does ('creating').
 */
export async function restoreManualSnapshot(rds: RDSClient, source: string, id: string, extra: Record<string, unknown> = {}): Promise<DBInstance> {
  const manual = await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: source, SnapshotType: 'manual' }));
  const out = await rds.send(
    new RestoreDBInstanceFromDBSnapshotCommand({
      DBInstanceIdentifier: id,
      DBSnapshotIdentifier: manual.DBSnapshots![0].DBSnapshotIdentifier,
      DBInstanceClass: 'db.t4g.micro',
      DBSubnetGroupName: DEV_SUBNET_GROUP,
      VpcSecurityGroupIds: [DEV_SECURITY_GROUP],
      ...extra,
    }),
  );
  return out.DBInstance!;
}
