import { rdsErrors } from './errors.ts';

/**
 * Aurora engine versions as they matter to restores and Serverless v2:
 * - auto-pause (MinCapacity 0) exists from Aurora PostgreSQL 13.15, 14.12, 15.7, 16.3 (and every later major)
 *   and Aurora MySQL 3.08.0 (Aurora User Guide, aurora-serverless-v2-auto-pause); elsewhere "the smallest value
 *   that you can use is 0.5" (API reference, ServerlessV2ScalingConfiguration.MinCapacity). AWS documents no
 *   error code for it: the sandbox answers RDS's generic InvalidParameterValue.
 * - RestoreDBClusterFromSnapshot without EngineVersion restores to "the default version for the database engine
 *   in the Amazon Web Services Region" (API reference). Which version is the default is a sandbox choice.
 */
const POSTGRES_AUTO_PAUSE_MINORS: Record<number, number> = { 13: 15, 14: 12, 15: 7, 16: 3 };

export const DEFAULT_ENGINE_VERSIONS: Record<string, string> = {
  'aurora-postgresql': '16.6',
  'aurora-mysql': '8.0.mysql_aurora.3.08.2',
};

export function supportsAutoPause(engine: string, version: string): boolean {
  if (engine === 'aurora-postgresql') {
    const [major, minor] = version.split('.').map(Number);
    if (major > 16) return true;
    const least = POSTGRES_AUTO_PAUSE_MINORS[major];
    return least !== undefined && minor >= least;
  }
  const aurora = /mysql_aurora\.(\d+)\.(\d+)/.exec(version);
  if (engine !== 'aurora-mysql' || !aurora) return false;
  return Number(aurora[1]) > 3 || (Number(aurora[1]) === 3 && Number(aurora[2]) >= 8);
}

/** A Serverless v2 scaling configuration for a cluster of `engine` `engineVersion`. */
export function checkServerlessScaling(
  scaling: { MinCapacity?: number; MaxCapacity?: number; SecondsUntilAutoPause?: number },
  cluster: { engine: string; engineVersion: string },
): void {
  const min = scaling.MinCapacity;
  if (min === undefined) return;
  if (min === 0 && !supportsAutoPause(cluster.engine, cluster.engineVersion)) {
    throw rdsErrors.invalidParameterValue(
      `Serverless v2 MinCapacity 0 (auto-pause) is not supported for ${cluster.engine} ${cluster.engineVersion}: the smallest value for this version is 0.5.`,
    );
  }
  if (min < 0 || (scaling.MaxCapacity !== undefined && min > scaling.MaxCapacity)) {
    throw rdsErrors.invalidParameterValue(`Invalid Serverless v2 capacity range ${min}–${scaling.MaxCapacity} ACU.`);
  }
}

/** The version a snapshot restore gets: the one asked for, else the Region's default for the engine. */
export function restoredVersion(engine: string, snapshotVersion: string, requested: string | undefined): string {
  return requested ?? DEFAULT_ENGINE_VERSIONS[engine] ?? snapshotVersion;
}
