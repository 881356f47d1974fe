import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { engines } from '../../src/engines/index.ts';

describe('docs/iam.md', () => {
  it('lists every IAM action the engines declare', () => {
    const doc = readFileSync(new URL('../../docs/iam.md', import.meta.url), 'utf8');
    const declared = new Set(Object.values(engines).flatMap((engine) => Object.values(engine.permissions).flat().map((p) => p.action)));
    expect(declared.size).toBeGreaterThan(10);
    const missing = [...declared].filter((action) => !doc.includes(`\`${action}\``));
    expect(missing).toEqual([]);
  });
});
