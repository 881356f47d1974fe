import { roleArn, userArn } from '../core/iam-state.ts';
import { vaultArn } from '../services/backup/state.ts';
import { replicationGroupArn } from '../services/elasticache/state.ts';
import { dbArn } from '../services/rds/state.ts';
import { domainArn } from '../services/opensearch/state.ts';

/** The seeded company: one account where production and development share ap-northeast-1. */
export const COMPANY_ACCOUNT = '123456789012';
export const COMPANY_REGION = 'ap-northeast-1';

export const EXTERNAL_ID = 'snapclone-sandbox-external-id';
export const OPERATOR_ROLE = 'snapclone-operator';
export const GITHUB_ROLE = 'snapclone-github';
export const RESTORE_ROLE = 'snapclone-backup-restore';
export const CI_USER = 'snapclone-ci';
export const ADMIN_USER = 'sandbox-admin';
export const MFA_USER = 'alice';
export const OIDC_ISSUER = 'token.actions.githubusercontent.com';
export const GITHUB_REPO = 'example-co/app';

export const BACKUP_VAULT = 'Default';
export const DEV_SUBNET_GROUP = 'snapclone-dev';
/** The cache subnet group for development copies: the dev VPC and subnets of DEV_SUBNET_GROUP. */
export const DEV_CACHE_SUBNET_GROUP = 'snapclone-dev-cache';
export const DEV_SECURITY_GROUP = 'sg-0d0e0f1011121314a';
export const DEV_VPC = 'vpc-0dev0000000000001';
export const PROD_VPC = 'vpc-0prod000000000001';
/**
 * The development VPC's relay (an EC2 instance `snapclone connect` can forward through), its own security group
 * and private address: DEV_SECURITY_GROUP admits the clones' engine ports from that group only
 * (docs/reaching-clones.md). The scenario's config names no relay; tests that reach clones through one do.
 */
export const DEV_RELAY = 'i-0123456789abcdef0';
export const DEV_RELAY_SECURITY_GROUP = 'sg-0e1a2b3c4d5e6f708';
export const DEV_RELAY_ADDRESS = '10.1.0.10';

/** Production sources: name in the snapclone config → RDS DB instance. */
export const PROD_DATABASES = [
  { name: 'orders-db', id: 'orders-prod', engine: 'mysql', engineVersion: '8.0.39', storageGb: 20, port: 3306 },
  { name: 'billing-db', id: 'billing-prod', engine: 'postgres', engineVersion: '16.4', storageGb: 50, port: 5432 },
] as const;

/**
 * Production Aurora DB clusters: name (for a future snapclone config) → cluster and its instances (the
 * first is the writer). Not in the scenario's snapclone config yet: no engine clones clusters so far.
 */
export const PROD_CLUSTERS = [
  {
    name: 'catalog-db',
    id: 'catalog-prod',
    engine: 'aurora-postgresql',
    engineVersion: '16.4',
    storageGb: 120,
    port: 5432,
    instanceClass: 'db.r6g.large',
    instances: ['catalog-prod-1', 'catalog-prod-2'],
  },
] as const;

/**
 * Production ElastiCache replication groups: name (for the snapclone config) → group. A primary and
 * `replicas` read replicas (`<id>-001`, `<id>-002`), TLS in transit with an AUTH token, at-rest encryption,
 * automatic failover and Multi-AZ, automatic snapshots daily at the start of `snapshotWindow` (UTC) kept
 * `snapshotRetentionLimit` days, about `dataGb` of data.
 */
export const PROD_CACHES = [
  {
    name: 'sessions-cache',
    id: 'sessions-prod',
    engine: 'valkey',
    engineVersion: '8.0',
    nodeType: 'cache.r7g.large',
    port: 6379,
    replicas: 1,
    dataGb: 3.4,
    snapshotRetentionLimit: 35,
    snapshotWindow: '17:00-18:00',
    maintenanceWindow: 'sun:19:00-sun:20:00',
  },
] as const;

/**
 * Production OpenSearch Service domains: name (for the snapclone config) → domain. Data nodes in the production
 * VPC (one per zone), encryption at rest, node-to-node encryption, HTTPS enforced, fine-grained access control
 * with an internal master user (password hidden: `masterPasswordOfDomain`), and a manual snapshot repository
 * `repository` on S3 bucket `bucket` registered with the role `snapshotRole` (trusted by es.amazonaws.com for
 * this domain only, as AWS recommends: aws:SourceArn), where a snapshot management policy takes `${snapshotPrefix}YYYY-MM-DD` (Asia/Tokyo date) every day at 04:00
 * Asia/Tokyo, kept `retentionDays` days.
 */
export const PROD_SEARCH = [
  {
    name: 'catalog-search',
    id: 'search-prod',
    engineVersion: 'OpenSearch_2.17',
    instanceType: 'r6g.large.search',
    instanceCount: 3,
    volumeSizeGb: 100,
    masterUserName: 'admin',
    repository: 'prod-snapshots',
    bucket: 'example-co-search-snapshots',
    snapshotRole: 'opensearch-snapshot-role',
    /** The dedicated read-only role clones register the repository with (snapclone's snapshotRepository.roleArn). */
    readerRole: 'opensearch-snapshot-reader',
    snapshotPrefix: 'daily-',
    retentionDays: 35,
  },
] as const;

/** The role OpenSearch Service assumes to read and write the snapshot bucket (registered as role_arn). */
export const SEARCH_SNAPSHOT_ROLE = PROD_SEARCH[0].snapshotRole;

/** The read-only role OpenSearch Service assumes for clones (s3:ListBucket and s3:GetObject; trusted for <prefix>-* domains). */
export const SEARCH_SNAPSHOT_READER_ROLE = PROD_SEARCH[0].readerRole;

/** The OpenSearch Service service-linked role (VPC domains need it); its ARN has the service-role path. */
export const SEARCH_SERVICE_LINKED_ROLE = 'AWSServiceRoleForAmazonOpenSearchService';
export const searchServiceLinkedRoleArn = (account: string) =>
  `arn:aws:iam::${account}:role/aws-service-role/opensearchservice.amazonaws.com/${SEARCH_SERVICE_LINKED_ROLE}`;

/** Subnets of the development VPC (DEV_VPC) for development domains, one per zone (those of DEV_SUBNET_GROUP). */
export const DEV_SEARCH_SUBNETS = ['subnet-0dev0000000000001', 'subnet-0dev0000000000002', 'subnet-0dev0000000000003'] as const;

/** ARNs in the company account and region. */
export const arn = {
  role: (name: string) => roleArn(COMPANY_ACCOUNT, name),
  user: (name: string) => userArn(COMPANY_ACCOUNT, name),
  db: (id: string) => dbArn(COMPANY_REGION, COMPANY_ACCOUNT, id),
  vault: (name: string) => vaultArn(COMPANY_REGION, COMPANY_ACCOUNT, name),
  replicationGroup: (id: string) => replicationGroupArn(COMPANY_REGION, COMPANY_ACCOUNT, id),
  domain: (name: string) => domainArn(COMPANY_REGION, COMPANY_ACCOUNT, name),
};
