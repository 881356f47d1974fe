import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { loadConfig } from '../config/load.ts';
import { formatCall } from '../aws/call-log.ts';
import { cacheDirectory } from '../aws/session-cache.ts';
import { createClients, type AwsClients, type SessionOptions } from '../aws/session.ts';
import { resolveTarget, type Context } from '../core/context.ts';
import { Interrupted, UsageError } from '../core/errors.ts';
import { currentPerson } from '../core/person.ts';
import { JsonReporter, PlainReporter, TtyReporter, type Reporter } from '../output/reporter.ts';
import type { OutputFormat } from '../output/render.ts';

export interface GlobalOptions {
  config?: string;
  profile?: string;
  region?: string;
  output: OutputFormat;
  verbose?: boolean;
  quiet?: boolean;
  mfaCode?: string;
  /** JMESPath expression applied to the JSON output (--query). */
  query?: string;
  /** Every AWS call on stderr: service, operation, status, duration, request id, retries (--debug; implies --verbose). */
  debug?: boolean;
  /** One endpoint for every AWS client, as the aws CLI's --endpoint-url (over AWS_ENDPOINT_URL…). */
  endpointUrl?: string;
  /** false with --no-session-cache: assume the role afresh instead of reusing a cached session. */
  sessionCache?: boolean;
}

export interface Io {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  /** Aborted when the user presses Ctrl-C: waits stop at once. */
  signal?: AbortSignal;
  /** Told which command runs, once the command line is parsed (the Ctrl-C handler acts on it). */
  onCommand?: (name: string) => void;
  /** Base credentials instead of the standard chain (the GitHub Action's sessions from fresh OIDC tokens). */
  credentials?: AwsCredentialIdentityProvider;
}

/** Prompts only on a terminal; CI (CI=true) never blocks. */
export function isInteractive(io: Io): boolean {
  return Boolean(io.stdin.isTTY && io.stderr.isTTY) && io.env.CI !== 'true';
}

export function makeReporter(options: GlobalOptions, io: Io): Reporter {
  const settings = { quiet: options.quiet, verbose: options.verbose || options.debug, stream: io.stderr };
  if (options.output === 'json') return new JsonReporter(settings);
  if (isInteractive(io)) return new TtyReporter({ ...settings, input: io.stdin });
  return new PlainReporter(settings);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Global settings that reach AWS, checked before anything is read: a region must look like one, and an
 * endpoint override (--endpoint-url, AWS_ENDPOINT_URL and the per-service ones) must be an http(s) URL.
 */
export function checkEnvironment(options: GlobalOptions, env: NodeJS.ProcessEnv): void {
  if (options.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(options.region)) {
    throw new UsageError(`--region '${options.region}' is not an AWS region`, 'Write a region such as ap-northeast-1 or us-east-1.');
  }
  if (options.endpointUrl !== undefined && !isHttpUrl(options.endpointUrl)) {
    throw new UsageError(`--endpoint-url '${options.endpointUrl}' is not an http(s) URL`, 'Write the endpoint\'s URL, e.g. http://127.0.0.1:4566 for a local sandbox.');
  }
  for (const [key, value] of Object.entries(env)) {
    if (!/^AWS_ENDPOINT_URL(_[A-Z0-9_]+)?$/.test(key) || value === undefined || value === '') continue;
    if (!isHttpUrl(value)) {
      throw new UsageError(`${key} '${value}' is not an http(s) URL`, `Set it to the endpoint's URL (e.g. https://rds.ap-northeast-1.amazonaws.com), or unset it.`);
    }
  }
}

/** SNAPCLONE_SANDBOX_SPEED: how many times faster than AWS a local sandbox runs (its --speed); 1 when unset. */
function sandboxSpeed(env: NodeJS.ProcessEnv): number {
  const value = env.SNAPCLONE_SANDBOX_SPEED;
  if (value === undefined) return 1;
  const speed = Number(value);
  if (!Number.isFinite(speed) || speed <= 0) {
    throw new UsageError(`SNAPCLONE_SANDBOX_SPEED '${value}' is not a speed`, "Set it to the sandbox's --speed (a positive number), or unset it when talking to AWS.");
  }
  return speed;
}

/** The first line of a stream (the MFA code piped to `--mfa-code -`). */
async function firstLine(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  const line = text.split('\n')[0].trim();
  if (!line) throw new UsageError('--mfa-code - reads the MFA code from standard input, which gave none', 'Pipe the code in, e.g. echo 123456 | snapclone … --mfa-code -');
  return line;
}

/** Sleeps `ms`, or ends early with Interrupted once `signal` is aborted. */
export function interruptibleSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Interrupted());
    const stop = () => {
      clearTimeout(timer);
      reject(new Interrupted());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', stop);
      resolve();
    }, ms);
    signal?.addEventListener('abort', stop, { once: true });
  });
}

/** Builds the context a command runs in from the global options and the process's environment. */
export function buildContext(options: GlobalOptions, io: Io, argv?: string[]): Context {
  checkEnvironment(options, io.env);
  const timeScale = sandboxSpeed(io.env);
  const reporter = makeReporter(options, io);
  const { path, config } = loadConfig(options.config, io.env, io.cwd);
  reporter.debug(`config: ${path}`);
  const person = currentPerson(io.env);
  const session: SessionOptions = {
    profile: options.profile,
    region: options.region,
    person,
    roleAssumed: io.env.SNAPCLONE_ROLE_ASSUMED || undefined,
    credentials: io.credentials,
    endpoint: options.endpointUrl,
    ...(options.debug ? { onCall: (call) => reporter.debug(formatCall(call)) } : {}),
    ...(options.sessionCache === false ? {} : { cacheDirectory: cacheDirectory(io.env) }),
    note: (message) => reporter.debug(message),
    mfaCode: async (serial) => {
      // `--mfa-code -`: from standard input (e.g. a password manager's pipe), seen by nobody else.
      if (options.mfaCode === '-') return firstLine(io.stdin);
      if (options.mfaCode) return options.mfaCode;
      // From the environment, so that it does not show in the process list as an argument would.
      if (io.env.SNAPCLONE_MFA_CODE) return io.env.SNAPCLONE_MFA_CODE.trim();
      if (!reporter.interactive) {
        throw new UsageError(`The target requires an MFA code for ${serial}`, 'Set SNAPCLONE_MFA_CODE (or pass --mfa-code CODE, which others on this machine can see in the process list).');
      }
      return (await reporter.ask(`MFA code for ${serial}: `)).trim();
    },
  };
  const cache = new Map<string, AwsClients>();
  return {
    config,
    configPath: path,
    reporter,
    now: () => new Date(),
    person,
    clients(targetName) {
      let clients = cache.get(targetName);
      if (!clients) {
        clients = createClients(resolveTarget(config, targetName).config, session);
        cache.set(targetName, clients);
      }
      return clients;
    },
    sleep: (ms) => interruptibleSleep(ms, io.signal),
    invocation: argv,
    signal: io.signal,
    timeScale,
    caBundle: io.env.AWS_CA_BUNDLE || undefined,
  };
}
