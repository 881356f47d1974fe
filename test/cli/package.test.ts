// The installable tool: `npm run pack` makes a package that installs into an empty place with no dependencies
// (offline: nothing is fetched), with no script for npm to warn about, and runs there, away from this repository.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeScenarioConfig } from '../../sandbox/scenario/config.ts';
import { cliEnv, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const run = promisify(execFile);
const repo = new URL('../..', import.meta.url).pathname;
let dir: string;
let sb: TestSandbox;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'snapclone-package-'));
  sb = await startTestSandbox();
});
afterAll(async () => {
  await sb?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('packs only what it needs, installs offline into an empty prefix, and runs there', async () => {
    const npmEnv = { ...process.env, npm_config_cache: join(dir, 'npm-cache'), npm_config_update_notifier: 'false' };
    // dist/ as npm run build made it (npm run pack does not rebuild it: other tests run it meanwhile).
    const packed = await run(process.execPath, ['scripts/pack.mjs', '--json', '--out', dir], { cwd: repo, env: npmEnv, timeout: 120_000 });
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const files = info.files.map((f) => f.path).sort();
    // The chunks the entry loads on demand (a command's module, its engines and AWS clients), no source maps.
    const chunks = files.filter((f) => f.startsWith('dist/chunks/'));
    expect(chunks.length).toBeGreaterThan(10);
    expect(chunks.every((f) => /^dist\/chunks\/[\w-]+\.mjs$/.test(f))).toBe(true);
    expect(files.filter((f) => !chunks.includes(f))).toEqual(['README.ja.md', 'README.md', 'bin/snapclone.mjs', 'dist/snapclone.mjs', 'package.json', 'schema/snapclone.schema.json']);

    // The packed manifest has no scripts (m20: `prepare` made npm install -g warn) and no devDependencies.
    const manifest = JSON.parse(execFileSync('tar', ['-xOzf', join(dir, info.filename), 'package/package.json']).toString()) as Record<string, unknown>;
    expect(manifest).not.toHaveProperty('scripts');
    expect(manifest).not.toHaveProperty('devDependencies');
    expect(manifest).toMatchObject({ name: 'snapclone', version: '0.1.0', bin: { snapclone: 'bin/snapclone.mjs' } });

    const prefix = join(dir, 'global');
    const installed = await run('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', join(dir, info.filename)], {
      cwd: dir,
      env: npmEnv,
      timeout: 120_000,
    });
    expect(installed.stderr).not.toMatch(/install-scripts|prepare/);
    expect(readdirSync(join(prefix, 'lib', 'node_modules', 'snapclone'))).not.toContain('node_modules');
    const bin = join(prefix, 'bin', 'snapclone');
    const version = await run(bin, ['--version'], { cwd: dir, timeout: 30_000 });
    expect(version.stdout.trim()).toBe('0.1.0');

    const config = writeScenarioConfig(dir);
    const env = cliEnv(sb, dir, config);
    const points = await run(bin, ['points', 'orders-db', '--output', 'json'], { cwd: dir, env, timeout: 60_000 });
    expect((JSON.parse(points.stdout) as { points: unknown[] }).points.length).toBeGreaterThan(60);
  }, 180_000);
});
