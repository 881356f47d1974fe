import { createHmac, randomBytes } from 'node:crypto';
import type { Field, Rule } from './model.ts';

/**
 * The built-in transforms, in JavaScript so that every engine masks alike. Each is keyed with the run's secret
 * (random, in memory only, never stored or logged): the same value gives the same result everywhere in one run
 * (joins on hashed keys still match, in any table or engine), and without the key nobody can test a guessed
 * original against a masked value. Every transform of a non-null value returns something other than that value.
 */
export interface Transformer {
  /**
   * `seed`: what date-shift draws its shift from instead of the value — the row's dates together, so that all
   * the dates of one row move by the same days and keep their order (created_at before updated_at).
   */
  apply(rule: Rule, field: Field, value: unknown, seed?: string): unknown;
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

/** Ranges a letter is redrawn within, so that text keeps its script: kana stay kana, kanji kanji, Latin Latin. */
const SCRIPTS: [number, number][] = [
  [0x61, 0x7a],
  [0x41, 0x5a],
  [0x30, 0x39],
  [0xff10, 0xff19],
  [0xff41, 0xff5a],
  [0xff21, 0xff3a],
  [0x3041, 0x3093],
  [0x30a1, 0x30f3],
  [0xff66, 0xff9d],
  [0x4e00, 0x9fff],
  [0xac00, 0xd7a3],
];

/** Whether text holds anything keep-format replaces: a letter or a digit of any script. */
export const hasLettersOrDigits = (text: string) => /[\p{L}\p{Nd}]/u.test(text);

/**
 * Every letter and digit (of any script) replaced by one of its kind drawn from the digest — a digit by a digit,
 * a kana by a kana, a kanji by a kanji, other letters by Latin letters of the same case — the rest kept.
 */
function keepFormat(key: Buffer, text: string, round: number): string {
  let out = '';
  let i = 0;
  let bytes = digest(key, 'format', text, round);
  for (const c of text) {
    if (i > 0 && i % 8 === 0) bytes = digest(key, `format${i}`, text, round);
    const n = bytes.readUInt32BE((i % 8) * 4);
    i++;
    const code = c.codePointAt(0)!;
    const range = SCRIPTS.find(([lo, hi]) => code >= lo && code <= hi);
    if (range) out += String.fromCodePoint(range[0] + (n % (range[1] - range[0] + 1)));
    else if (/\p{Nd}/u.test(c)) out += String(n % 10);
    else if (/\p{Lu}/u.test(c)) out += String.fromCharCode(65 + (n % 26));
    else if (/\p{L}/u.test(c)) out += String.fromCharCode(97 + (n % 26));
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

/**
 * A keyed permutation of [0, 2^bits) (a Feistel network of HMAC rounds, cycle-walking into the range): distinct
 * integers stay distinct, so a hashed primary key stays unique and every foreign key still finds its row.
 */
function permute(key: Buffer, n: bigint, bits: number, round: number): bigint {
  const half = BigInt(Math.ceil(bits / 2));
  const mask = (1n << half) - 1n;
  const limit = 1n << BigInt(bits);
  let x = n;
  do {
    let left = x >> half;
    let right = x & mask;
    for (let r = 0; r < 4; r++) {
      const f = digest(key, `feistel${r}`, String(right), round).readBigUInt64BE(0) & mask;
      [left, right] = [right, left ^ f];
    }
    x = (left << half) | right;
  } while (x >= limit);
  return x;
}

/** Integers of `bits` (31: int4, 53: int8 kept exact in JavaScript) permuted, the sign kept. */
function permuteSigned(key: Buffer, value: bigint, bits: number, round: number): bigint {
  return value >= 0n ? permute(key, value, bits, round) : -permute(key, -value - 1n, bits, round) - 1n;
}

function hashValue(key: Buffer, field: Field, value: unknown): unknown {
  const text = textOf(value);
  if ((field.type === 'integer' || field.type === 'bigint') && /^-?\d+$/.test(text)) {
    const bits = field.type === 'integer' ? 31 : 53;
    const n = BigInt(text);
    if (n < 1n << BigInt(bits) && n >= -(1n << BigInt(bits))) {
      const out = differing(
        value,
        (r) => permuteSigned(key, n, bits, r),
        (m) => m === n,
      );
      return field.type === 'integer' ? Number(out) : String(out);
    }
    // Beyond 2^53: a keyed hash of 53 bits (collisions as unlikely as for text).
    return differing(
      value,
      (r) => String(Number(digest(key, 'hash', text, r).readBigUInt64BE(0) & 0x1fffffffffffffn)),
      (m) => m === text,
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

function dateShift(key: Buffer, field: Field, value: unknown, days: number, seed?: string): unknown {
  const text = textOf(value);
  const b = digest(key, 'date', seed ?? text, 0);
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
    apply(rule, field, value, seed) {
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
          return dateShift(key, field, value, rule.days ?? 30, seed);
        case 'sql':
          throw new Error('sql rules run in the database');
      }
    },
  };
}
