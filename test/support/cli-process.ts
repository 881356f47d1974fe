import { spawn, type ChildProcess } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { saveOutput } from './hygiene.ts';

const root = new URL('../..', import.meta.url).pathname;

export interface Run {
  code: number | null;
  /** The signal that ended it, if one did. */
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Bundles the CLI as `npm run build` does into `dir/snapclone.mjs` (with the project's node_modules linked
 * beside it, since bundled files resolve packages from their own folder); returns its path.
 */
export async function buildCli(dir: string): Promise<string> {
  const bin = join(dir, 'snapclone.mjs');
  await build({
    entryPoints: [join(root, 'src/cli/bin.ts')],
    outfile: bin,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    nodePaths: [join(root, 'node_modules')],
    define: { SNAPCLONE_VERSION: '"0.0.0-test"' },
    logLevel: 'error',
  });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return bin;
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
