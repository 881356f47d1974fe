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
  /** Which data create was asked for ('date:YYYY-MM-DD', 'at:<ISO>', 'latest'): the exact command that finishes it. */
  request: 'snapclone:request',
  /** Set once the data is in the clone, for engines that restore it after making the resource (OpenSearch). */
  restored: 'snapclone:restored',
  /**
   * Set once the clone's master password has been replaced: 'generated' or 'managed'; 'locked' once masking
   * changed it in the database to one nobody is told (src/engines/shared/password-lock.ts).
   */
  password: 'snapclone:password',
  /** Who last moved the expiry with `extend`, when, and how many renewals past maxTtl it used. */
  extendedBy: 'snapclone:extended-by',
  extendedAt: 'snapclone:extended-at',
  renewals: 'snapclone:renewals',
  /** Who acted on another person's clone (or one whose owner is unknown) with --force, and when. */
  forcedBy: 'snapclone:forced-by',
  forcedAt: 'snapclone:forced-at',
  /**
   * The clone's masking (docs/masking.md): 'required' from the restore on when its source has masking rules,
   * then 'verified tables=N rows=N rules=N checks=N' or 'failed rules=N locked|deleted'. Nothing is handed out
   * while it is there and not verified.
   */
  masking: 'snapclone:masking',
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
  /** The point asked for (requestTag in core/finish.ts); absent on clones made before the tag existed. */
  request?: string;
  /** The masking state (TAG.masking); absent on clones of sources without masking rules. */
  masking?: string;
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
  if (t.request) tags[TAG.request] = t.request;
  if (t.masking) tags[TAG.masking] = t.masking;
  return tags;
}

/** What stays a tag of its own when clone tags are packed: what IAM, the guard and people look at. */
const UNPACKED: string[] = [TAG.managed, TAG.clone, TAG.owner, TAG.expiresAt, TAG.engine];
const PACKED_KEYS = 5;
const packedKey = (i: number) => `snapclone:more${i + 1}`;

/**
 * Clone tags for a service that allows few tags per resource (OpenSearch: 10): the guard's and IAM's tags
 * stay tags of their own, the rest is packed as `key=value` words into `snapclone:more1`…`more5` (each at most
 * 256 characters, of the characters every service allows in tag values). Always the same keys, so that
 * writing a packed set replaces the previous one.
 */
export function packTags(tags: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const words: string[] = [];
  for (const [key, value] of Object.entries(tags)) {
    if (UNPACKED.includes(key)) out[key] = value;
    else if (key.startsWith('snapclone:') && !/^snapclone:more\d+$/.test(key)) words.push(`${key.slice('snapclone:'.length)}=${value.replace(/\s+/g, '_')}`);
  }
  const chunks: string[] = [];
  for (const word of words) {
    if (word.length > 256) throw new Error(`The tag ${word.split('=')[0]} is too long to pack`);
    const last = chunks.length - 1;
    if (last >= 0 && chunks[last].length + 1 + word.length <= 256) chunks[last] += ` ${word}`;
    else chunks.push(word);
  }
  if (chunks.length > PACKED_KEYS) throw new Error('The clone tags do not fit the service\'s tag limit');
  for (let i = 0; i < PACKED_KEYS; i++) out[packedKey(i)] = chunks[i] ?? '';
  return out;
}

const isPackedKey = (key: string) => /^snapclone:more\d+$/.test(key);

/**
 * The clone tags of a resource whose tags may be packed (packTags); unpacked tags are returned as they are.
 * A packed word never supplies or shadows a tag that stays a tag of its own (managed, clone, owner,
 * expires-at, engine: what IAM conditions see), nor a real tag of the resource: `managed=true` smuggled into
 * `snapclone:more1` of a domain tagged `snapclone:managed=false` leaves it unmanaged.
 */
export function unpackTags(tags: Record<string, string>): Record<string, string> {
  if (!Object.keys(tags).some(isPackedKey)) return tags;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags)) if (!isPackedKey(key)) out[key] = value;
  for (const [key, value] of Object.entries(tags)) {
    if (!isPackedKey(key)) continue;
    for (const word of value.split(' ').filter(Boolean)) {
      const at = word.indexOf('=');
      if (at <= 0) continue;
      const unpacked = `snapclone:${word.slice(0, at)}`;
      if (UNPACKED.includes(unpacked) || isPackedKey(unpacked) || unpacked in out) continue;
      out[unpacked] = word.slice(at + 1);
    }
  }
  return out;
}

/** Reads clone tags back (packed or not); undefined when the resource is not a snapclone clone. */
export function readCloneTags(packed: Record<string, string>): CloneTags | undefined {
  const tags = unpackTags(packed);
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
    request: tags[TAG.request],
    masking: tags[TAG.masking],
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
