import type { World } from '../core/world.ts';
import { seedDataHistories } from '../data/scenario.ts';
import { seedBackupPlan } from './backup-plan.ts';
import { seedCaches } from './caches.ts';
import { seedClusters } from './clusters.ts';
import { seedDatabases } from './databases.ts';
import { seedIam, type IamSeed } from './iam.ts';
import { seedNetwork } from './network.ts';
import { seedSearch } from './search.ts';

export * from './constants.ts';

export interface Scenario extends IamSeed {
  /** The sandbox's "now" when the scenario was seeded. */
  seededAt: Date;
}

/**
 * Seeds the company: IAM (users, roles, keys), the production databases and Aurora clusters with 35 days of
 * backups (and the AWS Backup plan that makes them), the production caches (ElastiCache) with 35 days of automatic snapshots, and the production search
 * domain (OpenSearch Service) with 35 days of manual snapshots in its S3 repository, and the network they sit in
 * (EC2: VPCs, subnets, security groups); the SQL sources' histories of data (sandbox/data), which their copies
 * hold at their restore times.
 */
export function seedScenario(world: World): Scenario {
  const iam = seedIam(world);
  seedDatabases(world);
  seedClusters(world);
  seedBackupPlan(world);
  seedCaches(world);
  seedSearch(world);
  seedNetwork(world);
  seedDataHistories(world);
  return { ...iam, seededAt: world.clock.now() };
}
