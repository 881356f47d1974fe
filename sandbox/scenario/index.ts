import type { World } from '../core/world.ts';
import { seedDatabases } from './databases.ts';
import { seedIam, type IamSeed } from './iam.ts';

export * from './constants.ts';

export interface Scenario extends IamSeed {
  /** The sandbox's "now" when the scenario was seeded. */
  seededAt: Date;
}

/** Seeds the company: IAM (users, roles, keys) and the production databases with 35 days of backups. */
export function seedScenario(world: World): Scenario {
  const iam = seedIam(world);
  seedDatabases(world);
  return { ...iam, seededAt: world.clock.now() };
}
