import type { World } from '../core/world.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION, PROD_CLUSTERS, PROD_DATABASES } from '../scenario/constants.ts';
import type { DataModel } from './history.ts';
import { billing, catalog, ordersModel } from './models.ts';
import { dataHistories, historyOrigin } from './sources.ts';

/** The data model of each of the scenario's SQL sources, by its name in the snapclone config. */
const MODELS: Record<string, DataModel> = { 'billing-db': billing, 'orders-db': ordersModel, 'catalog-db': catalog };

/**
 * Gives each SQL source of the scenario its history of data, anchored to the sandbox clock at seeding (the
 * history starts HISTORY_DAYS before it and goes on as the clock moves) and seeded with the source's identifier,
 * so every run holds the same rows at the same distance from the seeding.
 */
export function seedDataHistories(world: World): void {
  const origin = historyOrigin(world.clock.nowMs());
  const histories = dataHistories(world, COMPANY_ACCOUNT, COMPANY_REGION);
  for (const source of [...PROD_DATABASES, ...PROD_CLUSTERS]) {
    const model = MODELS[source.name];
    if (model) histories.set(source.id, { model, seed: `snapclone-sandbox/${source.id}`, origin });
  }
}
