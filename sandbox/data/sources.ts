import { DAY_MS } from '../core/clock.ts';
import type { World } from '../core/world.ts';
import type { History } from './history.ts';

/**
 * The histories of data of an account's sources in a region, by the source's identifier (DB instance or DB
 * cluster): what a clone of that source holds is the history's state at its restore time.
 */
export function dataHistories(world: World, accountId: string, region: string): Map<string, History> {
  return world.state('data-history', accountId, region, () => new Map<string, History>());
}

export function historyOf(world: World, accountId: string, region: string, sourceId: string): History | undefined {
  return world.regionsOf('data-history', accountId).includes(region) ? dataHistories(world, accountId, region).get(sourceId) : undefined;
}

/** How far before the sandbox's "now" at seeding a history starts: older than the oldest restorable point (35 days). */
export const HISTORY_DAYS = 40;

/** The origin of histories seeded at `now`: HISTORY_DAYS earlier, at a whole second. */
export const historyOrigin = (now: number): number => Math.floor(now / 1000) * 1000 - HISTORY_DAYS * DAY_MS;
