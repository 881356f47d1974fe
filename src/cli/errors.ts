import { CommanderError } from 'commander';
import { ExitCode, SnapcloneError } from '../core/errors.ts';
import { redact } from '../core/redact.ts';

export interface Explained {
  message: string;
  hint?: string;
  exitCode: number;
}

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError']);
const BAD_CREDENTIALS = new Set([
  'CredentialsProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
]);

/** Turns any error into what the user reads and the documented exit code. Never includes secrets. */
export function explain(error: unknown): Explained {
  const { message, hint, exitCode } = explainRaw(error);
  return { message: redact(message), ...(hint === undefined ? {} : { hint: redact(hint) }), exitCode };
}

function explainRaw(error: unknown): Explained {
  if (error instanceof SnapcloneError) return { message: error.message, hint: error.hint, exitCode: error.exitCode };
  if (error instanceof CommanderError) return { message: error.message, exitCode: ExitCode.usage };
  const e = error as { name?: string; message?: string; Code?: string };
  const name = e.Code ?? e.name ?? 'Error';
  const message = e.message ?? String(error);
  if (ACCESS_DENIED.has(name)) {
    const action = /perform: ([\w-]+:\w+)/.exec(message)?.[1];
    return {
      message: action ? `Missing permission: ${action}. ${message}` : `Access denied: ${message}`,
      hint: 'Ask for the snapclone policy to be attached to the role (see docs/iam.md), or check the target\'s access settings.',
      exitCode: ExitCode.usage,
    };
  }
  if (BAD_CREDENTIALS.has(name)) {
    return {
      message: `AWS rejected the credentials (${name}): ${message}`,
      hint: 'Check the target\'s access settings, your profile or environment credentials, and the external id / MFA code.',
      exitCode: ExitCode.usage,
    };
  }
  const network = networkProblem(error);
  if (network) {
    return {
      message: `Could not reach AWS: ${network}`,
      hint: 'Check the network, proxy and any AWS_ENDPOINT_URL setting; running the same command again carries on where it stopped.',
      exitCode: ExitCode.failed,
    };
  }
  return { message: `${name}: ${message}`, exitCode: ExitCode.failed };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** What went wrong on the way to AWS (connection refused, reset, unknown host, timeout), or undefined. */
function networkProblem(error: unknown): string | undefined {
  const e = error as { code?: string; name?: string; address?: string; port?: number; hostname?: string; cause?: unknown };
  if (e?.name === 'TimeoutError') return 'the request timed out';
  if (e?.code && NETWORK_CODES.has(e.code)) {
    const where = e.hostname ?? (e.address ? `${e.address}${e.port ? `:${e.port}` : ''}` : undefined);
    const what: Record<string, string> = {
      ECONNREFUSED: 'the connection was refused',
      ECONNRESET: 'the connection was reset',
      ENOTFOUND: 'the host name was not found',
      EAI_AGAIN: 'the host name could not be looked up',
      ETIMEDOUT: 'the connection timed out',
    };
    return `${what[e.code] ?? e.code}${where ? ` (${where})` : ''} [${e.code}]`;
  }
  return e?.cause && e.cause !== error ? networkProblem(e.cause) : undefined;
}

/**
 * An error as the user reads it on stderr: two lines of text, or with --output json one JSON object (the same
 * fields: `hint` is null when there is none), so that a script reading JSON lines on stderr can parse it too.
 */
export function formatError(explained: Explained, json: boolean, stack?: string): string {
  if (json) {
    const document = { error: explained.message, hint: explained.hint ?? null, exitCode: explained.exitCode, ...(stack ? { stack } : {}) };
    return `${JSON.stringify(document)}\n`;
  }
  return `error: ${explained.message}\n${explained.hint ? `  ${explained.hint}\n` : ''}${stack ? `${stack}\n` : ''}`;
}
