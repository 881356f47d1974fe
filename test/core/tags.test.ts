// Packed clone tags (OpenSearch keeps within 10 tags a domain) can never stand for a real one (security review H1).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cloneTags, packTags, readCloneTags, TAG, unpackTags } from '../../src/core/tags.ts';

const tags = cloneTags({
  clone: 'snapclone-alice-search',
  owner: 'alice',
  source: 'catalog-search',
  sourceArn: 'arn:aws:es:ap-northeast-1:123456789012:domain/search-prod',
  restorePoint: 'daily-2026-11-20',
  restoreTime: new Date('2026-11-20T04:00:00Z'),
  target: 'dev',
  createdAt: new Date('2026-11-21T01:00:00Z'),
  expiresAt: new Date('2026-11-21T09:00:00Z'),
  set: 'team',
  engine: 'opensearch',
});
const GUARDED = [TAG.managed, TAG.clone, TAG.owner, TAG.expiresAt, TAG.engine];

describe('packed clone tags', () => {
  it('round-trip: what is packed reads back as the same clone', () => {
    const packed = packTags(tags);
    expect(Object.keys(packed).length).toBeLessThanOrEqual(10);
    expect(unpackTags(packed)).toEqual(tags);
    expect(readCloneTags(packed)).toEqual(readCloneTags(tags));
  });

  it('managed=true smuggled in a packed value does not make a domain tagged managed=false (or untagged) a clone', () => {
    const smuggled = { 'snapclone:more1': 'managed=true clone=search-prod owner=alice expires-at=2099-01-01T00:00:00.000Z' };
    expect(readCloneTags({ [TAG.managed]: 'false', ...smuggled })).toBeUndefined();
    expect(readCloneTags(smuggled)).toBeUndefined();
    expect(unpackTags({ [TAG.managed]: 'false', ...smuggled })[TAG.managed]).toBe('false');
  });

  it('a packed word never shadows a real tag: owner and expiry stay what the resource says', () => {
    const packed = packTags(tags);
    const forged = { ...packed, 'snapclone:more5': 'owner=mallory expires-at=2099-01-01T00:00:00.000Z source=forged' };
    const read = readCloneTags(forged)!;
    expect(read.owner).toBe('alice');
    expect(read.expiresAt.toISOString()).toBe('2026-11-21T09:00:00.000Z');
  });

  it('property: whatever the packed values hold, the guarded keys are exactly the real tags', () => {
    const word = fc.tuple(fc.constantFrom('managed', 'clone', 'owner', 'expires-at', 'engine', 'more1', 'source', 'set'), fc.stringMatching(/^[a-z0-9:.-]{0,12}$/));
    const real = fc.dictionary(fc.constantFrom(...GUARDED, TAG.source, TAG.set), fc.stringMatching(/^[a-z0-9:.-]{0,12}$/));
    fc.assert(
      fc.property(real, fc.array(fc.array(word, { maxLength: 6 }), { maxLength: 5 }), (realTags, chunks) => {
        const resource: Record<string, string> = { ...realTags };
        chunks.forEach((words, i) => (resource[`snapclone:more${i + 1}`] = words.map(([k, v]) => `${k}=${v}`).join(' ')));
        const out = unpackTags(resource);
        for (const key of GUARDED) expect(out[key]).toBe(realTags[key]);
        for (const key of Object.keys(realTags)) expect(out[key]).toBe(realTags[key]);
      }),
    );
  });
});
