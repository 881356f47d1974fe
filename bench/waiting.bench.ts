// Waiting: how many describe calls a clone's create makes while AWS works, and how soon it sees readiness.
// In-process, on the sandbox's clock at AWS's real durations (speed 1): each engine's create --date (Aurora:
// --latest) runs twice on fresh sandboxes, once as snapclone polls and once with every wait cut to 1 s (an
// oracle that sees each state change within a second: its time is AWS's own). The difference in time is what
// snapclone's polling adds; the difference in calls is what it saves.
import { performance } from 'node:perf_hooks';
import * as create from '../src/commands/create.ts';
import { dayOf } from '../src/core/dates.ts';
import { countCalls } from './support/calls.ts';
import { benchSandbox } from './support/cli.ts';
import { clockedContext } from './support/context.ts';
import { runAlone, type Benchmark, type BenchRow } from './support/table.ts';

const CASES: { engine: string; source: string; point: 'date' | 'latest' }[] = [
  { engine: 'rds', source: 'orders-db', point: 'date' },
  { engine: 'aurora', source: 'catalog-db', point: 'latest' },
  { engine: 'elasticache', source: 'sessions-cache', point: 'date' },
  { engine: 'opensearch', source: 'catalog-search', point: 'date' },
];

/** Calls that read a resource's state while waiting. */
const isPoll = (action: string) => /:(Describe|List|Get)|es:ESHttp(Get|Head)/.test(action);

interface Run {
  minutes: number;
  calls: number;
  polls: number;
}

async function createOnce(source: string, point: 'date' | 'latest', capMs?: number): Promise<Run> {
  const b = await benchSandbox({ speed: 1 });
  try {
    const { ctx, now } = clockedContext(b, 'bench', capMs);
    const day = dayOf(new Date(now() - 7 * 86_400_000), 'Asia/Tokyo');
    const calls = countCalls(b.sandbox.world);
    const start = now();
    await create.run({ sources: [source], ...(point === 'date' ? { date: day } : { latest: true }), ttl: '2h', wait: true, name: `snapclone-w-${source.split("-")[0]}` }, ctx);
    return { minutes: (now() - start) / 60_000, calls: calls.total(), polls: calls.of(isPoll) };
  } finally {
    await b.close();
  }
}

export const benchmark: Benchmark = async () => {
  const rows: BenchRow[] = [];
  for (const c of CASES) {
    const t0 = performance.now();
    const ours = await createOnce(c.source, c.point);
    const oracle = await createOnce(c.source, c.point, 1_000);
    const lateS = (ours.minutes - oracle.minutes) * 60;
    rows.push(
      {
        area: 'waiting',
        measure: `${c.engine}: create, AWS's time ${oracle.minutes.toFixed(1)} min: API calls (of them reads while waiting)`,
        value: `${ours.calls} (${ours.polls}); 1 s polling: ${oracle.calls} (${oracle.polls})`,
        target: '≤ 10 % of 1 s polling',
        met: ours.polls <= oracle.polls / 10,
      },
      {
        area: 'waiting',
        measure: `${c.engine}: readiness seen after AWS (time over the 1 s oracle)`,
        value: `${lateS.toFixed(0)} s`,
        target: 'a few seconds (≤ 10 s)',
        met: lateS <= 10,
      },
    );
    if (process.env.BENCH_VERBOSE) console.error(`${c.engine}: ${(performance.now() - t0).toFixed(0)} ms real`);
  }
  return rows;
};

await runAlone(import.meta.url, benchmark);
