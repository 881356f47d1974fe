import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  arn,
  BACKUP_VAULT,
  CI_USER,
  GITHUB_REPO,
  OPERATOR_ROLE,
  RESTORE_ROLE,
  COMPANY_ACCOUNT,
  COMPANY_REGION,
  DEV_SECURITY_GROUP,
  DEV_SUBNET_GROUP,
  EXTERNAL_ID,
  DEV_CACHE_SUBNET_GROUP,
  DEV_SEARCH_SUBNETS,
  PROD_CACHES,
  PROD_SEARCH,
  PROD_CLUSTERS,
  PROD_DATABASES,
} from './constants.ts';

/** The name of the scenario's only target. */
export const SCENARIO_TARGET = 'dev';

/**
 * Where each seeded source restores from by default: orders-db from AWS Backup recovery points,
 * billing-db from RDS snapshots (so both restore paths are exercised).
 */
export const SCENARIO_RESTORE_FROM: Record<(typeof PROD_DATABASES)[number]['name'], 'backup' | 'snapshot'> = {
  'orders-db': 'backup',
  'billing-db': 'snapshot',
};

/**
 * The snapclone config for the seeded scenario, as the plain object `snapclone.yaml` holds (valid for
 * src/config/schema.ts): target `dev` in the company account, reached through the operator role with the
 * external id, clones placed in the dev subnet group and security group; the production databases as
 * sources.
 */
/** The clone name prefix of the scenario's config. */
export const SCENARIO_PREFIX = 'snapclone';

export function scenarioConfig() {
  return {
    timezone: 'Asia/Tokyo',
    prefix: SCENARIO_PREFIX,
    defaultTarget: SCENARIO_TARGET,
    targets: {
      [SCENARIO_TARGET]: {
        account: COMPANY_ACCOUNT,
        region: COMPANY_REGION,
        access: {
          roleArn: arn.role(OPERATOR_ROLE),
          externalId: EXTERNAL_ID,
          durationSeconds: 3600,
          trust: {
            github: { repositories: [GITHUB_REPO], environments: ['snapclone'], branches: ['main'] },
            principals: [arn.user(CI_USER)],
            requireMfa: false,
            maxSessionDuration: 3600,
          },
        },
        rds: {
          subnetGroup: DEV_SUBNET_GROUP,
          securityGroupIds: [DEV_SECURITY_GROUP],
          instanceClass: 'db.t4g.micro',
          password: 'generated' as const,
        },
        aurora: {
          subnetGroup: DEV_SUBNET_GROUP,
          securityGroupIds: [DEV_SECURITY_GROUP],
          instanceClass: 'db.t4g.medium',
          password: 'generated' as const,
        },
        elasticache: {
          subnetGroup: DEV_CACHE_SUBNET_GROUP,
          securityGroupIds: [DEV_SECURITY_GROUP],
          nodeType: 'cache.t4g.micro',
          replicas: 0,
        },
        opensearch: {
          subnetIds: [...DEV_SEARCH_SUBNETS],
          securityGroupIds: [DEV_SECURITY_GROUP],
          instanceType: 't3.small.search',
          instanceCount: 1,
          volumeGb: 20,
        },
        backupRestoreRoleArn: arn.role(RESTORE_ROLE),
        defaultTtl: '8h',
        maxTtl: '3d',
      },
    },
    sources: Object.fromEntries([
      ...PROD_DATABASES.map((db) => [
        db.name,
        {
          engine: 'rds' as const,
          id: db.id,
          account: COMPANY_ACCOUNT,
          region: COMPANY_REGION,
          restoreFrom: SCENARIO_RESTORE_FROM[db.name],
          backupVault: BACKUP_VAULT,
        },
      ]),
      // The Aurora cluster restores from AWS Backup by default too (its snapshots and window are there as well).
      ...PROD_CLUSTERS.map((cluster) => [
        cluster.name,
        {
          engine: 'aurora' as const,
          id: cluster.id,
          account: COMPANY_ACCOUNT,
          region: COMPANY_REGION,
          restoreFrom: 'backup' as const,
          backupVault: BACKUP_VAULT,
        },
      ]),
      // Caches restore from ElastiCache's own snapshots (AWS Backup does not cover them).
      ...PROD_CACHES.map((cache) => [
        cache.name,
        { engine: 'elasticache' as const, id: cache.id, account: COMPANY_ACCOUNT, region: COMPANY_REGION, restoreFrom: 'snapshot' as const },
      ]),
      // Search domains restore from the manual snapshots of their S3 repository.
      ...PROD_SEARCH.map((search) => [
        search.name,
        {
          engine: 'opensearch' as const,
          id: search.id,
          account: COMPANY_ACCOUNT,
          region: COMPANY_REGION,
          restoreFrom: 'snapshot' as const,
          snapshotRepository: { name: search.repository, bucket: search.bucket, roleArn: arn.role(search.readerRole) },
        },
      ]),
    ]),
  };
}

/** The scenario config as YAML text. */
export function scenarioConfigText(): string {
  return `# snapclone config for the sandbox's seeded scenario (sandbox/scenario/config.ts)\n${stringify(scenarioConfig())}`;
}

/** Writes `<dir>/snapclone.yaml` for the seeded scenario and returns its path. */
export function writeScenarioConfig(dir: string): string {
  const path = join(dir, 'snapclone.yaml');
  writeFileSync(path, scenarioConfigText());
  return path;
}
