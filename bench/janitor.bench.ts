// npm run bench (janitor rows), or on its own: tsx bench/janitor.bench.ts [--sequential-1000]
// The janitor against many expired clones of every engine (RDS, Aurora, ElastiCache, OpenSearch, in turn),
// seeded straight into a fresh sandbox per run (sandbox/scenario/many-clones.ts), run as a CLI process:
// - 1,000 expired clones, default concurrency: the Tagging API pages (one query, every page but the last
//   full), API calls in all and per clone, what RDS's request quota makes of them, wall time, peak RSS;
// - default against --concurrency 1 (sequential) on identically seeded sandboxes of 100 expired clones with
//   every call held 50 ms (a fault rule `*:*=slow:50`): the sandbox answers in about a millisecond where AWS
//   takes tens to hundreds, and with answers at once the two runs only compete for the same two cores. A
//   sequential run of 1,000 is extrapolated from 100 (the same work per clone; discovery is a few pages);
//   --sequential-1000 runs it too, without latency (a minute or two more).
// Nothing waits for the deletions to finish: the janitor starts them and reports, as it does against AWS.
import { countCalls } from './support/calls.ts';
import { benchSandbox, mustRun, type CliRun } from './support/cli.ts';
import { runAlone, times, type Benchmark, type BenchRow } from './support/table.ts';
import { TAGGED_TYPES, TAGGING_PAGE, type Line } from '../src/commands/janitor.ts';
import { TAG } from '../src/core/tags.ts';
import { seedManyClones } from '../sandbox/scenario/many-clones.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION } from '../sandbox/scenario/index.ts';
import { resourceTypeOf } from '../sandbox/services/tagging/index.ts';

/** The default of --concurrency (src/cli/main.ts). */
const DEFAULT_CONCURRENCY = 4;
const RSS_TARGET_MB = 150;
/** RDS's documented default request quota per account and region (Aurora shares it): 300 at once, then 12 a second. */
const RDS_BURST = 300;
const RDS_PER_SECOND = 12;

interface JanitorRun {
  run: CliRun;
  count: number;
  /** Resources the one Tagging API query matches. */
  matching: number;
  pages: number;
  calls: Record<string, number>;
  total: number;
}

/** Seeds `count` expired clones into a fresh sandbox, runs `snapclone janitor`, and checks that all went. */
async function janitorRun(count: number, concurrency: number | undefined, latencyMs = 0): Promise<JanitorRun> {
  const bench = await benchSandbox({ speed: 1000 });
  try {
    const world = bench.sandbox.world;
    const seeded = seedManyClones(world, { count, label: 'bench' });
    const matching = world
      .taggedResources(COMPANY_ACCOUNT, COMPANY_REGION)
      .filter((r) => r.tags[TAG.managed] !== undefined && TAGGED_TYPES.includes(resourceTypeOf(r.arn))).length;
    if (latencyMs > 0) world.faults.add(`*:*=slow:${latencyMs}`);
    const calls = countCalls(world);
    const args = ['janitor', '--output', 'json', ...(concurrency === undefined ? [] : ['--concurrency', String(concurrency)])];
    const run = await mustRun(args, bench.env);
    calls.stop();
    const out = JSON.parse(run.stdout) as { resources: Line[]; failed: number };
    const deleted = new Set(out.resources.filter((l) => l.result === 'deleted').map((l) => l.name));
    const missed = seeded.filter((c) => !deleted.has(c.name));
    if (out.failed > 0 || missed.length > 0) throw new Error(`janitor left ${missed.length} of ${count} clones, ${out.failed} failed`);
    return { run, count, matching, pages: calls.of('tag:GetResources'), calls: calls.byAction(), total: calls.total() };
  } finally {
    await bench.close();
  }
}

const s = (x: number) => `${(x / 1000).toFixed(1)} s`;

export const benchmark: Benchmark = async () => {
  const rows: BenchRow[] = [];
  const area = 'janitor';

  // 1,000 expired clones, default concurrency.
  const big = await janitorRun(1000, undefined);
  const expectedPages = Math.ceil(big.matching / TAGGING_PAGE);
  rows.push({
    area,
    measure: `1,000 expired clones: tag:GetResources calls (one query, ${big.matching} resources: clones, Aurora writers, secrets)`,
    value: `${big.pages} pages of ≤ ${TAGGING_PAGE}`,
    target: `one paginated query per region (⌈${big.matching}/${TAGGING_PAGE}⌉ = ${expectedPages})`,
    met: big.pages === expectedPages,
  });
  rows.push({ area, measure: '1,000 expired clones: API calls in all (discovery, orphans, deletions)', value: `${big.total} (${(big.total / 1000).toFixed(2)} per clone)`, target: '' });
  for (const [engine, prefix] of [
    ['RDS + Aurora', 'rds:'],
    ['ElastiCache', 'elasticache:'],
    ['OpenSearch', 'es:'],
    ['Secrets Manager', 'secretsmanager:'],
  ] as const) {
    rows.push({ area, measure: `1,000 expired clones: ${engine} calls per clone of that kind`, value: perCloneOfKind(big, prefix), target: '' });
  }
  const rdsCalls = Object.entries(big.calls).reduce((n, [a, c]) => (a.startsWith('rds:') ? n + c : n), 0);
  rows.push({
    area,
    measure: `1,000 expired clones: RDS API calls, and the least time they take at RDS's default quota (${RDS_BURST} burst, ${RDS_PER_SECOND}/s)`,
    value: `${rdsCalls} calls, ≥ ${s((Math.max(0, rdsCalls - RDS_BURST) / RDS_PER_SECOND) * 1000)}`,
    target: '',
  });
  rows.push({ area, measure: `1,000 expired clones: wall time, --concurrency ${DEFAULT_CONCURRENCY} (default)`, value: s(big.run.ms), target: '' });
  const runs = [big];
  if (process.argv.includes('--sequential-1000')) {
    const sequential = await janitorRun(1000, 1);
    runs.push(sequential);
    rows.push({ area, measure: '1,000 expired clones: wall time, --concurrency 1 (sequential)', value: s(sequential.run.ms), target: '' });
    rows.push({ area, measure: '1,000 expired clones: sequential ÷ default, sandbox answering at once', value: times(sequential.run.ms / big.run.ms), target: '' });
  }

  // Waiting on AWS dominates for real: every call held 50 ms; 100 clones.
  const latency = 50;
  const slowDefault = await janitorRun(100, undefined, latency);
  const slowSequential = await janitorRun(100, 1, latency);
  rows.push({ area, measure: `100 expired clones, every call ${latency} ms: wall time, --concurrency ${DEFAULT_CONCURRENCY} (default)`, value: s(slowDefault.run.ms), target: '' });
  rows.push({ area, measure: `100 expired clones, every call ${latency} ms: wall time, --concurrency 1`, value: s(slowSequential.run.ms), target: '' });
  rows.push({
    area,
    measure: `100 expired clones, every call ${latency} ms: sequential ÷ default (so 1,000: ≈ ${s(slowSequential.run.ms * 10)} against ≈ ${s(slowDefault.run.ms * 10)})`,
    value: times(slowSequential.run.ms / slowDefault.run.ms),
    target: `bounded concurrency (${DEFAULT_CONCURRENCY}) pays`,
    met: slowSequential.run.ms / slowDefault.run.ms > DEFAULT_CONCURRENCY / 2,
  });

  const rss = (measure: string, r: JanitorRun) =>
    rows.push({ area, measure: `peak RSS of the CLI: ${measure}`, value: `${r.run.rssMb.toFixed(0)} MB`, target: `< ${RSS_TARGET_MB} MB`, met: r.run.rssMb < RSS_TARGET_MB });
  rss('1,000 expired clones, default concurrency', big);
  if (runs[1]) rss('1,000 expired clones, sequential', runs[1]);
  rss(`100 expired clones, every call ${latency} ms, default concurrency`, slowDefault);
  rss(`100 expired clones, every call ${latency} ms, sequential`, slowSequential);
  return rows;
};

/** Calls of one service per clone of the kinds that call it (RDS: RDS and Aurora clones; secrets: every clone). */
function perCloneOfKind(r: JanitorRun, prefix: string): string {
  const kinds = prefix === 'rds:' ? 2 : prefix === 'secretsmanager:' ? 4 : 1;
  const n = Object.entries(r.calls).reduce((sum, [a, c]) => (a.startsWith(prefix) ? sum + c : sum), 0);
  const actions = Object.entries(r.calls)
    .filter(([a]) => a.startsWith(prefix))
    .map(([a, c]) => `${a.slice(prefix.length)} ${(c / ((r.count * kinds) / 4)).toFixed(2)}`)
    .join(', ');
  return `${(n / ((r.count * kinds) / 4)).toFixed(2)} (${actions})`;
}

await runAlone(import.meta.url, benchmark);
