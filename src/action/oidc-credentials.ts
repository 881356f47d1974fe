import { fromWebToken } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

export interface GithubOidcSession {
  roleArn: string;
  /** snapclone-<person>: the role's trust requires it, and CloudTrail names the person by it. */
  sessionName: string;
  /** Asks GitHub for a new ID token (core.getIDToken with audience sts.amazonaws.com). */
  idToken: () => Promise<string>;
  /** STS's endpoint, when not AWS's or AWS_ENDPOINT_URL's (tests); the region is the asking client's. */
  endpoint?: string;
}

/**
 * Sessions of the role from the workflow's OIDC identity: every session (the first, and each renewal when one
 * nears its end or AWS says it expired) is exchanged for a fresh ID token. GitHub's tokens expire about five
 * minutes after they are issued, role sessions after an hour: a token written once to a file and re-read at
 * renewal is long expired (ExpiredTokenException), so a create that outlives its first session would fail.
 * The STS client takes its region from the client that asks for credentials.
 */
export function githubOidcCredentials(session: GithubOidcSession): AwsCredentialIdentityProvider {
  return async (properties) => {
    const webIdentityToken = await session.idToken();
    const clientConfig = session.endpoint ? { endpoint: session.endpoint } : undefined;
    return fromWebToken({ roleArn: session.roleArn, roleSessionName: session.sessionName, webIdentityToken, clientConfig })(properties);
  };
}
