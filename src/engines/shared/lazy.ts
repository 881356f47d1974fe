import type { EngineOperations } from '../types.ts';

const OPERATIONS = [
  'points',
  'restore',
  'wait',
  'describe',
  'list',
  'orphans',
  'lookup',
  'credentials',
  'tag',
  'checkPlacement',
  'delete',
  'audit',
] as const satisfies readonly (keyof EngineOperations)[];

// Every operation is listed above: this fails to compile when one is missing.
const _everyOperation: Exclude<keyof EngineOperations, (typeof OPERATIONS)[number]> extends never ? true : never = true;

/**
 * An engine's operations, each loading the engine's module (`load`, a dynamic import) on its first call: a
 * command imports the code and SDK clients of the engines it uses, not of every engine.
 */
export function lazyOperations(load: () => Promise<EngineOperations>): EngineOperations {
  let loaded: Promise<EngineOperations> | undefined;
  const entries = OPERATIONS.map((name) => [
    name,
    async (...args: unknown[]) => {
      loaded ??= load();
      const operation = (await loaded)[name] as (...a: unknown[]) => Promise<unknown>;
      return operation(...args);
    },
  ]);
  return Object.fromEntries(entries) as EngineOperations;
}
