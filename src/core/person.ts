import { userInfo } from 'node:os';
import { slug } from './naming.ts';

/** Who is acting: the GitHub actor inside Actions, else the local user name. */
export function currentPerson(env: NodeJS.ProcessEnv = process.env): string {
  const raw = (env.GITHUB_ACTIONS === 'true' && env.GITHUB_ACTOR) || env.SNAPCLONE_OWNER || safeUser() || 'unknown';
  return slug(raw) || 'unknown';
}

function safeUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}
