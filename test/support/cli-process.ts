import { spawn, type ChildProcess } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { saveOutput } from './hygiene.ts';
// @ts-expect-error: the build script is plain JavaScript
import { options as buildOptions } from '../../scripts/build.mjs';

const root = new URL('../..', import.meta.url).pathname;

export interface Run {
  code: number | null;
  /** The signal that ended it, if one did. */
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Bundles the CLI as `npm run build` does (split: `dir/snapclone.mjs` and its chunks in `dir/chunks`), with the
 * dependencies left in the project's node_modules, linked beside it (bundled files resolve packages from their
 * own folder); returns the entry's path.
 */
export async function buildCli(dir: string): Promise<string> {
  await build({
    ...buildOptions(false, dir),
    absWorkingDir: root,
    packages: 'external',
    nodePaths: [join(root, 'node_modules')],
    sourcemap: false,
    define: { SNAPCLONE_VERSION: '"0.0.0-test"' },
    logLevel: 'error',
  });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return join(dir, 'snapclone.mjs');
}

/** A CLI process under way: the child (to signal it) and its end, with everything it printed. */
export interface Running {
  child: ChildProcess;
  done: Promise<Run>;
}

/** Starts the bundled CLI as a process with exactly `env` (stdin closed), collecting its output. */
export function spawnCli(bin: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string, input?: string): Running {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  if (input !== undefined) child.stdin!.end(input);
  const done = new Promise<Run>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      saveOutput(args, `${stdout}\n${stderr}`);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

/** Runs the bundled CLI as a process with exactly `env` (stdin closed), collecting its output. */
export function runCli(bin: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string, input?: string): Promise<Run> {
  return spawnCli(bin, args, env, cwd, input).done;
}
