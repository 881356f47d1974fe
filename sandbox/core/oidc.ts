import { generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { AwsError } from './errors.ts';
import { oidcProviders, type OidcProvider } from './iam-state.ts';
import type { World } from './world.ts';

/**
 * A stand-in for GitHub's OIDC issuer: an RS256 key pair made per World, the matching IAM OIDC provider,
 * a function to mint tokens (tests, the demo) and the verification AssumeRoleWithWebIdentity does.
 */

export const GITHUB_ISSUER_URL = 'https://token.actions.githubusercontent.com';

const worldsWithIssuer = new WeakSet<World>();
let keyPair: { privateKey: KeyObject; publicKey: KeyObject } | undefined;

/**
 * The issuer's RS256 key pair: one per process, made on first use. RSA key generation takes 50–300 ms,
 * which every sandbox start would otherwise pay, though few runs ever see a web identity token.
 */
function issuerKeys(): { privateKey: KeyObject; publicKey: KeyObject } {
  keyPair ??= generateKeyPairSync('rsa', { modulusLength: 2048 });
  return keyPair;
}

export interface JwtClaims {
  iss: string;
  aud: string | string[];
  sub: string;
  exp: number;
  iat: number;
  nbf?: number;
  [claim: string]: unknown;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** Registers an IAM OIDC provider for `url` in `accountId` whose tokens this World can mint. */
export function createOidcIssuer(world: World, accountId: string, url = GITHUB_ISSUER_URL, audiences = ['sts.amazonaws.com']): OidcProvider {
  worldsWithIssuer.add(world);
  const provider: OidcProvider = {
    arn: `arn:aws:iam::${accountId}:oidc-provider/${url.replace(/^https:\/\//, '')}`,
    url,
    audiences,
    publicKey: () => issuerKeys().publicKey,
  };
  oidcProviders(world, accountId).set(provider.arn, provider);
  return provider;
}

export interface GithubTokenOptions {
  /** `repo:ORG/REPO:ref:refs/heads/main` by default; pass `repo:ORG/REPO:environment:NAME` for environments. */
  sub?: string;
  repository?: string;
  actor?: string;
  aud?: string;
  iss?: string;
  /** Lifetime in seconds from the sandbox clock's now (GitHub's tokens live about 5 minutes); negative = expired. */
  ttlSeconds?: number;
  /** Extra or overriding claims. */
  claims?: Record<string, unknown>;
}

/** Mints a GitHub-Actions-like OIDC token signed by this World's issuer key (see createOidcIssuer). */
export function mintGithubToken(world: World, options: GithubTokenOptions = {}): string {
  if (!worldsWithIssuer.has(world)) throw new Error('No OIDC issuer in this sandbox world: seed the scenario first');
  const repository = options.repository ?? 'example-co/app';
  const now = Math.floor(world.clock.nowMs() / 1000);
  const ttl = options.ttlSeconds ?? 300;
  const claims: JwtClaims = {
    iss: options.iss ?? GITHUB_ISSUER_URL,
    aud: options.aud ?? 'sts.amazonaws.com',
    sub: options.sub ?? `repo:${repository}:ref:refs/heads/main`,
    repository,
    repository_owner: repository.split('/')[0],
    actor: options.actor ?? 'octocat',
    ref: 'refs/heads/main',
    iat: Math.min(now, now + ttl),
    nbf: Math.min(now, now + ttl) - 5,
    exp: now + ttl,
    ...options.claims,
  };
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'snapclone-sandbox' }));
  const payload = b64url(JSON.stringify(claims));
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), issuerKeys().privateKey);
  return `${header}.${payload}.${b64url(signature)}`;
}

const invalid = (message: string) => new AwsError('InvalidIdentityToken', message, 400);

/**
 * Verifies a web identity token as STS does: structure, RS256 signature by a registered provider of the
 * account, issuer, audience, time window. Returns the provider and the claims.
 */
export function verifyWebIdentityToken(
  world: World,
  accountId: string,
  token: string,
): { provider: OidcProvider; claims: JwtClaims } {
  const parts = token.split('.');
  if (parts.length !== 3) throw invalid('The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)');
  let header: { alg?: string };
  let claims: JwtClaims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw invalid('The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)');
  }
  const provider = [...oidcProviders(world, accountId).values()].find((p) => p.url === claims.iss);
  if (!provider) throw invalid('No OpenIDConnect provider found in your account for ' + String(claims.iss));
  if (header.alg !== 'RS256') throw invalid('Incorrect token audience');
  const ok = verify(
    'sha256',
    Buffer.from(`${parts[0]}.${parts[1]}`),
    provider.publicKey(),
    Buffer.from(parts[2], 'base64url'),
  );
  if (!ok) throw invalid('The web identity token signature could not be verified.');
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.some((a) => provider.audiences.includes(a))) throw invalid('Incorrect token audience');
  const now = world.clock.nowMs() / 1000;
  if (typeof claims.exp !== 'number' || claims.exp <= now) {
    throw new AwsError('ExpiredTokenException', 'Token expired: current date/time ' + Math.floor(now) + ' must be before the expiration date/time ' + String(claims.exp), 400);
  }
  if (typeof claims.nbf === 'number' && claims.nbf > now + 300) throw invalid('The token is not yet valid (nbf).');
  if (typeof claims.sub !== 'string' || claims.sub === '') throw invalid('The token has no subject (sub).');
  return { provider, claims };
}
