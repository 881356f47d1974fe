import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AwsCredentialIdentity } from '@smithy/types';

/**
 * Role sessions kept between runs, as the aws CLI keeps them in ~/.aws/cli/cache: an MFA user gives a code once
 * per session, not once per command. Only the session's own temporary keys are written (never the long-term
 * keys it was assumed with), one file per session, mode 0600 in a directory of mode 0700.
 */

/** A cached session is used until this long before it expires, as the SDK renews a session. */
export const REUSE_UNTIL_MS = 5 * 60_000;

/**
 * The OS's cache directory for snapclone: SNAPCLONE_CACHE_DIR, else $XDG_CACHE_HOME/snapclone or
 * ~/.cache/snapclone (Linux and other Unixes), ~/Library/Caches/snapclone (macOS),
 * %LOCALAPPDATA%\snapclone\Cache (Windows).
 */
export function cacheDirectory(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform, home: string = env.HOME || homedir()): string {
  if (env.SNAPCLONE_CACHE_DIR) return env.SNAPCLONE_CACHE_DIR;
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'snapclone');
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'snapclone', 'Cache');
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'snapclone');
}

/**
 * What makes two sessions interchangeable: the role, who is recorded, the external id, the MFA device, the
 * profile the role is assumed from, and where AWS is.
 */
export interface SessionKey {
  roleArn: string;
  sourceIdentity: string;
  externalId?: string;
  mfaSerial?: string;
  /** --profile or access.profile: another profile is another caller, whose session this is not. */
  profile?: string;
  /** The endpoint the session was issued by (a sandbox's session means nothing to AWS). */
  endpoint?: string;
}

/** The file name: a hash of the key, so that neither the role nor the external id shows in a directory listing. */
export function sessionFileName(key: SessionKey): string {
  const parts = [key.roleArn, key.sourceIdentity, key.externalId ?? '', key.mfaSerial ?? '', key.endpoint ?? '', key.profile ?? ''];
  return `${createHash('sha256').update(JSON.stringify(parts)).digest('hex')}.json`;
}

interface CachedFile {
  Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string };
  AssumedRoleUser?: { Arn?: string };
}

export interface SessionCache {
  /** The cached session, when there is one good for at least REUSE_UNTIL_MS more. */
  read(): AwsCredentialIdentity | undefined;
  write(identity: AwsCredentialIdentity, assumedRoleArn?: string): void;
  /** Drops the cached session (AWS refused it, or said it expired). */
  forget(): void;
  readonly path: string;
}

/** Files of others, or readable by others, are not trusted: they are ignored (and replaced on the next write). */
function privateFile(path: string): boolean {
  const stat = statSync(path);
  const mine = typeof process.getuid !== 'function' || stat.uid === process.getuid();
  return stat.isFile() && mine && (process.platform === 'win32' || (stat.mode & 0o077) === 0);
}

/** The cache of one session in `directory` (created 0700 when missing); `now` is the clock AWS's expiry is read against. */
export function sessionCache(directory: string, key: SessionKey, now: () => number = Date.now): SessionCache {
  const sessions = join(directory, 'sessions');
  const path = join(sessions, sessionFileName(key));
  return {
    path,
    read() {
      try {
        if (!privateFile(path)) return undefined;
        const cached = JSON.parse(readFileSync(path, 'utf8')) as CachedFile;
        const c = cached.Credentials;
        const expiration = new Date(c.Expiration);
        if (!c.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !(expiration.getTime() - now() > REUSE_UNTIL_MS)) return undefined;
        return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration };
      } catch {
        return undefined; // missing, unreadable or not ours: assume the role as if there were no cache
      }
    },
    write(identity, assumedRoleArn) {
      if (!identity.sessionToken || !identity.expiration) return; // only temporary keys are ever written
      mkdirSync(sessions, { recursive: true, mode: 0o700 });
      chmodSync(sessions, 0o700);
      const document: CachedFile = {
        Credentials: {
          AccessKeyId: identity.accessKeyId,
          SecretAccessKey: identity.secretAccessKey,
          SessionToken: identity.sessionToken,
          Expiration: identity.expiration.toISOString(),
        },
        ...(assumedRoleArn ? { AssumedRoleUser: { Arn: assumedRoleArn } } : {}),
      };
      // Written whole under another name, then renamed: a concurrent run reads the old file or the new one.
      const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      writeFileSync(temporary, `${JSON.stringify(document)}\n`, { mode: 0o600, flag: 'wx' });
      renameSync(temporary, path);
    },
    forget() {
      rmSync(path, { force: true });
    },
  };
}
