import { spawn } from 'node:child_process';
import type { Context } from '../core/context.ts';
import { ExitCode, SnapcloneError, UsageError } from '../core/errors.ts';
import type { ConnectionDetails } from '../engines/types.ts';
import type { CommandResult } from '../output/render.ts';
import { commandFor, connectionEnv, connectionUrl, type Address } from '../connect/clients.ts';
import { directly, forwardPort, type Tunnel } from '../connect/forward.ts';
import { assertHandOut } from '../masking/gate.ts';
import { claimFor, findClone } from './common.ts';

export interface ConnectOptions {
  clone: string;
  target?: string;
  /** The local port (--port); without it a free one (through the relay), or the endpoint itself (direct). */
  port?: number;
  /** The command to run with the connection in its environment (after `--`); none: keep the tunnel open until Ctrl-C. */
  command?: string[];
  /** Reach another person's clone (recorded on the clone, as for credentials). */
  force?: boolean;
  /** The environment the command and the plugin run in (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Where the command's output goes (default: this process's stdout and stderr, inherited). */
  output?: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };
  /** Told where to connect as soon as the tunnel is open (the CLI prints it), before waiting. */
  onReady?: (lines: string[]) => void;
}

/** Runs `argv` with `env` added to the environment; resolves with its exit code (128 + signal when killed). */
function runCommand(argv: string[], env: NodeJS.ProcessEnv, output: ConnectOptions['output']): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env, stdio: output ? ['inherit', 'pipe', 'pipe'] : 'inherit' });
    if (output) {
      child.stdout?.pipe(output.stdout, { end: false });
      child.stderr?.pipe(output.stderr, { end: false });
    }
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new UsageError(`Command not found: ${argv[0]}`, 'Install it, or check PATH.') : error),
    );
    child.on('close', (code, signal) => resolve(code ?? 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 9)));
  });
}

/** Until Ctrl-C (the context's signal) or the tunnel ending by itself. */
function untilStopped(ctx: Context, tunnel: Tunnel): Promise<string> {
  return new Promise((resolve) => {
    if (ctx.signal?.aborted) return resolve('stopped');
    ctx.signal?.addEventListener('abort', () => resolve('stopped'), { once: true });
    void tunnel.ended.then(resolve);
  });
}

async function open(ctx: Context, details: ConnectionDetails, found: Awaited<ReturnType<typeof findClone>>, options: ConnectOptions): Promise<Tunnel> {
  const endpoint: Address = { host: details.host, port: details.port };
  if (found.target.config.connect) {
    const { openRelay } = await import('../connect/relay.ts');
    return openRelay(ctx, found.target, endpoint, { localPort: options.port, env: options.env ?? process.env, reason: `snapclone connect ${found.clone.clone}` });
  }
  return options.port === undefined ? directly(endpoint) : forwardPort(endpoint, options.port);
}

/**
 * snapclone connect <clone> [--port N] [-- command…]: a local port to the clone (through Session Manager on the
 * target's relay when `connect.relay` is set; else the endpoint itself, or a local port forwarded to it), then
 * either the command runs with the connection in its environment (password included, never on its command line
 * or in snapclone's output) and snapclone ends with its exit code, or the connection string is printed and the
 * tunnel stays open until Ctrl-C. The tunnel is closed (and the session ended) either way.
 */
export async function run(options: ConnectOptions, ctx: Context): Promise<CommandResult> {
  if (options.port !== undefined && (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)) {
    throw new UsageError(`--port ${options.port} is not a port`, 'Pass a port from 1 to 65535 (0: any free port).');
  }
  const found = await findClone(ctx, options.clone, options.target);
  const clone = await claimFor(ctx, found, 'connect to', options.force);
  assertHandOut(clone, ctx.config, 'open a connection to it');
  if (!clone.endpoint) {
    throw new SnapcloneError(`${clone.clone} has no endpoint yet (status: ${clone.status}).`, undefined, `Wait for it: snapclone show ${clone.clone}`);
  }
  const details = await found.engine.credentials(clone, ctx);
  const tunnel = await open(ctx, details, found, options);
  const url = connectionUrl(details, tunnel.local);
  const json = { clone: clone.clone, target: found.target.name, engine: details.engine, via: tunnel.via, host: tunnel.local.host, port: tunnel.local.port, url };
  try {
    if (options.command && options.command.length > 0) {
      const env = { ...(options.env ?? process.env), ...connectionEnv(details, tunnel.local) };
      const argv = commandFor(details, tunnel.local, options.command);
      // The program and what connect added to its arguments (never a secret: the password is in the environment).
      const program = argv.slice(0, argv.length - options.command.length + 1).join(' ');
      ctx.reporter.info(`${clone.clone}: ${url} (${tunnel.via}); running ${program}`);
      const exitCode = await runCommand(argv, env, options.output);
      return { json: { ...json, exitCode }, lines: [], exitCode };
    }
    options.onReady?.([
      `${clone.clone} is at ${url}${tunnel.via === 'relay' ? ' (through the relay)' : ''}`,
      `  password: snapclone credentials ${clone.clone}; or run a client with the connection in its environment: snapclone connect ${clone.clone} -- psql`,
      '  Ctrl-C closes the tunnel.',
    ]);
    const why = await untilStopped(ctx, tunnel);
    return { json: { ...json, closed: why }, lines: [`${clone.clone}: tunnel closed (${why}).`], exitCode: why === 'stopped' ? ExitCode.ok : ExitCode.failed };
  } finally {
    await tunnel.close();
  }
}
