// Counts the API calls a sandbox answers (after authentication and authorisation), by IAM action.
import type { World } from '../../sandbox/core/world.ts';

export interface CallCount {
  total(): number;
  /** Calls of one action ('rds:DescribeDBInstances') or of every action matching a predicate. */
  of(action: string | ((action: string) => boolean)): number;
  byAction(): Record<string, number>;
  reset(): void;
  stop(): void;
}

export function countCalls(world: World): CallCount {
  const counts = new Map<string, number>();
  const previous = world.observer;
  world.observer = (call) => {
    counts.set(call.action, (counts.get(call.action) ?? 0) + 1);
    previous?.(call);
  };
  const sum = (keep: (a: string) => boolean) => [...counts].reduce((n, [a, c]) => (keep(a) ? n + c : n), 0);
  return {
    total: () => sum(() => true),
    of: (action) => sum(typeof action === 'string' ? (a) => a === action : action),
    byAction: () => Object.fromEntries(counts),
    reset: () => counts.clear(),
    stop: () => {
      world.observer = previous;
    },
  };
}
