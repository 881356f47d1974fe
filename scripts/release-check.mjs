// The release check (npm run release:check): what a release ships is what its source builds.
// - action/index.mjs (committed: GitHub runs it from the tag) is byte for byte a clean build of src/action;
// - dist/ (the CLI bundle that `npm run pack` ships and the tests ran) is a clean build of src/cli: the same
//   files, the same bytes (source maps compared by the files they name, as their paths are relative to them);
// - CHANGELOG.md has an entry for package.json's version.
// The clean builds go to temporary folders, the CLI's beside dist/ (.release-check-*, removed after): the
// chunks' names are hashes of their content, source maps included, whose paths are relative to the folder, so
// a clean build is comparable only from the same depth. dist/ itself is not changed. Exit 1 names each file that differs.
// It checks the checkout it lives in (this script's parent folder), whatever the working directory.
import { build } from 'esbuild';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { options } from './build.mjs';

// Without the trailing slash: esbuild names paths (so hashes chunks) differently with one.
const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Every file under `dir`, as paths relative to it (sorted). */
function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** A source map with its `sources` as paths from the checkout's root (they are written relative to the map). */
function comparableMap(path, buildRoot) {
  const map = JSON.parse(readFileSync(path, 'utf8'));
  map.sources = map.sources.map((source) => relative(buildRoot, resolve(dirname(path), source)));
  return JSON.stringify(map);
}

/** Problems of the committed Action bundle against a clean build (one file, no source map: built anywhere). */
async function checkAction(scratch) {
  const committed = join(root, 'action/index.mjs');
  if (!existsSync(committed)) return ['action/index.mjs: missing (npm run build:action, then commit it)'];
  const fresh = join(scratch, 'index.mjs');
  await build({ ...options(true, fresh), absWorkingDir: root, logLevel: 'error' });
  return readFileSync(fresh).equals(readFileSync(committed))
    ? []
    : ['action/index.mjs: differs from a clean build of src/action (npm run build:action, then commit it)'];
}

/** Problems of dist/ against a clean build into `fresh` (a folder beside dist/): missing, stale or changed files. */
async function checkCli(fresh) {
  const dist = join(root, 'dist');
  if (!existsSync(join(dist, 'snapclone.mjs'))) return ['dist/snapclone.mjs: missing (npm run build)'];
  await build({ ...options(false, fresh), absWorkingDir: root, logLevel: 'error' });
  const built = filesUnder(fresh);
  const present = filesUnder(dist);
  const problems = [];
  for (const file of built.filter((f) => !present.includes(f))) problems.push(`dist/${file}: missing (npm run build)`);
  for (const file of present.filter((f) => !built.includes(f))) problems.push(`dist/${file}: not made by a clean build (left from an older build: npm run build)`);
  for (const file of built.filter((f) => present.includes(f))) {
    const same = file.endsWith('.map')
      ? comparableMap(join(fresh, file), root) === comparableMap(join(dist, file), root)
      : readFileSync(join(fresh, file)).equals(readFileSync(join(dist, file)));
    if (!same) problems.push(`dist/${file}: differs from a clean build (npm run build)`);
  }
  return problems;
}

function checkChangelog() {
  const path = join(root, 'CHANGELOG.md');
  if (!existsSync(path)) return ['CHANGELOG.md: missing'];
  const heading = new RegExp(`^## \\[${version.replaceAll('.', '\\.')}\\]`, 'm');
  return heading.test(readFileSync(path, 'utf8')) ? [] : [`CHANGELOG.md: no entry "## [${version}]" for package.json's version`];
}

const scratch = mkdtempSync(join(tmpdir(), 'snapclone-release-check-'));
const besideDist = mkdtempSync(join(root, '.release-check-'));
try {
  const problems = [...(await checkAction(scratch)), ...(await checkCli(besideDist)), ...checkChangelog()];
  if (problems.length > 0) {
    // A build from other sources changes every chunk's name: the first few say enough.
    const shown = problems.length > 12 ? [...problems.slice(0, 10), `… and ${problems.length - 10} more`] : problems;
    process.stderr.write(`release check failed (${version}):\n${shown.map((p) => `  ${p}`).join('\n')}\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write(`release check passed (${version}): action/index.mjs and dist/ (${filesUnder(join(root, 'dist')).length} files) are a clean build; CHANGELOG.md has ${version}\n`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(besideDist, { recursive: true, force: true });
}
