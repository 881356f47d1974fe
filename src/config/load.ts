import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { UsageError } from '../core/errors.ts';
import { describeIssues } from './mistakes.ts';
import { ConfigSchema, type Config } from './schema.ts';

export const CONFIG_FILE = 'snapclone.yaml';

export interface LoadedConfig {
  path: string;
  config: Config;
}

/** Which file to read: --config, then SNAPCLONE_CONFIG, then snapclone.yaml in the working directory. */
export function configPath(explicit: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string {
  const chosen = explicit ?? env.SNAPCLONE_CONFIG;
  if (chosen) {
    const path = resolve(cwd, chosen);
    if (!existsSync(path)) {
      const from = explicit !== undefined ? '--config' : 'SNAPCLONE_CONFIG';
      throw new UsageError(
        `Config file not found: ${path} (from ${from})`,
        `Check the path given to ${from}, or create the file (see the README's "Configuration"). Without ${from}, snapclone reads ./${CONFIG_FILE}.`,
      );
    }
    if (!statSync(path).isFile()) throw new UsageError(`The config ${path} is not a file`, `Pass the path of a snapclone.yaml (--config or SNAPCLONE_CONFIG).`);
    return path;
  }
  const path = resolve(cwd, CONFIG_FILE);
  if (!existsSync(path)) {
    throw new UsageError(
      `No ${CONFIG_FILE} in ${cwd}`,
      `Create one (see the README's "Configuration"), or pass --config PATH or set SNAPCLONE_CONFIG.`,
    );
  }
  return path;
}

/** Parses and validates a config text; every problem names the file, the key path and what was expected. */
export function parseConfig(text: string, path: string): Config {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new UsageError(`${path} is not valid YAML:\n  ${doc.errors[0].message.split('\n')[0]}`);
  }
  let data: unknown;
  try {
    // A config has no need of aliases that expand a lot (a "billion laughs" document is refused).
    data = doc.toJS({ maxAliasCount: 10 });
  } catch (error) {
    throw new UsageError(`${path} is not a usable config: ${(error as Error).message.split('\n')[0]}`, 'Write the config without YAML aliases (or with a few).');
  }
  const result = ConfigSchema.safeParse(data ?? {});
  if (!result.success) {
    throw new UsageError(`${path} is not a valid snapclone config:\n${describeIssues(result.error.issues, ConfigSchema, data ?? {}, doc).join('\n')}`);
  }
  const config = result.data;
  const problems: string[] = [];
  const targets = Object.keys(config.targets);
  if (config.defaultTarget && !Object.hasOwn(config.targets, config.defaultTarget)) {
    problems.push(`  defaultTarget: '${config.defaultTarget}' is not a target (known: ${targets.join(', ')})`);
  }
  for (const [name, source] of Object.entries(config.sources)) {
    if (source.target && !Object.hasOwn(config.targets, source.target)) {
      problems.push(`  sources.${name}.target: '${source.target}' is not a target (known: ${targets.join(', ')})`);
    }
  }
  for (const [name, members] of Object.entries(config.sets)) {
    if (Object.hasOwn(config.sources, name)) problems.push(`  sets.${name}: a set cannot have the name of a source`);
    for (const member of members) {
      if (!Object.hasOwn(config.sources, member)) problems.push(`  sets.${name}: '${member}' is not a source (known: ${Object.keys(config.sources).join(', ')})`);
    }
  }
  if (problems.length > 0) throw new UsageError(`${path} is not a valid snapclone config:\n${problems.join('\n')}`);
  return config;
}

export function loadConfig(explicit: string | undefined, env = process.env, cwd = process.cwd()): LoadedConfig {
  const path = configPath(explicit, env, cwd);
  return { path, config: parseConfig(readFileSync(path, 'utf8'), path) };
}
