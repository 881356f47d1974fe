import { TAG } from '../../core/tags.ts';

/**
 * The masking lock: a clone whose master password was changed in the database to one nobody is told (masking
 * did not pass) carries snapclone:password=locked. It describes as credentials 'pending', so nothing hands out a
 * password for it; the next create run's wait applies the clone's own password again (its secret's, or a rotation
 * of RDS's managed secret) and records the mode back.
 */
export const PASSWORD_LOCKED = 'locked';

/** The tags that mark a clone's master password locked. */
export const lockedPasswordTags = (): Record<string, string> => ({ [TAG.password]: PASSWORD_LOCKED });

/** Whether snapclone:password says the clone's own password is in place ('generated' or 'managed'; not 'locked'). */
export const passwordInPlace = (tags: Record<string, string>): boolean => tags[TAG.password] === 'generated' || tags[TAG.password] === 'managed';

/** Why a clone whose password is not in place is refused, when it is locked. */
export const lockedWhy = (tags: Record<string, string>): string | undefined =>
  tags[TAG.password] === PASSWORD_LOCKED ? 'its master password was locked because masking did not pass' : undefined;
