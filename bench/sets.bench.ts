// Sets: a set of 4 sources (one per engine) against each member alone, in-process on the sandbox's clock at
// AWS's real durations (speed 1), its waits overlapping as in real time (concurrentContext). The set's members
// are restored and waited for side by side, so the set should take about as long as its slowest member.
import * as create from '../src/commands/create.ts';
import { dayOf } from '../src/core/dates.ts';
import { benchSandbox } from './support/cli.ts';
import { concurrentContext } from './support/context.ts';
import { runAlone, times, type Benchmark, type BenchRow } from './support/table.ts';

const MEMBERS = ['orders-db', 'catalog-db', 'sessions-cache', 'catalog-search'];

/** Minutes of AWS time a create of `sources` takes, on a fresh sandbox. */
async function createOn(sources: string[]): Promise<number> {
  const b = await benchSandbox({ speed: 1 });
  try {
    const { ctx, now } = concurrentContext(b);
    const day = dayOf(new Date(now() - 7 * 86_400_000), 'Asia/Tokyo');
    const start = now();
    await create.run({ sources, date: day, ttl: '2h', wait: true, ...(sources.length === 1 ? { name: `snapclone-s-${sources[0].split('-')[0]}` } : {}) }, ctx);
    return (now() - start) / 60_000;
  } finally {
    await b.close();
  }
}

export const benchmark: Benchmark = async () => {
  const alone: Record<string, number> = {};
  for (const source of MEMBERS) alone[source] = await createOn([source]);
  const set = await createOn(MEMBERS);
  const [slowest, slowestMin] = Object.entries(alone).sort((a, b) => b[1] - a[1])[0];
  const ratio = set / slowestMin;
  return [
    {
      area: 'sets',
      measure: `create of a set of 4 (one per engine) against its slowest member alone (${slowest}), AWS time`,
      value: `${set.toFixed(1)} min / ${slowestMin.toFixed(1)} min = ${times(ratio)}`,
      target: '≤ 1.10×',
      met: ratio <= 1.1,
    },
    ...Object.entries(alone).map(([source, min]): BenchRow => ({ area: 'sets', measure: `  ${source} alone`, value: `${min.toFixed(1)} min`, target: '' })),
  ];
};

await runAlone(import.meta.url, benchmark);
