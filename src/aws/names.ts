/** Every role session snapclone starts is named, and carries the SourceIdentity, snapclone-<person>. */
export const SESSION_PREFIX = 'snapclone-';

/** Session names allow [\w+=,.@-]{2,64}. */
export function sessionName(person: string): string {
  return `${SESSION_PREFIX}${person}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}
