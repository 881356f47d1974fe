import { createHmac, randomBytes } from 'node:crypto';
import type { Field, Rule } from './model.ts';

/**
 * The built-in transforms, in JavaScript so that every engine masks alike. Each is keyed with the run's secret
 * (random, in memory only, never stored or logged): the same value gives the same result everywhere in one run
 * (joins on hashed keys still match, in any table or engine), and without the key nobody can test a guessed
 * original against a masked value. Every transform of a non-null value returns something other than that value.
 */
export interface Transformer {
  apply(rule: Rule, field: Field, value: unknown): unknown;
}

/** The e-mail domain of fake addresses: reserved (RFC 2606), so a check can tell masked values from real ones. */
export const FAKE_EMAIL_DOMAIN = 'masked.example';

const GIVEN = [
  'Aoi',
  'Haruto',
  'Yui',
  'Sota',
  'Mei',
  'Ren',
  'Hina',
  'Riku',
  'Sakura',
  'Kaito',
  'Alex',
  'Sam',
  'Jordan',
  'Taylor',
  'Casey',
  'Robin',
  'Morgan',
  'Jamie',
];
const FAMILY = ['Sample', 'Example', 'Testa', 'Placeholder', 'Fictus', 'Masked', 'Demo', 'Mock', 'Dummy'];

const DAY_MS = 86_400_000;

/** Bytes derived from the key, a purpose and the value: the same inputs, the same bytes. */
function digest(key: Buffer, purpose: string, value: string, round = 0): Buffer {
  return createHmac('sha256', key).update(`${purpose}\u0000${round}\u0000${value}`).digest();
}

/** Every letter and digit replaced by one of its kind, drawn from the digest; the rest kept. */
function keepFormat(key: Buffer, text: string, round: number): string {
  let bytes = digest(key, 'format', text, round);
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (i > 0 && i % bytes.length === 0) bytes = digest(key, `format${i}`, text, round);
    const b = bytes[i % bytes.length];
    const c = text[i];
    if (c >= '0' && c <= '9') out += String(b % 10);
    else if (c >= 'a' && c <= 'z') out += String.fromCharCode(97 + (b % 26));
    else if (c >= 'A' && c <= 'Z') out += String.fromCharCode(65 + (b % 26));
    else out += c;
  }
  return out;
}

/** The value as text the digest sees (dates by their instant, so a Date and its ISO text agree). */
function textOf(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/** A different value than `original`, from `make(round)`: the first round whose result differs. */
function differing<T>(
  original: unknown,
  make: (round: number) => T,
  same: (a: T) => boolean = (a) => textOf(a) === textOf(original),
): T {
  for (let round = 0; round < 64; round++) {
    const out = make(round);
    if (!same(out)) return out;
  }
  throw new Error('a transform kept its input after 64 rounds');
}

function hashValue(key: Buffer, field: Field, value: unknown): unknown {
  const text = textOf(value);
  if (field.type === 'integer')
    return differing(
      value,
      (r) => digest(key, 'hash', text, r).readUInt32BE(0) & 0x7fffffff,
      (n) => String(n) === text,
    );
  if (field.type === 'bigint') {
    // Kept within 2^53 so that every driver and JSON carries it exactly.
    return differing(
      value,
      (r) => String(Number(digest(key, 'hash', text, r).readBigUInt64BE(0) & 0x1fffffffffffffn)),
      (s) => s === text,
    );
  }
  const length = Math.min(32, field.maxLength ?? 32);
  return differing(value, (r) => digest(key, 'hash', text, r).toString('hex').slice(0, length));
}

function fakeEmail(key: Buffer, field: Field, value: unknown): string {
  const text = textOf(value);
  const room = (field.maxLength ?? 64) - FAKE_EMAIL_DOMAIN.length - 1;
  return differing(
    value,
    (r) =>
      `${digest(key, 'email', text, r)
        .toString('hex')
        .slice(0, Math.max(4, Math.min(16, room)))}@${FAKE_EMAIL_DOMAIN}`,
  );
}

function fakeName(key: Buffer, field: Field, value: unknown): string {
  const text = textOf(value);
  return differing(value, (r) => {
    const b = digest(key, 'name', text, r);
    const name = `${GIVEN[b[0] % GIVEN.length]} ${FAMILY[b[1] % FAMILY.length]}${b.readUInt16BE(2) % 1000}`;
    return field.maxLength !== undefined ? name.slice(0, field.maxLength) : name;
  });
}

function dateShift(key: Buffer, field: Field, value: unknown, days: number): unknown {
  const text = textOf(value);
  const b = digest(key, 'date', text, 0);
  const shift = ((b.readUInt32BE(0) % days) + 1) * (b[4] % 2 === 0 ? 1 : -1);
  const isDate = value instanceof Date;
  const time = isDate
    ? value.getTime()
    : Date.parse(field.type === 'date' && /^\d{4}-\d\d-\d\d$/.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(time)) throw new Error(`date-shift: the ${field.typeName} value is not a date`);
  const moved = new Date(time + shift * DAY_MS);
  if (isDate) return moved;
  if (field.type === 'date' && /^\d{4}-\d\d-\d\d$/.test(text)) return moved.toISOString().slice(0, 10);
  return moved.toISOString();
}

/** A transformer with a fresh random key (one per masking run). */
export function newTransformer(key: Buffer = randomBytes(32)): Transformer {
  return {
    apply(rule, field, value) {
      if (rule.transform === 'fixed') return rule.value;
      if (rule.transform === 'null') return null;
      if (value === null || value === undefined) return value ?? null;
      switch (rule.transform) {
        case 'hash':
          return hashValue(key, field, value);
        case 'keep-format':
        case 'fake-phone':
          return differing(
            value,
            (r) => keepFormat(key, textOf(value), r),
            (s) => s === textOf(value) && /[A-Za-z0-9]/.test(s),
          );
        case 'fake-email':
          return fakeEmail(key, field, value);
        case 'fake-name':
          return fakeName(key, field, value);
        case 'date-shift':
          return dateShift(key, field, value, rule.days ?? 30);
        case 'sql':
          throw new Error('sql rules run in the database');
      }
    },
  };
}
