import type { World } from '../core/world.ts';

// TO BE WRITTEN (helper A): production RDS instances, 35 days of AWS Backup recovery points, snapshots.
export function seedDatabases(world: World): void {
  void world;
}
