import type { KeyObject } from 'node:crypto';
import type { IamRole, IamUser, IssuedCredentials, PolicyDocument, Principal } from './iam.ts';
import { hex, secret, upperId } from './ids.ts';
import type { World } from './world.ts';

/**
 * IAM bookkeeping the World has no field for: MFA devices and OIDC providers, kept in `world.state` under
 * the pseudo-region 'global'. Users and roles live in `world.users` / `world.roles`, keyed by ARN.
 */

export interface MfaDevice {
  serialNumber: string;
  userArn: string;
  /** Base32 TOTP seed. */
  secret: string;
}

export interface OidcProvider {
  arn: string;
  /** Issuer URL as in the token's `iss` claim, e.g. https://token.actions.githubusercontent.com */
  url: string;
  audiences: string[];
  /** The key that verifies the provider's tokens. */
  publicKey: () => KeyObject;
}

export const mfaDevices = (world: World, accountId: string) =>
  world.state('iam-mfa', accountId, 'global', () => new Map<string, MfaDevice>());

export const oidcProviders = (world: World, accountId: string) =>
  world.state('iam-oidc', accountId, 'global', () => new Map<string, OidcProvider>());

export const userArn = (accountId: string, name: string) => `arn:aws:iam::${accountId}:user/${name}`;
export const roleArn = (accountId: string, name: string) => `arn:aws:iam::${accountId}:role/${name}`;

export function createUser(world: World, accountId: string, name: string, policies: PolicyDocument[]): IamUser {
  const user: IamUser = {
    kind: 'user',
    accountId,
    name,
    arn: userArn(accountId, name),
    userId: `AIDA${upperId(17)}`,
    policies,
  };
  world.users.set(user.arn, user);
  return user;
}

export function createRole(
  world: World,
  accountId: string,
  name: string,
  trustPolicy: PolicyDocument,
  policies: PolicyDocument[],
  maxSessionDuration = 3600,
): IamRole {
  const role: IamRole = {
    kind: 'role',
    accountId,
    name,
    arn: roleArn(accountId, name),
    roleId: `AROA${upperId(17)}`,
    trustPolicy,
    policies,
    maxSessionDuration,
    createdAt: world.clock.now(),
  };
  world.roles.set(role.arn, role);
  return role;
}

/** A long-term access key (AKIA…) for an IAM user, with a fresh random secret. */
export function issueUserKey(world: World, user: IamUser): IssuedCredentials {
  const issued: IssuedCredentials = {
    accessKeyId: `AKIA${upperId(16)}`,
    secretAccessKey: secret(40),
    principal: { kind: 'user', accountId: user.accountId, arn: user.arn, userId: user.userId, user },
  };
  world.credentials.set(issued.accessKeyId, issued);
  return issued;
}

/** Temporary session credentials (ASIA…) for an assumed-role principal, valid until `expiration`. */
export function issueSession(world: World, principal: Principal, expiration: Date): IssuedCredentials {
  const issued: IssuedCredentials = {
    accessKeyId: `ASIA${upperId(16)}`,
    secretAccessKey: secret(40),
    sessionToken: Buffer.from(`snapclone-sandbox-session:${hex(48)}`).toString('base64'),
    expiration,
    principal,
  };
  world.credentials.set(issued.accessKeyId, issued);
  return issued;
}

/** What a session knows beyond the Principal type: MFA, session policy, transitive tags, how it began. */
export interface SessionInfo {
  mfaAuthenticatedAt?: Date;
  sessionPolicy?: PolicyDocument;
  transitiveTagKeys?: string[];
  /** The OIDC provider ARN for web identity sessions. */
  federatedProvider?: string;
}

const sessions = new WeakMap<Principal, SessionInfo>();

export const sessionInfo = (principal: Principal): SessionInfo => sessions.get(principal) ?? {};
export const setSessionInfo = (principal: Principal, info: SessionInfo): void => {
  sessions.set(principal, info);
};
