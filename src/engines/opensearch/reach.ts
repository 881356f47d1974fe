import { request as httpRequest, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ExitCode, SnapcloneError } from '../../core/errors.ts';
import type { Where } from '../shared/aws.ts';
import type { Clone } from '../types.ts';
import { placementOf } from './aws.ts';
import { isLoopback } from './data.ts';

/** How long a clone's endpoint may take to answer at all before it counts as unreachable from here. */
export const REACH_TIMEOUT_MS = 20_000;

/** The timeout, or SNAPCLONE_REACH_TIMEOUT_MS (milliseconds) where set: tests, or a slow link. */
export function reachTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const set = Number(env.SNAPCLONE_REACH_TIMEOUT_MS);
  return Number.isInteger(set) && set > 0 ? set : REACH_TIMEOUT_MS;
}

/** Errors that say no connection could be made or kept (not a TLS or HTTP matter): the network path is missing. */
const NO_PATH = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/**
 * Whether anything answers at the endpoint within `timeoutMs`: one unsigned GET / (any HTTP answer, a 403
 * included, means the path exists), resolving to why not when nothing does.
 */
export function probe(endpoint: string, timeoutMs: number): Promise<string | undefined> {
  const [host, port] = endpoint.split(':');
  const tls = !isLoopback(endpoint);
  return new Promise((resolve) => {
    let req: ClientRequest | undefined = undefined;
    const done = (why: string | undefined) => {
      clearTimeout(timer);
      req?.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => done(`no answer within ${timeoutMs / 1000} s`), timeoutMs);
    const options = { host, port: port ? Number(port) : tls ? 443 : 80, method: 'GET', path: '/', agent: false as const };
    req = (tls ? httpsRequest : httpRequest)(options, (res) => {
      res.resume();
      done(undefined);
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (NO_PATH.has(error.code ?? '') || /socket hang up/.test(error.message)) done(error.code ?? error.message);
      else done(undefined); // a TLS or protocol error: something answered; the REST client says what
    });
    req.end();
  });
}

/**
 * Checks, before the data-plane steps (repository registration, restore, progress), that the clone's endpoint
 * can be reached from where snapclone runs, and fails within the timeout otherwise, naming the endpoint, the
 * placement and what to do: a VPC domain answers only inside its VPC, and without this check the REST calls
 * would wait out their own timeouts and retries.
 */
export async function ensureReachable(w: Where, clone: Clone, endpoint: string, timeoutMs = reachTimeoutMs()): Promise<void> {
  const why = await probe(endpoint, timeoutMs);
  if (why === undefined) return;
  const placement = placementOf(w.target);
  const groups = placement.securityGroupIds.join(', ');
  throw new SnapcloneError(
    `Could not reach the REST API of ${clone.clone} at ${endpoint} (${why}). The domain is in target ${w.target.name}'s placement: subnets ${placement.subnetIds.join(', ')}, security groups ${groups}; a domain in a VPC answers only from inside that VPC, so its snapshot cannot be restored from here.`,
    ExitCode.failed,
    `Run snapclone where that VPC is reachable (a self-hosted or CodeBuild-hosted runner in it, or over the company VPN: docs/reaching-clones.md), with HTTPS (443) from there allowed by ${groups}; then run the same command again: it carries on with the domain already made.`,
  );
}
