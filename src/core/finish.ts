import type { ParsedRequest } from './choose.ts';
import { ExitCode, SnapcloneError } from './errors.ts';
import type { CloneTags } from './tags.ts';

/**
 * A clone whose password is not replaced yet, said the same way everywhere (create --no-wait, show,
 * credentials), with the exact command that finishes it.
 */
export const PASSWORD_NOT_REPLACED = "password not replaced yet (the clone still has its source's)";

/** The snapclone:request tag of a create: which data was asked for, as the command line said it. */
export function requestTag(request: ParsedRequest): string {
  if (request.kind === 'date') return `date:${request.day}`;
  if (request.kind === 'at') return `at:${request.at.toISOString()}`;
  return 'latest';
}

/**
 * The --date/--at/--latest a clone was made with, from its tags. A clone made before snapclone:request existed
 * gets the nearest equivalent its restore point tag allows: `@latest` → --latest, `@<time>` → --at that time,
 * a discrete point → --at its time (the latest point at or before it is that point).
 */
export function requestArgs(clone: Pick<CloneTags, 'request' | 'restorePoint' | 'restoreTime'>): string[] {
  const tag = clone.request ?? '';
  if (tag.startsWith('date:')) return ['--date', tag.slice('date:'.length)];
  if (tag.startsWith('at:')) return ['--at', tag.slice('at:'.length)];
  if (tag === 'latest') return ['--latest'];
  const pitr = /@(latest|\d{4}-\d\d-\d\dT[\d:.]+Z)$/.exec(clone.restorePoint);
  if (pitr) return pitr[1] === 'latest' ? ['--latest'] : ['--at', pitr[1]];
  return ['--at', clone.restoreTime.toISOString()];
}

/**
 * The command that finishes a clone (resumes its create and waits): its source, name and point; its target
 * when the config has several (`targets` undefined: unknown, so always said).
 */
export function finishCommand(clone: Pick<CloneTags, 'clone' | 'source' | 'target' | 'request' | 'restorePoint' | 'restoreTime'>, targets?: number): string {
  const target = clone.target && (targets === undefined || targets > 1) ? ['--target', clone.target] : [];
  return ['snapclone', 'create', clone.source, '--name', clone.clone, ...requestArgs(clone), ...target].join(' ');
}

/** The refusal to hand out a password not replaced yet (credentials; the engines' own checks). */
export function passwordNotReplaced(clone: Parameters<typeof finishCommand>[0], targets?: number, why?: string): SnapcloneError {
  return new SnapcloneError(
    `${clone.clone}: ${PASSWORD_NOT_REPLACED}${why ? ` (${why})` : ''}, so snapclone does not hand it out.`,
    ExitCode.failed,
    `Finish it (this resumes the create and waits): ${finishCommand(clone, targets)}`,
  );
}
