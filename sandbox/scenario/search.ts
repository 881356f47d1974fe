import { randomBytes } from 'node:crypto';
import { DAY_MS } from '../core/clock.ts';
import type { World } from '../core/world.ts';
import type { History } from '../data/history.ts';
import { catalogSearchModel, documentsAt } from '../data/search-documents.ts';
import { dataHistories, historyOrigin } from '../data/sources.ts';
import { newDomain } from '../services/opensearch/domains.ts';
import { addSnapshotSchedule, createBucket, tokyoDate } from '../services/opensearch/snapshots.ts';
import {
  opensearchState,
  snapshotsAt,
  snapshotStore,
  stableUuid,
  type DomainRecord,
  type IndexRecord,
  type OpenSearchState,
} from '../services/opensearch/state.ts';
import { rdsState, type RdsState } from '../services/rds/state.ts';
import { ADMIN_USER, arn, COMPANY_ACCOUNT, COMPANY_REGION, GITHUB_ROLE, OPERATOR_ROLE, PROD_SEARCH } from './constants.ts';
import { PROD_SECURITY_GROUP, PROD_SUBNET_GROUP } from './databases.ts';
import { exposeRepositoryBucket } from './search-repository.ts';

export { domainIndexDetails, domainIndices, masterPasswordOfDomain, opensearchState } from '../services/opensearch/state.ts';

/** The snapshot that failed on one shard (state PARTIAL), this many days before seeding. */
export const PARTIAL_SEARCH_SNAPSHOT_DAYS_AGO = 9;

const MONTH_INDICES = 3;
const ORDERS_PER_DAY = 31_000;

/** A master user password as people make them: upper, lower, digits and a special character. */
function masterPassword(): string {
  const body = randomBytes(18).toString('base64url').replace(/[-_]/g, 'x');
  return `${body}Aa1!`;
}

/** OpenSearch sees the same EC2 network as RDS (seeded by seedDatabases): every subnet and security group. */
function seedNetwork(state: OpenSearchState, rds: RdsState): void {
  for (const group of rds.subnetGroups.values()) {
    for (const subnet of group.subnets) state.subnets.set(subnet.id, { vpcId: group.vpcId, az: subnet.az });
  }
  for (const [sg, vpc] of rds.securityGroups) state.securityGroups.set(sg, vpc);
}

/**
 * The production catalog's indices at a time: `products` and `customers` holding the documents of their
 * history at that time (search-documents.ts; their store sizes stay those of production, so restores take
 * production's time, while the documents are a sample small enough to replay), a monthly
 * `orders-YYYY.MM` index for the month of `at` and the two before (the current one filling day by day), and
 * the system indices of Dashboards, the job scheduler and the security plugin.
 */
function catalogAt(domainName: string, seededAt: number, history: History): (at: number) => IndexRecord[] {
  return (at) => {
    const documents = documentsAt(history, at);
    const withDocuments = (record: IndexRecord): IndexRecord => {
      const held = documents.get(record.name)!;
      return { ...record, docs: held.length, documents: held };
    };
    const days = (at - seededAt) / DAY_MS;
    const index = (name: string, primaries: number, docs: number, bytesPerDoc: number, system = false): IndexRecord => ({
      name,
      uuid: stableUuid(`${domainName}/${name}`),
      primaries,
      replicas: 1,
      autoExpandReplicas: system || undefined,
      docs: Math.max(0, Math.round(docs)),
      primaryBytes: Math.round(Math.max(0, docs) * bytesPerDoc + 8_192),
      createdAt: seededAt - 400 * DAY_MS,
    });
    const d = new Date(at);
    const months = Array.from({ length: MONTH_INDICES }, (_, k) => {
      const first = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - k, 1);
      const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - k + 1, 1);
      const month = new Date(first);
      const name = `orders-${month.getUTCFullYear()}.${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
      const filled = (Math.min(at, next) - first) / DAY_MS;
      return index(name, 2, filled * ORDERS_PER_DAY, 1_100);
    });
    return [
      withDocuments(index('products', 3, 1_284_000 + days * 850, 1_750)),
      withDocuments(index('customers', 2, 412_300 + days * 120, 1_550)),
      ...months,
      index('.kibana_1', 1, 58, 4_200, true),
      index('.opendistro-job-scheduler-lock', 1, 3, 4_800, true),
      index('.opendistro_security', 1, 10, 6_100, true),
    ];
  };
}

/** The OpenSearch role docs/iam.md has administrators make on a source domain: list its snapshots, nothing else. */
export const SNAPSHOT_READER_ROLE = 'snapclone_snapshot_reader';

/**
 * Fine-grained access control on a production domain, as its administrators set it up: the administrator user
 * has all_access; snapclone's roles (the operator's and GitHub's) are mapped, as docs/iam.md says, to a role
 * that may only list the snapshots of its repositories.
 */
function mapSearchUsers(domain: DomainRecord): void {
  domain.security.mappings.set('all_access', { users: [arn.user(ADMIN_USER)], backend_roles: [], hosts: [] });
  domain.security.roles.set(SNAPSHOT_READER_ROLE, {
    cluster_permissions: ['cluster:admin/repository/get', 'cluster:admin/snapshot/get'],
    index_permissions: [],
  });
  domain.security.mappings.set(SNAPSHOT_READER_ROLE, { users: [], backend_roles: [arn.role(OPERATOR_ROLE), arn.role(GITHUB_ROLE)], hosts: [] });
}

/**
 * The company's production search domains (PROD_SEARCH) in COMPANY_ACCOUNT / COMPANY_REGION, seeded after
 * seedDatabases (whose network they share) and seedIam (the snapshot role): each an Active domain in the
 * production VPC with its indices computed from the clock, its manual snapshot repository registered on the S3
 * bucket, and the bucket's daily snapshots of the last `retentionDays` days (one PARTIAL), the schedule running
 * on as the clock moves.
 */
export function seedSearch(world: World): void {
  const now = world.clock.nowMs();
  const state = opensearchState(world, COMPANY_ACCOUNT, COMPANY_REGION);
  const rds = rdsState(world, COMPANY_ACCOUNT, COMPANY_REGION);
  seedNetwork(state, rds);
  const prodSubnets = rds.subnetGroups.get(PROD_SUBNET_GROUP)?.subnets.map((s) => s.id) ?? [];
  if (prodSubnets.length === 0) throw new Error(`seedSearch needs the RDS subnet group ${PROD_SUBNET_GROUP} (run seedDatabases first)`);
  const ctx = { world, accountId: COMPANY_ACCOUNT, region: COMPANY_REGION };
  for (const spec of PROD_SEARCH) {
    const domain: DomainRecord = newDomain(ctx, {
      DomainName: spec.id,
      EngineVersion: spec.engineVersion,
      ClusterConfig: {
        InstanceType: spec.instanceType,
        InstanceCount: spec.instanceCount,
        DedicatedMasterEnabled: false,
        ZoneAwarenessEnabled: true,
        ZoneAwarenessConfig: { AvailabilityZoneCount: prodSubnets.length },
      },
      EBSOptions: { EBSEnabled: true, VolumeType: 'gp3', VolumeSize: spec.volumeSizeGb },
      VPCOptions: { SubnetIds: prodSubnets, SecurityGroupIds: [PROD_SECURITY_GROUP] },
      EncryptionAtRestOptions: { Enabled: true },
      NodeToNodeEncryptionOptions: { Enabled: true },
      DomainEndpointOptions: { EnforceHTTPS: true },
      AdvancedSecurityOptions: {
        Enabled: true,
        InternalUserDatabaseEnabled: true,
        MasterUserOptions: { MasterUserName: spec.masterUserName, MasterUserPassword: masterPassword() },
      },
      AccessPolicies: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'es:ESHttp*', Resource: `${arn.domain(spec.id)}/*` }],
      }),
      TagList: [
        { Key: 'env', Value: 'production' },
        { Key: 'app', Value: spec.name.replace(/-search$/, '') },
        { Key: 'owner', Value: 'platform-team' },
      ],
    });
    mapSearchUsers(domain);
    domain.createdAt = now - 400 * DAY_MS;
    domain.activeAt = domain.createdAt + 17 * 60_000;
    domain.indices.clear();
    // The domain's documents have a history like the SQL sources' (by the domain's name, for tests to replay).
    const history: History = { model: catalogSearchModel, seed: `snapclone-sandbox/${spec.id}`, origin: historyOrigin(now) };
    dataHistories(world, COMPANY_ACCOUNT, COMPANY_REGION).set(spec.id, history);
    domain.dataAt = catalogAt(spec.id, now, history);
    state.domains.set(domain.name, domain);

    createBucket(world, spec.bucket, COMPANY_ACCOUNT, COMPANY_REGION);
    // What S3 shows of the bucket: the repository as OpenSearch lays it out (search-repository.ts).
    exposeRepositoryBucket(world, spec.bucket, COMPANY_ACCOUNT, COMPANY_REGION);
    const roleArn = arn.role(spec.snapshotRole);
    domain.repositories.set(spec.repository, {
      name: spec.repository,
      type: 's3',
      bucket: spec.bucket,
      basePath: '',
      region: COMPANY_REGION,
      roleArn,
      readonly: false,
      settings: { bucket: spec.bucket, region: COMPANY_REGION, role_arn: roleArn },
    });
    addSnapshotSchedule(world, {
      accountId: COMPANY_ACCOUNT,
      region: COMPANY_REGION,
      domainName: spec.id,
      bucket: spec.bucket,
      basePath: '',
      prefix: spec.snapshotPrefix,
      // 04:00 Asia/Tokyo.
      hourUtc: 19,
      minuteUtc: 0,
      retentionDays: spec.retentionDays,
      lastAt: now - spec.retentionDays * DAY_MS,
    });
    const snapshots = snapshotsAt(snapshotStore(world).buckets.get(spec.bucket)!, '');
    for (const snapshot of snapshots.values()) {
      // What started minutes before seeding counts as finished.
      snapshot.endedAt = Math.min(snapshot.endedAt, now);
    }
    const partial = snapshots.get(`${spec.snapshotPrefix}${tokyoDate(now - PARTIAL_SEARCH_SNAPSHOT_DAYS_AGO * DAY_MS)}`);
    const orders = partial?.indices.find((i) => i.name.startsWith('orders-'));
    if (partial && orders) {
      partial.outcome = 'PARTIAL';
      orders.failedShards = [1];
      partial.failureReason = 'IndexShardSnapshotFailedException[Aborted]';
    }
  }
}
