// The role-session cache on disk: where it lives on each OS, how long a session is reused, and which files it trusts.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheDirectory, REUSE_UNTIL_MS, sessionCache, sessionFileName } from '../../src/aws/session-cache.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'snapclone-cache-'));
  dirs.push(dir);
  return dir;
};

const key = { roleArn: 'arn:aws:iam::123456789012:role/snapclone-operator', sourceIdentity: 'snapclone-alice', mfaSerial: 'arn:aws:iam::123456789012:mfa/alice' };
const NOW = Date.parse('2026-11-20T03:00:00Z');
const session = (expiresInMs: number) => ({
  accessKeyId: 'ASIAEXAMPLEEXAMPLE01',
  secretAccessKey: 'secret-of-the-session-0123456789abcdefghij',
  sessionToken: 'token-of-the-session',
  expiration: new Date(NOW + expiresInMs),
});

describe('the cache directory', () => {
  it('is the OS cache directory, or SNAPCLONE_CACHE_DIR', () => {
    expect(cacheDirectory({ HOME: '/home/a' }, 'linux')).toBe('/home/a/.cache/snapclone');
    expect(cacheDirectory({ HOME: '/home/a', XDG_CACHE_HOME: '/xdg' }, 'linux')).toBe('/xdg/snapclone');
    expect(cacheDirectory({ HOME: '/Users/a' }, 'darwin')).toBe('/Users/a/Library/Caches/snapclone');
    expect(cacheDirectory({ LOCALAPPDATA: 'C:/Users/a/AppData/Local' }, 'win32', 'C:/Users/a')).toBe(join('C:/Users/a/AppData/Local', 'snapclone', 'Cache'));
    expect(cacheDirectory({ HOME: '/home/a', SNAPCLONE_CACHE_DIR: '/tmp/x' }, 'linux')).toBe('/tmp/x');
  });
});

describe('a cached session', () => {
  it('is reused until five minutes before it expires', () => {
    const dir = scratch();
    const cache = sessionCache(dir, key, () => NOW);
    cache.write(session(REUSE_UNTIL_MS + 60_000));
    expect(cache.read()).toMatchObject({ accessKeyId: 'ASIAEXAMPLEEXAMPLE01', sessionToken: 'token-of-the-session' });
    cache.write(session(REUSE_UNTIL_MS - 60_000));
    expect(cache.read()).toBeUndefined();
  });

  it('is keyed by role, source identity, external id, MFA device, profile and endpoint', () => {
    const names = new Set(
      [key, { ...key, roleArn: `${key.roleArn}2` }, { ...key, sourceIdentity: 'snapclone-bob' }, { ...key, externalId: 'x1' }, { ...key, mfaSerial: undefined }, { ...key, endpoint: 'http://127.0.0.1:1' }, { ...key, profile: 'work' }].map(sessionFileName),
    );
    expect(names.size).toBe(7);
  });

  it('is never written without a session token and an expiry (a long-term key is never cached)', () => {
    const dir = scratch();
    const cache = sessionCache(dir, key, () => NOW);
    cache.write({ accessKeyId: 'AKIAEXAMPLEEXAMPLE01', secretAccessKey: 'long-term-secret' });
    expect(cache.read()).toBeUndefined();
  });

  it('is ignored when its file is readable by others, and forgotten on request', () => {
    const dir = scratch();
    const cache = sessionCache(dir, key, () => NOW);
    cache.write(session(3_600_000));
    chmodSync(cache.path, 0o644);
    expect(cache.read()).toBeUndefined();
    chmodSync(cache.path, 0o600);
    expect(cache.read()).toBeDefined();
    writeFileSync(cache.path, 'not json', { mode: 0o600 });
    expect(cache.read()).toBeUndefined();
    cache.forget();
    cache.forget();
    expect(cache.read()).toBeUndefined();
  });
});
