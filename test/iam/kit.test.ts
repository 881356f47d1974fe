// The trust policy and the template snapclone generates, tried for real: the generated trust installed on a
// sandbox role and assumed the way snapclone (AssumeRole with external id and SourceIdentity) and GitHub
// Actions (web identity) assume it; the template parsed as CloudFormation YAML; the iam command's inputs.
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import * as iam from '../../src/commands/iam.ts';
import { ConfigSchema, type Config } from '../../src/config/schema.ts';
import { UsageError } from '../../src/core/errors.ts';
import { policiesFor } from '../../src/iam/split.ts';
import { trustFor } from '../../src/iam/trust.ts';
import type { PolicyDocument } from '../../sandbox/core/iam.ts';
import { createRole } from '../../sandbox/core/iam-state.ts';
import { mintGithubToken } from '../../sandbox/core/oidc.ts';
import { scenarioConfig, SCENARIO_TARGET } from '../../sandbox/scenario/config.ts';
import { arn, COMPANY_ACCOUNT, EXTERNAL_ID, GITHUB_REPO } from '../../sandbox/scenario/index.ts';
import { errorOf } from '../support/errors.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { TestReporter } from '../../src/output/reporter.ts';
import type { Context } from '../../src/core/context.ts';

let sb: TestSandbox;
const config = ConfigSchema.parse(scenarioConfig());
const ROLE = 'snapclone-generated';
const roleArn = arn.role(ROLE);

beforeAll(async () => {
  sb = await startTestSandbox();
  // A role with exactly the generated trust and permissions (the CI user is a trusted principal).
  const withRole = structuredClone(config);
  withRole.targets.dev.access.roleArn = roleArn;
  createRole(
    sb.world,
    COMPANY_ACCOUNT,
    ROLE,
    trustFor(withRole, SCENARIO_TARGET) as unknown as PolicyDocument,
    policiesFor(withRole, SCENARIO_TARGET).map((p) => p.document as unknown as PolicyDocument),
  );
  // The CI user may call sts:AssumeRole on it (its identity policy names only the operator role).
  sb.world.users.get(arn.user('snapclone-ci'))!.policies.push({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArn }],
  });
});
afterAll(() => sb?.close());

const sts = () => new STSClient(sb.config(sb.scenario.ci));
const anonymous = () => new STSClient({ endpoint: sb.url, region: 'ap-northeast-1', maxAttempts: 1 });

describe('the generated trust policy', () => {
  it('lets the principal in with the external id and a snapclone SourceIdentity, as snapclone assumes it', async () => {
    const out = await sts().send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'snapclone-alice', SourceIdentity: 'snapclone-alice', ExternalId: EXTERNAL_ID }),
    );
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${COMPANY_ACCOUNT}:assumed-role/${ROLE}/snapclone-alice`);
    expect(out.SourceIdentity).toBe('snapclone-alice');
  });

  it('refuses the principal without the SourceIdentity, with another one, or without the external id', async () => {
    const tries = [
      { RoleSessionName: 'snapclone-alice', ExternalId: EXTERNAL_ID },
      { RoleSessionName: 'snapclone-alice', SourceIdentity: 'alice', ExternalId: EXTERNAL_ID },
      { RoleSessionName: 'snapclone-alice', SourceIdentity: 'snapclone-alice' },
    ];
    for (const input of tries) {
      expect((await errorOf(sts().send(new AssumeRoleCommand({ RoleArn: roleArn, ...input })))).name).toBe('AccessDenied');
    }
  });

  it('lets GitHub Actions in from the configured environments and branches, with a snapclone session name', async () => {
    for (const sub of [`repo:${GITHUB_REPO}:environment:snapclone`, `repo:${GITHUB_REPO}:ref:refs/heads/main`]) {
      const token = mintGithubToken(sb.world, { repository: GITHUB_REPO, sub });
      const out = await anonymous().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'snapclone-octocat', WebIdentityToken: token }));
      expect(out.AssumedRoleUser?.Arn).toContain(`${ROLE}/snapclone-octocat`);
    }
  });

  it('refuses GitHub pull requests, other branches, environments and repositories, and foreign session names', async () => {
    const refused = [
      [`repo:${GITHUB_REPO}:pull_request`, 'snapclone-octocat'],
      [`repo:${GITHUB_REPO}:ref:refs/heads/feature`, 'snapclone-octocat'],
      [`repo:${GITHUB_REPO}:environment:production`, 'snapclone-octocat'],
      ['repo:evil-co/app:environment:snapclone', 'snapclone-octocat'],
      [`repo:${GITHUB_REPO}:environment:snapclone`, 'GitHubActions'],
    ];
    for (const [sub, session] of refused) {
      const token = mintGithubToken(sb.world, { repository: sub.split(':')[1], sub });
      const error = await errorOf(anonymous().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: session, WebIdentityToken: token })));
      expect(error.name).toBe('AccessDenied');
    }
  });

  it('asks for MFA when configured, and says how to add trust when none is configured', () => {
    const mfa = structuredClone(config);
    mfa.targets.dev.access.trust!.requireMfa = true;
    const principals = trustFor(mfa, SCENARIO_TARGET).Statement.find((s) => s.Sid === 'Principals')!;
    expect(principals.Condition.Bool).toEqual({ 'aws:MultiFactorAuthPresent': 'true' });
    const none = structuredClone(config);
    delete none.targets.dev.access.trust;
    expect(() => trustFor(none, SCENARIO_TARGET)).toThrow(UsageError);
  });

  it('is refused by the config check when GitHub names neither environments nor branches', () => {
    const open = scenarioConfig();
    open.targets.dev.access.trust.github = { repositories: [GITHUB_REPO] } as never;
    const parsed = ConfigSchema.safeParse(open);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain('name environments or branches');
  });
});

function context(cfg: Config = config): Context {
  return {
    config: cfg,
    configPath: 'snapclone.yaml',
    reporter: new TestReporter(false, []),
    now: () => new Date(),
    person: 'alice',
    clients: () => {
      throw new Error('snapclone iam sends nothing to AWS');
    },
    sleep: async () => undefined,
  };
}

describe('snapclone iam', () => {
  it('template: CloudFormation YAML with the role (name and path from roleArn), its trust and policy, and the OIDC provider', async () => {
    const cfg = structuredClone(config);
    cfg.targets.dev.access.roleArn = `arn:aws:iam::${COMPANY_ACCOUNT}:role/team/snapclone-operator`;
    const result = await iam.run({ document: 'template' }, context(cfg));
    const text = result.lines![0];
    expect(text).toMatch(/^AWSTemplateFormatVersion: "2010-09-09"/);
    const template = parse(text, { version: '1.1' }) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
      Outputs: Record<string, unknown>;
    };
    const role = template.Resources.OperatorRole;
    expect(role.Type).toBe('AWS::IAM::Role');
    expect(role.Properties).toMatchObject({ RoleName: 'snapclone-operator', Path: '/team/', MaxSessionDuration: 3600 });
    // The permissions are customer-managed policies attached to the role, none inline. YAML 1.1
    // (CloudFormation) reads the policy version as the string it is, not a date.
    expect(role.Properties.Policies).toBeUndefined();
    const policies = policiesFor(cfg, 'dev');
    expect(role.Properties.ManagedPolicyArns).toEqual(policies.map((_p, i) => ({ Ref: `OperatorPolicy${i + 1}` })));
    policies.forEach((p, i) => {
      expect(template.Resources[`OperatorPolicy${i + 1}`]).toMatchObject({
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: { ManagedPolicyName: p.name, Path: '/team/', PolicyDocument: p.document },
      });
    });
    expect(role.Properties.AssumeRolePolicyDocument).toEqual(trustFor(cfg, 'dev', { Ref: 'GitHubOidcProvider' }));
    expect(template.Resources.GitHubOidcProvider).toMatchObject({
      Type: 'AWS::IAM::OIDCProvider',
      Properties: { Url: 'https://token.actions.githubusercontent.com', ClientIdList: ['sts.amazonaws.com'] },
    });
    expect(template.Outputs.RoleArn).toEqual({ Description: expect.any(String), Value: { 'Fn::GetAtt': ['OperatorRole', 'Arn'] } });
  });

  it('template: uses an existing OIDC provider instead of creating one; json prints the same document', async () => {
    const cfg = structuredClone(config);
    const provider = `arn:aws:iam::${COMPANY_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
    cfg.targets.dev.access.trust!.github!.providerArn = provider;
    const result = await iam.run({ document: 'template', format: 'json' }, context(cfg));
    const template = JSON.parse(result.lines![0]) as { Resources: Record<string, { Properties: { AssumeRolePolicyDocument?: { Statement: { Principal: unknown }[] } } }> };
    expect(Object.keys(template.Resources)).toEqual([...policiesFor(cfg, 'dev').map((_p, i) => `OperatorPolicy${i + 1}`), 'OperatorRole']);
    expect(template.Resources.OperatorRole.Properties.AssumeRolePolicyDocument!.Statement[0].Principal).toEqual({ Federated: provider });
    expect(result.json).toEqual(template);
  });

  it('policy and trust print as JSON or YAML; wrong formats and a target without a role are bad input', async () => {
    const yaml = await iam.run({ document: 'policy', format: 'yaml' }, context());
    const byName = Object.fromEntries(policiesFor(config, 'dev').map((p) => [p.name, p.document]));
    expect(parse(yaml.lines![0], { version: '1.1' })).toEqual(byName);
    expect(JSON.parse((await iam.run({ document: 'policy' }, context())).lines![0])).toEqual(byName);
    const json = await iam.run({ document: 'trust' }, context());
    expect(JSON.parse(json.lines![0])).toEqual(trustFor(config, 'dev'));
    await expect(iam.run({ document: 'policy', format: 'cloudformation' }, context())).rejects.toThrow(UsageError);
    await expect(iam.run({ document: 'template', format: 'yaml' }, context())).rejects.toThrow(UsageError);
    await expect(iam.run({ document: 'policy', target: 'nope' }, context())).rejects.toThrow(/Unknown target 'nope'/);
    const noRole = structuredClone(config);
    delete noRole.targets.dev.access.roleArn;
    await expect(iam.run({ document: 'template' }, context(noRole))).rejects.toThrow(/names no role/);
  });
});
