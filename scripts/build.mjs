// Bundles the CLI, with every dependency, into one ESM file: the package installs with no dependencies (and
// offline). `--action [OUTFILE]` bundles the GitHub Action the same way into action/index.mjs (committed, as
// GitHub runs it from the repository; a test fails when it is stale). CommonJS dependencies get a `require`.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const action = process.argv[2] === '--action';

/** The build of the CLI (default) or of the Action, to `outfile`. */
export const options = (forAction, outfile) => ({
  entryPoints: [forAction ? 'src/action/main.ts' : 'src/cli/bin.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: !forAction,
  legalComments: 'none',
  define: { SNAPCLONE_VERSION: JSON.stringify(version) },
  banner: { js: "import { createRequire as __snapcloneRequire } from 'node:module'; const require = __snapcloneRequire(import.meta.url);" },
  logLevel: 'warning',
});

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  await build(options(action, action ? (process.argv[3] ?? 'action/index.mjs') : 'dist/snapclone.mjs'));
}
