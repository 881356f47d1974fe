import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Field, Rule } from '../../src/masking/model.ts';
import { FAKE_EMAIL_DOMAIN, newTransformer } from '../../src/masking/transforms.ts';

const field = (type: Field['type'], maxLength?: number): Field => ({
  name: 'f',
  type,
  typeName: type,
  nullable: true,
  maxLength,
});
const KEY = Buffer.alloc(32, 7);

describe('transforms', () => {
  const t = newTransformer(KEY);
  const apply = (rule: Rule, f: Field, v: unknown, seed?: string) => t.apply(rule, f, v, seed);

  it('are keyed: the same value gives the same result in one run (joins match), another run gives another', () => {
    expect(apply({ transform: 'hash' }, field('integer'), 42)).toBe(
      apply({ transform: 'hash' }, field('integer'), '42'),
    );
    expect(apply({ transform: 'fake-email' }, field('text'), 'a@b.jp')).toBe(
      apply({ transform: 'fake-email' }, field('text'), 'a@b.jp'),
    );
    expect(newTransformer(Buffer.alloc(32, 8)).apply({ transform: 'hash' }, field('text'), 'a@b.jp')).not.toBe(
      apply({ transform: 'hash' }, field('text'), 'a@b.jp'),
    );
  });

  it('keep the shape: hashes of integers are integers, of text hex within the column, fake e-mail at a reserved domain, keep-format only swaps letters and digits', () => {
    expect(Number.isInteger(apply({ transform: 'hash' }, field('integer'), 7))).toBe(true);
    expect(apply({ transform: 'hash' }, field('bigint'), '9007199254740993')).toMatch(/^\d+$/);
    expect(apply({ transform: 'hash' }, field('text', 10), 'secret')).toMatch(/^[0-9a-f]{10}$/);
    expect(apply({ transform: 'fake-email' }, field('text'), 'taro@corp.jp')).toMatch(
      new RegExp(`^[0-9a-f]{4,16}@${FAKE_EMAIL_DOMAIN}$`),
    );
    expect(apply({ transform: 'keep-format' }, field('text'), '090-1234-5678 Ab')).toMatch(
      /^\d{3}-\d{4}-\d{4} [A-Z][a-z]$/,
    );
    expect(apply({ transform: 'fake-name' }, field('text', 8), 'Yamada Taro')).toHaveLength(8);
    expect(apply({ transform: 'fixed', value: 'n/a' }, field('text'), null)).toBe('n/a');
    expect(apply({ transform: 'null' }, field('text'), 'x')).toBeNull();
    expect(apply({ transform: 'hash' }, field('text'), null)).toBeNull();
  });

  it('date-shift moves dates by 1..days whole days, earlier or later, keeping the form it was given', () => {
    const day = apply({ transform: 'date-shift', days: 5 }, field('date'), '2026-11-20') as string;
    expect(day).toMatch(/^\d{4}-\d\d-\d\d$/);
    const moved = Math.abs(Date.parse(day) - Date.parse('2026-11-20')) / 86_400_000;
    expect(moved).toBeGreaterThanOrEqual(1);
    expect(moved).toBeLessThanOrEqual(5);
    const at = new Date('2026-11-20T10:11:12Z');
    const shifted = apply({ transform: 'date-shift', days: 2 }, field('timestamp'), at) as Date;
    expect(shifted).toBeInstanceOf(Date);
    expect(Math.abs((shifted.getTime() - at.getTime()) % 86_400_000)).toBe(0);
    expect(shifted.getTime()).not.toBe(at.getTime());
  });

  it('never give back the value they were given (any text, any integer)', () => {
    const rules: Rule[] = [
      { transform: 'hash' },
      { transform: 'fake-email' },
      { transform: 'fake-name' },
      { transform: 'keep-format' },
      { transform: 'fake-phone' },
    ];
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }), fc.constantFrom(...rules), (value, rule) => {
        const out = apply(rule, field('text'), value);
        if ((rule.transform === 'keep-format' || rule.transform === 'fake-phone') && !/[A-Za-z0-9]/.test(value))
          expect(out).toBe(value);
        else expect(out).not.toBe(value);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (n) => {
        expect(apply({ transform: 'hash' }, field('integer'), n)).not.toBe(n);
      }),
    );
  });

  it('keep-format keeps the script: kanji stay kanji, kana kana, full-width digits full-width, and all of them change', () => {
    const out = apply({ transform: 'keep-format' }, field('text'), '東京都渋谷区３丁目12-5 ヤマダ たろう') as string;
    expect(out).toMatch(/^[\u4e00-\u9fff]{6}[０-９][\u4e00-\u9fff]{2}\d{2}-\d [\u30a1-\u30f3]{3} [\u3041-\u3093]{3}$/u);
    expect(out).not.toBe('東京都渋谷区３丁目12-5 ヤマダ たろう');
    expect(apply({ transform: 'keep-format' }, field('text'), '山田太郎')).not.toBe('山田太郎');
  });

  it('hash keeps distinct integers distinct (a keyed permutation): a hashed primary key stays unique', () => {
    const seen = new Set<number>();
    for (let n = 1; n <= 50_000; n++) seen.add(apply({ transform: 'hash' }, field('integer'), n) as number);
    expect(seen.size).toBe(50_000);
    for (const n of seen) expect(n).toBeLessThan(2 ** 31);
    expect(apply({ transform: 'hash' }, field('integer'), -5)).toBeLessThan(0);
  });

  it('date-shift with a row seed moves every date of a row by the same days', () => {
    const seed = 'row-1';
    const a = apply({ transform: 'date-shift', days: 30 }, field('timestamp'), '2026-11-01T00:00:00.000Z', seed) as string;
    const b = apply({ transform: 'date-shift', days: 30 }, field('timestamp'), '2026-11-03T00:00:00.000Z', seed) as string;
    expect(Date.parse(b) - Date.parse(a)).toBe(2 * 86_400_000);
  });
});
