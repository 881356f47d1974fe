import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, StandardRetryBackoffStrategy } from '@smithy/types';
import type { TargetConfig } from '../config/schema.ts';
import { clientConfig, makeClient, type ClientClass, type ClientOptions, type Timeouts } from './clients.ts';
import { refreshable } from './credentials.ts';
import { sessionName } from './names.ts';

export { sessionName } from './names.ts';

export interface AwsClients {
  region: string;
  /**
   * The session's client of one AWS service (`clients.of(RDSClient)`), made on first use and kept: a command
   * loads and builds only the clients of the services it calls.
   */
  of<C extends object>(Client: ClientClass<C>): C;
  /** The session's credentials, for what the SDK clients do not cover (OpenSearch's signed REST API). */
  credentials: AwsCredentialIdentityProvider;
}

export interface SessionOptions {
  /** --profile: where the standard chain starts. */
  profile?: string;
  /** --region: overrides the target's region. */
  region?: string;
  /** Recorded as session name and SourceIdentity, so CloudTrail says who did what. */
  person: string;
  /** Supplies the MFA code when the target's access names an MFA device. */
  mfaCode?: (serial: string) => Promise<string>;
  /** Explicit endpoint for every client, STS AssumeRole included (tests, the sandbox); else AWS_ENDPOINT_URL… apply. */
  endpoint?: string;
  /**
   * The chain's credentials are already a session of the role to use (the GitHub Action assumed it with the
   * workflow's OIDC token): targets' access.roleArn is not assumed again.
   */
  roleAssumed?: string;
  /** Base credentials instead of the standard chain (tests pass a sandbox key); the target's role is still assumed. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Backoff between a call's attempts (tests pass one without waits). */
  backoff?: StandardRetryBackoffStrategy;
  /** Connection and request timeouts (tests shorten them). */
  timeouts?: Timeouts;
  /** Attempts per call (default MAX_ATTEMPTS). */
  maxAttempts?: number;
  /** Told of each client the session makes (tests record the calls). */
  onClient?: (client: object) => void;
}

/**
 * Short-lived credentials for a target: the standard chain (env, profile, SSO, web identity), then, when the
 * target names a role, AssumeRole with external id, MFA, duration, session name and SourceIdentity. The
 * provider refreshes itself when a long wait outlives the session; nothing is written to ~/.aws.
 */
export function targetCredentials(target: TargetConfig, options: SessionOptions): AwsCredentialIdentityProvider {
  const region = options.region ?? target.region;
  const base: AwsCredentialIdentityProvider =
    options.credentials === undefined
      ? fromNodeProviderChain({ profile: options.profile ?? target.access.profile, clientConfig: { region } })
      : typeof options.credentials === 'function'
        ? options.credentials
        : () => Promise.resolve(options.credentials as AwsCredentialIdentity);
  const { roleArn, externalId, mfaSerial, durationSeconds } = target.access;
  if (!roleArn || options.roleAssumed) return base;
  return fromTemporaryCredentials({
    masterCredentials: base,
    params: {
      RoleArn: roleArn,
      RoleSessionName: sessionName(options.person),
      SourceIdentity: sessionName(options.person),
      ExternalId: externalId,
      SerialNumber: mfaSerial,
      DurationSeconds: durationSeconds,
    },
    clientConfig: clientConfig(transport(region, options)),
    ...(mfaSerial && options.mfaCode ? { mfaCodeProvider: () => options.mfaCode!(mfaSerial) } : {}),
  });
}

/** Where and how every client of a session reaches AWS. */
function transport(region: string, options: SessionOptions): ClientOptions {
  const { endpoint, backoff, timeouts, maxAttempts } = options;
  return { region, endpoint, backoff, timeouts, maxAttempts };
}

export function createClients(target: TargetConfig, options: SessionOptions): AwsClients {
  const region = options.region ?? target.region;
  const session = refreshable(targetCredentials(target, options));
  const credentials = session.provider;
  const settings = { ...transport(region, options), credentials, onExpiredSession: session.expire };
  const made = new Map<ClientClass<object>, object>();
  return {
    region,
    credentials,
    of<C extends object>(Client: ClientClass<C>): C {
      let client = made.get(Client) as C | undefined;
      if (!client) {
        client = makeClient(Client, settings);
        made.set(Client, client);
        options.onClient?.(client);
      }
      return client;
    },
  };
}
