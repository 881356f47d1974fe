import { rememberSecret } from '../core/redact.ts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** A shared session for every client of a target, which can be declared expired so the next call fetches a new one. */
export interface RefreshableCredentials {
  provider: AwsCredentialIdentityProvider;
  /** AWS said the session is expired (earlier than its stated expiry): the next use fetches a new one. */
  expire(): void;
  /** Whether this access key is the session's current one (a call signed with an older one needs no renewal). */
  isCurrent(accessKeyId: string): boolean;
}

/** A session is renewed this long before its stated expiry, as the SDK does. */
const RENEW_BEFORE_MS = 5 * 60_000;

/**
 * One session shared by every client of a target (one AssumeRole, one MFA code per run, not one per client),
 * renewed before it expires. The SDK clients cache an identity until its `expiration` comes near, so a
 * session AWS ends early would be used until then: each identity handed out is a copy, whose expiration
 * `expire()` sets into the past so that every client holding it asks again.
 */
export function refreshable(source: AwsCredentialIdentityProvider, now: () => number = Date.now): RefreshableCredentials {
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  let issued: { expiration?: Date }[] = [];
  const fresh = (identity: AwsCredentialIdentity) => !identity.expiration || identity.expiration.getTime() - now() > RENEW_BEFORE_MS;
  return {
    provider: async (properties) => {
      if (!current || !fresh(current)) {
        pending ??= Promise.resolve(source(properties)).finally(() => (pending = undefined));
        current = await pending;
        rememberSecret(current.secretAccessKey);
        rememberSecret(current.sessionToken);
      }
      const copy = { ...current };
      if (copy.expiration) issued.push(copy);
      return copy;
    },
    isCurrent: (accessKeyId) => current?.accessKeyId === accessKeyId,
    expire() {
      for (const identity of issued) identity.expiration = new Date(0);
      issued = [];
      current = undefined;
    },
  };
}
