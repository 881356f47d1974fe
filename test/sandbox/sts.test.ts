import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  DecodeAuthorizationMessageCommand,
  GetAccessKeyInfoCommand,
  GetCallerIdentityCommand,
  STSClient,
  type Credentials,
} from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRole } from '../../sandbox/core/iam-state.ts';
import { githubClaims, mintGithubToken } from '../../sandbox/core/oidc.ts';
import { totp } from '../../sandbox/core/totp.ts';
import { COMPANY_ACCOUNT, EXTERNAL_ID, GITHUB_REPO, OPERATOR_ROLE } from '../../sandbox/scenario/index.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { errorOf } from '../support/errors.ts';

let sandbox: TestSandbox;
beforeAll(async () => {
  // STS's own validation and trust rules; identity policies are enforced in iam.test.ts.
  sandbox = await startTestSandbox({ enforceIam: false });
});
afterAll(() => sandbox.close());

const sts = (key = sandbox.scenario.admin) => new STSClient(sandbox.config(key));
const sessionClient = (c: Credentials) =>
  new STSClient({
    ...sandbox.config(),
    credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken },
  });
const assumeOperator = (extra: Partial<ConstructorParameters<typeof AssumeRoleCommand>[0]> = {}) =>
  sts(sandbox.scenario.ci).send(
    new AssumeRoleCommand({ RoleArn: sandbox.scenario.roles.operator, RoleSessionName: 'ci-run', ExternalId: EXTERNAL_ID, SourceIdentity: 'snapclone-ci', ...extra }),
  );

describe('GetCallerIdentity', () => {
  it('answers the calling user', async () => {
    const me = await sts(sandbox.scenario.ci).send(new GetCallerIdentityCommand({}));
    expect(me.Account).toBe(COMPANY_ACCOUNT);
    expect(me.Arn).toBe(`arn:aws:iam::${COMPANY_ACCOUNT}:user/snapclone-ci`);
    expect(me.UserId).toMatch(/^AIDA[A-Z0-9]{17}$/);
  });

  it('issues keys that look like AWS keys', () => {
    expect(sandbox.scenario.ci.accessKeyId).toMatch(/^AKIA[A-Z0-9]{16}$/);
    expect(sandbox.scenario.ci.secretAccessKey).toHaveLength(40);
  });
});

describe('AssumeRole', () => {
  it('gives the CI user a session with the external id', async () => {
    const out = await assumeOperator({ DurationSeconds: 7200, SourceIdentity: 'snapclone-octocat' });
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(out.Credentials?.SessionToken).toBeTruthy();
    const lifetime = out.Credentials!.Expiration!.getTime() - sandbox.world.clock.nowMs();
    expect(lifetime).toBeGreaterThan(7190_000);
    expect(lifetime).toBeLessThanOrEqual(7200_000);
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${COMPANY_ACCOUNT}:assumed-role/${OPERATOR_ROLE}/ci-run`);
    expect(out.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z0-9]{17}:ci-run$/);
    expect(out.SourceIdentity).toBe('snapclone-octocat');
    const me = await sessionClient(out.Credentials!).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe(out.AssumedRoleUser?.Arn);
    expect(me.UserId).toBe(out.AssumedRoleUser?.AssumedRoleId);
  });

  it('records the source identity on the principal; the generated trust allows no session tags (no sts:TagSession)', async () => {
    const out = await assumeOperator({ SourceIdentity: 'snapclone-octocat' });
    const principal = sandbox.world.credentials.get(out.Credentials!.AccessKeyId!)!.principal;
    expect(principal.kind).toBe('assumed-role');
    expect(principal.sourceIdentity).toBe('snapclone-octocat');
    const tagged = await errorOf(assumeOperator({ Tags: [{ Key: 'owner', Value: 'octocat' }], SourceIdentity: 'snapclone-octocat' }));
    expect(tagged).toMatchObject({ name: 'AccessDenied', status: 403 });
    // The generated trust wants a source identity snapclone-<person>.
    expect((await errorOf(assumeOperator({ SourceIdentity: 'octocat' }))).name).toBe('AccessDenied');
  });

  it('refuses without or with a wrong external id', async () => {
    for (const ExternalId of [undefined, 'wrong-external-id']) {
      const error = await errorOf(assumeOperator({ ExternalId }));
      expect(error).toMatchObject({ name: 'AccessDenied', status: 403 });
      expect(error.message).toBe(
        `User: arn:aws:iam::${COMPANY_ACCOUNT}:user/snapclone-ci is not authorized to perform: sts:AssumeRole on resource: ${sandbox.scenario.roles.operator}`,
      );
    }
  });

  it('refuses roles the caller is not trusted by, and unknown roles, alike', async () => {
    for (const RoleArn of [sandbox.scenario.roles.restore, `arn:aws:iam::${COMPANY_ACCOUNT}:role/nope`]) {
      const error = await errorOf(assumeOperator({ RoleArn }));
      expect(error).toMatchObject({ name: 'AccessDenied', status: 403 });
    }
  });

  it('validates the session name, role ARN, external id and duration', async () => {
    const cases: [Partial<ConstructorParameters<typeof AssumeRoleCommand>[0]>, RegExp][] = [
      [{ RoleSessionName: 'has space' }, /roleSessionName.*regular expression pattern/],
      [{ RoleSessionName: 'x' }, /roleSessionName.*length greater than or equal to 2/],
      [{ RoleSessionName: 'x'.repeat(65) }, /length less than or equal to 64/],
      [{ RoleArn: 'not-an-arn-at-all-really' }, /is invalid/],
      [{ ExternalId: 'bad external id' }, /externalId/],
      [{ DurationSeconds: 899 }, /durationSeconds.*greater than or equal to 900/],
      [{ DurationSeconds: 3600 * 4 + 1 }, /exceeds the MaxSessionDuration set for this role/],
      [{ Policy: '{not json' }, /Syntax errors in policy/],
    ];
    for (const [input, message] of cases) {
      const error = await errorOf(assumeOperator(input));
      expect(error.status).toBe(400);
      expect(['ValidationError', 'MalformedPolicyDocumentException']).toContain(error.name);
      expect(error.message).toMatch(message);
    }
  });

  it('caps role-chained sessions at one hour', async () => {
    const first = await assumeOperator({ SourceIdentity: 'snapclone-octocat' });
    const chained = sessionClient(first.Credentials!);
    // The operator role does not trust itself: chaining to it is refused…
    const denied = await errorOf(
      chained.send(new AssumeRoleCommand({ RoleArn: sandbox.scenario.roles.operator, RoleSessionName: 'again', DurationSeconds: 3600 })),
    );
    expect(denied.name).toBe('AccessDenied');
    // …and a longer session than an hour is a validation error before trust is even looked at.
    const tooLong = await errorOf(
      chained.send(new AssumeRoleCommand({ RoleArn: sandbox.scenario.roles.operator, RoleSessionName: 'again', DurationSeconds: 7200 })),
    );
    expect(tooLong).toMatchObject({ name: 'ValidationError', status: 400 });
    expect(tooLong.message).toMatch(/1 hour session limit for roles assumed by role chaining/);
  });

  it('requires MFA for the MFA user and checks the TOTP code', async () => {
    const { mfa, roles } = sandbox.scenario;
    const client = sts(mfa);
    const base = { RoleArn: roles.operator, RoleSessionName: 'alice', SourceIdentity: 'snapclone-alice' };
    expect((await errorOf(client.send(new AssumeRoleCommand(base)))).name).toBe('AccessDenied');
    const wrongCode = (Number(totp(mfa.totpSecret, sandbox.world.clock.nowMs())) + 500_000) % 1_000_000;
    const wrong = await errorOf(
      client.send(
        new AssumeRoleCommand({ ...base, SerialNumber: mfa.serialNumber, TokenCode: String(wrongCode).padStart(6, '0') }),
      ),
    );
    expect(wrong).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(wrong.message).toMatch(/invalid MFA one time pass code/);
    const out = await client.send(
      new AssumeRoleCommand({
        ...base,
        SerialNumber: mfa.serialNumber,
        TokenCode: totp(mfa.totpSecret, sandbox.world.clock.nowMs()),
        DurationSeconds: 3600 * 4,
      }),
    );
    expect(out.AssumedRoleUser?.Arn).toMatch(/assumed-role\/snapclone-operator\/alice$/);
  });

  it('refuses an MFA device the caller does not own', async () => {
    const { mfa, roles } = sandbox.scenario;
    const error = await errorOf(
      assumeOperator({ RoleArn: roles.operator, SerialNumber: mfa.serialNumber, TokenCode: totp(mfa.totpSecret, sandbox.world.clock.nowMs()) }),
    );
    expect(error.name).toBe('AccessDenied');
  });

  it('applies a session policy on top of the role policies', async () => {
    const out = await assumeOperator({
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }] }),
    });
    expect(out.PackedPolicySize).toBeGreaterThan(0);
  });

  it('expires session credentials on the sandbox clock (ExpiredToken)', async () => {
    const out = await assumeOperator({ DurationSeconds: 900 });
    const client = sessionClient(out.Credentials!);
    await client.send(new GetCallerIdentityCommand({}));
    sandbox.world.clock.advance(901_000);
    try {
      const error = await errorOf(client.send(new GetCallerIdentityCommand({})));
      expect(error).toMatchObject({ name: 'ExpiredToken', status: 403 });
    } finally {
      sandbox.world.clock.advance(-901_000);
    }
  });
});

describe('AssumeRoleWithWebIdentity (GitHub OIDC)', () => {
  const anonymous = () => new STSClient({ endpoint: sandbox.url, region: 'ap-northeast-1', maxAttempts: 1 });
  const assume = (token: string, RoleArn = sandbox.scenario.roles.github) =>
    anonymous().send(new AssumeRoleWithWebIdentityCommand({ RoleArn, RoleSessionName: 'snapclone-gha-run-1', WebIdentityToken: token }));

  it('exchanges a token of the trusted repository for a session', async () => {
    const token = mintGithubToken(sandbox.world, { repository: GITHUB_REPO, sub: `repo:${GITHUB_REPO}:environment:snapclone` });
    const out = await assume(token);
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${COMPANY_ACCOUNT}:assumed-role/snapclone-github/snapclone-gha-run-1`);
    expect(out.SubjectFromWebIdentityToken).toBe(`repo:${GITHUB_REPO}:environment:snapclone`);
    expect(out.Provider).toBe('token.actions.githubusercontent.com');
    expect(out.Audience).toBe('sts.amazonaws.com');
    const me = await sessionClient(out.Credentials!).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe(out.AssumedRoleUser?.Arn);
  });

  it('refuses another repository, another audience, and a role that does not trust the provider', async () => {
    const otherRepo = await errorOf(assume(mintGithubToken(sandbox.world, { repository: 'evil-co/app' })));
    expect(otherRepo).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(otherRepo.message).toBe('Not authorized to perform sts:AssumeRoleWithWebIdentity');
    const otherAudience = await errorOf(assume(mintGithubToken(sandbox.world, { repository: GITHUB_REPO, aud: 'other' })));
    expect(otherAudience).toMatchObject({ name: 'InvalidIdentityTokenException', status: 400 });
    const operator = await errorOf(assume(mintGithubToken(sandbox.world, { repository: GITHUB_REPO }), sandbox.scenario.roles.operator));
    expect(operator.name).toBe('AccessDenied');
  });

  it('refuses expired, forged and malformed tokens', async () => {
    const expired = await errorOf(assume(mintGithubToken(sandbox.world, { repository: GITHUB_REPO, ttlSeconds: -10 })));
    expect(expired).toMatchObject({ name: 'ExpiredTokenException', status: 400 });
    const token = mintGithubToken(sandbox.world, { repository: GITHUB_REPO });
    const [header, payload] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, sub: 'repo:evil/x:ref:refs/heads/main' })).toString('base64url');
    const forged = await errorOf(assume(`${header}.${forgedPayload}.${token.split('.')[2]}`));
    expect(forged.name).toBe('InvalidIdentityTokenException');
    expect((await errorOf(assume('not-a-jwt'))).name).toBe('InvalidIdentityTokenException');
    const otherIssuer = await errorOf(assume(mintGithubToken(sandbox.world, { iss: 'https://example.com' })));
    expect(otherIssuer.name).toBe('InvalidIdentityTokenException');
  });
});

describe('AssumeRoleWithWebIdentity: the claims a trust policy sees', () => {
  const anonymous = () => new STSClient({ endpoint: sandbox.url, region: 'ap-northeast-1', maxAttempts: 1 });
  let roles = 0;
  /** A role trusting GitHub's provider under `condition` (on top of aud). */
  const roleWith = (condition: Record<string, Record<string, string>>) => {
    const name = `claims-${++roles}`;
    createRole(
      sandbox.world,
      COMPANY_ACCOUNT,
      name,
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Federated: sandbox.scenario.oidcProviderArn },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' }, ...condition },
          },
        ],
      },
      [],
    );
    return `arn:aws:iam::${COMPANY_ACCOUNT}:role/${name}`;
  };
  const assume = (RoleArn: string, token: string) =>
    anonymous()
      .send(new AssumeRoleWithWebIdentityCommand({ RoleArn, RoleSessionName: 'gha', WebIdentityToken: token }))
      .then(() => 'assumed', (e: Error) => e.name);
  const KEY = 'token.actions.githubusercontent.com';

  it('issues tokens in both sub forms, with the repository and owner ids and the job workflow ref', () => {
    const claims = githubClaims(sandbox.world, { repository: 'example-co/app', repositoryId: '42', ownerId: '7', immutableSubject: true, environment: 'snapclone' });
    expect(claims).toMatchObject({
      sub: 'repo:example-co@7/app@42:environment:snapclone',
      repository: 'example-co/app',
      repository_id: '42',
      repository_owner_id: '7',
      environment: 'snapclone',
      job_workflow_ref: 'example-co/app/.github/workflows/clone.yml@refs/heads/main',
    });
    expect(githubClaims(sandbox.world, { repository: 'example-co/app', ref: 'refs/heads/dev' }).sub).toBe('repo:example-co/app:ref:refs/heads/dev');
  });

  it('gives the claims AWS lists for the action as condition keys: repository_id, repository_owner_id, job_workflow_ref, environment', async () => {
    const token = mintGithubToken(sandbox.world, { repositoryId: '42', ownerId: '7', environment: 'snapclone' });
    for (const [claim, value] of [
      ['repository_id', '42'],
      ['repository_owner_id', '7'],
      ['job_workflow_ref', 'example-co/app/.github/workflows/clone.yml@refs/heads/main'],
      ['environment', 'snapclone'],
    ]) {
      expect(await assume(roleWith({ StringEquals: { [`${KEY}:${claim}`]: value } }), token), claim).toBe('assumed');
      expect(await assume(roleWith({ StringEquals: { [`${KEY}:${claim}`]: 'other' } }), token), claim).toBe('AccessDenied');
    }
  });

  it('gives no key for a claim AWS does not list (workflow_ref): a condition on it never matches', async () => {
    const token = mintGithubToken(sandbox.world, {});
    const ref = githubClaims(sandbox.world, {}).workflow_ref as string;
    expect(await assume(roleWith({ StringEquals: { [`${KEY}:workflow_ref`]: ref } }), token)).toBe('AccessDenied');
    expect(await assume(roleWith({ StringEqualsIfExists: { [`${KEY}:workflow_ref`]: 'other' } }), token)).toBe('assumed');
  });
});

describe('other STS operations', () => {
  it('GetAccessKeyInfo answers the account of a key', async () => {
    const out = await sts().send(new GetAccessKeyInfoCommand({ AccessKeyId: sandbox.scenario.ci.accessKeyId }));
    expect(out.Account).toBe(COMPANY_ACCOUNT);
  });

  it('an unimplemented operation answers NotImplemented naming service and operation', async () => {
    const error = await errorOf(sts().send(new DecodeAuthorizationMessageCommand({ EncodedMessage: 'x' })));
    expect(error).toMatchObject({ name: 'NotImplemented', status: 501 });
    expect(error.message).toBe('The snapclone sandbox does not implement sts DecodeAuthorizationMessage');
  });
});

describe('SigV4 verification', () => {
  it('answers SignatureDoesNotMatch for a wrong secret', async () => {
    const error = await errorOf(
      sts({ ...sandbox.scenario.ci, secretAccessKey: 'x'.repeat(40) }).send(new GetCallerIdentityCommand({})),
    );
    expect(error).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
  });

  it('answers InvalidClientTokenId for an unknown key', async () => {
    const error = await errorOf(
      sts({ accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'x'.repeat(40) }).send(new GetCallerIdentityCommand({})),
    );
    expect(error).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
  });

  it('answers InvalidClientTokenId for a long-term key sent with a session token', async () => {
    const error = await errorOf(
      new STSClient({
        ...sandbox.config(),
        credentials: { ...sandbox.scenario.ci, sessionToken: 'not-a-token' },
      }).send(new GetCallerIdentityCommand({})),
    );
    expect(error).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
  });

  it('answers InvalidClientTokenId for a session key without its token', async () => {
    const out = await assumeOperator();
    const error = await errorOf(
      new STSClient({
        ...sandbox.config(),
        credentials: { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey! },
      }).send(new GetCallerIdentityCommand({})),
    );
    expect(error).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
  });
});
