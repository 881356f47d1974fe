import type { Client } from '@opensearch-project/opensearch';
import { ExitCode, SnapcloneError, UsageError } from '../../core/errors.ts';
import { assertOwnClone, TAG } from '../../core/tags.ts';
import type { Progress } from '../../output/reporter.ts';
import { steadily, type Where } from '../shared/aws.ts';
import { Polling, TYPICAL_MS } from '../shared/poll.ts';
import type { Clone, SourceRef } from '../types.ts';
import { DOMAIN_KIND, isSystemIndex, repositoryOf } from './aws.ts';
import { activeRecoveries, catIndices, dataPlane, listSnapshots, refusedExplained } from './data.ts';
import { describeClone, describeDomain, endpointOf, isReady, readTags } from './describe.ts';
import { ensureReachable } from './reach.ts';
import { tagClone } from './tagging.ts';

interface Poll {
  w: Where;
  clone: Clone;
  onProgress: (p: Progress) => void;
  startedAt: number;
}

/** Waits until the domain is active, no longer processing, and has its endpoint. */
async function untilReady(p: Poll): Promise<string> {
  const poll = new Polling(p.w.ctx, TYPICAL_MS.domainCreate);
  let missing = 0;
  for (;;) {
    const domain = await steadily(p.w.ctx, `${p.clone.clone} to be created`, () => describeDomain(p.w, p.clone.id));
    missing = domain ? 0 : missing + 1;
    if (missing >= 3) throw new SnapcloneError(`${DOMAIN_KIND} ${p.clone.id} of clone ${p.clone.clone} has disappeared (deleted meanwhile?).`);
    if (domain?.Deleted) throw new SnapcloneError(`${p.clone.clone} is being deleted.`, ExitCode.failed, `See snapclone show ${p.clone.clone}.`);
    if (domain && isReady(domain)) return endpointOf(domain)!;
    p.onProgress({ phase: `${p.clone.clone}: domain ${(domain?.DomainProcessingStatus ?? 'creating').toLowerCase()}`, elapsedMs: p.w.ctx.now().getTime() - p.startedAt });
    await poll.wait();
  }
}

/** The source of a clone, as configured (its repository is registered on the clone). */
function sourceOf(p: Poll): SourceRef {
  const config = Object.hasOwn(p.w.ctx.config.sources, p.clone.source) ? p.w.ctx.config.sources[p.clone.source] : undefined;
  if (!config) throw new UsageError(`The source ${p.clone.source} of ${p.clone.clone} is no longer in the config, so its snapshot repository is unknown.`);
  return { name: p.clone.source, config };
}

/**
 * Registers the source's repository on the clone, read-only, with the repository's (read-only) role (again on
 * a resume: the same settings). AWS documents registering with a role as a PUT (es:ESHttpPut); the official
 * client's createRepository sends a POST, whose handling AWS does not document, so the PUT is sent directly.
 */
async function registerRepository(p: Poll, client: Client, source: SourceRef): Promise<void> {
  const repo = repositoryOf(source);
  p.onProgress({ phase: `${p.clone.clone}: registering repository ${repo.name} (read-only)`, elapsedMs: p.w.ctx.now().getTime() - p.startedAt });
  await client.transport.request({
    method: 'PUT',
    path: `/_snapshot/${encodeURIComponent(repo.name)}`,
    body: {
      type: 's3',
      settings: { bucket: repo.bucket, ...(repo.basePath ? { base_path: repo.basePath } : {}), region: p.w.region, role_arn: repo.roleArn, readonly: true },
    },
  });
}

/** Restores the snapshot's indices except system ones, unless they are already there (a resumed run). */
async function restoreIndices(p: Poll, client: Client, source: SourceRef): Promise<string[]> {
  const repo = repositoryOf(source);
  const snapshot = (await listSnapshots(client, repo.name)).find((s) => s.snapshot === p.clone.restorePoint);
  if (!snapshot) throw new SnapcloneError(`Snapshot ${p.clone.restorePoint} is no longer in repository ${repo.name}.`);
  const wanted = snapshot.indices.filter((i) => !isSystemIndex(i));
  const present = new Set((await catIndices(client)).map((i) => i.index));
  const missing = wanted.filter((i) => !present.has(i));
  if (missing.length > 0) {
    await client.snapshot.restore({
      repository: repo.name,
      snapshot: snapshot.snapshot,
      wait_for_completion: false,
      body: { indices: missing.join(','), include_global_state: false, include_aliases: true },
    });
    p.w.ctx.reporter.info(`${p.clone.clone}: restoring ${missing.length} indices of ${snapshot.snapshot} (system indices left out).`);
  }
  return wanted;
}

/** Polls in a row that a red index may show no recovery before its restore counts as failed (it may not have started). */
const STALLED_POLLS = 3;

/**
 * Waits until every restored index is recovered: green, or yellow (replicas cannot be placed on one node).
 * An index that stays red with no recovery under way is a failed restore (its shards are unassigned for good).
 */
async function untilRecovered(p: Poll, client: Client, indices: string[]): Promise<void> {
  const poll = new Polling(p.w.ctx);
  let stalled = 0;
  const read = <T>(what: () => Promise<T>) => steadily(p.w.ctx, `${p.clone.clone}'s indices to recover`, what);
  for (;;) {
    const rows = new Map((await read(() => catIndices(client))).map((r) => [r.index, r]));
    const done = indices.filter((i) => ['green', 'yellow'].includes(rows.get(i)?.health ?? ''));
    if (done.length === indices.length) return;
    const red = indices.filter((i) => rows.get(i)?.health === 'red');
    const recovering = red.length > 0 ? new Set((await read(() => activeRecoveries(client))).map((r) => r.index)) : new Set<string>();
    const failed = red.filter((i) => !recovering.has(i));
    stalled = failed.length > 0 ? stalled + 1 : 0;
    if (stalled >= STALLED_POLLS) {
      throw new SnapcloneError(
        `The restore of ${failed.join(', ')} into ${p.clone.clone} failed: red, with no recovery under way.`,
        ExitCode.failed,
        `Delete the clone (snapclone delete ${p.clone.clone}) and create it again, perhaps from another snapshot.`,
      );
    }
    const percent = indices.length === 0 ? 100 : Math.round((done.length / indices.length) * 100);
    poll.progress(percent);
    p.onProgress({ phase: `${p.clone.clone}: recovering indices (${done.length} of ${indices.length})`, percent, elapsedMs: p.w.ctx.now().getTime() - p.startedAt });
    await poll.wait();
  }
}

/**
 * Waits until the clone is usable: the domain active; the repository registered read-only; the snapshot's
 * indices (not the system ones) restored and recovered; then records snapclone:restored. Each step is
 * skipped or repeated harmlessly on a re-run, so an interrupted create resumes at any phase.
 */
export async function waitForClone(w: Where, clone: Clone, onProgress: (p: Progress) => void): Promise<Clone> {
  const p: Poll = { w, clone, onProgress, startedAt: w.ctx.now().getTime() };
  const tags = await readTags(w, clone.arn);
  if (tags && tags[TAG.managed] !== 'true') throw new SnapcloneError(`${DOMAIN_KIND} ${clone.id} carries no snapclone tags; it is not treated as a clone.`);
  if (tags) assertOwnClone(tags, clone.clone, clone.owner);
  if (!tags?.[TAG.restored]) {
    const endpoint = await untilReady(p);
    const source = sourceOf(p);
    await ensureReachable(w, clone, endpoint);
    const client = await dataPlane(w, endpoint);
    try {
      // The domain's REST API retries little by itself: each step rides out throttling and 5xx (and is
      // harmless to repeat: a restore asks only for the indices still missing).
      await refusedExplained(`${clone.clone}`, async () => {
        await steadily(w.ctx, `${clone.clone}'s snapshot repository`, () => registerRepository(p, client, source));
        const indices = await steadily(w.ctx, `${clone.clone}'s indices to be restored`, () => restoreIndices(p, client, source));
        await untilRecovered(p, client, indices);
      }, endpoint);
    } finally {
      await client.close();
    }
    await tagClone(w, clone, { [TAG.restored]: clone.restorePoint });
  }
  const ready = await describeClone(w, clone.id);
  if (!ready) throw new SnapcloneError(`${clone.clone} is gone.`);
  return ready;
}
