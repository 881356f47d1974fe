// Bundles the CLI, with every dependency, into one ESM file: the package installs with no dependencies (and
// offline), and the GitHub Action ships the same kind of file. CommonJS dependencies get a `require`.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: ['src/cli/bin.ts'],
  outfile: 'dist/snapclone.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  banner: { js: "import { createRequire as __snapcloneRequire } from 'node:module'; const require = __snapcloneRequire(import.meta.url);" },
  define: { SNAPCLONE_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
});
