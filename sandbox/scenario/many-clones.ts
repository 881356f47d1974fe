import { DAY_MS } from '../core/clock.ts';
import { secret, upperId } from '../core/ids.ts';
import type { World } from '../core/world.ts';
import {
  configOf,
  elasticacheState,
  cacheClusterArn,
  replicationGroupArn,
  type ReplicationGroup,
} from '../services/elasticache/state.ts';
import { newDomain } from '../services/opensearch/domains.ts';
import { opensearchState } from '../services/opensearch/state.ts';
import { clusterArn } from '../services/rds/cluster-state.ts';
import { dbArn, rdsState, type DbInstance } from '../services/rds/state.ts';
import { addSecret } from '../services/secretsmanager/store.ts';
import { cloneTags, packTags, TAG, type CloneTags } from '../../src/core/tags.ts';
import { SCENARIO_TARGET } from './config.ts';
import {
  arn,
  COMPANY_ACCOUNT,
  COMPANY_REGION,
  DEV_CACHE_SUBNET_GROUP,
  DEV_SEARCH_SUBNETS,
  DEV_SECURITY_GROUP,
  DEV_SUBNET_GROUP,
  PROD_CACHES,
  PROD_CLUSTERS,
  PROD_DATABASES,
  PROD_SEARCH,
} from './constants.ts';

/**
 * Many finished clones at once, for the janitor's benchmark and tests: RDS instances, Aurora clusters (each with
 * its writer instance), ElastiCache replication groups (each with its primary cache cluster) and OpenSearch
 * domains, in turn, written straight into the sandbox's state (no API calls, no waiting), each as snapclone
 * leaves a clone it made and finished: tagged with its clone tags (cloneTags; packed on OpenSearch) plus
 * snapclone:password, available, and with its generated-password secret tagged like it. Needs seedScenario
 * first: the clones are copies of the production resources (in the development placement of the scenario's
 * target), and their source tags name the scenario's sources.
 */

export type ManyEngine = 'rds' | 'aurora' | 'elasticache' | 'opensearch';
export const MANY_ENGINES: ManyEngine[] = ['rds', 'aurora', 'elasticache', 'opensearch'];

export interface ManyClonesOptions {
  /** How many clones, the engines in turn (clone i is of MANY_ENGINES[i % 4]). */
  count: number;
  /** Whether clone i has expired (an hour ago) or not (expires in a day); default: all have. */
  expired?: (i: number) => boolean;
  /** Owners, in turn; default alice, bob, carol. */
  owners?: string[];
  /** Between the prefix and the number in the names (`snapclone-<label>-<engine>-<n>`): default 'many'. */
  label?: string;
}

export interface SeededClone {
  name: string;
  engine: ManyEngine;
  owner: string;
  expiresAt: Date;
  /** The ARN of its main resource (the DB instance, DB cluster, replication group or domain). */
  arn: string;
}

const SHORT: Record<ManyEngine, string> = { rds: 'db', aurora: 'au', elasticache: 'ec', opensearch: 'os' };

/** The scenario's source of each engine, by its name in the scenario config, and its resource's ARN. */
const SOURCE: Record<ManyEngine, { name: string; arn: string }> = {
  rds: { name: PROD_DATABASES[0].name, arn: arn.db(PROD_DATABASES[0].id) },
  aurora: { name: PROD_CLUSTERS[0].name, arn: clusterArn(COMPANY_REGION, COMPANY_ACCOUNT, PROD_CLUSTERS[0].id) },
  elasticache: { name: PROD_CACHES[0].name, arn: arn.replicationGroup(PROD_CACHES[0].id) },
  opensearch: { name: PROD_SEARCH[0].name, arn: arn.domain(PROD_SEARCH[0].id) },
};

export function seedManyClones(world: World, options: ManyClonesOptions): SeededClone[] {
  const now = world.clock.nowMs();
  const owners = options.owners ?? ['alice', 'bob', 'carol'];
  const label = options.label ?? 'many';
  const rds = rdsState(world, COMPANY_ACCOUNT, COMPANY_REGION);
  const cache = elasticacheState(world, COMPANY_ACCOUNT, COMPANY_REGION);
  const search = opensearchState(world, COMPANY_ACCOUNT, COMPANY_REGION);
  const prodDb = rds.instances.get(PROD_DATABASES[0].id);
  const prodCluster = rds.clusters.get(PROD_CLUSTERS[0].id);
  const prodMember = rds.instances.get(PROD_CLUSTERS[0].instances[0]);
  const prodGroup = cache.replicationGroups.get(PROD_CACHES[0].id);
  if (!prodDb || !prodCluster || !prodMember || !prodGroup)
    throw new Error('seedManyClones needs the seeded scenario (seedScenario) first');
  const createdAt = now - 2 * DAY_MS;
  const seeded: SeededClone[] = [];

  for (let i = 0; i < options.count; i++) {
    const engine = MANY_ENGINES[i % MANY_ENGINES.length];
    const owner = owners[i % owners.length];
    const name = `snapclone-${label}-${SHORT[engine]}-${String(i).padStart(4, '0')}`;
    const expiresAt = new Date((options.expired?.(i) ?? true) ? now - 3_600_000 : now + DAY_MS);
    const clone: CloneTags = {
      clone: name,
      owner,
      source: SOURCE[engine].name,
      sourceArn: SOURCE[engine].arn,
      restorePoint: `${SOURCE[engine].name}-snapshot-${i}`,
      restoreTime: new Date(now - 3 * DAY_MS),
      target: SCENARIO_TARGET,
      createdAt: new Date(createdAt),
      expiresAt,
      engine,
    };
    const tags = cloneTags(clone);
    const finished = { ...tags, [TAG.password]: 'generated' };
    let mainArn: string;
    switch (engine) {
      case 'rds': {
        const instance: DbInstance = {
          ...prodDb,
          instanceClass: 'db.t4g.micro',
          multiAZ: false,
          subnetGroupName: DEV_SUBNET_GROUP,
          vpcSecurityGroupIds: [DEV_SECURITY_GROUP],
          backupRetentionPeriod: 0,
          deletionProtection: false,
          copyTagsToSnapshot: false,
          id: name,
          arn: dbArn(COMPANY_REGION, COMPANY_ACCOUNT, name),
          dbiResourceId: `db-${upperId(26)}`,
          masterPassword: secret(24),
          tags: new Map(Object.entries(finished)),
          createdAt,
          visibleFrom: createdAt,
          phases: [],
          pendingMaintenance: {},
          deletion: undefined,
          masterUserSecret: undefined,
          firstBackup: undefined,
          lastAutomatedSnapshotAt: createdAt,
        };
        rds.instances.set(name, instance);
        mainArn = instance.arn;
        break;
      }
      case 'aurora': {
        const masterPassword = secret(24);
        mainArn = clusterArn(COMPANY_REGION, COMPANY_ACCOUNT, name);
        rds.clusters.set(name, {
          ...prodCluster,
          subnetGroupName: DEV_SUBNET_GROUP,
          vpcSecurityGroupIds: [DEV_SECURITY_GROUP],
          backupRetentionPeriod: 1,
          deletionProtection: false,
          copyTagsToSnapshot: false,
          id: name,
          arn: mainArn,
          resourceId: `cluster-${upperId(26)}`,
          masterPassword,
          tags: new Map(Object.entries(finished)),
          createdAt,
          visibleFrom: createdAt,
          phases: [],
          deletion: undefined,
          masterUserSecret: undefined,
          firstBackup: undefined,
          lastAutomatedSnapshotAt: createdAt,
          cloneGroupId: undefined,
          isClone: false,
        });
        // The writer snapclone adds (`<cluster>-1`), tagged like the clone at creation.
        const writer = `${name}-1`;
        rds.instances.set(writer, {
          ...prodMember,
          instanceClass: 'db.t4g.medium',
          subnetGroupName: DEV_SUBNET_GROUP,
          vpcSecurityGroupIds: [DEV_SECURITY_GROUP],
          backupRetentionPeriod: 1,
          id: writer,
          arn: dbArn(COMPANY_REGION, COMPANY_ACCOUNT, writer),
          dbiResourceId: `db-${upperId(26)}`,
          masterPassword,
          tags: new Map(Object.entries(tags)),
          createdAt,
          visibleFrom: createdAt,
          phases: [],
          pendingMaintenance: {},
          deletion: undefined,
          lastAutomatedSnapshotAt: createdAt,
          clusterId: name,
          clusterWriter: true,
          memberSince: createdAt,
        });
        break;
      }
      case 'elasticache': {
        const token = secret(32);
        const member = {
          clusterId: `${name}-001`,
          role: 'primary' as const,
          az: prodGroup.nodeGroups[0].members[0].az,
        };
        const group: ReplicationGroup = {
          ...prodGroup,
          cacheNodeType: 'cache.t4g.micro',
          subnetGroupName: DEV_CACHE_SUBNET_GROUP,
          securityGroupIds: [DEV_SECURITY_GROUP],
          snapshotRetentionLimit: 0,
          id: name,
          arn: replicationGroupArn(COMPANY_REGION, COMPANY_ACCOUNT, name),
          description: `snapclone clone ${name}`,
          nodeGroups: [{ id: '0001', members: [member] }],
          automaticFailover: false,
          multiAZ: false,
          userGroupIds: [],
          authToken: token,
          authTokenLastModified: createdAt,
          tags: new Map(Object.entries(finished)),
          createdAt,
          availableAt: createdAt,
          phases: [],
          deletion: undefined,
          fromSnapshot: undefined,
          lastAutomaticSnapshotAt: createdAt,
        };
        cache.replicationGroups.set(name, group);
        cache.clusters.set(member.clusterId, {
          ...configOf(group),
          id: member.clusterId,
          arn: cacheClusterArn(COMPANY_REGION, COMPANY_ACCOUNT, member.clusterId),
          replicationGroupId: name,
          nodeGroupId: '0001',
          role: 'primary',
          az: member.az,
          authToken: token,
          authTokenLastModified: createdAt,
          tags: new Map(group.tags),
          createdAt,
          availableAt: createdAt,
        });
        mainArn = group.arn;
        break;
      }
      case 'opensearch': {
        const domain = newDomain(
          { world, accountId: COMPANY_ACCOUNT, region: COMPANY_REGION },
          {
            DomainName: name,
            EngineVersion: PROD_SEARCH[0].engineVersion,
            ClusterConfig: {
              InstanceType: 't3.small.search',
              InstanceCount: 1,
              DedicatedMasterEnabled: false,
              ZoneAwarenessEnabled: false,
            },
            EBSOptions: { EBSEnabled: true, VolumeType: 'gp3', VolumeSize: 20 },
            VPCOptions: { SubnetIds: [DEV_SEARCH_SUBNETS[0]], SecurityGroupIds: [DEV_SECURITY_GROUP] },
            EncryptionAtRestOptions: { Enabled: true },
            NodeToNodeEncryptionOptions: { Enabled: true },
            DomainEndpointOptions: { EnforceHTTPS: true },
            AdvancedSecurityOptions: {
              Enabled: true,
              InternalUserDatabaseEnabled: true,
              MasterUserOptions: { MasterUserName: 'snapclone-admin', MasterUserPassword: `${secret(24)}Aa1!` },
            },
            TagList: Object.entries(packTags(finished)).map(([Key, Value]) => ({ Key, Value })),
          },
        );
        domain.createdAt = createdAt;
        domain.activeAt = createdAt + 17 * 60_000;
        search.domains.set(name, domain);
        mainArn = domain.arn;
        break;
      }
    }
    addSecret(world, COMPANY_ACCOUNT, COMPANY_REGION, {
      name,
      description: `snapclone: master user password of clone ${name}`,
      secretString: JSON.stringify({ engine, password: secret(32) }),
      tags,
    });
    seeded.push({ name, engine, owner, expiresAt, arn: mainArn });
  }
  return seeded;
}
