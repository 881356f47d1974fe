// Runs the built CLI (dist/snapclone.mjs, from `npm run build`) against a sandbox as a user would, measuring
// its wall time and peak RSS.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { COMPANY_REGION, seedScenario, type Scenario } from '../../sandbox/scenario/index.ts';
import { writeScenarioConfig } from '../../sandbox/scenario/config.ts';
import type { WorldOptions } from '../../sandbox/core/world.ts';

const root = new URL('../..', import.meta.url).pathname;
export const CLI = join(root, 'dist/snapclone.mjs');
const RSS_HOOK = join(root, 'bench/support/rss-hook.mjs');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Peak resident set size, MB. */
  rssMb: number;
}

/** Runs `node dist/snapclone.mjs ...args` with exactly `env`; its peak RSS is read through rss-hook.mjs. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<CliRun> {
  const dir = mkdtempSync(join(tmpdir(), 'snapclone-bench-rss-'));
  const rssOut = join(dir, 'rss');
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, ['--import', RSS_HOOK, CLI, ...args], {
      cwd,
      env: { ...env, SNAPCLONE_BENCH_RSS_OUT: rssOut },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - start;
      let rssMb = Number.NaN;
      try {
        rssMb = Number(readFileSync(rssOut, 'utf8')) / 1024;
      } catch {
        // The process died before its exit handler ran.
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, stdout, stderr, ms, rssMb });
    });
  });
}

/** Like runCli, but an exit status other than `expected` is an error with what the CLI printed. */
export async function mustRun(args: string[], env: NodeJS.ProcessEnv, expected = 0): Promise<CliRun> {
  const run = await runCli(args, env);
  if (run.code !== expected) {
    throw new Error(`snapclone ${args.join(' ')} exited ${run.code}, not ${expected}:\n${run.stdout}\n${run.stderr}`);
  }
  return run;
}

export interface BenchSandbox {
  sandbox: Sandbox;
  scenario: Scenario;
  /** A temporary folder holding the scenario config; removed by close(). */
  dir: string;
  config: string;
  /** The environment a snapclone process runs in: the CI user's key, no AWS config files, the scenario config. */
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/** A freshly started, seeded sandbox with the scenario config written, for one benchmark. */
export async function benchSandbox(options: WorldOptions = {}): Promise<BenchSandbox> {
  const sandbox = await startSandbox(options);
  const scenario = seedScenario(sandbox.world);
  const dir = mkdtempSync(join(tmpdir(), 'snapclone-bench-'));
  const config = writeScenarioConfig(dir);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    AWS_ENDPOINT_URL: sandbox.url,
    AWS_REGION: COMPANY_REGION,
    AWS_ACCESS_KEY_ID: scenario.ci.accessKeyId,
    AWS_SECRET_ACCESS_KEY: scenario.ci.secretAccessKey,
    AWS_CONFIG_FILE: join(dir, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    SNAPCLONE_CONFIG: config,
    SNAPCLONE_OWNER: 'bench',
  };
  return {
    sandbox,
    scenario,
    dir,
    config,
    env,
    close: async () => {
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
