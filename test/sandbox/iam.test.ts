import { ResourceGroupsTaggingAPIClient, GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  ListSecretsCommand,
  SecretsManagerClient,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceContext } from '../../sandbox/core/authorize.ts';
import { evaluate, type EvalRequest } from '../../sandbox/core/iam-eval.ts';
import { base32Encode, totp, verifyTotp } from '../../sandbox/core/totp.ts';
import { createRole } from '../../sandbox/core/iam-state.ts';
import type { PolicyDocument } from '../../sandbox/core/iam.ts';
import type { TaggedResource } from '../../sandbox/core/world.ts';
import { COMPANY_ACCOUNT, EXTERNAL_ID } from '../../sandbox/scenario/index.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { errorOf } from '../support/errors.ts';
import { tagConditionedPolicy } from '../support/policies.ts';

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox({ enforceIam: true });
  // These tests exercise the evaluator through a broad tag-conditioned policy; the operator role's own,
  // generated policy is tested in test/iam/.
  sandbox.world.roles.get(sandbox.scenario.roles.operator)!.policies = [tagConditionedPolicy];
});
afterAll(() => sandbox.close());

type AssumeInput = ConstructorParameters<typeof AssumeRoleCommand>[0];

/** A session of a role (via the admin user, trusted through the account root) as SDK client config. */
async function session(input: Partial<AssumeInput> & { RoleArn: string }, key = sandbox.scenario.admin) {
  const out = await new STSClient(sandbox.config(key)).send(
    new AssumeRoleCommand({
      RoleSessionName: 'test',
      // The operator role's generated trust wants SourceIdentity snapclone-<person>.
      ...(input.RoleArn === sandbox.scenario.roles.operator ? { SourceIdentity: 'snapclone-test' } : {}),
      ...input,
    }),
  );
  const c = out.Credentials!;
  return {
    ...sandbox.config(),
    credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken },
  };
}

const policy = (...Statement: PolicyDocument['Statement']): PolicyDocument => ({ Version: '2012-10-17', Statement });
const trustAccount = policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${COMPANY_ACCOUNT}:root` }, Action: 'sts:AssumeRole' });

describe('IAM enforcement (enforceIam: true)', () => {
  it('lets the CI user assume the operator role and nothing else', async () => {
    const ci = sandbox.config(sandbox.scenario.ci);
    const error = await errorOf(new SecretsManagerClient(ci).send(new ListSecretsCommand({})));
    expect(error).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    expect(error.message).toBe(
      `User: arn:aws:iam::${COMPANY_ACCOUNT}:user/snapclone-ci is not authorized to perform: secretsmanager:ListSecrets on resource: * because no identity-based policy allows the secretsmanager:ListSecrets action`,
    );
    const tagging = await errorOf(new ResourceGroupsTaggingAPIClient(ci).send(new GetResourcesCommand({})));
    expect(tagging.name).toBe('AccessDeniedException');
    expect(tagging.message).toMatch(/perform: tag:GetResources/);
    // GetCallerIdentity needs no permission, as in AWS.
    await new STSClient(ci).send(new GetCallerIdentityCommand({}));
    await new STSClient(ci).send(
      new AssumeRoleCommand({ RoleArn: sandbox.scenario.roles.operator, RoleSessionName: 'ci', ExternalId: EXTERNAL_ID, SourceIdentity: 'snapclone-ci' }),
    );
  });

  it('denies the CI user sts:AssumeRole on other roles in its identity policy (AccessDenied, awsQuery)', async () => {
    const error = await errorOf(
      new STSClient(sandbox.config(sandbox.scenario.ci)).send(
        new AssumeRoleCommand({ RoleArn: sandbox.scenario.roles.restore, RoleSessionName: 'ci' }),
      ),
    );
    expect(error).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(error.message).toMatch(/because no identity-based policy allows the sts:AssumeRole action$/);
  });

  it('allows the operator role to read and create, and to delete only what carries snapclone:managed=true', async () => {
    const operator = await session({ RoleArn: sandbox.scenario.roles.operator, ExternalId: EXTERNAL_ID }, sandbox.scenario.ci);
    const sm = new SecretsManagerClient(operator);
    await sm.send(new ListSecretsCommand({}));
    await new ResourceGroupsTaggingAPIClient(operator).send(new GetResourcesCommand({}));
    const managed = await sm.send(
      new CreateSecretCommand({ Name: 'iam/managed', SecretString: 's', Tags: [{ Key: 'snapclone:managed', Value: 'true' }] }),
    );
    const foreign = await sm.send(new CreateSecretCommand({ Name: 'iam/foreign', SecretString: 's' }));

    const denied = await errorOf(sm.send(new DeleteSecretCommand({ SecretId: foreign.ARN, ForceDeleteWithoutRecovery: true })));
    expect(denied).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    expect(denied.message).toBe(
      `User: arn:aws:sts::${COMPANY_ACCOUNT}:assumed-role/snapclone-operator/test is not authorized to perform: secretsmanager:DeleteSecret on resource: ${foreign.ARN} because no identity-based policy allows the secretsmanager:DeleteSecret action`,
    );
    await sm.send(new DeleteSecretCommand({ SecretId: managed.ARN, ForceDeleteWithoutRecovery: true }));
    // Once tagged, the foreign secret may go as well: the condition reads the tags at call time.
    await sm.send(new TagResourceCommand({ SecretId: foreign.ARN, Tags: [{ Key: 'snapclone:managed', Value: 'true' }] }));
    await sm.send(new DeleteSecretCommand({ SecretId: foreign.ARN, ForceDeleteWithoutRecovery: true }));
  });

  it('conditions creation on request tags (aws:RequestTag, aws:TagKeys) and lets an explicit deny win', async () => {
    const role = createRole(sandbox.world, COMPANY_ACCOUNT, 'iam-test-tagged-create', trustAccount, [
      policy(
        {
          Effect: 'Allow',
          // Tags at creation also need secretsmanager:TagResource, as in AWS.
          Action: ['secretsmanager:CreateSecret', 'secretsmanager:TagResource'],
          Resource: `arn:aws:secretsmanager:*:${COMPANY_ACCOUNT}:secret:clones/*`,
          Condition: {
            StringEquals: { 'aws:RequestTag/snapclone:managed': 'true' },
            'ForAllValues:StringLike': { 'aws:TagKeys': ['snapclone:*'] },
          },
        },
        { Effect: 'Allow', Action: 'secretsmanager:DescribeSecret', Resource: '*' },
        {
          Effect: 'Deny',
          Action: 'secretsmanager:*',
          Resource: '*',
          Condition: { StringEquals: { 'aws:ResourceTag/protected': 'yes' } },
        },
      ),
    ]);
    const sm = new SecretsManagerClient(await session({ RoleArn: role.arn }));
    const managed = [{ Key: 'snapclone:managed', Value: 'true' }];
    const created = await sm.send(new CreateSecretCommand({ Name: 'clones/a', SecretString: 'x', Tags: managed }));
    expect(created.ARN).toMatch(/secret:clones\/a-[A-Za-z0-9]{6}$/);

    const untagged = await errorOf(sm.send(new CreateSecretCommand({ Name: 'clones/b', SecretString: 'x' })));
    expect(untagged.name).toBe('AccessDeniedException');
    const otherKey = await errorOf(
      sm.send(new CreateSecretCommand({ Name: 'clones/c', SecretString: 'x', Tags: [...managed, { Key: 'team', Value: 'a' }] })),
    );
    expect(otherKey.name).toBe('AccessDeniedException');
    const otherPath = await errorOf(sm.send(new CreateSecretCommand({ Name: 'prod/d', SecretString: 'x', Tags: managed })));
    expect(otherPath.name).toBe('AccessDeniedException');

    const admin = new SecretsManagerClient(sandbox.config());
    const guarded = await admin.send(
      new CreateSecretCommand({ Name: 'iam/guarded', SecretString: 'x', Tags: [{ Key: 'protected', Value: 'yes' }] }),
    );
    await sm.send(new DescribeSecretCommand({ SecretId: created.ARN }));
    const explicit = await errorOf(sm.send(new DescribeSecretCommand({ SecretId: guarded.ARN })));
    expect(explicit.message).toMatch(/with an explicit deny in an identity-based policy$/);
  });

  it('intersects the role policies with a session policy', async () => {
    const operator = await session(
      {
        RoleArn: sandbox.scenario.roles.operator,
        ExternalId: EXTERNAL_ID,
        Policy: JSON.stringify(policy({ Effect: 'Allow', Action: 'secretsmanager:ListSecrets', Resource: '*' })),
      },
      sandbox.scenario.ci,
    );
    await new SecretsManagerClient(operator).send(new ListSecretsCommand({}));
    const error = await errorOf(new ResourceGroupsTaggingAPIClient(operator).send(new GetResourcesCommand({})));
    expect(error.message).toMatch(/because no session policy allows the tag:GetResources action$/);
  });

  it('evaluates principal tags and the source identity of the session', async () => {
    const role = createRole(
      sandbox.world,
      COMPANY_ACCOUNT,
      'iam-test-principal-tags',
      policy({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${COMPANY_ACCOUNT}:root` },
        Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'],
      }),
      [
        policy({
          Effect: 'Allow',
          Action: 'secretsmanager:ListSecrets',
          Resource: '*',
          Condition: { StringEquals: { 'aws:PrincipalTag/team': 'data', 'aws:SourceIdentity': 'octocat' } },
        }),
      ],
    );
    const allowed = await session({ RoleArn: role.arn, Tags: [{ Key: 'team', Value: 'data' }], SourceIdentity: 'octocat' });
    await new SecretsManagerClient(allowed).send(new ListSecretsCommand({}));
    const other = await session({ RoleArn: role.arn, Tags: [{ Key: 'team', Value: 'web' }], SourceIdentity: 'octocat' });
    expect((await errorOf(new SecretsManagerClient(other).send(new ListSecretsCommand({})))).name).toBe('AccessDeniedException');
  });
});

describe('policy evaluator', () => {
  const request = (context: EvalRequest['context'], action = 'rds:DeleteDBInstance', resource = 'arn:aws:rds:r:1:db:x'): EvalRequest => ({
    action,
    resource,
    context,
  });
  const allow = (Condition?: Record<string, Record<string, string | string[] | boolean>>, extra: object = {}) =>
    policy({ Effect: 'Allow', Action: 'rds:Delete*', Resource: 'arn:aws:rds:*:*:db:*', Condition, ...extra });

  it('matches actions case-insensitively with wildcards, and NotAction / NotResource', () => {
    expect(evaluate([allow()], request({}, 'RDS:deletedbinstance'))).toBe('allow');
    expect(evaluate([allow()], request({}, 'rds:ModifyDBInstance'))).toBe('implicit-deny');
    expect(evaluate([allow()], request({}, 'rds:DeleteDBInstance', 'arn:aws:rds:r:1:cluster:x'))).toBe('implicit-deny');
    const notAction = policy({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' });
    expect(evaluate([notAction], request({}))).toBe('allow');
    expect(evaluate([notAction], request({}, 'iam:PassRole'))).toBe('implicit-deny');
    const notResource = policy({ Effect: 'Deny', Action: '*', NotResource: 'arn:aws:rds:*:*:db:dev-*' });
    expect(evaluate([allow(), notResource], request({}))).toBe('explicit-deny');
    expect(evaluate([allow(), notResource], request({}, 'rds:DeleteDBInstance', 'arn:aws:rds:r:1:db:dev-1'))).toBe('allow');
  });

  it('treats missing keys as AWS does for positive, negated, IfExists and Null operators', () => {
    expect(evaluate([allow({ StringEquals: { 'rds:db-tag/owner': 'me' } })], request({}))).toBe('implicit-deny');
    expect(evaluate([allow({ StringNotEquals: { 'rds:db-tag/owner': 'me' } })], request({}))).toBe('allow');
    expect(evaluate([allow({ StringEqualsIfExists: { 'rds:db-tag/owner': 'me' } })], request({}))).toBe('allow');
    expect(evaluate([allow({ Null: { 'rds:db-tag/owner': 'true' } })], request({}))).toBe('allow');
    expect(evaluate([allow({ Null: { 'rds:db-tag/owner': 'false' } })], request({}))).toBe('implicit-deny');
    expect(evaluate([allow({ Null: { 'rds:db-tag/owner': 'false' } })], request({ 'rds:db-tag/owner': 'x' }))).toBe('allow');
  });

  it('supports StringLike, ArnLike, Bool, Numeric and Date operators, case-insensitive keys', () => {
    expect(evaluate([allow({ StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/snap*' } })], request({ 'aws:principalarn': 'arn:aws:iam::1:role/snapclone' }))).toBe('allow');
    expect(evaluate([allow({ ArnLike: { 'aws:SourceArn': 'arn:aws:backup:*:1:*' } })], request({ 'aws:SourceArn': 'arn:aws:backup:r:1:backup-vault:Default' }))).toBe('allow');
    expect(evaluate([allow({ ArnLike: { 'aws:SourceArn': 'arn:aws:backup:*:2:*' } })], request({ 'aws:SourceArn': 'arn:aws:backup:r:1:backup-vault:Default' }))).toBe('implicit-deny');
    expect(evaluate([allow({ Bool: { 'aws:MultiFactorAuthPresent': true } })], request({ 'aws:MultiFactorAuthPresent': 'true' }))).toBe('allow');
    expect(evaluate([allow({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } })], request({}))).toBe('implicit-deny');
    expect(evaluate([allow({ NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } })], request({ 'aws:MultiFactorAuthAge': '10' }))).toBe('allow');
    expect(evaluate([allow({ DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } })], request({ 'aws:CurrentTime': '2026-01-01T00:00:00Z' }))).toBe('allow');
    expect(evaluate([allow({ DateLessThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } })], request({ 'aws:CurrentTime': '2026-01-01T00:00:00Z' }))).toBe('implicit-deny');
  });

  it('applies ForAllValues / ForAnyValue to multi-valued keys', () => {
    const only = allow({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'b'] } });
    expect(evaluate([only], request({ 'aws:TagKeys': ['a'] }))).toBe('allow');
    expect(evaluate([only], request({ 'aws:TagKeys': ['a', 'c'] }))).toBe('implicit-deny');
    expect(evaluate([only], request({}))).toBe('allow');
    const any = allow({ 'ForAnyValue:StringLike': { 'aws:TagKeys': 'snap*' } });
    expect(evaluate([any], request({ 'aws:TagKeys': ['x', 'snapclone:owner'] }))).toBe('allow');
    expect(evaluate([any], request({}))).toBe('implicit-deny');
  });

  it('substitutes policy variables', () => {
    const own = policy({ Effect: 'Allow', Action: 'secretsmanager:*', Resource: 'arn:aws:secretsmanager:*:*:secret:${aws:username}/*' });
    expect(evaluate([own], request({ 'aws:username': 'alice' }, 'secretsmanager:GetSecretValue', 'arn:aws:secretsmanager:r:1:secret:alice/x-abcdef'))).toBe('allow');
    expect(evaluate([own], request({ 'aws:username': 'bob' }, 'secretsmanager:GetSecretValue', 'arn:aws:secretsmanager:r:1:secret:alice/x-abcdef'))).toBe('implicit-deny');
  });
});

describe('condition context and TOTP', () => {
  it('exposes resource tags as aws:ResourceTag and the service keys (rds:db-tag, rds:cluster-tag)', () => {
    const db = 'arn:aws:rds:ap-northeast-1:123456789012:db:ctx-test';
    const cluster = 'arn:aws:rds:ap-northeast-1:123456789012:cluster:ctx-test';
    sandbox.world.addTagSource((): TaggedResource[] => [
      { arn: db, tags: { 'snapclone:managed': 'true' } },
      { arn: cluster, tags: { owner: 'alice' } },
    ]);
    expect(resourceContext(sandbox.world, db)).toEqual({
      'aws:ResourceTag/snapclone:managed': 'true',
      'rds:db-tag/snapclone:managed': 'true',
    });
    expect(resourceContext(sandbox.world, cluster)).toEqual({ 'aws:ResourceTag/owner': 'alice', 'rds:cluster-tag/owner': 'alice' });
    expect(resourceContext(sandbox.world, '*')).toEqual({});
  });

  it('computes RFC 6238 codes (SHA-1 test vectors, 6 digits) and accepts one step of drift', () => {
    const secret = base32Encode(Buffer.from('12345678901234567890'));
    expect(totp(secret, 59_000)).toBe('287082');
    expect(totp(secret, 1_111_111_109_000)).toBe('081804');
    expect(totp(secret, 1_234_567_890_000)).toBe('005924');
    expect(verifyTotp(secret, '287082', 59_000 + 30_000)).toBe(true);
    expect(verifyTotp(secret, '287082', 59_000 + 90_000)).toBe(false);
    expect(verifyTotp(secret, 'abcdef', 59_000)).toBe(false);
  });
});
