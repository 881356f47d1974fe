import type { RequestContext } from '../../core/service.ts';
import { failInstanceRestore } from '../rds/fail-restore.ts';
import { backupState } from './state.ts';

/**
 * failRestore of StartRestoreJob (fault injection: a fail-restore rule fired on the call): the job runs as usual and
 * ends FAILED with a StatusMessage; the DB instance it was restoring is left in `incompatible-restore`, as RDS shows it.
 */
export function failRestoreJob(_input: unknown, output: { RestoreJobId: string }, ctx: RequestContext): void {
  const job = backupState(ctx.world, ctx.accountId, ctx.region).jobs.get(output.RestoreJobId)!;
  if (job.outcome.status === 'FAILED') return;
  const instance = job.outcome.instance;
  failInstanceRestore(instance);
  job.outcome = { status: 'FAILED', message: `Restore of DB instance ${instance.id} failed: the DB instance is in incompatible-restore state.` };
}
