import type { SourceConfig } from '../config/schema.ts';
import { UsageError } from '../core/errors.ts';
import { auroraEngine } from './aurora/index.ts';
import { elasticacheEngine } from './elasticache/index.ts';
import { opensearchEngine } from './opensearch/index.ts';
import { rdsEngine } from './rds/index.ts';
import type { Engine, TargetRef } from './types.ts';

/** Every engine by its name in the config (sources.<name>.engine). */
export const engines: Record<SourceConfig['engine'], Engine> = {
  rds: rdsEngine,
  aurora: auroraEngine,
  elasticache: elasticacheEngine,
  opensearch: opensearchEngine,
};

export function engineFor(name: string): Engine {
  const engine = (engines as Record<string, Engine | undefined>)[name];
  if (!engine) throw new UsageError(`Unknown engine '${name}'`, `Known engines: ${Object.keys(engines).join(', ')}`);
  return engine;
}

export const allEngines = (): Engine[] => Object.values(engines);

/** The engines a target has a placement for (targets.<name>.<engine>). */
export const enginesIn = (target: TargetRef): Engine[] =>
  allEngines().filter((engine) => target.config[engine.name] !== undefined);
