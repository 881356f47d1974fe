import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.ts';
import type { Config } from '../../src/config/schema.ts';
import { policyFor } from '../../src/iam/policy.ts';
import { templateFor } from '../../src/iam/template.ts';
import { configMatrix } from '../iam/support/config-matrix.ts';
import { oidcProviders } from '../../sandbox/core/iam-state.ts';
import { scenarioConfig, SCENARIO_TARGET } from '../../sandbox/scenario/config.ts';
import { arn, COMPANY_ACCOUNT } from '../../sandbox/scenario/index.ts';
import { QUOTAS, policySize } from '../../sandbox/services/iam/quotas.ts';
import { hasAwsCli, runAwsCli } from '../support/awscli.ts';
import { deployIamTemplate } from '../support/cloudformation-iam.ts';
import { errorOf } from '../support/errors.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
beforeAll(async () => {
  sb = await startTestSandbox({ enforceIam: true });
});
afterAll(() => sb?.close());

const iam = () => new IAMClient({ ...sb.config(), region: 'us-east-1' });
/** A policy document of about `chars` non-whitespace characters (one statement, padded with resources). */
function documentOf(chars: number, indent = 0): string {
  const resources: string[] = [];
  const base = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: [] }] }).length;
  let size = base;
  for (let i = 0; size < chars; i++) {
    const r = `arn:aws:s3:::bucket-${String(i).padStart(6, '0')}/*`;
    resources.push(r);
    size += r.length + 3;
  }
  const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: resources }] };
  return JSON.stringify(doc, null, indent);
}
const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${COMPANY_ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] });

describe("IAM's quotas, as the sandbox's IAM API enforces them", () => {
  it('a managed policy is at most 6,144 characters, whitespace not counted (LimitExceeded 409)', async () => {
    const over = documentOf(QUOTAS.managedPolicyChars + 10);
    expect(policySize(over)).toBeGreaterThan(6144);
    const error = await errorOf(iam().send(new CreatePolicyCommand({ PolicyName: 'q-over', PolicyDocument: over })));
    expect(error).toMatchObject({ name: 'LimitExceededException', status: 409 });
    expect(error.message).toBe('Cannot exceed quota for PolicySize: 6144');
    const spaced = documentOf(QUOTAS.managedPolicyChars - 60, 8);
    expect(spaced.length).toBeGreaterThan(6144);
    expect((await iam().send(new CreatePolicyCommand({ PolicyName: 'q-spaced', PolicyDocument: spaced }))).Policy?.Arn).toBe(
      `arn:aws:iam::${COMPANY_ACCOUNT}:policy/q-spaced`,
    );
    const malformed = await errorOf(iam().send(new CreatePolicyCommand({ PolicyName: 'q-bad', PolicyDocument: '{not json' })));
    expect(malformed).toMatchObject({ name: 'MalformedPolicyDocumentException', status: 400 });
  });

  it("a role's inline policies total at most 10,240; its trust at most 2,048; at most 10 managed policies attached", async () => {
    const longTrust = JSON.stringify({ ...JSON.parse(trust), Statement: [...Array(20)].map((_, i) => ({ ...JSON.parse(trust).Statement[0], Sid: `S${i}` })) });
    expect(policySize(longTrust)).toBeGreaterThan(2048);
    const tooLong = await errorOf(iam().send(new CreateRoleCommand({ RoleName: 'q-role-long', AssumeRolePolicyDocument: longTrust })));
    expect(tooLong).toMatchObject({ name: 'LimitExceededException', status: 409 });
    expect(tooLong.message).toBe('Cannot exceed quota for ACLSizePerRole: 2048');

    await iam().send(new CreateRoleCommand({ RoleName: 'q-role', AssumeRolePolicyDocument: trust }));
    await iam().send(new PutRolePolicyCommand({ RoleName: 'q-role', PolicyName: 'a', PolicyDocument: documentOf(6000) }));
    const second = await errorOf(iam().send(new PutRolePolicyCommand({ RoleName: 'q-role', PolicyName: 'b', PolicyDocument: documentOf(4400) })));
    expect(second).toMatchObject({ name: 'LimitExceededException', status: 409 });
    expect(second.message).toBe('Maximum policy size of 10240 bytes exceeded for role q-role');
    await iam().send(new PutRolePolicyCommand({ RoleName: 'q-role', PolicyName: 'b', PolicyDocument: documentOf(4000) }));
    expect((await iam().send(new GetRolePolicyCommand({ RoleName: 'q-role', PolicyName: 'b' }))).PolicyDocument).toContain('bucket-000000');

    const arns: string[] = [];
    for (let i = 0; i < 11; i++) {
      arns.push((await iam().send(new CreatePolicyCommand({ PolicyName: `q-attach-${i}`, PolicyDocument: documentOf(100) }))).Policy!.Arn!);
    }
    for (const PolicyArn of arns.slice(0, 10)) await iam().send(new AttachRolePolicyCommand({ RoleName: 'q-role', PolicyArn }));
    const eleventh = await errorOf(iam().send(new AttachRolePolicyCommand({ RoleName: 'q-role', PolicyArn: arns[10] })));
    expect(eleventh).toMatchObject({ name: 'LimitExceededException', status: 409 });
    expect(eleventh.message).toBe('Cannot exceed quota for PoliciesPerRole: 10');
    expect((await iam().send(new ListAttachedRolePoliciesCommand({ RoleName: 'q-role' }))).AttachedPolicies).toHaveLength(10);
    expect((await errorOf(iam().send(new DeleteRoleCommand({ RoleName: 'q-role' })))).name).toBe('DeleteConflictException');
    await iam().send(new DetachRolePolicyCommand({ RoleName: 'q-role', PolicyArn: arns[0] }));
    await iam().send(new AttachRolePolicyCommand({ RoleName: 'q-role', PolicyArn: arns[10] }));
  });

  it.skipIf(!hasAwsCli)('the real aws CLI creates policies and sees the quota errors', async () => {
    const key = sb.scenario.admin;
    const ok = await runAwsCli(sb.url, ['iam', 'create-policy', '--policy-name', 'q-cli', '--policy-document', documentOf(500)], key);
    expect(ok.stderr).toBe('');
    expect(JSON.parse(ok.stdout).Policy.Arn).toBe(`arn:aws:iam::${COMPANY_ACCOUNT}:policy/q-cli`);
    const over = await runAwsCli(sb.url, ['iam', 'create-policy', '--policy-name', 'q-cli-over', '--policy-document', documentOf(7000)], key);
    expect(over.code).not.toBe(0);
    expect(over.stderr).toMatch(/\(LimitExceeded\) when calling the CreatePolicy operation.*: Cannot exceed quota for PolicySize: 6144/);
    const role = await runAwsCli(sb.url, ['iam', 'create-role', '--role-name', 'q-cli-role', '--assume-role-policy-document', trust], key);
    expect(JSON.parse(role.stdout).Role.Arn).toBe(arn.role('q-cli-role'));
    const attach = await runAwsCli(sb.url, ['iam', 'attach-role-policy', '--role-name', 'q-cli-role', '--policy-arn', `arn:aws:iam::${COMPANY_ACCOUNT}:policy/q-cli`], key);
    expect(attach.code).toBe(0);
  });
});

describe('deploying `snapclone iam template` through the IAM API (test/support/cloudformation-iam.ts)', () => {
  type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  /** The template of a target, its role renamed into the sandbox's account (each deployment a role of its own). */
  function templateOf(config: Config, target: string, roleName: string): Template {
    const copy = structuredClone(config);
    const access = copy.targets[target].access;
    // A target the matrix gives no trust gets the scenario's (the template needs someone who may assume the role).
    copy.targets[target].access = { ...access, roleArn: arn.role(roleName), trust: access.trust ?? scenarioConfig().targets[SCENARIO_TARGET].access.trust };
    const template = templateFor(copy, target) as Template;
    // Policy names are <prefix>-<target>-<n>: two deployments of one target name in one account need others.
    for (const r of Object.values(template.Resources)) {
      if (r.Type === 'AWS::IAM::ManagedPolicy') r.Properties.ManagedPolicyName = `${String(r.Properties.ManagedPolicyName)}-${roleName}`;
    }
    return template;
  }
  const freshProviders = () => {
    for (const key of [...oidcProviders(sb.world, COMPANY_ACCOUNT).keys()]) oidcProviders(sb.world, COMPANY_ACCOUNT).delete(key);
  };
  const ten = configMatrix().filter((e) => e.label.startsWith('ten sources over two accounts'));

  it('the template deploys within the quotas: the scenario with all four engines, and ten sources over two accounts (each target)', async () => {
    expect(ten.map((e) => e.target).sort()).toEqual(['dev', 'team']);
    const cases = [{ config: ConfigSchema.parse(scenarioConfig()), target: SCENARIO_TARGET, label: 'scenario' }, ...ten.map((e) => ({ config: e.config, target: e.target, label: e.label }))];
    for (const [i, c] of cases.entries()) {
      freshProviders();
      const template = templateOf(c.config, c.target, `snapclone-template-${i}`);
      const managed = Object.values(template.Resources).filter((r) => r.Type === 'AWS::IAM::ManagedPolicy');
      expect(managed.length, c.label).toBeGreaterThan(1);
      expect(managed.length, c.label).toBeLessThanOrEqual(QUOTAS.managedPoliciesPerRole);
      const roles = Object.values(template.Resources).filter((r) => r.Type === 'AWS::IAM::Role');
      expect(roles.flatMap((r) => (r.Properties.Policies ?? []) as unknown[]), c.label).toEqual([]);
      const out = await deployIamTemplate(iam(), template, COMPANY_ACCOUNT);
      expect(Object.values(out.arns), c.label).toContain(arn.role(`snapclone-template-${i}`));
      expect(sb.world.roles.get(arn.role(`snapclone-template-${i}`))!.policies, c.label).toHaveLength(managed.length);
    }
    // The provider the template declares was created through CreateOpenIDConnectProvider.
    expect([...oidcProviders(sb.world, COMPANY_ACCOUNT).keys()]).toContain(`arn:aws:iam::${COMPANY_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`);
  });

  it('the same permissions as one inline policy, as main deployed them before F5, are refused (LimitExceeded 409)', async () => {
    freshProviders();
    const config = ConfigSchema.parse(scenarioConfig());
    const template = templateOf(config, SCENARIO_TARGET, 'snapclone-template-inline');
    const whole = policyFor({ ...config, targets: { [SCENARIO_TARGET]: { ...config.targets[SCENARIO_TARGET], access: { ...config.targets[SCENARIO_TARGET].access, roleArn: arn.role('snapclone-template-inline') } } } }, SCENARIO_TARGET);
    expect(policySize(JSON.stringify(whole))).toBeGreaterThan(QUOTAS.roleInlineChars);
    const resources = Object.fromEntries(Object.entries(template.Resources).filter(([, r]) => r.Type !== 'AWS::IAM::ManagedPolicy'));
    const role = Object.values(resources).find((r) => r.Type === 'AWS::IAM::Role')!;
    role.Properties = { ...role.Properties, ManagedPolicyArns: undefined, Policies: [{ PolicyName: 'snapclone', PolicyDocument: whole }] };
    const error = await errorOf(deployIamTemplate(iam(), { Resources: resources }, COMPANY_ACCOUNT));
    expect(error).toMatchObject({ name: 'LimitExceededException', status: 409 });
    expect(error.message).toMatch(/Maximum policy size of 10240 bytes exceeded for role snapclone-template-inline/);
  });

  it('a template of managed policies attached by ManagedPolicyArns and by Roles deploys, and the role holds them', async () => {
    const template = {
      Resources: {
        Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'cfn-role', AssumeRolePolicyDocument: JSON.parse(trust), ManagedPolicyArns: [{ Ref: 'First' }] } },
        First: { Type: 'AWS::IAM::ManagedPolicy', Properties: { ManagedPolicyName: 'cfn-first', PolicyDocument: JSON.parse(documentOf(3000)) } },
        Second: { Type: 'AWS::IAM::ManagedPolicy', Properties: { ManagedPolicyName: 'cfn-second', PolicyDocument: JSON.parse(documentOf(3000)), Roles: [{ Ref: 'Role' }] } },
      },
    };
    const out = await deployIamTemplate(iam(), template, COMPANY_ACCOUNT);
    expect(out.arns.Role).toBe(arn.role('cfn-role'));
    const attached = (await iam().send(new ListAttachedRolePoliciesCommand({ RoleName: 'cfn-role' }))).AttachedPolicies!.map((p) => p.PolicyName);
    expect(attached.sort()).toEqual(['cfn-first', 'cfn-second']);
    expect(sb.world.roles.get(arn.role('cfn-role'))!.policies).toHaveLength(2);
  });
});
