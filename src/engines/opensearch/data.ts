import type { Client } from '@opensearch-project/opensearch';
import type { Where } from '../shared/aws.ts';

/** A loopback endpoint (host or host:port): only the local sandbox serves a domain there, over plain HTTP. */
export const isLoopback = (endpoint: string) => /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(endpoint);

/**
 * The domain's own REST API (the data plane), SigV4-signed for service `es` with the session's credentials,
 * through the official client (over half a megabyte: loaded only by the commands that use it).
 */
export async function dataPlane(w: Where, endpoint: string): Promise<Client> {
  const { restClient } = await import('./rest-client.ts');
  return restClient(w, endpoint);
}

export interface SnapshotInfo {
  snapshot: string;
  state: string;
  indices: string[];
  start_time_in_millis?: number;
  end_time_in_millis?: number;
}

/** The snapshots of a registered repository (GET _snapshot/<repo>/_all). */
export async function listSnapshots(client: Client, repository: string): Promise<SnapshotInfo[]> {
  const out = await client.snapshot.get({ repository, snapshot: '_all' });
  return ((out.body as { snapshots?: SnapshotInfo[] }).snapshots ?? []);
}

export interface IndexRow {
  index: string;
  health: string;
  status: string;
  'docs.count'?: string;
  'store.size'?: string;
}

/** The domain's indices (GET _cat/indices?format=json&bytes=b). */
export async function catIndices(client: Client): Promise<IndexRow[]> {
  const out = await client.cat.indices({ format: 'json', bytes: 'b' });
  return out.body as unknown as IndexRow[];
}

/** The shard recoveries under way (GET _cat/recovery?active_only=true&format=json). */
export async function activeRecoveries(client: Client): Promise<{ index: string; stage: string }[]> {
  const out = await client.cat.recovery({ format: 'json', active_only: true });
  return out.body as unknown as { index: string; stage: string }[];
}
