// The hand-off's age format, checked with the stock age tool (Debian's age): payloads of any size decrypt (age's
// STREAM in 64 KiB chunks), and RSA keys age refuses are refused here too (security review L2).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptToSshKeys, supportedKey } from '../../src/handoff/age.ts';

const AGE = '/usr/bin/age';
let dir: string;
const keygen = (name: string, args: string[]) => {
  execFileSync('ssh-keygen', ['-q', '-N', '', '-C', name, '-f', join(dir, name), ...args]);
  return readFileSync(join(dir, `${name}.pub`), 'utf8').trim();
};
const keys: Record<string, string> = {};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'snapclone-age-'));
  keys.ed25519 = keygen('ed25519', ['-t', 'ed25519']);
  keys.rsa3072 = keygen('rsa3072', ['-t', 'rsa', '-b', '3072']);
  keys.rsa1024 = keygen('rsa1024', ['-t', 'rsa', '-b', '1024']);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function decrypt(armored: string, identity: string): string {
  const file = join(dir, 'payload.age');
  writeFileSync(file, armored);
  return execFileSync(AGE, ['-d', '-i', join(dir, identity), file], { maxBuffer: 1 << 24 }).toString();
}

describe('age hand-off', () => {
  for (const size of [0, 1, 65_535, 65_536, 65_537, 131_072, 200_000]) {
    it(`a payload of ${size} bytes decrypts with the stock age tool (ed25519 and RSA-3072)`, () => {
      const payload = 'x'.repeat(size - Math.min(size, 1)) + (size > 0 ? '\n' : '');
      const armored = encryptToSshKeys(payload, [keys.ed25519, keys.rsa3072])!;
      expect(decrypt(armored, 'ed25519')).toBe(payload);
      expect(decrypt(armored, 'rsa3072')).toBe(payload);
    });
  }

  it('an RSA key under 2048 bits is not a recipient, as age refuses it', () => {
    expect(supportedKey(keys.rsa1024)).toBe(false);
    expect(supportedKey(keys.rsa3072)).toBe(true);
    expect(supportedKey(keys.ed25519)).toBe(true);
    expect(encryptToSshKeys('secret', [keys.rsa1024])).toBeUndefined();
    const armored = encryptToSshKeys('secret', [keys.rsa1024, keys.ed25519])!;
    expect(() => decrypt(armored, 'rsa1024')).toThrow();
    expect(decrypt(armored, 'ed25519')).toBe('secret');
  });
});
