import { userInfo } from 'node:os';
import { slug } from './naming.ts';

/**
 * Who is acting: inside Actions the person who started this run — on a re-run the one who re-ran it
 * (GITHUB_TRIGGERING_ACTOR), not the original run's actor (GITHUB_ACTOR) — else the local user name.
 */
export function currentPerson(env: NodeJS.ProcessEnv = process.env): string {
  const actor = env.GITHUB_TRIGGERING_ACTOR || env.GITHUB_ACTOR;
  const raw = (env.GITHUB_ACTIONS === 'true' && actor) || env.SNAPCLONE_OWNER || safeUser() || 'unknown';
  return slug(raw) || 'unknown';
}

function safeUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}
