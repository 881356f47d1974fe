import { formatTime } from '../../core/dates.ts';
import { SnapcloneError, UsageError } from '../../core/errors.ts';
import { assertOwnClone, cloneTags } from '../../core/tags.ts';
import type { Clone, RestorePlan, RestoreResult } from '../types.ts';
import type { Where } from './aws.ts';

/** Resuming a create: what every engine does when a clone of the asked-for name already exists. */

/** Whether an existing clone is the one this plan would make (same source and restore point). */
export function sameRestore(existing: Clone, plan: RestorePlan): boolean {
  if (!existing.tagged) return existing.restorePoint === plan.point.id;
  return existing.source === plan.source.name && existing.restorePoint === plan.tags.restorePoint;
}

export function conflict(existing: Clone, plan: RestorePlan, zone: string): UsageError {
  return new UsageError(
    `A clone named ${existing.clone} already exists (source ${existing.source}, restore point ${existing.restorePoint || 'unknown'}` +
      `${existing.tagged ? `, owner ${existing.owner}, data of ${formatTime(existing.restoreTime, zone)}` : ''}), ` +
      `not made from the point asked for (${plan.tags.restorePoint}). Nothing was changed.`,
    'Choose another --name, or delete the existing clone first (snapclone delete).',
  );
}

/** Attaches to an existing tagged clone of the same name, or refuses when it is a different one or another person's. */
export function attach(w: Where, existing: Clone, plan: RestorePlan): RestoreResult {
  assertOwnClone(cloneTags(existing), existing.clone, plan.tags.owner);
  if (!sameRestore(existing, plan)) throw conflict(existing, plan, w.ctx.config.timezone);
  if (existing.status === 'deleting') {
    throw new SnapcloneError(`Clone ${existing.clone} is being deleted; wait until it is gone, or choose another --name.`);
  }
  return { clone: existing, resumed: true };
}

