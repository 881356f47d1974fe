import { createHash, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
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
  /** The whole `sub`, as given; by default it is built from the repository, its ids, the environment or ref. */
  sub?: string;
  /** ORG/REPO (default example-co/app). */
  repository?: string;
  /** The repository's and its owner's immutable ids (default: a stable number derived from each name). */
  repositoryId?: string;
  ownerId?: string;
  /** The `sub` in GitHub's immutable form `repo:OWNER@OWNER_ID/REPO@REPO_ID:…` (repositories since mid-2026). */
  immutableSubject?: boolean;
  /** The job's deployment environment: `sub` then ends in `:environment:NAME`, else in `:ref:REF`. */
  environment?: string;
  /** The git ref of the run (default refs/heads/main). */
  ref?: string;
  /** The workflow file the job comes from (job_workflow_ref is `ORG/REPO/<file>@<ref>`), default .github/workflows/clone.yml. */
  workflowFile?: string;
  actor?: string;
  aud?: string;
  iss?: string;
  /** Lifetime in seconds from the sandbox clock's now (GitHub's tokens live about 5 minutes); negative = expired. */
  ttlSeconds?: number;
  /** Extra or overriding claims. */
  claims?: Record<string, unknown>;
}

/** A stable stand-in for the numeric id GitHub gives an account or repository of this name. */
export function githubIdOf(name: string): string {
  return String(Number.parseInt(createHash('sha256').update(name).digest('hex').slice(0, 8), 16) + 1);
}

/**
 * The claims of a GitHub Actions ID token (docs.github.com, "OpenID Connect reference"): `sub` in the classic
 * `repo:ORG/REPO:…` or the immutable `repo:ORG@OWNER_ID/REPO@REPO_ID:…` form, and the custom claims this sandbox
 * gives AWS's condition keys from (repository_id, repository_owner_id, job_workflow_ref, …).
 */
export function githubClaims(world: World, options: GithubTokenOptions = {}): JwtClaims {
  const repository = options.repository ?? 'example-co/app';
  const [owner, repo] = repository.split('/');
  const repositoryId = options.repositoryId ?? githubIdOf(repository);
  const ownerId = options.ownerId ?? githubIdOf(owner);
  const ref = options.ref ?? 'refs/heads/main';
  const now = Math.floor(world.clock.nowMs() / 1000);
  const ttl = options.ttlSeconds ?? 300;
  const subjectRepository = options.immutableSubject ? `${owner}@${ownerId}/${repo}@${repositoryId}` : repository;
  const context = options.environment ? `environment:${options.environment}` : `ref:${ref}`;
  const workflowFile = options.workflowFile ?? '.github/workflows/clone.yml';
  const actor = options.actor ?? 'octocat';
  return {
    iss: options.iss ?? GITHUB_ISSUER_URL,
    aud: options.aud ?? 'sts.amazonaws.com',
    sub: options.sub ?? `repo:${subjectRepository}:${context}`,
    repository,
    repository_id: repositoryId,
    repository_owner: owner,
    repository_owner_id: ownerId,
    actor,
    actor_id: githubIdOf(actor),
    ref,
    ...(options.environment ? { environment: options.environment } : {}),
    workflow: 'snapclone',
    workflow_ref: `${repository}/${workflowFile}@${ref}`,
    job_workflow_ref: `${repository}/${workflowFile}@${ref}`,
    iat: Math.min(now, now + ttl),
    nbf: Math.min(now, now + ttl) - 5,
    exp: now + ttl,
    ...options.claims,
  };
}

/** Mints a GitHub-Actions-like OIDC token signed by this World's issuer key (see createOidcIssuer). */
export function mintGithubToken(world: World, options: GithubTokenOptions = {}): string {
  if (!worldsWithIssuer.has(world)) throw new Error('No OIDC issuer in this sandbox world: seed the scenario first');
  const claims = githubClaims(world, options);
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
