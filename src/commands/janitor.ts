import { DeleteSecretCommand, DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { paginateGetResources, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { Context } from '../core/context.ts';
import { formatTime } from '../core/dates.ts';
import { ExitCode, Interrupted, UsageError } from '../core/errors.ts';
import { guardProblem } from '../core/guard.ts';
import { hasPrefix } from '../core/naming.ts';
import { cloneTags, forcedTags, fromTagList, readCloneTags, TAG, type CloneTags } from '../core/tags.ts';
import { parseDuration } from '../core/ttl.ts';
import { explain } from '../cli/errors.ts';
import { isTransient } from '../aws/transient.ts';
import { enginesIn } from '../engines/index.ts';
import { steadily } from '../engines/shared/aws.ts';
import type { Clone, Engine, TargetRef } from '../engines/types.ts';
import type { CommandResult } from '../output/render.ts';
import { carriedOnBy, rerunOf, resolveTarget } from './common.ts';
import { auditPlacement, OUT_OF_REACH, type SurveyedClone } from './janitor-placement.ts';

export interface JanitorOptions {
  dryRun?: boolean;
  /** Targets to clean; default: every target. */
  target?: string[];
  /** How old an orphan must be before it is deleted (an interrupted run may still finish it): default 1h. */
  grace?: string;
  /** Deletions under way at once. */
  concurrency?: number;
}

export type Outcome = 'deleted' | 'would delete' | 'deleting' | 'kept' | 'skipped' | 'failed';

export interface Line {
  target: string;
  /** What it is: clone, orphan restore, orphan secret, or a resource that is not a clone. */
  kind: string;
  name: string;
  arn: string;
  result: Outcome;
  detail: string;
}

/** The name at the end of an ARN: `…:db:NAME`, `…:replicationgroup:NAME`, `…:domain/NAME`. */
const resourceIdOf = (arn: string) => arn.split(':').pop()!.split('/').pop()!;

/**
 * The resource types the janitor's one Tagging API query asks for: every engine's clone resources (an Aurora
 * clone's writer is an RDS DB instance) and snapclone's secrets — not, say, the cache clusters ElastiCache
 * copies a replication group's tags to, which would only lengthen the query. Each engine's ownsArn accepts
 * the ARNs of its types here.
 */
export const TAGGED_TYPES = ['rds:db', 'rds:cluster', 'elasticache:replicationgroup', 'es:domain', 'secretsmanager:secret'];
/** GetResources' largest page (ResourcesPerPage; its default is 50). */
export const TAGGING_PAGE = 100;

/** Who the janitor records as acting on an orphan it takes over. */
export const JANITOR = 'snapclone-janitor';

/** Runs tasks with at most `limit` under way at once. */
async function bounded<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

interface Work {
  line: Omit<Line, 'result' | 'detail'>;
  /** Deletes it; resolves to the outcome's detail. */
  act: () => Promise<{ result: Outcome; detail: string }>;
  why: string;
}

/**
 * A tagged clone as the Tagging API listed it, in the target it was found in: what its engine's delete needs
 * (its id, ARN and clone tags). Its live state is not read here: the delete reads what it acts on itself.
 */
function listedClone(engine: Engine, target: TargetRef, arn: string, tags: CloneTags): Clone {
  return { ...tags, engine: engine.name, target: target.name, arn, id: resourceIdOf(arn), status: 'unknown', tagged: true, credentials: 'pending', details: {} };
}

/**
 * Deletes a clone through its engine, which applies the guard on freshly read tags. Only when that fails is
 * the clone described, to tell a clone already gone (the Tagging API can lag behind a deletion) or already
 * being deleted (another run) from a real failure.
 */
async function deleteClone(ctx: Context, engine: Engine, target: TargetRef, clone: Clone, byExpiry = true) {
  try {
    // The expiry is read again with the tags the guard reads right before the delete: a clone extended since
    // the survey (or whose new expiry the Tagging API had not caught up with) is kept. A clone that breaks its
    // placement goes whatever its expiry says (the guard still requires snapclone:managed=true).
    await engine.delete(clone, ctx, { wait: false, onProgress: () => undefined, expiredBy: byExpiry ? ctx.now() : undefined });
  } catch (error) {
    if (isTransient(error) || error instanceof Interrupted) throw error;
    const now = await engine.describe(clone.clone, target, ctx).catch(() => 'unknown' as const);
    if (now === undefined) return { result: 'deleted' as const, detail: 'already gone' };
    if (now !== 'unknown' && now.status === 'deleting') return { result: 'deleting' as const, detail: 'its deletion is already under way (another run)' };
    throw error;
  }
  return { result: 'deleted' as const, detail: 'deletion started' };
}

/** Takes over an untagged restore (tagged, already expired, recorded), so the guard and the tag-conditioned IAM allow the delete; then deletes it. */
async function deleteOrphan(ctx: Context, engine: Engine, target: TargetRef, orphan: Clone) {
  const now = ctx.now();
  // The role lets a session tag a clone only with itself as owner (security M2): the janitor's session owns it.
  await engine.tag(orphan, { ...cloneTags({ ...orphan, owner: ctx.person, expiresAt: now }), ...forcedTags(JANITOR, now) }, ctx);
  const clone = await engine.describe(orphan.clone, target, ctx);
  if (!clone) return { result: 'deleted' as const, detail: 'already gone' };
  if (clone.status === 'deleting') return { result: 'deleting' as const, detail: 'its deletion is already under way (another run)' };
  return deleteClone(ctx, engine, target, clone);
}

/** Deletes an orphan secret after re-reading its tags: still snapclone's, still of that clone, not deleted. */
async function deleteSecret(ctx: Context, target: TargetRef, name: string, arn: string) {
  const secrets = ctx.clients(target.name).of(SecretsManagerClient);
  const out = await secrets.send(new DescribeSecretCommand({ SecretId: arn }));
  if (out.DeletedDate) return { result: 'deleted' as const, detail: 'already deleted' };
  // A clone's secret is named after its clone: one whose clone tag names another (missing) clone may be a live
  // clone's, re-tagged; deleting it would take that clone's password.
  if (out.Name !== name) return { result: 'skipped' as const, detail: `its name '${out.Name}' is not its clone tag '${name}'` };
  const problem = guardProblem({ kind: 'secret', name: out.Name ?? name, arn }, fromTagList(out.Tags), { prefix: ctx.config.prefix, clone: name });
  if (problem) return { result: 'skipped' as const, detail: problem };
  await secrets.send(new DeleteSecretCommand({ SecretId: arn, ForceDeleteWithoutRecovery: true }));
  return { result: 'deleted' as const, detail: 'secret deleted' };
}

/**
 * What the janitor does in one target: one paginated Tagging API query for everything snapclone tagged
 * (every engine's clones and their secrets, in pages of 100), plus each engine's untagged restores of
 * snapclone's jobs (the RDS engine's: a page of AWS Backup restore jobs per 100, and a describe per instance
 * such a job made), plus each engine's placement audit: its `<prefix>-*` resources as the service describes
 * them (listings, and per resource only what cannot be listed), judged against the target's placement and
 * maxTtl from AWS's own record (janitor-placement.ts). A clone is deleted when it expired by its tags or
 * breaks the placement by AWS's record; a `<prefix>-*` resource that is not snapclone's is only reported.
 */
async function survey(ctx: Context, target: TargetRef, graceMs: number): Promise<{ lines: Line[]; work: Work[] }> {
  const now = ctx.now();
  const zone = ctx.config.timezone;
  const engines = enginesIn(target);
  const lines: Line[] = [];
  const work: Work[] = [];
  const tagged: { arn: string; tags: Record<string, string> }[] = [];
  const pages = paginateGetResources(
    { client: ctx.clients(target.name).of(ResourceGroupsTaggingAPIClient) },
    { TagFilters: [{ Key: TAG.managed }], ResourceTypeFilters: TAGGED_TYPES, ResourcesPerPage: TAGGING_PAGE },
  );
  for await (const page of pages) {
    for (const r of page.ResourceTagMappingList ?? []) if (r.ResourceARN) tagged.push({ arn: r.ResourceARN, tags: fromTagList(r.Tags) });
  }
  // A clone's main resource (named like the clone) first, so that its other resources are known as its parts.
  const isMain = (r: { arn: string; tags: Record<string, string> }) => resourceIdOf(r.arn) === r.tags[TAG.clone];
  tagged.sort((a, b) => Number(isMain(b)) - Number(isMain(a)));
  const clonesHere = new Set<string>();
  const parts = new Set<string>();
  const secrets: typeof tagged = [];
  // Clones by the ARN of their main resource, decided once the placement audit has had its say.
  const clones = new Map<string, SurveyedClone>();
  const skipped = new Map<string, Line>();
  for (const { arn, tags } of tagged) {
    if (/^arn:[\w-]+:secretsmanager:/.test(arn)) {
      secrets.push({ arn, tags });
      continue;
    }
    // The engine tag says which engine's clone a resource is part of (an Aurora clone's writer instance is
    // an RDS DB instance); clones made before the tag existed are told by their ARN.
    const engine = tags[TAG.engine] ? engines.find((e) => e.name === tags[TAG.engine]) : engines.find((e) => e.ownsArn(arn));
    const name = tags[TAG.clone] ?? resourceIdOf(arn);
    // Another resource of a clone already surveyed (deleted with it).
    if (engine && tags[TAG.clone] && parts.has(`${engine.name}/${name}`)) continue;
    const line = { target: target.name, kind: engine ? `${engine.name} clone` : 'resource', name, arn };
    const clone = readCloneTags(tags);
    const id = resourceIdOf(arn);
    const problem = guardProblem({ kind: 'resource', name: id, arn }, tags, { prefix: ctx.config.prefix, clone: id });
    if (!engine || !clone || problem) {
      // A clone renamed out of the prefix (security review L6) keeps its tags; the role cannot delete it there.
      const renamed = clone && !hasPrefix(id, ctx.config.prefix) ? `; it carries snapclone's tags (renamed out of the prefix, or tagged by hand): ${OUT_OF_REACH}` : '';
      const entry: Line = { ...line, result: 'skipped', detail: (problem ?? 'not a resource type snapclone makes') + renamed };
      lines.push(entry);
      skipped.set(arn, entry);
      continue;
    }
    clonesHere.add(clone.clone);
    parts.add(`${engine.name}/${clone.clone}`);
    clones.set(arn, { engine, line, clone, reasons: [] });
  }
  const orphans = new Set<string>();
  for (const engine of engines) {
    for (const orphan of await engine.orphans(target, ctx)) {
      orphans.add(orphan.arn);
      const line = { target: target.name, kind: `${engine.name} orphan restore`, name: orphan.clone, arn: orphan.arn };
      const made = `made by AWS Backup restore job ${orphan.restoreJob} from ${orphan.source}, never tagged`;
      if (now.getTime() - orphan.createdAt.getTime() < graceMs) {
        lines.push({ ...line, result: 'kept', detail: `${made}; within the grace period` });
        continue;
      }
      clonesHere.add(orphan.clone);
      work.push({ line, why: made, act: () => deleteOrphan(ctx, engine, target, orphan) });
    }
  }
  const taggedBy = new Map(tagged.map((t) => [t.arn, t.tags]));
  await auditPlacement(ctx, target, engines, { taggedBy, clones, skipped, orphans, lines, clonesHere });
  for (const [arn, { engine, line, clone, reasons }] of clones) {
    const expired = clone.expiresAt.getTime() > 0 && clone.expiresAt.getTime() <= now.getTime();
    const listed = listedClone(engine, target, arn, clone);
    if (reasons.length > 0) {
      const why = `${reasons.join('; ')} (owner ${clone.owner}; deleted whatever its expiry says)`;
      work.push({ line, why, act: () => deleteClone(ctx, engine, target, listed, false) });
    } else if (expired) {
      work.push({ line, why: `expired ${formatTime(clone.expiresAt, zone)} (owner ${clone.owner})`, act: () => deleteClone(ctx, engine, target, listed) });
    } else {
      lines.push({ ...line, result: 'kept', detail: clone.expiresAt.getTime() > 0 ? `until ${formatTime(clone.expiresAt, zone)}` : 'no expiry recorded' });
    }
  }
  for (const { arn, tags } of secrets) {
    const name = tags[TAG.clone] ?? '';
    const line = { target: target.name, kind: 'orphan secret', name: name || arn, arn };
    if (!name || clonesHere.has(name)) continue; // a live clone's secret goes with its clone
    const created = Date.parse(tags[TAG.createdAt] ?? '');
    // Confirm through the engines (the Tagging API can lag behind a new clone) before calling it an orphan.
    let owner: string | undefined;
    for (const engine of engines) if (!owner && (await engine.describe(name, target, ctx))) owner = engine.name;
    if (owner) continue;
    if (!(now.getTime() - created >= graceMs)) {
      lines.push({ ...line, result: 'kept', detail: 'its clone is gone; within the grace period' });
      continue;
    }
    work.push({ line, why: `the secret of clone ${name}, which no longer exists`, act: () => deleteSecret(ctx, target, name, arn) });
  }
  return { lines, work };
}

/**
 * snapclone janitor [--dry-run] [--target T]... [--grace 1h]: deletes every expired clone of everyone (each
 * through the guard, re-checked right before), every clone that breaks its target's placement or outlived its
 * maxTtl by AWS's record (whatever its tags say), and what snapclone left behind (untagged restores of its
 * AWS Backup jobs, secrets of clones that are gone) once older than the grace period; one line per resource.
 * Deletions run with bounded concurrency and back off on throttling; one failure does not stop the rest.
 * Exit 0 when everything expired is gone or going, 1 when something failed.
 */
export async function run(options: JanitorOptions, ctx: Context): Promise<CommandResult> {
  const graceText = options.grace ?? '1h';
  const graceMs = parseDuration(graceText);
  if (graceMs === undefined) throw new UsageError(`--grace '${graceText}' is not a valid duration`, 'Write minutes, hours or days: 30m, 1h, 1d.');
  const names = options.target?.length ? [...new Set(options.target)] : Object.keys(ctx.config.targets);
  const targets = names.map((n) => resolveTarget(ctx, n));
  const lines: Line[] = [];
  const work: Work[] = [];
  for (const target of targets) {
    const surveyed = await survey(ctx, target, graceMs);
    lines.push(...surveyed.lines);
    work.push(...surveyed.work);
  }
  const done = options.dryRun
    ? work.map((w) => ({ ...w.line, result: 'would delete' as const, detail: w.why }))
    : await bounded(
        options.concurrency ?? 4,
        work.map((w) => async (): Promise<Line> => {
          try {
            const out = await steadily(ctx, `${w.line.kind} ${w.line.name} to be deleted`, w.act);
            ctx.reporter.info(`${out.result}: ${w.line.kind} ${w.line.name} (${w.why}; ${out.detail})`);
            return { ...w.line, result: out.result, detail: `${w.why}; ${out.detail}` };
          } catch (error) {
            if (error instanceof Interrupted) throw carriedOnBy(error, rerunOf(ctx, ['janitor']));
            const e = explain(error);
            ctx.reporter.warn(`failed: ${w.line.kind} ${w.line.name}: ${e.message}`);
            return { ...w.line, result: e.exitCode === ExitCode.refused ? 'skipped' : 'failed', detail: `${w.why}; ${e.message}` };
          }
        }),
      );
  const all = [...done, ...lines];
  const failed = all.filter((l) => l.result === 'failed').length;
  return {
    json: { dryRun: Boolean(options.dryRun), resources: all, failed },
    table: { columns: ['result', 'kind', 'name', 'target', 'detail'], rows: all.map((l) => [l.result, l.kind, l.name, l.target, l.detail]) },
    lines: [
      `${done.length} to delete, ${lines.filter((l) => l.result === 'kept').length} kept, ${lines.filter((l) => l.result === 'skipped').length + done.filter((l) => l.result === 'skipped').length} skipped, ${failed} failed.`,
      ...(failed > 0 ? [`Running the janitor again carries on: ${rerunOf(ctx, ['janitor'])}`] : []),
    ],
    ...(failed > 0 ? { exitCode: ExitCode.failed } : {}),
  };
}
