// One row of `npm run bench`'s table: what was measured, the figure, the issue's target, and whether it is met.
export interface BenchRow {
  /** The benchmark's area: 'start-up', 'history', 'waiting', 'sets', 'janitor', 'baseline', 'memory'. */
  area: string;
  /** What was measured, in words ("points --from D --to D, 100k recovery points: API calls"). */
  measure: string;
  /** The figure, with its unit ("4 calls", "212 ms", "1.04×"). */
  value: string;
  /** The target in words ("≤ 1.5× node -e 0"), or '' when the row is for information. */
  target: string;
  /** Whether the target is met; undefined for information rows. */
  met?: boolean;
}

/** A benchmark module: measures against a sandbox it starts and stops itself, returns its rows. */
export type Benchmark = () => Promise<BenchRow[]>;

export function printTable(rows: BenchRow[], out: (line: string) => void = console.log): void {
  const cells = rows.map((r) => [r.area, r.measure, r.value, r.target, r.met === undefined ? '' : r.met ? 'met' : 'MISSED']);
  const head = ['area', 'measure', 'value', 'target', 'met'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i])).join(' | ')} |`;
  out(line(head));
  out(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const c of cells) out(line(c));
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const ms = (x: number): string => `${x.toFixed(0)} ms`;
export const times = (x: number): string => `${x.toFixed(2)}×`;

/** Runs a benchmark module on its own (`tsx bench/x.bench.ts`) when it is the entry point. */
export async function runAlone(url: string, benchmark: Benchmark): Promise<void> {
  if (process.argv[1] && new URL(url).pathname === process.argv[1]) printTable(await benchmark());
}
