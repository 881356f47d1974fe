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


/**
 * Where a resumed clone stands, in words: AWS's status is shown as AWS names it, snapclone's own ('no-instance':
 * an Aurora cluster waiting for the writer instance an interrupted create did not add) as what happens next.
 */
export function resumedState(status: string): string {
  if (status === 'available') return 'made (available)';
  if (status === 'no-instance') return 'under way: its cluster is made, its writer instance is added now';
  return `under way (${status})`;
}

/** A resource of the clone's name that snapclone did not make: bad input, nothing written. */
export function notAClone(kind: string, name: string): UsageError {
  return new UsageError(`A ${kind} named ${name} already exists and is not a snapclone clone. Nothing was changed.`, 'Choose another --name.');
}

/**
 * Attaches a create to the clone of its name found before anything was written (`existing`, undefined when
 * the resource of that name is not a clone), saying that it resumes.
 */
export function resumeExisting(w: Where, existing: Clone | undefined, plan: RestorePlan, kind: string): RestoreResult {
  if (!existing) throw notAClone(kind, plan.tags.clone);
  const result = attach(w, existing, plan);
  w.ctx.reporter.info(`${plan.tags.clone}: resuming the clone already ${resumedState(existing.status)}.`);
  return result;
}

/** Attaches to the clone a concurrent run created first (the service said the name exists). */
export function attachConcurrent(w: Where, existing: Clone | undefined, plan: RestorePlan, kind: string): RestoreResult {
  if (!existing) throw notAClone(kind, plan.tags.clone);
  w.ctx.reporter.info(`${plan.tags.clone}: already being restored by another run; attaching to it.`);
  return attach(w, existing, plan);
}
