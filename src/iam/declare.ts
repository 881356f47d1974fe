import type { SourceConfig, TargetConfig } from '../config/schema.ts';

/**
 * Declared permissions: every IAM action snapclone's code calls, with what it acts on and how a write is
 * bound. The generated policy (`snapclone iam policy`), the sandbox's seeded roles, `snapclone doctor` and
 * docs/iam.md are all computed from these declarations, so none of them can drift from the code.
 */

/** What an action acts on; each engine turns a scope into resource ARNs for a target. */
export type Scope =
  /** The clone's own resources, by name: `<prefix>-*`. */
  | 'clone'
  /** The Secrets Manager secret snapclone writes a clone's password to: `<prefix>-*`. */
  | 'clone-secret'
  /** The secret the service itself manages for a clone's master password (RDS: `rds!db-*`). */
  | 'managed-secret'
  /** The configured production resources: read, never written. */
  | 'source'
  /** What a restore reads from, bound to the sources by name: their automated snapshots, option and parameter groups. */
  | 'restore-input'
  /**
   * The sources' manual snapshots and AWS Backup recovery points, whose names say nothing of their source: bound
   * by the source tag AWS copies onto them (`sources.<s>.backupTag`), else unbound (the documented residual).
   */
  | 'source-backup'
  /** The target's network placement (subnet group), attached to clones and never changed. */
  | 'placement'
  /** Every resource of a type in the target's account and region: reads that list without naming one. */
  | 'account'
  /** The KMS key that encrypts service-managed secrets (the target's kmsKeyId, else the AWS managed key aws/secretsmanager). */
  | 'secret-key'
  /** The customer-managed KMS keys that encrypt the sources' storage (sources.<s>.kmsKeyArn): restores use them. */
  | 'source-key'
  /** A final snapshot a delete could take of a clone: snapclone skips it, so none is named; AWS authorizes the delete on it. */
  | 'clone-snapshot'
  /** The sources' backup vaults (read). */
  | 'vault'
  /** The role snapclone runs as (policy simulation by `doctor`). */
  | 'self'
  /** A role the service itself assumes for a clone (OpenSearch's snapshot role), passed to that service. */
  | 'service-role'
  /** The service-linked role the service needs in the account (OpenSearch's, for VPC domains): read by doctor. */
  | 'service-linked-role'
  /** A clone's data-plane path that registers a source's snapshot repository (OpenSearch: `domain/<prefix>-*\/_snapshot/<repo>`). */
  | 'clone-repository'
  /** A clone's data-plane path that restores from a source's repository (OpenSearch: `…/_snapshot/<repo>/*\/_restore`). */
  | 'clone-restore'
  /** A clone's data-plane path that updates documents in bulk (OpenSearch masking: `domain/<prefix>-*\/<index>/_bulk`). */
  | 'clone-bulk'
  /** The target's relay instance (`connect.relay`), that `snapclone connect` starts Session Manager sessions on. */
  | 'relay'
  /** The Session Manager document of the target's `connect` (src/connect/document.ts): port forwarding to clones only. */
  | 'connect-document'
  /** The Session Manager sessions the caller started (`session/<its session name>-*`). */
  | 'own-session'
  /** The buckets of the sources' S3 snapshot repositories (OpenSearch): listed only under the repositories' own prefixes. */
  | 'source-repository'
  /** The repository data blobs (OpenSearch's `index-N`) in those buckets: read, never written. */
  | 'source-repository-data'
  /** The action has no resource-level permissions: `Resource: "*"`. */
  | 'none';

/**
 * How a call is bound beyond its resource ARNs:
 * - `request`: it creates or tags a clone, and must itself put `snapclone:managed=true` (and only snapclone tags);
 * - `resource`: it changes, deletes or reads the secret of a clone that already carries `snapclone:managed=true`;
 * - `owned-by-clone`: a service-managed secret tied to a clone by the service's own tag (RDS: `aws:rds:primaryDBInstanceArn`);
 * - `created-for-clone`: the service creating and tagging that secret with the caller's rights: never one whose tag names another resource;
 * - `passed-to-service`: iam:PassRole of a role only to the engine's service (`iam:PassedToService`);
 * - `grant-for-aws-resource`: a KMS grant only for an AWS service acting for the caller (`kms:GrantIsForAWSResource`).
 * Without a binding the call is a read, or a write bound by name alone (said in its declaration).
 */
export type Binding = 'request' | 'resource' | 'owned-by-clone' | 'created-for-clone' | 'passed-to-service' | 'grant-for-aws-resource';

/** IAM condition operators to keys to values, as in a policy statement. */
export type Conditions = Record<string, Record<string, string[]>>;

export interface Permission {
  action: string;
  on: Scope[];
  bind?: Binding;
  /** Writes change something in the account; the policy never allows one on a source. */
  write?: boolean;
  /**
   * The service's own condition keys the call must match, by operator (e.g. StringLike rds:DatabaseEngine
   * `aurora-*`, Bool rds:PubliclyAccessible `false`): narrows what a create may make beyond its name and tags.
   * The builder puts each key only on the resource types AWS supplies it for (src/iam/reference.ts).
   */
  requires?: (target: TargetConfig, where: ScopeWhere) => Conditions;
  /**
   * A resource type of the `clone` scope that the call does not create but attaches the new resource to (an Aurora
   * writer's cluster): an existing clone, bound by its own tags (as `resource`), not by the request's.
   */
  joins?: string;
  /** Only for targets configured so (e.g. RDS-managed passwords); always when omitted. */
  when?: (target: TargetConfig) => boolean;
}

/** The commands whose calls engines declare. */
export const ENGINE_COMMANDS = ['points', 'describe', 'create', 'credentials', 'delete', 'doctor'] as const;
export type EngineCommand = (typeof ENGINE_COMMANDS)[number];
export type EnginePermissions = Record<EngineCommand, Permission[]>;

const scopes = (on: Scope | Scope[]) => (Array.isArray(on) ? on : [on]);
export const read = (action: string, on: Scope | Scope[], bind?: Binding): Permission => ({ action, on: scopes(on), bind });
export const write = (action: string, on: Scope | Scope[], bind?: Binding): Permission => ({
  action,
  on: scopes(on),
  bind,
  write: true,
});

/** The distinct actions of some declarations, sorted. */
export const actionsOf = (permissions: Permission[]): string[] => [...new Set(permissions.map((p) => p.action))].sort();

/** A backup's source tag (sources.<s>.backupTag), if the config names one: `aws:ResourceTag/<key> = <value>`. */
export interface BackupTag {
  key: string;
  value: string;
}

/** A restore point named `<prefix><id>-YYYY-MM-DD-HH-MM` (automated snapshots of RDS, Aurora, ElastiCache), as an ARN name pattern. */
export const automatedName = (prefix: string, id: string) => `${prefix}${id}-????-??-??-??-??`;

/** Where scopes are turned into ARNs: one target's account and region, its prefix and its sources. */
export interface ScopeWhere {
  partition: string;
  region: string;
  account: string;
  prefix: string;
  /** The target's config (placement, access). */
  target: { name: string; config: TargetConfig };
  /** The configured sources of this engine that can be cloned into the target (same account and region). */
  sources: { name: string; config: SourceConfig }[];
}

/** The partition of a region: aws, aws-cn or aws-us-gov. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** Secrets Manager ARNs end in a random suffix: `<name>-AbCdEf`, so a name prefix ends in `*`. */
export function secretArnPattern(w: ScopeWhere, namePattern: string): string {
  return `arn:${w.partition}:secretsmanager:${w.region}:${w.account}:secret:${namePattern}`;
}
