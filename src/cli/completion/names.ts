import { loadConfig } from '../../config/load.ts';
import type { NameKind } from './spec.ts';

/**
 * The names a shell completes: sources, sets and targets from the config (read from disk only, no AWS call, so
 * Tab answers at once). A config that is missing or invalid gives no names: completion must never print an error
 * into the user's command line.
 */
export function completionNames(kinds: string[], configOption: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string[] {
  let config;
  try {
    config = loadConfig(configOption, env, cwd).config;
  } catch {
    return [];
  }
  const names: Record<NameKind, string[]> = { sources: Object.keys(config.sources), sets: Object.keys(config.sets), targets: Object.keys(config.targets) };
  return kinds.flatMap((kind) => (Object.hasOwn(names, kind) ? names[kind as NameKind] : []));
}
