import type { Config } from '../config/schema.ts';
import type { Reporter } from '../output/reporter.ts';
import type { AwsClients } from '../aws/session.ts';
import type { TargetRef } from '../engines/types.ts';
import { UsageError } from './errors.ts';

/** What every core operation gets besides its options: config, AWS access, clock and reporter. */
export interface Context {
  config: Config;
  configPath: string;
  reporter: Reporter;
  now: () => Date;
  /** Who is acting: the GitHub actor in Actions, else the local user; recorded as the clone owner. */
  person: string;
  /** AWS clients for a target, built on first use with that target's access settings. */
  clients(targetName: string): AwsClients;
  /** Waits between polls (throws Interrupted once the user pressed Ctrl-C); tests move the sandbox clock instead. */
  sleep(ms: number): Promise<void>;
  /** Aborted when the user presses Ctrl-C (`connect` then closes its tunnel). */
  signal?: AbortSignal;
  /** The arguments snapclone was run with, to print the command that carries on after a failure. */
  invocation?: string[];
  /**
   * How many times faster than AWS the endpoint works: a local sandbox's speed (SNAPCLONE_SANDBOX_SPEED), so
   * that polling expects its durations; 1 (AWS) when unset.
   */
  timeScale?: number;
  /**
   * AWS_CA_BUNDLE, as the aws CLI reads it: a PEM file of certificates to trust besides Node's own, for the TLS
   * connections snapclone makes to clones' data (masking a cache clone); unset on AWS, whose certificates Node trusts.
   */
  caBundle?: string;
}

/** A target of the config by name; a UsageError lists the known ones. */
export function resolveTarget(config: Config, name: string): TargetRef {
  // Only the config's own keys: '__proto__' or 'constructor' name no target.
  const target = Object.hasOwn(config.targets, name) ? config.targets[name] : undefined;
  if (!target) {
    throw new UsageError(`Unknown target '${name}'`, `Known targets: ${Object.keys(config.targets).join(', ')}`);
  }
  return { name, config: target };
}
