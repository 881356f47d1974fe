// Start-up: snapclone side by side with a bare `node -e 0`, in one run: each in turn, 15 rounds, medians.
// - `--version` and `--help` from the build `npm run build` makes (dist/snapclone.mjs, chunks on demand);
// - `list` against a freshly started sandbox (the scenario: AssumeRole, then the clone listings of four
//   engines), as a user runs it;
// - with --before FILE (on its own only), `--version` and `list` from an earlier build.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchSandbox, CLI, mustRun } from './support/cli.ts';
import { median, ms, runAlone, times, type Benchmark, type BenchRow } from './support/table.ts';

const ROUNDS = 15;

function timed(args: string[], env: NodeJS.ProcessEnv, status: number): Promise<number> {
  return new Promise((done, fail) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: 'ignore' });
    child.on('error', fail);
    child.on('close', (code) => (code === status ? done(performance.now() - start) : fail(new Error(`node ${args.join(' ')} exited ${code}, not ${status}`))));
  });
}

export const benchmark: Benchmark = async () => {
  const b = await benchSandbox();
  try {
    const beforeAt = process.argv.indexOf('--before');
    const before = beforeAt > 0 ? resolve(process.argv[beforeAt + 1]) : undefined;
    const runs: Record<string, [string[], number, number | undefined]> = {
      'node -e 0': [['-e', '0'], 0, undefined],
      'snapclone --version': [[CLI, '--version'], 0, 1.5],
      'snapclone --help': [[CLI, '--help'], 0, 1.5],
      'snapclone list (sandbox)': [[CLI, 'list'], 0, 4],
      ...(before && {
        '--version, before': [[before, '--version'], 0, undefined],
        'list (sandbox), before': [[before, 'list'], 0, undefined],
      }),
    };
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, [args, status]] of Object.entries(runs)) samples[name].push(await timed(args, b.env, status));
    }
    const bare = median(samples['node -e 0']);
    const rows: BenchRow[] = Object.entries(runs).map(([name, [, , limit]]) => {
      const m = median(samples[name]);
      return {
        area: 'start-up',
        measure: `${name}, median of ${ROUNDS}`,
        value: name === 'node -e 0' ? ms(m) : `${ms(m)} = ${times(m / bare)}`,
        target: limit ? `≤ ${limit}× node -e 0` : '',
        met: limit ? m / bare <= limit : undefined,
      };
    });
    const list = await mustRun(['list'], b.env);
    rows.push({ area: 'memory', measure: 'peak RSS: snapclone list (sandbox)', value: `${list.rssMb.toFixed(0)} MB`, target: '< 150 MB', met: list.rssMb < 150 });
    return rows;
  } finally {
    await b.close();
  }
};

await runAlone(import.meta.url, benchmark);
