import type { Context } from '../core/context.ts';
import { passwordNotReplaced } from '../core/finish.ts';
import type { ConnectionDetails, TargetRef } from '../engines/types.ts';
import type { CommandResult } from '../output/render.ts';
import { clientCommand, connectCommand, connectionEnv, connectionUrl, envFileLines, passwordVariable } from '../connect/clients.ts';
import { assertHandOut } from '../masking/gate.ts';
import { claimFor, findClone } from './common.ts';

export interface CredentialsOptions {
  clone: string;
  target?: string;
  /** Read another person's clone's credentials (recorded on the clone). */
  force?: boolean;
  /** `env`: the lines of a .env file instead of the fields. */
  format?: 'env';
}

/** How to reach the clone from where the config says clones are reached: through the relay, or directly. */
function pathOf(clone: string, c: ConnectionDetails, target: TargetRef) {
  const relay = target.config.connect?.relay;
  if (!relay) {
    return { via: 'direct' as const, how: 'direct: reachable from inside its VPC (company VPN, a runner in the VPC): docs/reaching-clones.md' };
  }
  const command = connectCommand(clone, c.engine, c.tls);
  return { via: 'relay' as const, relay, command, how: `${command}   (through the relay ${relay}; the endpoint is private)` };
}

/**
 * snapclone credentials <clone>: connection details including the password (the only command that shows it):
 * the fields, a connection URL, the engine's client command (its password from the environment, never on the
 * command line), how to reach the clone on the configured path; `--format env` prints the lines of a .env file.
 */
export async function run(options: CredentialsOptions, ctx: Context): Promise<CommandResult> {
  const found = await findClone(ctx, options.clone, options.target);
  const clone = await claimFor(ctx, found, 'read the credentials of', options.force);
  // Nothing that opens a clone leaves before its masking is verified (docs/masking.md).
  assertHandOut(clone, ctx.config, 'hand out its credentials');
  // Said before any engine is asked, in the same words as create and show (the engines check it again).
  if (clone.credentials === 'pending') throw passwordNotReplaced(clone, Object.keys(ctx.config.targets).length);
  const c = await found.engine.credentials(clone, ctx);
  const at = { host: c.host, port: c.port };
  const url = connectionUrl(c, at, c.password || undefined);
  const client = clientCommand(c, at);
  const variable = passwordVariable(c.engine);
  const path = pathOf(clone.clone, c, found.target);
  const env = connectionEnv(c, at);
  const json = {
    clone: clone.clone,
    target: clone.target,
    engine: c.engine,
    host: c.host,
    port: c.port,
    username: c.username,
    password: c.password,
    database: c.database ?? null,
    tls: c.tls ?? null,
    ...(c.auth ? { auth: c.auth } : {}),
    url,
    client: client ?? null,
    connect: { via: path.via, ...(path.via === 'relay' ? { relay: path.relay, command: path.command } : {}) },
    env,
  };
  if (options.format === 'env') {
    const note = path.via === 'relay' ? [`# The endpoint is private: ${path.command} sets these for the command, pointing at the tunnel.`] : [];
    return { json, lines: [`# snapclone credentials ${clone.clone} (${c.engine})`, ...note, ...envFileLines(env)] };
  }
  const fields: [string, string][] = [
    ['host', c.host],
    ['port', String(c.port)],
    ['user', c.username],
    ['password', c.password],
    ...(c.auth ? [['auth', c.auth] as [string, string]] : []),
    ...(c.database ? [['database', c.database] as [string, string]] : []),
    ...(c.tls !== undefined ? [['tls', c.tls ? 'on' : 'off'] as [string, string]] : []),
    ['engine', c.engine],
    ['url', url],
    ...(client ? [['client', `${client}   (password from ${variable}: snapclone credentials ${clone.clone} --format env > .env)`] as [string, string]] : []),
    ['connect', path.how],
  ];
  return { json, fields };
}
