// npm run bench:startup — start-up of `snapclone --version` and `--help`, side by side with a bare `node -e 0`
// and with the earlier build that left dependencies in node_modules (packages: 'external'), in one run:
// the three are run in turn, 15 rounds, and the medians compared.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
// @ts-expect-error: the build script is plain JavaScript
import { options } from '../scripts/build.mjs';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'snapclone-startup-'));
const external = join(dir, 'external.mjs');
await build({ ...options(false, external), absWorkingDir: root, packages: 'external', sourcemap: false, logLevel: 'error' });
symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
const bundled = join(root, 'dist/snapclone.mjs');

const runs: Record<string, string[]> = {
  'node -e 0': ['-e', '0'],
  'snapclone --version (bundled)': [bundled, '--version'],
  'snapclone --help (bundled)': [bundled, '--help'],
  'snapclone --version (dependencies external)': [external, '--version'],
};
const times: Record<string, number[]> = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
for (let round = 0; round < 15; round++) {
  for (const [name, args] of Object.entries(runs)) {
    const start = process.hrtime.bigint();
    const out = spawnSync(process.execPath, args, { stdio: 'ignore' });
    if (out.status !== 0) throw new Error(`${name} exited ${out.status}`);
    times[name].push(Number(process.hrtime.bigint() - start) / 1e6);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const bare = median(times['node -e 0']);
for (const [name, xs] of Object.entries(times)) {
  console.log(`${name.padEnd(46)} median ${median(xs).toFixed(0).padStart(5)} ms  (${(median(xs) / bare).toFixed(2)}× node -e 0)`);
}
rmSync(dir, { recursive: true, force: true });
