// Bundles the CLI, with every dependency, into dist/: the package installs with no dependencies (and offline).
// Code splitting: dist/snapclone.mjs holds what every run needs (the command definitions, enough for --help
// and --version); each command's module, with its engines and AWS clients, is a chunk in dist/chunks loaded
// when that command runs. `--action [OUTFILE]` bundles the GitHub Action into ONE file, action/index.mjs
// (committed, as GitHub runs it from the repository; a test fails when it is stale): without splitting, esbuild
// inlines the dynamic imports. CommonJS dependencies get a `require` (in every output file).
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const action = process.argv[2] === '--action';

/** The build of the CLI (default: split, into the folder `out`) or of the Action (one file, `out`). */
export const options = (forAction, out) => ({
  ...(forAction
    ? { entryPoints: ['src/action/main.ts'], outfile: out }
    : {
        entryPoints: { snapclone: 'src/cli/bin.ts' },
        outdir: out,
        splitting: true,
        chunkNames: 'chunks/[name]-[hash]',
        outExtension: { '.js': '.mjs' },
      }),
  bundle: true,
  // Paths in the bundle (module comments, CommonJS wrappers' keys, so chunk hashes) go through node_modules as
  // the checkout sees it, not where a symlinked node_modules really is: the same source builds the same bytes
  // in any checkout (the release check compares a clean build in a temporary folder with the committed files).
  preserveSymlinks: true,
  mainFields: ['module', 'main'],
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
  // A fresh folder: chunks of earlier builds (other hashes) must not ship.
  if (!action) rmSync('dist', { recursive: true, force: true });
  await build(options(action, action ? (process.argv[3] ?? 'action/index.mjs') : 'dist'));
}
