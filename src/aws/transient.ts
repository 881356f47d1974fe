import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import type { SdkError } from '@smithy/types';

/** The error names of an expired session, as the query (STS, RDS…) and JSON protocols spell them. */
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);

export function isExpiredSession(error: unknown): boolean {
  return EXPIRED.has((error as { name?: string })?.name ?? '');
}

/**
 * Whether trying again later can succeed: throttling, a 5xx, a timeout, a refused or reset connection, an
 * unknown host (DNS hiccups), or an expired session (a fresh one is fetched). Anything else — access denied,
 * bad input, not found — is an answer, not a hiccup.
 */
export function isTransient(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const e = error as SdkError;
  const status = e.$metadata?.httpStatusCode ?? 0;
  // The OpenSearch client's errors (the domain's REST API) carry their status in meta.
  const restStatus = (error as { meta?: { statusCode?: number } }).meta?.statusCode ?? 0;
  if (e.name === 'ConnectionError' || restStatus === 429 || restStatus >= 500) return true;
  return isThrottlingError(e) || isTransientError(e) || isServerError(e) || status >= 500 || isExpiredSession(e);
}
