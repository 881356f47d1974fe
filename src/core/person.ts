import { userInfo } from 'node:os';

/** Who is acting: the GitHub actor inside Actions, else the local user name. */
export function currentPerson(env: NodeJS.ProcessEnv = process.env): string {
  const raw = (env.GITHUB_ACTIONS === 'true' && env.GITHUB_ACTOR) || env.SNAPCLONE_OWNER || safeUser() || 'unknown';
  return raw.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '') || 'unknown';
}

function safeUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}
