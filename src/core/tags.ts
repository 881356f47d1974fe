import { UsageError } from './errors.ts';

/** Resource tags are the registry of clones: no local state file. */
export const TAG = {
  managed: 'snapclone:managed',
  clone: 'snapclone:clone',
  /** The engine that made the clone (rds, aurora, …): which one deletes it, whatever resource carries the tag. */
  engine: 'snapclone:engine',
  owner: 'snapclone:owner',
  source: 'snapclone:source',
  sourceArn: 'snapclone:source-arn',
  restorePoint: 'snapclone:restore-point',
  restoreTime: 'snapclone:restore-time',
  restoreJob: 'snapclone:restore-job',
  target: 'snapclone:target',
  createdAt: 'snapclone:created-at',
  expiresAt: 'snapclone:expires-at',
  /** The set a clone was made in with other sources from the same date. */
  set: 'snapclone:set',
  /** Set once the clone's master password has been replaced: 'generated' or 'managed'. */
  password: 'snapclone:password',
  /** Who last moved the expiry with `extend`, when, and how many renewals past maxTtl it used. */
  extendedBy: 'snapclone:extended-by',
  extendedAt: 'snapclone:extended-at',
  renewals: 'snapclone:renewals',
  /** Who acted on another person's clone (or one whose owner is unknown) with --force, and when. */
  forcedBy: 'snapclone:forced-by',
  forcedAt: 'snapclone:forced-at',
} as const;

/** What a --force records on the clone it acted on. */
export const forcedTags = (person: string, now: Date): Record<string, string> => ({
  [TAG.forcedBy]: person,
  [TAG.forcedAt]: now.toISOString(),
});

export interface CloneTags {
  clone: string;
  owner: string;
  source: string;
  sourceArn: string;
  restorePoint: string;
  restoreTime: Date;
  target: string;
  createdAt: Date;
  expiresAt: Date;
  restoreJob?: string;
  set?: string;
  /** The engine that made it (absent on clones made before the tag existed). */
  engine?: string;
  /** Renewals past maxTtl used so far by `extend`. */
  renewals?: number;
}

export function cloneTags(t: CloneTags): Record<string, string> {
  const tags: Record<string, string> = {
    [TAG.managed]: 'true',
    [TAG.clone]: t.clone,
    [TAG.owner]: t.owner,
    [TAG.source]: t.source,
    [TAG.sourceArn]: t.sourceArn,
    [TAG.restorePoint]: t.restorePoint,
    [TAG.restoreTime]: t.restoreTime.toISOString(),
    [TAG.target]: t.target,
    [TAG.createdAt]: t.createdAt.toISOString(),
    [TAG.expiresAt]: t.expiresAt.toISOString(),
  };
  if (t.restoreJob) tags[TAG.restoreJob] = t.restoreJob;
  if (t.set) tags[TAG.set] = t.set;
  if (t.engine) tags[TAG.engine] = t.engine;
  return tags;
}

/** Reads clone tags back; undefined when the resource is not a snapclone clone. */
export function readCloneTags(tags: Record<string, string>): CloneTags | undefined {
  if (tags[TAG.managed] !== 'true' || !tags[TAG.clone]) return undefined;
  const date = (key: string) => new Date(tags[key] ?? 0);
  return {
    clone: tags[TAG.clone],
    owner: tags[TAG.owner] ?? 'unknown',
    source: tags[TAG.source] ?? 'unknown',
    sourceArn: tags[TAG.sourceArn] ?? '',
    restorePoint: tags[TAG.restorePoint] ?? '',
    restoreTime: date(TAG.restoreTime),
    target: tags[TAG.target] ?? '',
    createdAt: date(TAG.createdAt),
    expiresAt: date(TAG.expiresAt),
    restoreJob: tags[TAG.restoreJob],
    set: tags[TAG.set],
    engine: tags[TAG.engine],
    renewals: tags[TAG.renewals] === undefined ? undefined : Number(tags[TAG.renewals]) || 0,
  };
}

export const toTagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
export const fromTagList = (list: { Key?: string; Value?: string }[] | undefined) =>
  Object.fromEntries((list ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));

/**
 * A clone belongs to whoever created it: another person's create of the same name must not attach to it
 * (a re-run by the same person resumes it). Throws when `tags` name another owner.
 */
export function assertOwnClone(tags: Record<string, string>, clone: string, person: string): void {
  const owner = tags[TAG.owner];
  if (tags[TAG.managed] === 'true' && owner !== undefined && owner !== person) {
    throw new UsageError(
      `A clone named ${clone} already exists, owned by ${owner}. Nothing was changed.`,
      'Choose another --name; the default names carry the owner.',
    );
  }
}
