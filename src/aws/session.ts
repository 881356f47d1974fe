import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, StandardRetryBackoffStrategy } from '@smithy/types';
import type { TargetConfig } from '../config/schema.ts';
import { UsageError } from '../core/errors.ts';
import { roleSession, type RoleSession } from './assume-role.ts';
import { callLogPlugin, type CallLogger } from './call-log.ts';
import { makeClient, type ClientClass, type ClientOptions, type Timeouts } from './clients.ts';
import { refreshable } from './credentials.ts';
import { sessionName } from './names.ts';
import { sessionCache } from './session-cache.ts';
import { isExpiredSession } from './transient.ts';

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
  /**
   * Explicit endpoint for every client, STS AssumeRole included (--endpoint-url, tests); else the SDK's own
   * AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL and the profile's endpoint_url apply.
   */
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
  /** Told of every AWS call (--debug). */
  onCall?: CallLogger;
  /** Keep role sessions between runs in this directory (session-cache.ts); absent: assume the role each run. */
  cacheDirectory?: string;
  /** Told what the session decided (a cached session used, the current role session kept), for --verbose. */
  note?: (message: string) => void;
}

/**
 * Short-lived credentials for a target: the standard chain (env, profile, SSO, web identity), then, when the
 * target names a role, its session (assume-role.ts: cached between runs where asked, the current credentials
 * when they already are a session of that role, else AssumeRole with external id, MFA, duration, session name
 * and SourceIdentity). Nothing is written to ~/.aws.
 */
export function targetCredentials(target: TargetConfig, options: SessionOptions): { provider: AwsCredentialIdentityProvider; role?: RoleSession } {
  const region = options.region ?? target.region;
  const profile = options.profile ?? target.access.profile;
  const base: AwsCredentialIdentityProvider =
    options.credentials === undefined
      ? explainedChain(
          fromNodeProviderChain({
            profile,
            clientConfig: { region },
            // The chain's warnings (e.g. keys in the environment that a named profile sets aside) go to --verbose.
            logger: chainLogger(options.note),
            ...(options.onCall ? { clientPlugins: [callLogPlugin(options.onCall)] } : {}),
          }),
          profile,
        )
      : typeof options.credentials === 'function'
        ? options.credentials
        : () => Promise.resolve(options.credentials as AwsCredentialIdentity);
  const { roleArn, externalId, mfaSerial, durationSeconds } = target.access;
  if (!roleArn || options.roleAssumed) return { provider: base };
  const name = sessionName(options.person);
  const cache =
    options.cacheDirectory === undefined
      ? undefined
      : sessionCache(options.cacheDirectory, { roleArn, sourceIdentity: name, externalId, mfaSerial, profile, endpoint: options.endpoint });
  const role = roleSession({
    roleArn,
    externalId,
    mfaSerial,
    durationSeconds,
    sessionName: name,
    base,
    transport: transport(region, options),
    mfaCode: options.mfaCode,
    cache,
    note: options.note,
  });
  return { provider: role.provider, role };
}

function chainLogger(note: ((message: string) => void) | undefined) {
  const say = (message: unknown) => note?.(`credentials: ${String(message).split('\n').map((l) => l.trim()).filter(Boolean).join(' ')}`);
  return { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: say, error: say };
}

/**
 * The standard chain, its failures said as the aws CLI says them: no credentials at all is not AWS "rejecting"
 * them (nothing was sent), and a named profile that gives none is named.
 */
function explainedChain(chain: AwsCredentialIdentityProvider, profile: string | undefined): AwsCredentialIdentityProvider {
  return async (properties) => {
    try {
      return await chain(properties);
    } catch (error) {
      if ((error as { name?: string })?.name !== 'CredentialsProviderError') throw error;
      const said = (error as Error).message;
      const detail = /Could not load credentials from any providers/.test(said) ? '' : ` (${said})`;
      if (profile) {
        throw new UsageError(
          `No AWS credentials from the profile '${profile}'${detail}: it is not in ~/.aws/config or ~/.aws/credentials, or it gives none.`,
          `aws configure list-profiles lists your profiles; for an SSO profile, run aws sso login --profile ${profile} first. With a profile, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment are not used.`,
        );
      }
      throw new UsageError(
        `No AWS credentials found${detail}: none in the environment, no default profile, no SSO session, no web identity or instance role.`,
        'Set AWS_PROFILE (or pass --profile NAME), export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run aws sso login first.',
      );
    }
  };
}

/** Where and how every client of a session reaches AWS. */
function transport(region: string, options: SessionOptions): ClientOptions {
  const { endpoint, backoff, timeouts, maxAttempts, onCall } = options;
  return { region, endpoint, backoff, timeouts, maxAttempts, onCall };
}

/** Refusals of a session AWS does not know: a cached one from elsewhere (another endpoint, a revoked session). */
const UNKNOWN_SESSION = new Set(['InvalidClientTokenId', 'UnrecognizedClientException']);

export function createClients(target: TargetConfig, options: SessionOptions): AwsClients {
  const region = options.region ?? target.region;
  const { provider, role } = targetCredentials(target, options);
  const session = refreshable(provider);
  const credentials = session.provider;
  const renewSession = (error: unknown, usedKeyId?: string): boolean => {
    const name = (error as { name?: string })?.name ?? '';
    if (!isExpiredSession(error) && !(UNKNOWN_SESSION.has(name) && role?.servedFromCache(usedKeyId))) return false;
    // Calls under way together fail together: only the first drops the session, the others use its successor.
    if (usedKeyId === undefined || session.isCurrent(usedKeyId)) {
      role?.forget();
      session.expire();
    }
    return true;
  };
  const settings: ClientOptions = { ...transport(region, options), credentials, renewSession };
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
