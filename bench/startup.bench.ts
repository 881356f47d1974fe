// npm run bench:startup [-- --before FILE] — start-up of snapclone, side by side with a bare `node -e 0`, in
// one run: each is run in turn, 15 rounds, and the medians compared. Runs:
// - `--version` and `--help` from the split build `npm run build` makes (dist/snapclone.mjs, chunks on demand);
// - `list` where there is no config (it loads the context and its command, then exits 2 before any AWS call);
// - `--version` from the same source bundled into one file, as the Action is (no splitting: the dynamic imports
//   are inlined, so every module is read and parsed, though evaluated only when its command runs);
// - with --before FILE, `--version` and `list` from an earlier build (e.g. a copy of an older dist/snapclone.mjs).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
// @ts-expect-error: the build script is plain JavaScript
import { options } from '../scripts/build.mjs';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'snapclone-startup-'));
const oneFile = join(dir, 'one-file.mjs');
await build({ ...options(true, oneFile), entryPoints: ['src/cli/bin.ts'], absWorkingDir: root, logLevel: 'error' });
const split = join(root, 'dist/snapclone.mjs');
const beforeAt = process.argv.indexOf('--before');
const before = beforeAt > 0 ? resolve(process.argv[beforeAt + 1]) : undefined;

/** Arguments of each run, and the exit status it must end with. */
const runs: Record<string, [string[], number]> = {
  'node -e 0': [['-e', '0'], 0],
  '--version (split)': [[split, '--version'], 0],
  '--help (split)': [[split, '--help'], 0],
  'list, no config (split)': [[split, 'list'], 2],
  '--version (one file)': [[oneFile, '--version'], 0],
  ...(before && {
    '--version (before)': [[before, '--version'], 0],
    'list, no config (before)': [[before, 'list'], 2],
  }),
};
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('SNAPCLONE_') && !key.startsWith('AWS_')));
const times: Record<string, number[]> = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
for (let round = 0; round < 15; round++) {
  for (const [name, [args, status]] of Object.entries(runs)) {
    const start = process.hrtime.bigint();
    const out = spawnSync(process.execPath, args, { cwd: dir, env, stdio: 'ignore' });
    if (out.status !== status) throw new Error(`${name} exited ${out.status}, not ${status}`);
    times[name].push(Number(process.hrtime.bigint() - start) / 1e6);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const bare = median(times['node -e 0']);
console.log(`Node ${process.version}, 15 rounds, medians`);
for (const [name, xs] of Object.entries(times)) {
  console.log(`${name.padEnd(28)} median ${median(xs).toFixed(0).padStart(5)} ms  (${(median(xs) / bare).toFixed(2)}× node -e 0)`);
}
rmSync(dir, { recursive: true, force: true });
