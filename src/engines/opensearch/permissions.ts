import type { TargetConfig } from '../../config/schema.ts';
import { read, write, type Conditions, type EnginePermissions, type Scope, type ScopeWhere } from '../../iam/declare.ts';
import { secretPermissions as secrets } from '../shared/permissions.ts';
import { listedPrefixes, readKeys } from './aws.ts';

/** s3:prefix: the prefixes snapclone lists in the sources' repositories (exactly those). */
const listedUnder = (_target: TargetConfig, w: ScopeWhere): Conditions => ({
  StringEquals: { 's3:prefix': [...new Set(w.sources.flatMap((s) => (s.config.snapshotRepository ? listedPrefixes(s.config.snapshotRepository) : [])))].sort() },
});

/**
 * Every IAM action the OpenSearch engine's code calls, per command. A clone is a domain named `<prefix>-*`;
 * its REST API (`es:ESHttp*`) is addressed as `domain/<name>/<path>`. The source domain is only described
 * (control plane); its snapshots are read from its S3 repository (s3:ListBucket under the repository's
 * `index-` and `snap-` prefixes, s3:GetObject on its `index-*` blobs), never through its REST API. On a clone the role may read (GET) anything, and write
 * only what a read-only registration, a restore and masking are: PUT `_snapshot/<repo>`, POST
 * `_snapshot/<repo>/<snapshot>/_restore` and POST `<index>/_bulk` — never a snapshot, a deletion or a
 * re-registration elsewhere.
 */
const points = [
  // Listing only under the repository's own prefixes (repository.ts), however AWS treats a listing with none.
  { ...read('s3:ListBucket', 'source-repository'), requires: listedUnder },
  read('s3:GetObject', 'source-repository-data'),
];

const describe = [
  read('tag:GetResources', 'none'),
  read('es:DescribeDomain', 'account'),
  read('es:DescribeDomains', 'account'),
  read('es:ListTags', 'clone'),
];

const tagClone = write('es:AddTags', ['clone'], 'request');

/** The role the session runs as becomes the clone's master user (restore.ts): who that is needs no permission, but is a call. */
const identity = read('sts:GetCallerIdentity', 'none');

export const OPENSEARCH_PERMISSIONS: EnginePermissions = {
  points,
  describe,
  create: [
    ...points,
    // The source's engine version and fine-grained access control, which the clone takes (control plane only).
    read('es:DescribeDomain', 'source'),
    ...describe,
    identity,
    write('es:CreateDomain', ['clone'], 'request'),
    tagClone,
    // Registering the repository on the clone passes the repository's (read-only) role. No iam:PassedToService
    // condition: AWS documents none, and what OpenSearch's data plane would put there is not documented, so a
    // condition could refuse the registration. Only this one role is passable, and its trust admits only
    // OpenSearch Service for clone domains (docs/iam.md).
    write('iam:PassRole', ['service-role']),
    // AWS documents registration as PUT with es:ESHttpPut; the restore is a POST.
    // Only on clones (the domain's tags, authorized for HTTP methods since 2022): security H1.
    write('es:ESHttpPut', ['clone-repository'], 'resource'),
    write('es:ESHttpPost', ['clone-restore'], 'resource'),
    // Snapshots, indices and recoveries of the clone, and its data for the people using it (GET).
    read('es:ESHttpGet', 'clone'),
    // Masking (src/masking/drivers/opensearch.ts) reads with GET and writes only partial updates: POST <index>/_bulk.
    write('es:ESHttpPost', ['clone-bulk'], 'resource'),
  ],
  // Clones made before the role became their master user kept a password in a secret.
  credentials: [...describe, identity, tagClone, secrets.value],
  delete: [...describe, tagClone, write('es:DeleteDomain', ['clone'], 'resource'), secrets.describe, secrets.delete],
  // The repository role's trust (does it admit clone domains?) and read-only permissions; the service-linked role.
  doctor: [read('iam:GetRole', ['service-role', 'service-linked-role']), read('iam:SimulatePrincipalPolicy', 'service-role')],
};

export function opensearchResources(scope: Scope, w: ScopeWhere): string[] | undefined {
  const domain = (name: string) => `arn:${w.partition}:es:${w.region}:${w.account}:domain/${name}`;
  const repositories = [...new Set(w.sources.flatMap((s) => (s.config.snapshotRepository ? [s.config.snapshotRepository.name] : [])))];
  switch (scope) {
    case 'clone':
      return [domain(`${w.prefix}-*`), domain(`${w.prefix}-*/*`)];
    case 'clone-repository':
      return repositories.map((repo) => domain(`${w.prefix}-*/_snapshot/${repo}`));
    case 'clone-restore':
      return repositories.map((repo) => domain(`${w.prefix}-*/_snapshot/${repo}/*/_restore`));
    case 'clone-bulk':
      return [domain(`${w.prefix}-*/*/_bulk`)];
    case 'source':
      return w.sources.flatMap((s) => [domain(s.config.id), domain(`${s.config.id}/*`)]);
    case 'source-repository':
      return [...new Set(w.sources.flatMap((s) => (s.config.snapshotRepository ? [`arn:${w.partition}:s3:::${s.config.snapshotRepository.bucket}`] : [])))];
    case 'source-repository-data':
      return w.sources.flatMap((s) => (s.config.snapshotRepository ? [`arn:${w.partition}:s3:::${s.config.snapshotRepository.bucket}/${readKeys(s.config.snapshotRepository)}`] : []));
    case 'service-role':
      return [...new Set(w.sources.flatMap((s) => (s.config.snapshotRepository ? [s.config.snapshotRepository.roleArn] : [])))];
    case 'service-linked-role':
      // Its ARN has the service-role path; while it does not exist, GetRole can only be authorized on the name
      // without a path (IAM does not know the path of a missing role): both, so doctor gets NoSuchEntity.
      return ['role/aws-service-role/opensearchservice.amazonaws.com/', 'role/'].map(
        (path) => `arn:${w.partition}:iam::${w.account}:${path}AWSServiceRoleForAmazonOpenSearchService`,
      );
    case 'account':
      return [domain('*')];
    case 'placement':
    case 'managed-secret':
    case 'secret-key':
    case 'clone-snapshot':
      return [];
    default:
      return undefined;
  }
}
