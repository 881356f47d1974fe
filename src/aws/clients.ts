import { StandardRetryStrategy } from '@smithy/core/retry';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, StandardRetryBackoffStrategy } from '@smithy/types';
import { addCallLog, type CallLogger } from './call-log.ts';

/** How long to wait for a connection, and for a whole request and its answer, before trying again. */
export const CONNECT_TIMEOUT_MS = 5_000;
export const REQUEST_TIMEOUT_MS = 60_000;
/**
 * Attempts per call. A long wait makes hundreds of calls, so a burst of throttling or a short outage must not
 * end it: with the standard strategy's jittered exponential backoff (throttling from a longer base, at most
 * 20 s apart) eight attempts ride out about a minute of trouble.
 */
export const MAX_ATTEMPTS = 8;

export interface Timeouts {
  connectMs: number;
  requestMs: number;
}

export interface ClientOptions {
  region: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Explicit endpoint; otherwise the SDK honours AWS_ENDPOINT_URL(_<SERVICE>) itself. */
  endpoint?: string;
  maxAttempts?: number;
  /** Backoff between attempts (tests pass one without waits); default: the SDK's standard one. */
  backoff?: StandardRetryBackoffStrategy;
  /** Connection and request timeouts (tests shorten them); default CONNECT_TIMEOUT_MS and REQUEST_TIMEOUT_MS. */
  timeouts?: Timeouts;
  /**
   * Called when a call fails, with the access key id it was signed with: true when the failure means that
   * session is stale (AWS says it expired, or a cached one is unknown) and the call is to be tried once more.
   */
  renewSession?: (error: unknown, usedKeyId?: string) => boolean;
  /** Told of every call (--debug): service, operation, status, duration, request id, retries. */
  onCall?: CallLogger;
}

/** Region, credentials, endpoint, timeouts and retries: the configuration every client gets. */
export function clientConfig(options: ClientOptions) {
  return {
    region: options.region,
    credentials: options.credentials,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    requestHandler: {
      connectionTimeout: options.timeouts?.connectMs ?? CONNECT_TIMEOUT_MS,
      requestTimeout: options.timeouts?.requestMs ?? REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
    retryStrategy: new StandardRetryStrategy({ maxAttempts: options.maxAttempts ?? MAX_ATTEMPTS, ...(options.backoff ? { backoff: options.backoff } : {}) }),
  };
}

interface Stacked {
  middlewareStack: {
    add(
      middleware: (next: (args: unknown) => Promise<unknown>, context: SignedContext) => (args: unknown) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}

/** Where the SDK keeps the identity a request was signed with (@smithy/core's httpAuthSchemeMiddleware). */
interface SignedContext {
  __smithy_context?: { selectedHttpAuthScheme?: { identity?: { accessKeyId?: string } } };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ClientClass<C> = new (config: any) => C;

/** The one place AWS clients are built: region, credentials, endpoint, timeouts, retries and the call log. */
export function makeClient<C>(Client: ClientClass<C>, options: ClientOptions): C {
  const client = new Client(clientConfig(options));
  const { renewSession, onCall } = options;
  if (renewSession) {
    // A session AWS ended early (revoked, or shorter than it said): fetch a new one and try once more.
    (client as unknown as Stacked).middlewareStack.add(
      (next, context) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          if (!renewSession(error, context.__smithy_context?.selectedHttpAuthScheme?.identity?.accessKeyId)) throw error;
          return next(args);
        }
      },
      { step: 'initialize', name: 'snapcloneRenewExpiredSession' },
    );
  }
  if (onCall) addCallLog(client as object, onCall, (client as { config?: { serviceId?: string } }).config?.serviceId);
  return client;
}

