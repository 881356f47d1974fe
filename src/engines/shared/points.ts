import { paginateListRecoveryPointsByBackupVault, BackupClient } from '@aws-sdk/client-backup';
import type { PointQuery, RestorePoint, RestorePointKind, SourceRef } from '../types.ts';
import { isError, type Where } from './aws.ts';

export const GB = 1024 ** 3;
export const round = (n: number) => Math.round(n * 100) / 100;

export type Range = PointQuery;

/** Whether a query asks for points of this kind (all kinds when it names none). */
export const wants = (range: Range, kind: RestorePointKind) => !range.kinds || range.kinds.includes(kind);

export const inRange = (time: Date, range: Range) =>
  (!range.from || time.getTime() >= range.from.getTime()) && (!range.to || time.getTime() <= range.to.getTime());

/** What each run (its context) has been told already. */
const told = new WeakMap<object, Set<string>>();

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
    const message = `${source.name}: backup vault '${source.config.backupVault}' not found; no AWS Backup recovery points`;
    // Said once per run, however many listings (create looks back in steps) find the vault missing.
    const said = told.get(w.ctx) ?? new Set<string>();
    told.set(w.ctx, said);
    if (!said.has(message)) w.ctx.reporter[level](message);
    said.add(message);
  }
  return points;
}

