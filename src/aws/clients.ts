import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export interface ClientOptions {
  region: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Explicit endpoint; otherwise the SDK honours AWS_ENDPOINT_URL(_<SERVICE>) itself. */
  endpoint?: string;
  maxAttempts?: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ClientClass<C> = new (config: any) => C;

/** The one place AWS clients are built: region, credentials, endpoint and retries. */
export function makeClient<C>(Client: ClientClass<C>, options: ClientOptions): C {
  return new Client({
    region: options.region,
    credentials: options.credentials,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    maxAttempts: options.maxAttempts ?? 3,
    retryMode: 'standard',
  });
}
