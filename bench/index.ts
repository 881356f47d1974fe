// npm run bench: every benchmark of issue 13, each against a freshly started sandbox of its own, one after
// the other (they would compete for the cores side by side), then one table. `npm run bench -- NAME…` runs
// only those (startup, history, waiting, sets, janitor, baseline). Results go to docs/benchmarks.md by hand,
// with the date and the machine.
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { printTable, type Benchmark, type BenchRow } from './support/table.ts';

const BENCHMARKS: Record<string, () => Promise<{ benchmark: Benchmark }>> = {
  startup: () => import('./startup.bench.ts'),
  history: () => import('./history.bench.ts'),
  waiting: () => import('./waiting.bench.ts'),
  sets: () => import('./sets.bench.ts'),
  janitor: () => import('./janitor.bench.ts'),
  baseline: () => import('./baseline.bench.ts'),
};

const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = asked.filter((name) => !(name in BENCHMARKS));
if (unknown.length > 0) {
  console.error(`Unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  process.exit(2);
}
const rows: BenchRow[] = [];
for (const name of asked.length > 0 ? asked : Object.keys(BENCHMARKS)) {
  const start = performance.now();
  const { benchmark } = await BENCHMARKS[name]();
  rows.push(...(await benchmark()));
  console.error(`${name}: ${((performance.now() - start) / 1000).toFixed(0)} s`);
}
console.log(`\n${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB\n`);
printTable(rows);
const missed = rows.filter((r) => r.met === false).length;
console.log(`\n${rows.filter((r) => r.met !== undefined).length - missed} targets met, ${missed} missed`);
