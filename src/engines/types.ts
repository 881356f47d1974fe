import type { SourceConfig, TargetConfig } from '../config/schema.ts';
import type { Context } from '../core/context.ts';
import type { CloneTags } from '../core/tags.ts';
import type { Progress } from '../output/reporter.ts';

export type RestorePointKind = 'backup' | 'snapshot' | 'automated-snapshot' | 'point-in-time';

export interface RestorePoint {
  kind: RestorePointKind;
  /** Recovery point ARN, snapshot identifier, or for point-in-time the source id. */
  id: string;
  /** When the data is from (for point-in-time windows: the latest restorable time). */
  time: Date;
  /** For point-in-time windows: the earliest restorable time. */
  earliest?: Date;
  sizeGb?: number;
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
  endpoint?: Endpoint;
  secretArn?: string;
  /** Everything the engine wants shown in `show`. */
  details: Record<string, string>;
}

export interface ConnectionDetails {
  host: string;
  port: number;
  username: string;
  password: string;
  database?: string;
  engine: string;
}

/** The IAM actions each engine operation calls; the generated policy is built from these. */
export interface EnginePermissions {
  points: string[];
  create: string[];
  describe: string[];
  credentials: string[];
  delete: string[];
}

/** One engine (rds, aurora, elasticache, opensearch) behind one small interface. */
export interface Engine {
  readonly name: SourceConfig['engine'];
  readonly permissions: EnginePermissions;
  /** Restorable points of a source, newest first. */
  points(source: SourceRef, ctx: Context, range?: { from?: Date; to?: Date }): Promise<RestorePoint[]>;
  /** Starts the restore, or attaches to one already under way for the same clone name. */
  restore(plan: RestorePlan, ctx: Context): Promise<Clone>;
  /** Waits until the clone is usable (password rotated, available), reporting progress. */
  wait(clone: Clone, ctx: Context, onProgress: (p: Progress) => void): Promise<Clone>;
  /** The clone with this name in a target, or undefined. */
  describe(name: string, target: TargetRef, ctx: Context): Promise<Clone | undefined>;
  /** All clones in a target. */
  list(target: TargetRef, ctx: Context): Promise<Clone[]>;
  credentials(clone: Clone, ctx: Context): Promise<ConnectionDetails>;
  /** Deletes the clone and what belongs to it (its secret); the guard has been applied by the caller and again here. */
  delete(clone: Clone, ctx: Context, options: { wait: boolean; onProgress: (p: Progress) => void }): Promise<void>;
}
