import { paginateListRecoveryPointsByBackupVault, BackupClient } from '@aws-sdk/client-backup';
import type { RestorePoint, SourceRef } from '../types.ts';
import { isError, type Where } from './aws.ts';

export const GB = 1024 ** 3;
export const round = (n: number) => Math.round(n * 100) / 100;

export interface Range {
  from?: Date;
  to?: Date;
}

export const inRange = (time: Date, range: Range) =>
  (!range.from || time.getTime() >= range.from.getTime()) && (!range.to || time.getTime() <= range.to.getTime());

/** AWS Backup recovery points of the source (its resource ARN): one filtered, paginated listing of its vault. */
export async function backupPoints(w: Where, source: SourceRef, resourceArn: string, range: Range): Promise<RestorePoint[]> {
  const points: RestorePoint[] = [];
  const pages = paginateListRecoveryPointsByBackupVault(
    { client: w.clients.of(BackupClient), pageSize: 100 },
    {
      BackupVaultName: source.config.backupVault,
      ByResourceArn: resourceArn,
      ByCreatedAfter: range.from,
      ByCreatedBefore: range.to,
    },
  );
  try {
    for await (const page of pages) {
      for (const rp of page.RecoveryPoints ?? []) {
        if (rp.Status !== 'COMPLETED' || !rp.RecoveryPointArn || !rp.CreationDate) continue;
        if (!inRange(rp.CreationDate, range)) continue;
        points.push({
          kind: 'backup',
          id: rp.RecoveryPointArn,
          time: rp.CreationDate,
          sizeGb: rp.BackupSizeInBytes === undefined ? undefined : round(rp.BackupSizeInBytes / GB),
        });
      }
    }
  } catch (error) {
    if (!isError(error, 'ResourceNotFoundException')) throw error;
    const level = source.config.restoreFrom === 'backup' ? 'warn' : 'debug';
    w.ctx.reporter[level](`${source.name}: backup vault '${source.config.backupVault}' not found; no AWS Backup recovery points`);
  }
  return points;
}

