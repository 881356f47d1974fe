// The GitHub part of the generated trust, tried for real: each trust installed on a sandbox role and assumed with
// tokens of the sandbox's GitHub issuer, in both `sub` forms (classic `repo:ORG/REPO:…` and GitHub's immutable
// `repo:ORG@OWNER_ID/REPO@REPO_ID:…`), with the claims AWS lets a trust see (repository ids, job_workflow_ref).
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema, type Config } from '../../src/config/schema.ts';
import { githubSubjects, trustFor } from '../../src/iam/trust.ts';
import type { PolicyDocument } from '../../sandbox/core/iam.ts';
import { createRole } from '../../sandbox/core/iam-state.ts';
import { mintGithubToken, type GithubTokenOptions } from '../../sandbox/core/oidc.ts';
import { scenarioConfig, SCENARIO_TARGET } from '../../sandbox/scenario/config.ts';
import { arn, COMPANY_ACCOUNT, GITHUB_REPO } from '../../sandbox/scenario/index.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
beforeAll(async () => {
  sb = await startTestSandbox();
});
afterAll(() => sb?.close());

const REPO_ID = '812345678';
const OWNER_ID = '91234567';

/** The scenario config with `github` as its GitHub trust (checked by the config schema). */
function configWith(github: Record<string, unknown>): Config {
  const raw = scenarioConfig();
  raw.targets[SCENARIO_TARGET].access.trust.github = github as never;
  return ConfigSchema.parse(raw);
}

let roles = 0;
/** A sandbox role whose trust is exactly `trust`. */
function roleWith(trust: unknown): string {
  const name = `snapclone-trust-${++roles}`;
  createRole(sb.world, COMPANY_ACCOUNT, name, trust as PolicyDocument, []);
  return arn.role(name);
}
const generatedRole = (config: Config) => roleWith(trustFor(config, SCENARIO_TARGET));

/** 'assumed', or the error STS answered, for a token of `options` (environment snapclone unless said). */
async function tryAssume(roleArn: string, options: GithubTokenOptions): Promise<string> {
  const token = mintGithubToken(sb.world, { repository: GITHUB_REPO, environment: 'snapclone', ...options });
  const sts = new STSClient({ endpoint: sb.url, region: 'ap-northeast-1', maxAttempts: 1 });
  const command = new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'snapclone-octocat', WebIdentityToken: token });
  return sts.send(command).then(
    () => 'assumed',
    (error: unknown) => (error as Error).name,
  );
}

/** The GitHub statement main (6abec4d) generated for the scenario config: classic `sub` only. */
const MAIN_TRUST = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'GitHubActions',
      Effect: 'Allow',
      Principal: { Federated: `arn:aws:iam::${COMPANY_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
        StringLike: {
          'token.actions.githubusercontent.com:sub': [`repo:${GITHUB_REPO}:environment:snapclone`, `repo:${GITHUB_REPO}:ref:refs/heads/main`],
          'sts:RoleSessionName': 'snapclone-*',
        },
      },
    },
  ],
};

describe('immutable subject claims (repo:OWNER@ID/REPO@ID:…)', () => {
  it('a token with the immutable sub is refused by the trust main generated and accepted by the new one', async () => {
    const immutable = { immutableSubject: true, repositoryId: REPO_ID, ownerId: OWNER_ID };
    expect(await tryAssume(roleWith(MAIN_TRUST), immutable)).toBe('AccessDenied');
    const byName = generatedRole(configWith({ repositories: [GITHUB_REPO], environments: ['snapclone'], branches: ['main'] }));
    expect(await tryAssume(byName, immutable)).toBe('assumed');
    expect(await tryAssume(byName, { immutableSubject: true, environment: undefined, ref: 'refs/heads/main' })).toBe('assumed');
    // The classic form still works, and the name still decides: another owner's or repository's token is refused.
    expect(await tryAssume(byName, {})).toBe('assumed');
    expect(await tryAssume(byName, { repository: 'evil-co/app', immutableSubject: true })).toBe('AccessDenied');
    expect(await tryAssume(byName, { repository: 'example-co/app-2', immutableSubject: true })).toBe('AccessDenied');
    expect(await tryAssume(byName, { immutableSubject: true, environment: 'production' })).toBe('AccessDenied');
    expect(await tryAssume(byName, { immutableSubject: true, environment: undefined, ref: 'refs/heads/feature' })).toBe('AccessDenied');
  });

  it('without ids, the immutable pattern admits exactly the repositories the classic one names', () => {
    const config = configWith({ repositories: ['example-co/app'], environments: ['snapclone'] });
    expect(githubSubjects(config.targets.dev.access.trust!.github!)).toEqual([
      'repo:example-co/app:environment:snapclone',
      'repo:example-co@*/app@*:environment:snapclone',
    ]);
  });
});

describe('a repository configured with its ids', () => {
  const withIds = () =>
    configWith({ repositories: [{ name: GITHUB_REPO, id: Number(REPO_ID), ownerId: OWNER_ID }], environments: ['snapclone'], branches: ['main'] });

  it('binds repository_id and repository_owner_id, and names both sub forms exactly', () => {
    const [statement] = trustFor(withIds(), SCENARIO_TARGET).Statement;
    expect(statement.Condition.StringEquals).toEqual({
      'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
      'token.actions.githubusercontent.com:repository_id': REPO_ID,
      'token.actions.githubusercontent.com:repository_owner_id': OWNER_ID,
    });
    expect(statement.Condition.StringLike['token.actions.githubusercontent.com:sub']).toEqual([
      `repo:${GITHUB_REPO}:environment:snapclone`,
      `repo:${GITHUB_REPO}:ref:refs/heads/main`,
      `repo:example-co@${OWNER_ID}/app@${REPO_ID}:environment:snapclone`,
      `repo:example-co@${OWNER_ID}/app@${REPO_ID}:ref:refs/heads/main`,
    ]);
  });

  it('admits the repository in either sub form, and refuses another repository of the same name (another id)', async () => {
    const role = generatedRole(withIds());
    const ours = { repositoryId: REPO_ID, ownerId: OWNER_ID };
    expect(await tryAssume(role, ours)).toBe('assumed');
    expect(await tryAssume(role, { ...ours, immutableSubject: true })).toBe('assumed');
    // Renamed away, and a new repository created under the old name: same sub (classic form), another id.
    expect(await tryAssume(role, { repositoryId: '999', ownerId: OWNER_ID })).toBe('AccessDenied');
    expect(await tryAssume(role, { repositoryId: '999', ownerId: OWNER_ID, immutableSubject: true })).toBe('AccessDenied');
    // The organisation's name taken by another account: another owner id.
    expect(await tryAssume(role, { repositoryId: REPO_ID, ownerId: '5' })).toBe('AccessDenied');
    // Main's trust, bound by name, lets the impostor in.
    expect(await tryAssume(roleWith(MAIN_TRUST), { repositoryId: '999', ownerId: OWNER_ID })).toBe('assumed');
  });

  it('keeps repositories given by name in a statement of their own, which binds no ids', async () => {
    const config = configWith({
      repositories: [{ name: GITHUB_REPO, id: REPO_ID, ownerId: OWNER_ID }, 'example-co/tools'],
      environments: ['snapclone'],
    });
    const statements = trustFor(config, SCENARIO_TARGET).Statement;
    expect(statements.map((s) => s.Sid)).toEqual(['GitHubActions', 'GitHubActionsByName', 'Principals']);
    const role = roleWith(trustFor(config, SCENARIO_TARGET));
    expect(await tryAssume(role, { repository: 'example-co/tools' })).toBe('assumed');
    expect(await tryAssume(role, { repositoryId: '999', ownerId: OWNER_ID })).toBe('AccessDenied');
  });
});

describe('workflow pinning (job_workflow_ref)', () => {
  const pinned = () =>
    configWith({ repositories: [GITHUB_REPO], environments: ['snapclone'], workflows: ['.github/workflows/clone.yml@refs/heads/main'] });

  it('admits the configured workflow file from its ref, and refuses a modified copy dispatched from another branch', async () => {
    const role = generatedRole(pinned());
    expect(await tryAssume(role, { workflowFile: '.github/workflows/clone.yml', ref: 'refs/heads/main' })).toBe('assumed');
    expect(await tryAssume(role, { workflowFile: '.github/workflows/clone.yml', ref: 'refs/heads/my-branch' })).toBe('AccessDenied');
    expect(await tryAssume(role, { workflowFile: '.github/workflows/other.yml', ref: 'refs/heads/main' })).toBe('AccessDenied');
    // Without the pin (main's trust), the copy from another branch gets the role through the environment.
    expect(await tryAssume(roleWith(MAIN_TRUST), { workflowFile: '.github/workflows/clone.yml', ref: 'refs/heads/my-branch' })).toBe('assumed');
  });

  it('names the workflow of each repository, in the id form too where ids are known', () => {
    const config = configWith({
      repositories: [{ name: GITHUB_REPO, id: REPO_ID, ownerId: OWNER_ID }],
      environments: ['snapclone'],
      workflows: ['.github/workflows/clone.yml@refs/heads/main', 'example-co/shared/.github/workflows/snapclone.yml@refs/tags/v1'],
    });
    expect(trustFor(config, SCENARIO_TARGET).Statement[0].Condition.StringEquals['token.actions.githubusercontent.com:job_workflow_ref']).toEqual([
      `${GITHUB_REPO}/.github/workflows/clone.yml@refs/heads/main`,
      `example-co@${OWNER_ID}/app@${REPO_ID}/.github/workflows/clone.yml@refs/heads/main`,
      'example-co/shared/.github/workflows/snapclone.yml@refs/tags/v1',
    ]);
  });
});

describe('the config check', () => {
  const issues = (github: Record<string, unknown>) => {
    const raw = scenarioConfig();
    raw.targets[SCENARIO_TARGET].access.trust.github = github as never;
    const parsed = ConfigSchema.safeParse(raw);
    return parsed.success ? '' : JSON.stringify(parsed.error.issues);
  };

  it('takes ORG/REPO or {name, id, ownerId}, and workflow files with their ref', () => {
    expect(issues({ repositories: ['a/b', { name: 'a/c', id: 1, ownerId: '2' }], environments: ['e'], workflows: ['.github/workflows/x.yml@refs/heads/main'] })).toBe('');
  });

  it('refuses ids without a name or half the ids, a workflow without its ref, and wildcards', () => {
    expect(issues({ repositories: [{ name: 'a/b', id: 1 }], environments: ['e'] })).not.toBe('');
    expect(issues({ repositories: [{ name: 'a/b', id: 'x', ownerId: 2 }], environments: ['e'] })).not.toBe('');
    expect(issues({ repositories: ['a@1/b@2'], environments: ['e'] })).toContain('ORG/REPO');
    expect(issues({ repositories: ['a/b'], environments: ['e'], workflows: ['.github/workflows/x.yml'] })).toContain('the ref it runs from');
    expect(issues({ repositories: ['a/b'], environments: ['e'], workflows: ['.github/workflows/*.yml@refs/heads/main'] })).not.toBe('');
  });
});
