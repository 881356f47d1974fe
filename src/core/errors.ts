/** Exit codes, as documented in the README. */
export const ExitCode = {
  ok: 0,
  failed: 1,
  /** Bad input or configuration: nothing was changed. */
  usage: 2,
  /** Refused by the safety guard: nothing was changed. */
  refused: 3,
  /** Stopped by Ctrl-C (SIGINT): what was started goes on in AWS; re-running carries on. */
  interrupted: 130,
} as const;

/** An error snapclone explains to its user; `exitCode` says which kind it is. */
export class SnapcloneError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.failed,
    /** What the user can do about it, shown under the message. */
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Bad input or config (exit 2). */
export class UsageError extends SnapcloneError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.usage, hint);
  }
}

/** The safety guard refused to touch a resource snapclone does not manage (exit 3). */
export class RefusedError extends SnapcloneError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.refused, hint);
  }
}

/** The user stopped the run (Ctrl-C) while it waited (exit 130). */
export class Interrupted extends SnapcloneError {
  constructor(message = 'Stopped (Ctrl-C).', hint?: string) {
    super(message, ExitCode.interrupted, hint);
  }
}
