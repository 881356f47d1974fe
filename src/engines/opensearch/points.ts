import { inRange, type Range } from '../shared/points.ts';
import { steadily, type Where } from '../shared/aws.ts';
import type { RestorePoint, SourceRef } from '../types.ts';
import { isSystemIndex, repositoryOf } from './aws.ts';
import { repositorySnapshots, type RepositorySnapshot } from './repository.ts';

/** Why a snapshot of the repository is not offered, or undefined when it can be restored. */
function notRestorable(s: RepositorySnapshot): string | undefined {
  if (s.state === undefined) return 'its state is not recorded';
  if (s.state === 'PARTIAL') return 'PARTIAL: some shards failed, a clone would miss their data';
  if (s.state !== 'SUCCESS') return s.state;
  if (!s.finishedAt) return 'its snap-<uuid>.dat is missing, so when it finished is unknown';
  return undefined;
}

/**
 * The manual snapshots in the source's S3 repository, read through S3 (repository.ts), newest first: no call
 * reaches the production domain. Only SUCCESS snapshots can be restored: the others of the range are returned
 * marked unrestorable (`points` lists them, `create` says it passed them over), or said when their time is unknown.
 * A snapshot's time is when it finished (the repository records no start times).
 */
export async function searchPoints(w: Where, source: SourceRef, range: Range = {}): Promise<RestorePoint[]> {
  const repo = repositoryOf(source);
  const snapshots = await steadily(w.ctx, `the snapshots of ${source.name}`, () => repositorySnapshots(w, repo));
  const points: RestorePoint[] = [];
  const skipped: string[] = [];
  for (const s of snapshots) {
    if (s.finishedAt && !inRange(s.finishedAt, range)) continue;
    const why = notRestorable(s);
    if (why && s.finishedAt) {
      points.push({ kind: 'snapshot', id: s.name, time: s.finishedAt, note: why, unrestorable: s.state ?? why });
      continue;
    }
    if (why) {
      skipped.push(`${s.name} (${why})`);
      continue;
    }
    const indices = s.indices.filter((i) => !isSystemIndex(i));
    points.push({ kind: 'snapshot', id: s.name, time: s.finishedAt!, note: `${indices.length} indices: ${indices.slice(0, 4).join(', ')}${indices.length > 4 ? ', …' : ''}` });
  }
  if (skipped.length > 0) {
    w.ctx.reporter.info(`${source.name}: not restorable, so not offered: ${skipped.join('; ')}.`);
  }
  return points.sort((a, b) => b.time.getTime() - a.time.getTime());
}
