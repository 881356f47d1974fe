import { SnapcloneError } from '../../core/errors.ts';
import { inRange, type Range } from '../shared/points.ts';
import { steadily, type Where } from '../shared/aws.ts';
import type { RestorePoint, SourceRef } from '../types.ts';
import { isSystemIndex, repositoryOf } from './aws.ts';
import { dataPlane, listSnapshots, refusedExplained } from './data.ts';
import { describeDomain, endpointOf } from './describe.ts';

/**
 * The manual snapshots in the source's repository, read (GET only) through the source domain's REST API,
 * newest first; only SUCCESS snapshots can be restored (the others are returned marked unrestorable, so that
 * `points` lists them and `create` says it skipped them). Their time is when the snapshot started.
 */
export async function searchPoints(w: Where, source: SourceRef, range: Range = {}): Promise<RestorePoint[]> {
  const repo = repositoryOf(source);
  const domain = await describeDomain(w, source.config.id);
  const endpoint = domain ? endpointOf(domain) : undefined;
  if (!endpoint) throw new SnapcloneError(`The source domain ${source.config.id} has no endpoint (is it there and active?), so its snapshots cannot be listed.`);
  const client = await dataPlane(w, endpoint);
  try {
    const points: RestorePoint[] = [];
    const snapshots = await refusedExplained(`source domain ${source.config.id}`, () => steadily(w.ctx, `the snapshots of ${source.name}`, () => listSnapshots(client, repo.name)), endpoint);
    for (const s of snapshots) {
      if (s.start_time_in_millis === undefined) continue;
      const time = new Date(s.start_time_in_millis);
      if (!inRange(time, range)) continue;
      const indices = s.indices.filter((i) => !isSystemIndex(i));
      const note = `${indices.length} indices: ${indices.slice(0, 4).join(', ')}${indices.length > 4 ? ', …' : ''}`;
      points.push({ kind: 'snapshot', id: s.snapshot, time, note, ...(s.state === 'SUCCESS' ? {} : { unrestorable: s.state }) });
    }
    return points.sort((a, b) => b.time.getTime() - a.time.getTime());
  } finally {
    await client.close();
  }
}
