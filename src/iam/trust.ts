import type { Config, TrustConfig } from '../config/schema.ts';
import { resolveTarget } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import { SESSION_PREFIX } from '../aws/names.ts';
import { partitionOf } from './declare.ts';
import type { PolicyDocument } from './policy.ts';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/** A trust policy statement (with a Principal, unlike permission statements). */
export interface TrustStatement {
  Sid: string;
  Effect: 'Allow';
  Principal: { AWS: string | string[] } | { Federated: unknown };
  Action: string | string[];
  Condition: Record<string, Record<string, string | string[]>>;
}

export interface TrustDocument extends Omit<PolicyDocument, 'Statement'> {
  Statement: TrustStatement[];
}

/** The session names and source identities snapclone sets: snapclone-<person>. */
export const SESSION_PATTERN = `${SESSION_PREFIX}*`;

/** The GitHub `sub` claims a trust allows: each repository's environments and branches. */
export function githubSubjects(github: NonNullable<TrustConfig['github']>): string[] {
  return github.repositories.flatMap((repo) => [
    ...(github.environments ?? []).map((env) => `repo:${repo}:environment:${env}`),
    ...(github.branches ?? []).map((branch) => `repo:${repo}:ref:refs/heads/${branch}`),
  ]);
}

export const defaultGithubProviderArn = (partition: string, account: string) =>
  `arn:${partition}:iam::${account}:oidc-provider/${GITHUB_OIDC_HOST}`;

/** The target's trust settings, or a UsageError saying how to add them. */
export function trustSettings(config: Config, targetName: string): { trust: TrustConfig; externalId?: string } {
  const target = resolveTarget(config, targetName);
  const trust = target.config.access.trust;
  if (!trust || (!trust.github && !trust.principals?.length)) {
    throw new UsageError(
      `Target ${targetName} says nobody may assume its role: targets.${targetName}.access.trust names no GitHub repository and no principal`,
      `Add targets.${targetName}.access.trust.github (repositories, environments or branches) and/or .principals (IAM user or role ARNs).`,
    );
  }
  return { trust, externalId: target.config.access.externalId };
}

/**
 * The trust policy of a target's role. GitHub Actions: web identity from GitHub's OIDC provider, audience
 * sts.amazonaws.com, `sub` limited to the configured repositories' environments and branches, and a session
 * named snapclone-<actor> (GitHub's tokens carry no source-identity claim, so the session name is what
 * CloudTrail shows). IAM principals (a CI user, a role in a login account): with the external id, optionally
 * MFA, and a SourceIdentity snapclone-<person> they must set, so CloudTrail always names the person.
 * `providerArn` overrides the GitHub provider (the template passes a reference to the one it creates).
 */
export function trustFor(config: Config, targetName: string, providerArn?: unknown): TrustDocument {
  const target = resolveTarget(config, targetName);
  const { trust, externalId } = trustSettings(config, targetName);
  const statements: TrustStatement[] = [];
  if (trust.github) {
    statements.push({
      Sid: 'GitHubActions',
      Effect: 'Allow',
      Principal: {
        Federated:
          providerArn ?? trust.github.providerArn ?? defaultGithubProviderArn(partitionOf(target.config.region), target.config.account),
      },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com' },
        StringLike: { [`${GITHUB_OIDC_HOST}:sub`]: githubSubjects(trust.github), 'sts:RoleSessionName': SESSION_PATTERN },
      },
    });
  }
  if (trust.principals?.length) {
    statements.push({
      Sid: 'Principals',
      Effect: 'Allow',
      Principal: { AWS: trust.principals.length === 1 ? trust.principals[0] : [...trust.principals].sort() },
      Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
      Condition: {
        ...(externalId ? { StringEquals: { 'sts:ExternalId': externalId } } : {}),
        StringLike: { 'sts:SourceIdentity': SESSION_PATTERN },
        ...(trust.requireMfa ? { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } : {}),
      },
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}
