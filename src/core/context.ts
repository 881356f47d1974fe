import type { Config, TargetConfig } from '../config/schema.ts';
import type { Reporter } from '../output/reporter.ts';
import type { AwsClients } from '../aws/session.ts';

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
  /** Waits between polls; tests replace it to move the sandbox clock instead of sleeping. */
  sleep(ms: number): Promise<void>;
}

export function targetOf(ctx: Context, name: string): TargetConfig {
  const target = ctx.config.targets[name];
  if (!target) throw new Error(`unknown target ${name}`);
  return target;
}
