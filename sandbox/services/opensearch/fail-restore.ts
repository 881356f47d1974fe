import type { ErrorFaultKind } from '../../core/fault-errors.ts';
import { serviceFaultError } from '../../core/fault-errors.ts';
import { osException, type DataRequest } from './rest-api.ts';
import { indicesOf } from './state.ts';

/** Fault injection on a domain's endpoint: how it answers injected faults, and restores that fail. */

/** OpenSearch refuses work it has no room for with its own 429; server failures come from the AWS front end. */
export function dataPlaneFaultError(kind: ErrorFaultKind): Error {
  if (kind !== 'throttle') return serviceFaultError('es', kind);
  return osException('rejected_execution_exception', 'rejected execution of coordinating operation [snapclone sandbox fault injection]', 429);
}

/** The repository and snapshot a request restores from (POST _snapshot/<repo>/<snapshot>/_restore), if it is a restore. */
export function restoreOf(req: Pick<DataRequest, 'method' | 'segments'>): { repository: string; snapshot: string } | undefined {
  const [first, repository, snapshot, fourth] = req.segments;
  const isRestore = req.method === 'POST' && req.segments.length === 4 && first === '_snapshot' && fourth === '_restore';
  return isRestore ? { repository, snapshot } : undefined;
}

/**
 * Makes the restore the request just started fail halfway through its primaries: the indices it restores (the newest
 * restore of that snapshot) stay red, their shards unassigned, and no longer show a recovery.
 */
export function failIndexRestore(req: DataRequest): void {
  const from = restoreOf(req)!;
  const restored = indicesOf(req.domain, req.world.clock.nowMs()).filter(
    (i) => i.recovery?.repository === from.repository && i.recovery.snapshot === from.snapshot,
  );
  const startedAt = Math.max(...restored.map((i) => i.recovery!.startedAt));
  for (const index of restored) {
    const r = index.recovery!;
    if (r.startedAt === startedAt) r.failedAt = r.startedAt + (r.primariesDoneAt - r.startedAt) / 2;
  }
}
