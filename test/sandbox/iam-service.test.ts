import {
  GetRoleCommand,
  IAMClient,
  NoSuchEntityException,
  paginateSimulatePrincipalPolicy,
  SimulatePrincipalPolicyCommand,
  type EvaluationResult,
  type SimulatePrincipalPolicyCommandInput,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyDocument } from '../../sandbox/core/iam.ts';
import { createRole, createUser } from '../../sandbox/core/iam-state.ts';
import { arn, COMPANY_ACCOUNT, COMPANY_REGION, OPERATOR_ROLE } from '../../sandbox/scenario/index.ts';
import type { AccessKey } from '../../sandbox/scenario/iam.ts';
import { errorOf } from '../support/errors.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
/** A role of the test's own whose policies each test sets. */
let subject: string;
beforeAll(async () => {
  sb = await startTestSandbox();
  subject = createRole(sb.world, COMPANY_ACCOUNT, 'simulator-subject', policy(), []).arn;
  // A clone carrying snapclone:managed=true, which IAM enforcement would read: the simulator must not.
  sb.world.addTagSource((_world, account, region) =>
    account === COMPANY_ACCOUNT && region === COMPANY_REGION
      ? [{ arn: arn.db('sim-clone'), tags: { 'snapclone:managed': 'true' } }]
      : [],
  );
});
afterAll(() => sb?.close());

// IAM is global: clients sign for us-east-1 whatever the account's home region.
const iam = (key?: AccessKey) => new IAMClient({ ...sb.config(key), region: 'us-east-1' });

const policy = (...Statement: PolicyDocument['Statement']): PolicyDocument => ({ Version: '2012-10-17', Statement });
const setPolicies = (...policies: PolicyDocument[]) => {
  sb.world.roles.get(subject)!.policies = policies;
};

async function simulate(input: Partial<SimulatePrincipalPolicyCommandInput>): Promise<EvaluationResult[]> {
  const out = await iam().send(
    new SimulatePrincipalPolicyCommand({ PolicySourceArn: subject, ActionNames: [], ...input }),
  );
  expect(out.IsTruncated).toBe(false);
  return out.EvaluationResults ?? [];
}
const decisions = (results: EvaluationResult[]) =>
  results.map((r) => [r.EvalActionName, r.EvalResourceName, r.EvalDecision]);

describe('SimulatePrincipalPolicy', () => {
  it('answers allowed, explicitDeny and implicitDeny with the statements that decided', async () => {
    setPolicies(
      policy({ Effect: 'Allow', Action: ['rds:Describe*', 'rds:DeleteDBInstance'], Resource: '*' }),
      policy({ Effect: 'Deny', Action: 'rds:DeleteDBInstance', Resource: arn.db('orders-prod') }),
    );
    const results = await simulate({
      ActionNames: ['rds:DescribeDBInstances', 'rds:DeleteDBInstance', 's3:GetObject'],
      ResourceArns: [arn.db('orders-prod')],
    });
    expect(decisions(results)).toEqual([
      ['rds:DescribeDBInstances', arn.db('orders-prod'), 'allowed'],
      ['rds:DeleteDBInstance', arn.db('orders-prod'), 'explicitDeny'],
      ['s3:GetObject', arn.db('orders-prod'), 'implicitDeny'],
    ]);
    expect(results[0].MatchedStatements).toEqual([
      { SourcePolicyId: 'simulator-subject-policy-1', SourcePolicyType: 'role' },
    ]);
    expect(results[1].MatchedStatements).toEqual([
      { SourcePolicyId: 'simulator-subject-policy-2', SourcePolicyType: 'role' },
    ]);
    expect(results[2].MatchedStatements).toEqual([]);
    for (const result of results) expect(result.MissingContextValues).toEqual([]);
  });

  it('uses only the context entries given: aws:ResourceTag conditions hold only when the entry is passed', async () => {
    setPolicies(
      policy({ Effect: 'Allow', Action: 'rds:Describe*', Resource: '*' }),
      policy({
        Sid: 'ChangeOnlyManaged',
        Effect: 'Allow',
        Action: 'rds:DeleteDBInstance',
        Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceTag/snapclone:managed': 'true' } },
      }),
    );
    const input = {
      ActionNames: ['rds:DeleteDBInstance'],
      // The clone really carries snapclone:managed=true (a tag source reports it); the simulator ignores that.
      ResourceArns: [arn.db('sim-clone')],
    };
    const entry = (value: string) => [
      {
        ContextKeyName: 'aws:ResourceTag/snapclone:managed',
        ContextKeyValues: [value],
        ContextKeyType: 'string' as const,
      },
    ];
    const [without] = await simulate(input);
    expect(without.EvalDecision).toBe('implicitDeny');
    expect(without.MissingContextValues).toEqual(['aws:ResourceTag/snapclone:managed']);

    const [managed] = await simulate({ ...input, ContextEntries: entry('true') });
    expect(managed.EvalDecision).toBe('allowed');
    expect(managed.MissingContextValues).toEqual([]);
    expect(managed.MatchedStatements).toEqual([
      { SourcePolicyId: 'simulator-subject-policy-2', SourcePolicyType: 'role' },
    ]);

    const [unmanaged] = await simulate({ ...input, ContextEntries: entry('false') });
    expect(unmanaged.EvalDecision).toBe('implicitDeny');

    // Key names compare case-insensitively, like condition keys in policies.
    const upper = [{ ContextKeyName: 'AWS:RESOURCETAG/snapclone:managed', ContextKeyValues: ['true'] }];
    const [caseless] = await simulate({ ...input, ContextEntries: upper });
    expect(caseless.EvalDecision).toBe('allowed');
  });

  it('matches wildcard resources in policies, and simulates on * when ResourceArns is omitted', async () => {
    setPolicies(
      policy({
        Effect: 'Allow',
        Action: 'rds:DeleteDBInstance',
        Resource: `arn:aws:rds:*:${COMPANY_ACCOUNT}:db:*-dev`,
      }),
    );
    const results = await simulate({
      ActionNames: ['rds:DeleteDBInstance'],
      ResourceArns: [
        arn.db('orders-dev'),
        arn.db('orders-prod'),
        `arn:aws:rds:us-west-2:${COMPANY_ACCOUNT}:db:billing-dev`,
      ],
    });
    expect(results.map((r) => r.EvalDecision)).toEqual(['allowed', 'implicitDeny', 'allowed']);

    setPolicies(policy({ Effect: 'Allow', Action: 'rds:Describe*', Resource: '*' }));
    const star = await simulate({ ActionNames: ['rds:DescribeDBSnapshots', 'rds:DeleteDBInstance'] });
    expect(decisions(star)).toEqual([
      ['rds:DescribeDBSnapshots', '*', 'allowed'],
      ['rds:DeleteDBInstance', '*', 'implicitDeny'],
    ]);
  });

  it('evaluates PolicyInputList together with the principal’s policies', async () => {
    setPolicies(policy({ Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' }));
    const extra = JSON.stringify(
      policy(
        { Effect: 'Allow', Action: 'rds:AddTagsToResource', Resource: '*' },
        { Effect: 'Deny', Action: 'secretsmanager:DeleteSecret', Resource: '*' },
      ),
    );
    const results = await simulate({
      ActionNames: ['rds:AddTagsToResource', 'secretsmanager:GetSecretValue', 'secretsmanager:DeleteSecret'],
      PolicyInputList: [extra],
    });
    expect(results.map((r) => r.EvalDecision)).toEqual(['allowed', 'allowed', 'explicitDeny']);
    expect(results[0].MatchedStatements).toEqual([{ SourcePolicyId: 'PolicyInputList.1', SourcePolicyType: 'none' }]);
    expect(results[1].MatchedStatements).toEqual([
      { SourcePolicyId: 'simulator-subject-policy-1', SourcePolicyType: 'role' },
    ]);
    expect(results[2].MatchedStatements).toEqual([{ SourcePolicyId: 'PolicyInputList.1', SourcePolicyType: 'none' }]);
  });

  it('simulates a user, and an assumed-role session as its role', async () => {
    const user = createUser(sb.world, COMPANY_ACCOUNT, 'simulator-user', [
      policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: subject }),
    ]);
    const results = await simulate({
      PolicySourceArn: user.arn,
      ActionNames: ['sts:AssumeRole', 'rds:DescribeDBInstances'],
      ResourceArns: [subject],
    });
    expect(results.map((r) => r.EvalDecision)).toEqual(['allowed', 'implicitDeny']);
    expect(results[0].MatchedStatements).toEqual([
      { SourcePolicyId: 'simulator-user-policy-1', SourcePolicyType: 'user' },
    ]);

    setPolicies(
      policy({ Effect: 'Allow', Action: ['rds:RestoreDBInstanceFromDBSnapshot', 'iam:PassRole'], Resource: '*' }),
    );
    const session = await simulate({
      PolicySourceArn: `arn:aws:sts::${COMPANY_ACCOUNT}:assumed-role/simulator-subject/ci-run`,
      ActionNames: ['rds:RestoreDBInstanceFromDBSnapshot', 'iam:PassRole', 'rds:DeleteDBInstance'],
    });
    expect(session.map((r) => r.EvalDecision)).toEqual(['allowed', 'allowed', 'implicitDeny']);
    expect(session[0].MatchedStatements).toEqual([
      { SourcePolicyId: 'simulator-subject-policy-1', SourcePolicyType: 'role' },
    ]);
  });

  it('pages with MaxItems and Marker, and the SDK paginator walks every pair', async () => {
    setPolicies(policy({ Effect: 'Allow', Action: 'rds:*', Resource: '*' }));
    const input = {
      PolicySourceArn: subject,
      ActionNames: ['rds:DescribeDBInstances', 's3:GetObject', 'rds:DeleteDBInstance'],
      ResourceArns: [arn.db('a-dev'), arn.db('b-dev')],
    };
    const first = await iam().send(new SimulatePrincipalPolicyCommand({ ...input, MaxItems: 4 }));
    expect(first.EvaluationResults).toHaveLength(4);
    expect(first.IsTruncated).toBe(true);
    expect(first.Marker).toBeTruthy();
    const second = await iam().send(
      new SimulatePrincipalPolicyCommand({ ...input, MaxItems: 4, Marker: first.Marker }),
    );
    expect(second.IsTruncated).toBe(false);
    expect(second.Marker).toBeUndefined();
    expect(decisions(second.EvaluationResults!)).toEqual([
      ['rds:DeleteDBInstance', arn.db('a-dev'), 'allowed'],
      ['rds:DeleteDBInstance', arn.db('b-dev'), 'allowed'],
    ]);

    const all: EvaluationResult[] = [];
    for await (const page of paginateSimulatePrincipalPolicy({ client: iam(), pageSize: 1 }, input)) {
      all.push(...(page.EvaluationResults ?? []));
    }
    expect(decisions(all)).toEqual([
      ['rds:DescribeDBInstances', arn.db('a-dev'), 'allowed'],
      ['rds:DescribeDBInstances', arn.db('b-dev'), 'allowed'],
      ['s3:GetObject', arn.db('a-dev'), 'implicitDeny'],
      ['s3:GetObject', arn.db('b-dev'), 'implicitDeny'],
      ['rds:DeleteDBInstance', arn.db('a-dev'), 'allowed'],
      ['rds:DeleteDBInstance', arn.db('b-dev'), 'allowed'],
    ]);
  });

  it('answers NoSuchEntity for an unknown source, as the SDK’s NoSuchEntityException', async () => {
    for (const PolicySourceArn of [
      arn.role('no-such-role'),
      arn.user('no-such-user'),
      `arn:aws:sts::${COMPANY_ACCOUNT}:assumed-role/no-such-role/session`,
      // Another account's role: IAM answers for the caller's account only.
      `arn:aws:iam::210987654321:role/${OPERATOR_ROLE}`,
    ]) {
      const error = await iam()
        .send(new SimulatePrincipalPolicyCommand({ PolicySourceArn, ActionNames: ['rds:DescribeDBInstances'] }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NoSuchEntityException);
      expect(error).toMatchObject({ name: 'NoSuchEntityException', $metadata: { httpStatusCode: 404 } });
    }
    const role = await errorOf(
      iam().send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: arn.role('no-such-role'),
          ActionNames: ['s3:GetObject'],
        }),
      ),
    );
    expect(role.message).toBe('The role with name no-such-role cannot be found.');
  });

  it('answers InvalidInput without ActionNames or with a malformed input policy', async () => {
    const missing = await errorOf(
      iam().send(
        new SimulatePrincipalPolicyCommand({ PolicySourceArn: subject } as SimulatePrincipalPolicyCommandInput),
      ),
    );
    expect(missing).toMatchObject({ name: 'InvalidInputException', status: 400 });
    expect(missing.message).toMatch(/ActionNames/);

    const empty = await errorOf(
      iam().send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: subject, ActionNames: [] })),
    );
    expect(empty).toMatchObject({ name: 'InvalidInputException', status: 400 });

    for (const text of [
      '{not json',
      JSON.stringify({ Version: '2012-10-17' }),
      JSON.stringify(policy({ Effect: 'Maybe' as 'Allow', Action: '*' })),
    ]) {
      const malformed = await errorOf(
        iam().send(
          new SimulatePrincipalPolicyCommand({
            PolicySourceArn: subject,
            ActionNames: ['s3:GetObject'],
            PolicyInputList: [text],
          }),
        ),
      );
      expect(malformed).toMatchObject({ name: 'InvalidInputException', status: 400 });
      expect(malformed.message).toMatch(/^Policy PolicyInputList\.1 is malformed/);
    }
  });

  it('answers PolicyEvaluation for a policy the evaluator cannot run, ValidationError for MaxItems out of range', async () => {
    setPolicies(
      policy({
        Effect: 'Allow',
        Action: '*',
        Resource: '*',
        Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
      }),
    );
    const evaluation = await errorOf(simulate({ ActionNames: ['s3:GetObject'] }));
    expect(evaluation).toMatchObject({ name: 'PolicyEvaluationException', status: 500 });
    expect(evaluation.message).toMatch(/IpAddress/);

    const range = await errorOf(simulate({ ActionNames: ['s3:GetObject'], MaxItems: 0 }));
    expect(range).toMatchObject({ name: 'ValidationError', status: 400 });
  });

  it('refuses what the sandbox does not model (resource policies) with a clear 501', async () => {
    const error = await errorOf(
      iam().send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: subject,
          ActionNames: ['s3:GetObject'],
          ResourcePolicy: JSON.stringify(policy({ Effect: 'Allow', Action: '*', Principal: '*' })),
        }),
      ),
    );
    expect(error).toMatchObject({ name: 'NotImplemented', status: 501 });
    expect(error.message).toBe(
      'The snapclone sandbox does not implement iam SimulatePrincipalPolicy with ResourcePolicy',
    );
  });
});

describe('GetRole', () => {
  it('returns the role with its URL-encoded trust policy', async () => {
    const role = sb.world.roles.get(sb.scenario.roles.operator)!;
    const out = await iam().send(new GetRoleCommand({ RoleName: OPERATOR_ROLE }));
    expect(out.Role).toMatchObject({
      Path: '/',
      RoleName: OPERATOR_ROLE,
      RoleId: role.roleId,
      Arn: sb.scenario.roles.operator,
      MaxSessionDuration: role.maxSessionDuration,
    });
    expect(out.Role!.RoleId).toMatch(/^AROA[A-Z0-9]{17}$/);
    expect(out.Role!.CreateDate).toBeInstanceOf(Date);
    // CreateDate is given to the second: within a second and a little of when the scenario was seeded.
    expect(Math.abs(out.Role!.CreateDate!.getTime() - sb.scenario.seededAt.getTime())).toBeLessThan(2000);
    expect(out.Role!.AssumeRolePolicyDocument).toMatch(/^%7B%22Version%22/);
    expect(JSON.parse(decodeURIComponent(out.Role!.AssumeRolePolicyDocument!))).toEqual(role.trustPolicy);
  });

  it('finds role names regardless of case, and answers NoSuchEntity for unknown ones', async () => {
    const out = await iam().send(new GetRoleCommand({ RoleName: OPERATOR_ROLE.toUpperCase() }));
    expect(out.Role?.RoleName).toBe(OPERATOR_ROLE);

    const error = await errorOf(iam().send(new GetRoleCommand({ RoleName: 'no-such-role' })));
    expect(error).toEqual({
      name: 'NoSuchEntityException',
      message: 'The role with name no-such-role cannot be found.',
      status: 404,
    });
  });
});

describe('IAM enforcement of the IAM calls themselves', () => {
  it('refuses the CI user (only allowed sts:AssumeRole) and lets the admin through', async () => {
    const enforcing = sb.world.enforceIam;
    sb.world.enforceIam = true;
    try {
      const simulated = await errorOf(
        iam(sb.scenario.ci).send(
          new SimulatePrincipalPolicyCommand({
            // A session ARN: the call is authorised on its role.
            PolicySourceArn: `arn:aws:sts::${COMPANY_ACCOUNT}:assumed-role/simulator-subject/ci-run`,
            ActionNames: ['rds:DeleteDBInstance'],
          }),
        ),
      );
      expect(simulated).toEqual({
        name: 'AccessDenied',
        status: 403,
        message: `User: ${arn.user('snapclone-ci')} is not authorized to perform: iam:SimulatePrincipalPolicy on resource: ${subject} because no identity-based policy allows the iam:SimulatePrincipalPolicy action`,
      });

      const role = await errorOf(iam(sb.scenario.ci).send(new GetRoleCommand({ RoleName: OPERATOR_ROLE })));
      expect(role).toMatchObject({ name: 'AccessDenied', status: 403 });
      expect(role.message).toContain(`iam:GetRole on resource: ${sb.scenario.roles.operator}`);

      const admin = await iam().send(new GetRoleCommand({ RoleName: OPERATOR_ROLE }));
      expect(admin.Role?.Arn).toBe(sb.scenario.roles.operator);
    } finally {
      sb.world.enforceIam = enforcing;
    }
  });
});
