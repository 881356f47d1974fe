import { randomBytes } from 'node:crypto';
import type { World } from '../core/world.ts';
import { seedKeyspaceHistory } from '../data/keyspace-history.ts';
import {
  cacheClusterArn,
  configOf,
  defaultParameterGroup,
  elasticacheState,
  liveSnapshots,
  replicationGroupArn,
  snapshotOfGroup,
  type CacheCluster,
  type ElastiCacheState,
  type ReplicationGroup,
} from '../services/elasticache/state.ts';
import { rdsState, type RdsState } from '../services/rds/state.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION, DEV_CACHE_SUBNET_GROUP, DEV_SUBNET_GROUP, PROD_CACHES } from './constants.ts';
import { PROD_SECURITY_GROUP, PROD_SUBNET_GROUP } from './databases.ts';

export const PROD_CACHE_SUBNET_GROUP = 'prod-cache';
/** The manual snapshot taken of each production cache before a migration, 12 days before seeding. */
export const MANUAL_CACHE_SNAPSHOT_DAYS_AGO = 12;

const DAY = 86_400_000;

/** An AUTH token as people make them: 32 characters ElastiCache accepts (letters, digits, some of !&#$^<>-). */
function authToken(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$^-';
  return Array.from(randomBytes(32), (b) => alphabet[b % alphabet.length]).join('');
}

/**
 * ElastiCache sees the same EC2 network as RDS (seeded by seedDatabases): the security groups and each VPC's
 * default group, and cache subnet groups over the same VPCs and subnets as the RDS subnet groups.
 */
function seedNetwork(state: ElastiCacheState, rds: RdsState): void {
  for (const [sg, vpc] of rds.securityGroups) state.securityGroups.set(sg, vpc);
  for (const vpc of rds.vpcs.values()) state.vpcDefaultSecurityGroups.set(vpc.id, vpc.defaultSecurityGroupId);
  const group = (name: string, description: string, from: string) => {
    const rdsGroup = rds.subnetGroups.get(from);
    if (!rdsGroup) throw new Error(`seedCaches needs the RDS subnet group ${from} (run seedDatabases first)`);
    state.subnetGroups.set(name, {
      name,
      description,
      vpcId: rdsGroup.vpcId,
      subnets: rdsGroup.subnets.map((s) => ({ ...s })),
    });
  };
  group('default', 'Default CacheSubnetGroup', 'default');
  group(PROD_CACHE_SUBNET_GROUP, 'Production caches (private subnets)', PROD_SUBNET_GROUP);
  group(DEV_CACHE_SUBNET_GROUP, 'snapclone development cache copies (private subnets)', DEV_SUBNET_GROUP);
}

/**
 * The company's production caches (PROD_CACHES) in COMPANY_ACCOUNT / COMPANY_REGION, seeded after
 * seedDatabases (whose network they share): each a Valkey replication group with a primary and its replicas
 * in the production VPC, TLS with an AUTH token (hidden: `authTokenOf`), at-rest encryption, automatic
 * failover and Multi-AZ, and 35 days of history relative to the sandbox clock — an automatic snapshot every
 * day at the start of the snapshot window (the schedule keeps running as the clock moves on) and one manual
 * snapshot `<id>-before-migration` 12 days back.
 */
export function seedCaches(world: World): void {
  const now = world.clock.nowMs();
  const state = elasticacheState(world, COMPANY_ACCOUNT, COMPANY_REGION);
  seedNetwork(state, rdsState(world, COMPANY_ACCOUNT, COMPANY_REGION));
  const zones = state.subnetGroups.get(PROD_CACHE_SUBNET_GROUP)!.subnets.map((s) => s.az);
  for (const spec of PROD_CACHES) {
    const createdAt = now - 300 * DAY;
    const token = authToken();
    const tags = () =>
      new Map([
        ['env', 'production'],
        ['app', spec.name.replace(/-cache$/, '')],
        ['owner', 'platform-team'],
      ]);
    const members = Array.from({ length: spec.replicas + 1 }, (_, n) => ({
      clusterId: `${spec.id}-${String(n + 1).padStart(3, '0')}`,
      role: n === 0 ? ('primary' as const) : ('replica' as const),
      az: zones[n % zones.length],
    }));
    const group: ReplicationGroup = {
      engine: spec.engine,
      engineVersion: spec.engineVersion,
      cacheNodeType: spec.nodeType,
      port: spec.port,
      subnetGroupName: PROD_CACHE_SUBNET_GROUP,
      securityGroupIds: [PROD_SECURITY_GROUP],
      parameterGroupName: defaultParameterGroup(spec.engine, spec.engineVersion, false),
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      snapshotRetentionLimit: spec.snapshotRetentionLimit,
      snapshotWindow: spec.snapshotWindow,
      preferredMaintenanceWindow: spec.maintenanceWindow,
      autoMinorVersionUpgrade: true,
      id: spec.id,
      arn: replicationGroupArn(COMPANY_REGION, COMPANY_ACCOUNT, spec.id),
      description: `Production ${spec.name.replace(/-cache$/, '')} cache`,
      clusterMode: false,
      nodeGroups: [{ id: '0001', members }],
      automaticFailover: spec.replicas > 0,
      multiAZ: spec.replicas > 0,
      userGroupIds: [],
      authToken: token,
      authTokenLastModified: createdAt,
      tags: tags(),
      createdAt,
      availableAt: createdAt,
      phases: [],
      dataSizeMb: Math.round(spec.dataGb * 1024),
      // The daily automatic snapshots have run for the last snapshotRetentionLimit days.
      lastAutomaticSnapshotAt: now - spec.snapshotRetentionLimit * DAY,
    };
    state.replicationGroups.set(group.id, group);
    // Its keys over the last 40 days: a clone of a snapshot holds those of the snapshot's time (data-plane.ts).
    seedKeyspaceHistory(world, COMPANY_ACCOUNT, COMPANY_REGION, group.id);
    for (const m of members) {
      const cluster: CacheCluster = {
        ...configOf(group),
        id: m.clusterId,
        arn: cacheClusterArn(COMPANY_REGION, COMPANY_ACCOUNT, m.clusterId),
        replicationGroupId: group.id,
        nodeGroupId: '0001',
        role: m.role,
        az: m.az,
        authToken: token,
        authTokenLastModified: createdAt,
        tags: tags(),
        createdAt,
        availableAt: createdAt,
      };
      state.clusters.set(cluster.id, cluster);
    }
    const t = now - MANUAL_CACHE_SNAPSHOT_DAYS_AGO * DAY;
    const name = `${spec.id}-before-migration`;
    const manual = snapshotOfGroup(state, group, name, 'manual', { createdAt: t, availableAt: t + 5 * 60_000 });
    state.snapshots.set(name, manual);
  }
  // Run the schedule over the history; what started minutes before seeding counts as finished.
  for (const snapshot of liveSnapshots(state, now)) snapshot.availableAt = Math.min(snapshot.availableAt, now);
}
