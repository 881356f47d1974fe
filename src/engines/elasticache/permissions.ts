import type { TargetConfig } from '../../config/schema.ts';
import { automatedName, read, write, type EnginePermissions, type Scope, type ScopeWhere } from '../../iam/declare.ts';
import { secretPermissions as secrets, sourceKeyUse } from '../shared/permissions.ts';

/**
 * Every IAM action the ElastiCache engine's code calls, per command, with what it acts on and how writes are
 * bound. A clone is a replication group named `<prefix>-*` and its member clusters `<prefix>-*-00N`.
 * snapclone never calls CopySnapshot (it can export a snapshot to any S3 bucket): nothing grants it.
 */

/** points: the source's snapshots; the source's TLS/AUTH settings (create reads them too). */
const points = [
  read('elasticache:DescribeSnapshots', ['source', 'restore-input', 'source-backup']),
  read('elasticache:DescribeReplicationGroups', 'source'),
];

/** describe / list / lookup: tagged groups (Tagging API), live groups, fresh tags of clones. */
const describe = [
  read('tag:GetResources', 'none'),
  read('elasticache:DescribeReplicationGroups', 'account'),
  read('elasticache:ListTagsForResource', 'clone'),
];

const tagClone = write('elasticache:AddTagsToResource', ['clone'], 'request');

export const ELASTICACHE_PERMISSIONS: EnginePermissions = {
  points,
  describe,
  create: [
    ...points,
    ...describe,
    // Created from a snapshot, tagged at creation (which AWS also checks as AddTagsToResource), with the new
    // AUTH token set at creation: the token is first stored in the clone's secret.
    // Only of the placement's node type: the role cannot make a bigger cache. AWS supplies the request tags and
    // the node type for the replication group only: the parameter group, subnet group and snapshot are bound by
    // ARN alone (the builder takes this from AWS's reference, as AWS's own examples write it).
    {
      ...write('elasticache:CreateReplicationGroup', ['clone', 'restore-input', 'source-backup', 'placement'], 'request'),
      // AWS supplies CacheNodeType only when the call names one (Null false: omitting it is refused), and
      // TransitEncryptionEnabled/AuthTokenEnabled always: snapclone always sets both (security H4).
      // ReplicasPerNodeGroup only for sharded groups; NumNodeGroups follows the snapshot (unbound: docs/iam.md).
      requires: (t: TargetConfig) => ({
        StringEquals: { 'elasticache:CacheNodeType': [t.elasticache?.nodeType ?? 'none'] },
        Null: { 'elasticache:CacheNodeType': ['false'] },
        Bool: { 'elasticache:TransitEncryptionEnabled': ['true'], 'elasticache:AuthTokenEnabled': ['true'] },
        NumericLessThanEqualsIfExists: { 'elasticache:ReplicasPerNodeGroup': [String(t.elasticache?.replicas ?? 0)] },
      }),
    },
    // A snapshot encrypted with a customer key: unconfirmed whether ElastiCache checks the caller's use of the
    // key as RDS does; granted on the configured keys only, right either way.
    ...sourceKeyUse,
    tagClone,
    ...secrets.generated,
    secrets.describe,
    secrets.value,
  ],
  credentials: [...describe, tagClone, secrets.value],
  delete: [...describe, tagClone, write('elasticache:DeleteReplicationGroup', ['clone'], 'resource'), secrets.describe, secrets.delete],
  doctor: [read('elasticache:DescribeCacheSubnetGroups', 'placement')],
};

export function elasticacheResources(scope: Scope, w: ScopeWhere): string[] | undefined {
  const arn = (type: string, name: string) => `arn:${w.partition}:elasticache:${w.region}:${w.account}:${type}:${name}`;
  switch (scope) {
    case 'clone':
      return [arn('replicationgroup', `${w.prefix}-*`), arn('cluster', `${w.prefix}-*`)];
    case 'source':
      return w.sources.map((s) => arn('replicationgroup', s.config.id.toLowerCase()));
    case 'restore-input':
      // The sources' automatic snapshots (automatic.<id>-YYYY-MM-DD-HH-MM) and the engine's default parameter
      // groups, read and never changed; manual snapshots are `source-backup`.
      return [...w.sources.map((s) => arn('snapshot', automatedName('automatic.', s.config.id.toLowerCase()))), arn('parametergroup', '*')];
    case 'source-backup':
      return [arn('snapshot', '*')];
    case 'placement':
      return w.target.config.elasticache ? [arn('subnetgroup', w.target.config.elasticache.subnetGroup.toLowerCase())] : [];
    case 'account':
      return [arn('replicationgroup', '*')];
    case 'managed-secret':
    case 'secret-key':
    case 'clone-snapshot':
      return [];
    default:
      return undefined;
  }
}
