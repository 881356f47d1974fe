import type { Client } from '@opensearch-project/opensearch';
import { SnapcloneError } from '../../core/errors.ts';
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

interface RefusedBody {
  error?: { type?: string; reason?: string };
  Message?: string;
  message?: string;
}

/** The official client's errors for a domain it could not reach (refused, reset, timed out, no host). */
const UNREACHABLE = new Set(['ConnectionError', 'TimeoutError', 'NoLivingConnectionsError']);

/**
 * Runs REST calls on a domain, turning its refusals into errors that say what to change: a domain that cannot
 * be reached from here (a VPC domain answers only inside its VPC: F7), fine-grained access control refusing an
 * identity it maps to nothing (403 security_exception), or the AWS front end refusing a call IAM does not allow
 * (403 {"Message"}).
 */
export async function refusedExplained<T>(what: string, run: () => Promise<T>, endpoint?: string): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (UNREACHABLE.has((error as { name?: string }).name ?? '')) {
      throw new SnapcloneError(
        `Could not reach the REST API of ${what}${endpoint ? ` at ${endpoint}` : ''}: ${(error as Error).message}.`,
        undefined,
        'A domain in a VPC answers only from inside that VPC: run snapclone where the VPC is reachable (a self-hosted or CodeBuild-hosted runner in it, or over the company VPN; docs/github.md). A re-run carries on.',
      );
    }
    const meta = (error as { meta?: { statusCode?: number; body?: RefusedBody } }).meta;
    if (meta?.statusCode !== 403) throw error;
    const body = meta.body ?? {};
    if (body.error?.type === 'security_exception') {
      throw new SnapcloneError(
        `The fine-grained access control of ${what} refused: ${body.error.reason ?? 'no permissions'}.`,
        undefined,
        'On a source domain, map snapclone\'s role as docs/iam.md ("OpenSearch") says; a clone\'s master user is the role that created it, so use that role.',
      );
    }
    throw new SnapcloneError(`${what} refused the call: ${body.Message ?? body.message ?? 'access denied'}.`, undefined, 'Check the role\'s policy against snapclone iam policy (docs/iam.md).');
  }
}
