import { PRICE_TABLE } from './prices.ts';

/** Something a clone is billed for: per hour (an instance) or per GB-month (storage). */
export interface Meter {
  /** What it is, for people: "db.t4g.micro (mysql)", "20 GB gp3 storage". */
  label: string;
  /** Its key in the price table, e.g. rds/mysql/db.t4g.micro, rds/storage/gp3. */
  key: string;
  unit: 'hour' | 'gb-month';
  /** Instances or GB. */
  quantity: number;
}

export interface CostEstimate {
  /** Always an estimate, from the bundled table. */
  estimate: true;
  currency: string;
  /** The date of the price table. */
  prices: string;
  /** Cost since creation; null when a meter has no price. */
  soFar: number | null;
  perDay: number | null;
  /** What the table has no price for (nothing is guessed). */
  missing: string[];
}

const HOURS_PER_MONTH = 730;

/** The estimated cost of meters in a region over the time since `since`. */
export function estimateCost(meters: Meter[], region: string, since: Date, now: Date, table = PRICE_TABLE): CostEstimate {
  const prices = table.regions[region] ?? {};
  const missing = meters.filter((m) => prices[m.key] === undefined).map((m) => `${m.label} in ${region}`);
  const hourly = meters.reduce(
    (sum, m) => sum + (prices[m.key] ?? 0) * m.quantity / (m.unit === 'hour' ? 1 : HOURS_PER_MONTH),
    0,
  );
  const hours = Math.max(0, now.getTime() - since.getTime()) / 3_600_000;
  const known = missing.length === 0 && meters.length > 0;
  return {
    estimate: true,
    currency: table.currency,
    prices: table.date,
    soFar: known ? round(hourly * hours) : null,
    perDay: known ? round(hourly * 24) : null,
    missing,
  };
}

const round = (n: number) => Math.round(n * 100) / 100;

/** "$0.42 so far, $0.98/day (est.)", or what the table lacks. */
export function costText(cost: CostEstimate): string {
  if (cost.soFar === null || cost.perDay === null) return `no price for ${cost.missing.join(', ') || 'it'} (table of ${cost.prices})`;
  return `$${cost.soFar.toFixed(2)} so far, $${cost.perDay.toFixed(2)}/day (est.)`;
}
