import type { Row } from './dataset.ts';
import type { Random } from './random.ts';

/**
 * Personal-looking columns for the scenario's customers: names, e-mail addresses on reserved example domains,
 * phone numbers and Tokyo addresses, all made up (what masking would have to hide in a real copy).
 */
const GIVEN = ['Haruto', 'Yui', 'Sota', 'Aoi', 'Ren', 'Hina', 'Minato', 'Mei', 'Riku', 'Sakura', 'Kaito', 'Yuna', 'Emma', 'Liam', 'Noah', 'Olivia'];
const FAMILY = ['Sato', 'Suzuki', 'Takahashi', 'Tanaka', 'Watanabe', 'Ito', 'Yamamoto', 'Nakamura', 'Kobayashi', 'Kato', 'Smith', 'Garcia'];
const WARDS = ['Shibuya', 'Minato', 'Shinjuku', 'Meguro', 'Setagaya', 'Chuo', 'Bunkyo', 'Taito'];
const DOMAINS = ['example.com', 'example.jp', 'example.net'];

export interface Person {
  name: string;
  email: string;
  phone: string;
  address: string;
}

export function phone(rng: Random): string {
  return `+81-90-${rng.digits(4)}-${rng.digits(4)}`;
}

export function address(rng: Random): string {
  return `${rng.int(1, 5)}-${rng.int(1, 30)}-${rng.int(1, 20)} ${rng.pick(WARDS)}, Tokyo`;
}

/** A date of birth between 1950 and 2006, 'YYYY-MM-DD'. */
export function birthDate(rng: Random): string {
  return `${rng.int(1950, 2006)}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`;
}

/** A person; `id` makes the e-mail address unique. */
export function person(rng: Random, id: number): Person {
  const given = rng.pick(GIVEN);
  const family = rng.pick(FAMILY);
  return {
    name: `${given} ${family}`,
    email: `${given}.${family}${id}@${rng.pick(DOMAINS)}`.toLowerCase(),
    phone: phone(rng),
    address: address(rng),
  };
}

/** A change of contact details, as customers make them. */
export function contactChange(rng: Random, row: Row): Row {
  const what = rng.int(0, 2);
  if (what === 0) return { phone: phone(rng) };
  if (what === 1) return { address: address(rng) };
  const [local, domain] = String(row.email).split('@');
  return { email: `${local}.new@${domain}` };
}
