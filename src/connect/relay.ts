import { spawn, type ChildProcess } from 'node:child_process';
import { SSMClient, StartSessionCommand, TerminateSessionCommand, type StartSessionCommandInput } from '@aws-sdk/client-ssm';
import type { Context } from '../core/context.ts';
import { SnapcloneError, UsageError } from '../core/errors.ts';
import type { TargetRef } from '../engines/types.ts';
import type { Address } from './clients.ts';
import { connectDocumentName } from './document.ts';
import { accepts, freePort, type Tunnel } from './forward.ts';
import { missingPlugin, PLUGIN, pluginInvocation, pluginVersion, takesResponseVariable, type StartedSession } from './plugin.ts';

/** How long the plugin may take to open the local port (it connects to Session Manager first). */
const OPEN_TIMEOUT_MS = 30_000;

export interface RelayOptions {
  /** The local port (0 or undefined: a free one). */
  localPort?: number;
  /** The environment the plugin runs in (its PATH finds it). */
  env: NodeJS.ProcessEnv;
  /** Recorded as the session's reason (shown in the Session Manager console). */
  reason: string;
}

/** The URL a call was sent to (the plugin is handed the same SSM endpoint as the aws CLI hands it). */
function recordEndpoint(command: StartSessionCommand, into: { url?: string }): void {
  command.middlewareStack.add(
    (next) => async (args) => {
      const r = args.request as { protocol?: string; hostname?: string; port?: number; path?: string };
      if (r.hostname) into.url = `${r.protocol ?? 'https:'}//${r.hostname}${r.port ? `:${r.port}` : ''}${r.path && r.path !== '/' ? r.path : ''}`;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'snapcloneRecordEndpoint' },
  );
}

function explainStart(error: unknown, relay: string): unknown {
  const name = (error as { name?: string }).name;
  if (name === 'TargetNotConnected') {
    return new SnapcloneError(
      `The relay ${relay} is not connected to Session Manager (stopped, or its SSM agent is offline).`,
      undefined,
      'Start the instance, check its SSM agent and instance profile (AmazonSSMManagedInstanceCore) and its route to the SSM endpoints; snapclone doctor checks it.',
    );
  }
  if (name === 'InvalidDocument') {
    return new UsageError(
      `Session Manager has no document for snapclone connect in this account and region: ${(error as Error).message}`,
      'Deploy the output of snapclone iam template (it creates the document with the role).',
    );
  }
  return error;
}

/** Waits until the plugin's local port accepts connections, or the plugin ends, or the time runs out. */
async function opened(port: number, plugin: ChildProcess, exited: Promise<string>): Promise<void> {
  let gone: string | undefined;
  void exited.then((why) => (gone = why));
  const deadline = Date.now() + OPEN_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (gone !== undefined) throw new SnapcloneError(`${PLUGIN} ended before the tunnel opened (${gone}).`, undefined, 'Run with --verbose to see what it said.');
    if (await accepts(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  plugin.kill();
  throw new SnapcloneError(`${PLUGIN} did not open port ${port} within ${OPEN_TIMEOUT_MS / 1000}s.`, undefined, 'Run with --verbose to see what it said; snapclone doctor checks the relay.');
}

/**
 * A local port to `remote` through Session Manager on the target's relay: StartSession with the target's own
 * document (its host parameter admits clones only), then AWS's plugin carries the connection, started with
 * exactly the arguments the aws CLI gives it; closing stops the plugin and ends the session (TerminateSession).
 */
export async function openRelay(ctx: Context, target: TargetRef, remote: Address, options: RelayOptions): Promise<Tunnel> {
  const relay = target.config.connect!.relay;
  const version = await pluginVersion(options.env);
  if (version === undefined) throw missingPlugin(relay);
  if (!takesResponseVariable(version)) {
    throw new UsageError(`${PLUGIN} ${version} is too old (it would take the session token as a visible argument).`, 'Update it to 1.2.764.0 or later: the install lines are in docs/reaching-clones.md.');
  }
  const localPort = options.localPort || (await freePort());
  const request: StartSessionCommandInput = {
    Target: relay,
    DocumentName: connectDocumentName(ctx.config.prefix, target.name),
    Parameters: { host: [remote.host], portNumber: [String(remote.port)], localPortNumber: [String(localPort)] },
    Reason: options.reason,
  };
  const client = ctx.clients(target.name).of(SSMClient);
  const command = new StartSessionCommand(request);
  const endpoint: { url?: string } = {};
  recordEndpoint(command, endpoint);
  let session: StartedSession;
  try {
    const out = await client.send(command);
    session = { SessionId: out.SessionId!, TokenValue: out.TokenValue!, StreamUrl: out.StreamUrl! };
  } catch (error) {
    throw explainStart(error, relay);
  }
  ctx.reporter.debug(`connect: session ${session.SessionId} on ${relay} to ${remote.host}:${remote.port}`);
  const terminate = async () => {
    try {
      await client.send(new TerminateSessionCommand({ SessionId: session.SessionId }));
    } catch (error) {
      ctx.reporter.warn(`Could not end Session Manager session ${session.SessionId}: ${(error as Error).message}; it ends when idle.`);
    }
  };
  const region = await client.config.region();
  const { args, env } = pluginInvocation(version, session, request, {
    region,
    endpointUrl: endpoint.url ?? `https://ssm.${region}.amazonaws.com`,
  });
  // In its own process group: a Ctrl-C typed into a command running through the tunnel (psql cancelling a query)
  // must not reach the plugin, which would end the session; snapclone stops it when the tunnel closes.
  const plugin = spawn(PLUGIN, args, { env: { ...options.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const stopPlugin = () => plugin.kill('SIGTERM');
  process.once('exit', stopPlugin);
  for (const stream of [plugin.stdout, plugin.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) ctx.reporter.debug(`${PLUGIN}: ${line.trim()}`);
    });
  }
  const exited = new Promise<string>((resolve) => {
    plugin.on('error', (error) => resolve(error.message));
    plugin.on('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
  });
  try {
    await opened(localPort, plugin, exited);
  } catch (error) {
    plugin.kill();
    await terminate();
    throw error;
  }
  return {
    local: { host: '127.0.0.1', port: localPort },
    via: 'relay',
    ended: exited.then((why) => `${PLUGIN} ended (${why})`),
    close: async () => {
      process.removeListener('exit', stopPlugin);
      if (plugin.exitCode === null && plugin.signalCode === null) {
        plugin.kill('SIGTERM');
        await exited;
      }
      await terminate();
    },
  };
}
