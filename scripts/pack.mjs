// npm run pack [-- --out DIR] [--json]: the installable tarball (snapclone-<version>.tgz, in DIR or here).
// It packs a staging folder: the CLI bundle in dist/ (built by npm run build, checked by npm run
// release:check; not rebuilt here, as tests may be running it) plus what package.json's `files` names, and a
// package.json without `scripts` and `devDependencies`. Packing this checkout itself (`npm pack`) would ship
// its `prepare` script (which builds from sources the package does not hold) and `npm install -g` warns about
// it; the package needs no script and no dependency to install or run.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const out = resolve(outAt >= 0 ? args[outAt + 1] : '.');
const json = args.includes('--json');

/** The manifest the package ships: the repository's, less what only building it needs. */
function packedManifest(manifest) {
  const { scripts: _scripts, devDependencies: _devDependencies, ...shipped } = manifest;
  return shipped;
}

const staging = mkdtempSync(join(tmpdir(), 'snapclone-pack-'));
try {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  writeFileSync(join(staging, 'package.json'), `${JSON.stringify(packedManifest(manifest), null, 2)}\n`);
  if (!existsSync(join(root, 'dist/snapclone.mjs'))) throw new Error('dist/snapclone.mjs is missing: run npm run build first');
  for (const path of ['bin', 'dist', 'schema', 'README.md', 'README.ja.md']) cpSync(join(root, path), join(staging, path), { recursive: true });
  // `files` still chooses what goes in (the entry, its chunks, no source maps).
  const packed = execFileSync('npm', ['pack', staging, '--json', '--pack-destination', out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(json ? packed : `${join(out, JSON.parse(packed)[0].filename)}\n`);
} finally {
  rmSync(staging, { recursive: true, force: true });
}
