import { CommanderError } from 'commander';
import { ExitCode, SnapcloneError } from '../core/errors.ts';

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
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
]);

/** Turns any error into what the user reads and the documented exit code. Never includes secrets. */
export function explain(error: unknown): Explained {
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
  return { message: `${name}: ${message}`, exitCode: ExitCode.failed };
}
