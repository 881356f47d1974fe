import { loadConfig } from '../config/load.ts';
import { createClients, type AwsClients, type SessionOptions } from '../aws/session.ts';
import { resolveTarget, type Context } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
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
}

export interface Io {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
}

/** Prompts only on a terminal; CI (CI=true) never blocks. */
export function isInteractive(io: Io): boolean {
  return Boolean(io.stdin.isTTY && io.stderr.isTTY) && io.env.CI !== 'true';
}

export function makeReporter(options: GlobalOptions, io: Io): Reporter {
  const settings = { quiet: options.quiet, verbose: options.verbose, stream: io.stderr };
  if (options.output === 'json') return new JsonReporter(settings);
  if (isInteractive(io)) return new TtyReporter({ ...settings, input: io.stdin });
  return new PlainReporter(settings);
}

/** Builds the context a command runs in from the global options and the process's environment. */
export function buildContext(options: GlobalOptions, io: Io): Context {
  const reporter = makeReporter(options, io);
  const { path, config } = loadConfig(options.config, io.env, io.cwd);
  reporter.debug(`config: ${path}`);
  const person = currentPerson(io.env);
  const session: SessionOptions = {
    profile: options.profile,
    region: options.region,
    person,
    roleAssumed: io.env.SNAPCLONE_ROLE_ASSUMED || undefined,
    mfaCode: async (serial) => {
      if (options.mfaCode) return options.mfaCode;
      if (!reporter.interactive) {
        throw new UsageError(`The target requires an MFA code for ${serial}`, 'Pass --mfa-code CODE.');
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
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}
