// The release check (scripts/release-check.mjs, npm run release:check), run as a release runs it, on a
// temporary copy of this checkout: it passes on a clean build, and fails naming each file that is not one.
import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = new URL('../..', import.meta.url).pathname;
const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
let copy: string;

/** The check run in the copy: its exit code and what it printed. */
async function releaseCheck(): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['scripts/release-check.mjs'], { cwd: copy, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  // What a build reads (the sources, the build script, the manifest, tsconfig), the committed Action bundle and
  // the changelog; dependencies through a symlink, as in this checkout. dist/ is built in the copy.
  copy = mkdtempSync(join(tmpdir(), 'snapclone-release-'));
  for (const path of ['package.json', 'tsconfig.json', 'CHANGELOG.md', 'src', 'scripts', 'action']) cpSync(join(repo, path), join(copy, path), { recursive: true });
  symlinkSync(realpathSync(join(repo, 'node_modules')), join(copy, 'node_modules'));
  await run(process.execPath, ['scripts/build.mjs'], { cwd: copy, timeout: 120_000 });
}, 180_000);
afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe('npm run release:check', () => {
  it('is the npm script release:check', () => {
    const { scripts } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts['release:check']).toBe('node scripts/release-check.mjs');
  });

  it('passes when action/index.mjs and dist/ are a clean build and CHANGELOG.md has the version', async () => {
    const ran = await releaseCheck();
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toContain(`release check passed (${version})`);
    // It leaves nothing behind in the checkout.
    expect(readdirSync(copy).filter((name) => name.startsWith('.release-check-'))).toEqual([]);
  }, 180_000);

  it('fails naming action/index.mjs when the committed Action bundle is not what its source builds', async () => {
    const bundle = join(copy, 'action/index.mjs');
    const committed = readFileSync(bundle);
    try {
      appendFileSync(bundle, '// edited by hand\n');
      const ran = await releaseCheck();
      expect(ran.code).toBe(1);
      expect(ran.stderr).toContain('action/index.mjs: differs from a clean build of src/action');
      expect(ran.stderr).not.toContain('dist/');
    } finally {
      writeFileSync(bundle, committed);
    }
  }, 180_000);

  it('fails naming each file of dist/ that a clean build does not make, and a changelog without the version', async () => {
    const chunks = join(copy, 'dist/chunks');
    const chunk = readdirSync(chunks).find((name) => name.endsWith('.mjs'))!;
    appendFileSync(join(chunks, chunk), '// edited by hand\n');
    writeFileSync(join(chunks, 'stale-AAAAAAAA.mjs'), 'export {};\n');
    const changelog = join(copy, 'CHANGELOG.md');
    writeFileSync(changelog, readFileSync(changelog, 'utf8').replaceAll(`## [${version}]`, '## [0.0.0]'));
    const ran = await releaseCheck();
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain(`dist/chunks/${chunk}: differs from a clean build (npm run build)`);
    expect(ran.stderr).toContain('dist/chunks/stale-AAAAAAAA.mjs: not made by a clean build');
    expect(ran.stderr).toContain(`CHANGELOG.md: no entry "## [${version}]"`);
    expect(ran.stderr).not.toContain('action/index.mjs');
  }, 180_000);
});
