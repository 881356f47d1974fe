import { RefusedError } from './errors.ts';
import { hasPrefix } from './naming.ts';
import { TAG } from './tags.ts';

/**
 * The safety guard: snapclone modifies or deletes only resources that carry snapclone:managed=true AND
 * whose clone name (tag and resource name) carries the configured prefix. The tags are read from the cloud
 * by the caller immediately before acting; on any doubt the guard refuses (exit 3), naming the resource and
 * why, before any write.
 */
export interface GuardSubject {
  /** What it is, for messages: "RDS DB instance", "secret". */
  kind: string;
  /** Its name in the service (RDS: the DB instance identifier; secret: its name). */
  name: string;
  arn?: string;
}

export interface GuardOptions {
  prefix: string;
  /** What snapclone was about to do: "delete", "modify", "tag". */
  action: string;
  /** When set, the resource must carry exactly this clone name. */
  clone?: string;
  /** When set (the janitor), the expiry the resource carries now must be at or before this instant. */
  expiredBy?: Date;
}

/** Why the guard refuses, or undefined when it allows. */
export function guardProblem(
  subject: GuardSubject,
  tags: Record<string, string> | undefined,
  options: Omit<GuardOptions, 'action'>,
): string | undefined {
  if (!hasPrefix(subject.name, options.prefix)) {
    return `its name '${subject.name}' does not start with the configured prefix '${options.prefix}-'`;
  }
  if (!tags) return 'its tags could not be read';
  if (tags[TAG.managed] !== 'true') {
    return `it does not carry the tag ${TAG.managed}=true, so snapclone did not create it`;
  }
  const clone = tags[TAG.clone];
  if (!clone) return `it carries ${TAG.managed}=true but no ${TAG.clone} tag`;
  if (!hasPrefix(clone, options.prefix)) {
    return `its clone name '${clone}' (tag ${TAG.clone}) does not start with the configured prefix '${options.prefix}-'`;
  }
  if (options.clone !== undefined && clone !== options.clone) {
    return `it belongs to clone '${clone}', not '${options.clone}'`;
  }
  if (options.expiredBy) {
    const expiresAt = Date.parse(tags[TAG.expiresAt] ?? '');
    if (!(expiresAt <= options.expiredBy.getTime())) {
      return Number.isNaN(expiresAt)
        ? `it carries no readable ${TAG.expiresAt} tag now`
        : `it now expires at ${new Date(expiresAt).toISOString()}, after ${options.expiredBy.toISOString()}: it was extended since the janitor listed it`;
    }
  }
  return undefined;
}

function describe(subject: GuardSubject): string {
  return subject.arn ? `${subject.kind} ${subject.name} (${subject.arn})` : `${subject.kind} ${subject.name}`;
}

/** Throws RefusedError unless the guard allows acting on the resource with these (freshly read) tags. */
export function assertManaged(subject: GuardSubject, tags: Record<string, string> | undefined, options: GuardOptions): void {
  const problem = guardProblem(subject, tags, options);
  if (problem) {
    throw new RefusedError(
      `Refused to ${options.action} ${describe(subject)}: ${problem}. Nothing was changed.`,
      'snapclone only modifies or deletes the clones it created (tagged snapclone:managed=true, named with the configured prefix).',
    );
  }
}

/**
 * Re-reads the tags through `readTags` right before acting, applies the guard, and only then runs `act`.
 * Returns what `act` returns.
 */
export async function guarded<T>(
  subject: GuardSubject,
  readTags: () => Promise<Record<string, string> | undefined>,
  options: GuardOptions,
  act: () => Promise<T>,
): Promise<T> {
  assertManaged(subject, await readTags(), options);
  return act();
}
