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

type GithubTrust = NonNullable<TrustConfig['github']>;

/** A configured repository: its owner and name, and its immutable ids where the config gives them. */
export interface GithubRepository {
  owner: string;
  repo: string;
  ids?: { repository: string; owner: string };
}

export function githubRepository(entry: GithubTrust['repositories'][number]): GithubRepository {
  const name = typeof entry === 'string' ? entry : entry.name;
  const [owner, repo] = name.split('/');
  return typeof entry === 'string' ? { owner, repo } : { owner, repo, ids: { repository: String(entry.id), owner: String(entry.ownerId) } };
}

/**
 * The repository parts of the `sub` claims GitHub may send for a repository: `ORG/REPO` (the classic form) and
 * `ORG@OWNER_ID/REPO@REPO_ID` (immutable subject claims: the default for repositories created, renamed or
 * transferred since mid-2026, and those opted in). Without configured ids the immutable form is matched with
 * `*` for the ids: owner and repository names hold no `/`, `@` or `:`, so it admits exactly the repositories the
 * classic form names — bound by name, as the classic form is; configure the ids to bind the repository itself.
 */
function subjectRepositories(r: GithubRepository): string[] {
  return [`${r.owner}/${r.repo}`, r.ids ? `${r.owner}@${r.ids.owner}/${r.repo}@${r.ids.repository}` : `${r.owner}@*/${r.repo}@*`];
}

/** The GitHub `sub` claims a trust allows: each repository's environments and branches, in both forms. */
export function githubSubjects(github: GithubTrust, repositories = github.repositories.map(githubRepository)): string[] {
  return repositories.flatMap((r) =>
    subjectRepositories(r).flatMap((repo) => [
      ...(github.environments ?? []).map((env) => `repo:${repo}:environment:${env}`),
      ...(github.branches ?? []).map((branch) => `repo:${repo}:ref:refs/heads/${branch}`),
    ]),
  );
}

/**
 * The `job_workflow_ref` values a trust allows: each configured workflow file at its ref, in each repository
 * (a reusable workflow of another repository as written). GitHub documents the immutable ids in `sub` only; should
 * `job_workflow_ref` carry them too, the `OWNER@ID/REPO@ID/…` spelling is admitted as well where the ids are known.
 */
export function githubWorkflowRefs(github: GithubTrust, repositories = github.repositories.map(githubRepository)): string[] {
  return (github.workflows ?? []).flatMap((workflow) =>
    workflow.startsWith('.github/')
      ? repositories.flatMap((r) => [
          `${r.owner}/${r.repo}/${workflow}`,
          ...(r.ids ? [`${r.owner}@${r.ids.owner}/${r.repo}@${r.ids.repository}/${workflow}`] : []),
        ])
      : [workflow],
  );
}

const claim = (name: string) => `${GITHUB_OIDC_HOST}:${name}`;
const oneOrMany = (values: string[]) => (values.length === 1 ? values[0] : values);

/**
 * The web-identity statements for GitHub Actions: one for the repositories configured with their ids (bound by
 * `repository_id` and `repository_owner_id` as well as by `sub`), one for those configured by name only. The
 * claim keys are those AWS's Service Authorization Reference lists for sts:AssumeRoleWithWebIdentity.
 */
function githubStatements(github: GithubTrust, provider: unknown): TrustStatement[] {
  const repositories = github.repositories.map(githubRepository);
  const groups = [
    { sid: 'GitHubActions', members: repositories.filter((r) => r.ids) },
    { sid: 'GitHubActionsByName', members: repositories.filter((r) => !r.ids) },
  ].filter((g) => g.members.length > 0);
  return groups.map(({ sid, members }) => {
    const workflowRefs = githubWorkflowRefs(github, members);
    const ids = members.flatMap((r) => (r.ids ? [r.ids] : []));
    return {
      Sid: groups.length === 1 ? 'GitHubActions' : sid,
      Effect: 'Allow',
      Principal: { Federated: provider },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          [claim('aud')]: 'sts.amazonaws.com',
          ...(ids.length
            ? {
                [claim('repository_id')]: oneOrMany([...new Set(ids.map((i) => i.repository))]),
                [claim('repository_owner_id')]: oneOrMany([...new Set(ids.map((i) => i.owner))]),
              }
            : {}),
          ...(workflowRefs.length ? { [claim('job_workflow_ref')]: oneOrMany(workflowRefs) } : {}),
        },
        StringLike: { [claim('sub')]: githubSubjects(github, members), 'sts:RoleSessionName': SESSION_PATTERN },
      },
    };
  });
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
 * sts.amazonaws.com, `sub` limited to the configured repositories' environments and branches (classic and
 * immutable forms), the repositories' ids and the workflow files where configured, and a session
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
    const provider =
      providerArn ?? trust.github.providerArn ?? defaultGithubProviderArn(partitionOf(target.config.region), target.config.account);
    statements.push(...githubStatements(trust.github, provider));
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
