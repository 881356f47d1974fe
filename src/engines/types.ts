import type { SourceConfig, TargetConfig } from '../config/schema.ts';
import type { Context } from '../core/context.ts';
import type { IdentifierRules } from '../core/naming.ts';
import type { CloneTags } from '../core/tags.ts';
import type { Meter } from '../cost/estimate.ts';
import type { EnginePermissions, Scope, ScopeWhere } from '../iam/declare.ts';
import type { Progress } from '../output/reporter.ts';

export type RestorePointKind = 'backup' | 'snapshot' | 'automated-snapshot' | 'point-in-time';

/** Which restore points to read: a time range (inclusive) and, optionally, only some kinds. */
export interface PointQuery {
  from?: Date;
  to?: Date;
  kinds?: readonly RestorePointKind[];
}

export interface RestorePoint {
  kind: RestorePointKind;
  /** Recovery point ARN, snapshot identifier, or for point-in-time the source id. */
  id: string;
  /** When the data is from (for point-in-time windows: the latest restorable time). */
  time: Date;
  /** For point-in-time windows: the earliest restorable time. */
  earliest?: Date;
  sizeGb?: number;
  /** What else the service says of it (OpenSearch: its state and indices). */
  note?: string;
  /** Why it cannot be restored (OpenSearch: its state, PARTIAL or FAILED): listed by `points`, never chosen. */
  unrestorable?: string;
}

export interface SourceRef {
  name: string;
  config: SourceConfig;
}

export interface TargetRef {
  name: string;
  config: TargetConfig;
}

/** What to restore, where, as which clone. */
export interface RestorePlan {
  source: SourceRef;
  target: TargetRef;
  point: RestorePoint;
  /** For point-in-time: the exact time asked for (undefined = latest restorable). */
  at?: Date;
  tags: CloneTags;
  /** --force: take over an untagged restore of snapclone's role whose owner is unknown. */
  force?: boolean;
}

export interface Endpoint {
  host: string;
  port: number;
}

/** A clone as the cloud describes it: its tags plus live state. */
export interface Clone extends CloneTags {
  engine: string;
  arn: string;
  /** The service's identifier (RDS: DB instance identifier). */
  id: string;
  /** The service's own status ('creating', 'available', 'deleting', …) or 'restoring' while a job runs. */
  status: string;
  /**
   * False for an instance an AWS Backup restore job of snapclone's role made and nobody tagged (its owner is
   * then 'unknown', its expiry 0); the guard refuses it until it is taken over with --force.
   */
  tagged: boolean;
  /** 'pending' until the master password has been replaced; then how it was replaced ('none': the source uses no password, e.g. a cache without AUTH). */
  credentials: 'pending' | 'generated' | 'managed' | 'none';
  endpoint?: Endpoint;
  secretArn?: string;
  /** Everything the engine wants shown in `show`. */
  details: Record<string, string>;
  /** What the clone is billed for, priced by the bundled table (src/cost/). */
  meters?: Meter[];
}

export interface ConnectionDetails {
  host: string;
  port: number;
  username: string;
  password: string;
  database?: string;
  engine: string;
  /** Whether the endpoint requires TLS (ElastiCache with in-transit encryption). */
  tls?: boolean;
  /** How to sign in when it is not user and password (OpenSearch: SigV4 with the role's credentials). */
  auth?: string;
}

/** Any resource of the engine found by name or ARN, managed or not, with its tags as just read. */
export interface ResourceRef {
  /** "RDS DB instance". */
  kind: string;
  id: string;
  arn: string;
  tags: Record<string, string>;
}

export interface PlacementCheck {
  ok: boolean;
  detail: string;
  /** What to fix when not ok. */
  fix?: string;
}

/**
 * A resource named `<prefix>-*` of an engine's clone type as the service itself describes it (its own record,
 * not its tags): what in it breaks the target's placement, and when AWS says it was made. The janitor's
 * placement audit (src/commands/janitor-placement.ts) deletes such a resource when it is snapclone's.
 */
export interface AuditedResource {
  /** "RDS DB instance", "Aurora DB cluster"… */
  kind: string;
  /** The service's identifier (the clone's name for a clone). */
  id: string;
  arn: string;
  /** When the service says it was created; undefined while it reports none (still creating, or never: OpenSearch). */
  createdAt?: Date;
  /** Each way it breaks the placement, said plainly ("publicly accessible", "class db.r6i.32xlarge, not db.t4g.micro"). */
  breaches: string[];
  /** Being deleted already: nothing to audit. */
  deleting?: boolean;
}

export interface RestoreResult {
  clone: Clone;
  /** True when the run attached to a restore already under way or finished (resume, concurrent create). */
  resumed: boolean;
}


/** One engine (rds, aurora, elasticache, opensearch) behind one small interface. */
export interface Engine {
  readonly name: SourceConfig['engine'];
  /** The IAM actions each command calls through the engine, with what they act on (src/iam/declare.ts). */
  readonly permissions: EnginePermissions;
  /** The ARNs of an IAM scope in a target; undefined for the scopes every engine shares. */
  resources(scope: Scope, where: ScopeWhere): string[] | undefined;
  /** The tag by which the service ties its managed secret to a clone (RDS: aws:rds:primaryDBInstanceArn). */
  readonly managedSecretOwnerTag?: string;
  /** The service a `passed-to-service` role is passed to (OpenSearch: es.amazonaws.com). */
  readonly passRoleService?: string;
  /** What the engine accepts as a clone name. */
  readonly identifierRules: IdentifierRules;
  /** The ARN of a source's resource (recorded in the snapclone:source-arn tag). */
  sourceArn(source: SourceConfig): string;
  /**
   * Whether --latest restores the latest restorable time of the point-in-time window rather than the newest
   * discrete point (Aurora: a copy-on-write clone of it takes minutes whatever the size).
   */
  readonly latestFromWindow?: boolean;
  /** The kinds of discrete points a source restores from by default (its restoreFrom). */
  preferredKinds(source: SourceConfig): RestorePointKind[];
  /**
   * Restorable points of a source, newest first, read with the access of `target`: those of `range` (its times
   * inclusive) and of `range.kinds` when given (the others are not read at all; engines with a single listing
   * may return every kind).
   */
  points(source: SourceRef, target: TargetRef, ctx: Context, range?: PointQuery): Promise<RestorePoint[]>;
  /** Starts the restore, or attaches to one already under way for the same clone name. */
  restore(plan: RestorePlan, ctx: Context): Promise<RestoreResult>;
  /** Waits until the clone is usable (password rotated, available), reporting progress. */
  wait(clone: Clone, ctx: Context, onProgress: (p: Progress) => void): Promise<Clone>;
  /** The clone with this name in a target, or undefined. */
  describe(name: string, target: TargetRef, ctx: Context): Promise<Clone | undefined>;
  /** All clones in a target. */
  list(target: TargetRef, ctx: Context): Promise<Clone[]>;
  /** Whether a resource ARN (from the Tagging API) is of this engine's clone resource type. */
  ownsArn(arn: string): boolean;
  /**
   * Resources that snapclone's own AWS Backup restore jobs made and nobody tagged (AWS's record ties them to
   * snapclone, nothing to a person): the janitor deletes them after a grace period.
   */
  orphans(target: TargetRef, ctx: Context): Promise<Clone[]>;
  /** Any resource of this engine named `ref` (name or ARN) in a target, managed or not, tags freshly read. */
  lookup(ref: string, target: TargetRef, ctx: Context): Promise<ResourceRef | undefined>;
  credentials(clone: Clone, ctx: Context): Promise<ConnectionDetails>;
  /**
   * Adds tags to a clone, guarded on freshly read tags; an untagged clone (see Clone.tagged) is taken over
   * instead, and `tags` must then be its full clone tags.
   */
  tag(clone: Clone, tags: Record<string, string>, ctx: Context): Promise<void>;
  /**
   * Records that the clone's master password was replaced, in its database, by one nobody is told (the masking
   * lock): the clone is then pending, and the next create run applies its own password again before masking.
   */
  markLocked?(clone: Clone, ctx: Context): Promise<void>;
  /** `doctor`: whether the target's placement for this engine exists, in one line. */
  checkPlacement(target: TargetRef, ctx: Context): Promise<PlacementCheck>;
  /**
   * The masking lock (RDS, Aurora): records on the clone, guarded as other tag writes are, that its master
   * password was changed in the database to one nobody is told (snapclone:password=locked). The clone then
   * describes as credentials 'pending' and the next create run's wait applies its own password again.
   */
  markLocked?(clone: Clone, ctx: Context): Promise<void>;
  /** Deletes the clone and what belongs to it (its secret); the guard has been applied by the caller and again here. */
  delete(clone: Clone, ctx: Context, options: DeleteOptions): Promise<void>;
  /**
   * The janitor: every `<prefix>-*` resource of the engine's clone type in a target, audited against its
   * placement from AWS's describe answers; `tagsOf` gives the tags the janitor already read (to know a
   * clone's source), undefined for a resource it has not.
   */
  audit(target: TargetRef, ctx: Context, tagsOf: (arn: string) => Record<string, string> | undefined): Promise<AuditedResource[]>;
}

export interface DeleteOptions {
  wait: boolean;
  onProgress: (p: Progress) => void;
  /** The janitor's: the clone's expiry, read again right before the delete, must not be after this instant. */
  expiredBy?: Date;
}

/** What an engine does through AWS: loaded with its SDK clients only when a command calls it (engines/shared/lazy.ts). */
export type EngineOperations = Pick<
  Engine,
  'points' | 'restore' | 'wait' | 'describe' | 'list' | 'orphans' | 'lookup' | 'credentials' | 'tag' | 'checkPlacement' | 'delete' | 'audit'
>;
