// AssumeRole failures told apart (audit M6), against the sandbox's STS and IAM with IAM enforced: AWS answers one
// AccessDenied for several causes, so snapclone diagnoses from what it can know and says what to do for each.
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TargetConfig } from '../../src/config/schema.ts';
import { createClients } from '../../src/aws/session.ts';
import { explain } from '../../src/cli/errors.ts';
import { ExitCode } from '../../src/core/errors.ts';
import type { PolicyDocument } from '../../sandbox/core/iam.ts';
import { createRole, createUser, issueUserKey, roleArn } from '../../sandbox/core/iam-state.ts';
import { totp } from '../../sandbox/core/totp.ts';
import { COMPANY_ACCOUNT } from '../../sandbox/scenario/index.ts';
import { NO_BACKOFF, startCli, type TestCli } from './support.ts';

let cli: TestCli;
/** A user who may assume any role of the account and read roles (iam:GetRole), as an infrastructure engineer may. */
let reader: { accessKeyId: string; secretAccessKey: string; arn: string };

const policy = (...Statement: PolicyDocument['Statement']): PolicyDocument => ({ Version: '2012-10-17', Statement });
const trusting = (principal: string, Condition?: Record<string, Record<string, string>>) =>
  policy({ Effect: 'Allow', Principal: { AWS: principal }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], ...(Condition ? { Condition } : {}) });

beforeAll(async () => {
  cli = await startCli();
  const world = cli.sb.world;
  const user = createUser(world, COMPANY_ACCOUNT, 'infra-reader', [
    policy({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'iam:GetRole'], Resource: `arn:aws:iam::${COMPANY_ACCOUNT}:role/*` }),
  ]);
  const key = issueUserKey(world, user);
  reader = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, arn: user.arn };
  createRole(world, COMPANY_ACCOUNT, 'with-external-id', trusting(user.arn, { StringEquals: { 'sts:ExternalId': 'the-right-external-id' } }), []);
  createRole(world, COMPANY_ACCOUNT, 'with-mfa', trusting(user.arn, { Bool: { 'aws:MultiFactorAuthPresent': 'true' } }), []);
  createRole(world, COMPANY_ACCOUNT, 'plain', trusting(user.arn), []);
});
afterAll(() => cli.close());

type Access = Partial<TargetConfig['access']>;
type Key = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/** A target of the scenario config with other access settings. */
const target = (access: Access): TargetConfig => ({ ...cli.config.targets.dev, access: { ...cli.config.targets.dev.access, ...access } });

/** Runs one RDS call through a session of `access` started from `key`; the error as the user reads it. */
async function refusal(access: Access, key: Key, mfaCode?: string) {
  const clients = createClients(target(access), {
    person: 'bob',
    endpoint: cli.sb.url,
    credentials: key,
    backoff: NO_BACKOFF,
    ...(mfaCode ? { mfaCode: async () => mfaCode } : {}),
  });
  const error = await clients.of(RDSClient).send(new DescribeDBInstancesCommand({})).then(() => undefined, (e: unknown) => e);
  expect(error, 'the call should have been refused').toBeDefined();
  return explain(error);
}

const role = (name: string) => roleArn(COMPANY_ACCOUNT, name);

describe('what STS answers (as AWS: the same AccessDenied whatever the cause)', () => {
  it('does not tell an unknown role, an untrusted caller and a wrong external id apart', async () => {
    const sts = new STSClient({ ...cli.sb.config(reader), maxAttempts: 1 });
    const message = async (RoleArn: string, ExternalId?: string) =>
      sts.send(new AssumeRoleCommand({ RoleArn, RoleSessionName: 'snapclone-bob', ExternalId })).then(
        () => 'allowed',
        (e: Error) => `${e.name}: ${e.message}`,
      );
    for (const [arn, externalId] of [[role('no-such-role')], [cli.sb.scenario.roles.operator], [role('with-external-id'), 'wrong-external-id'], [role('with-mfa')]]) {
      expect(await message(arn!, externalId)).toBe(`AccessDenied: User: ${reader.arn} is not authorized to perform: sts:AssumeRole on resource: ${arn}`);
    }
    sts.destroy();
  });
});

describe('AssumeRole failures, each with its own message and next step', () => {
  it('an unknown role (read with iam:GetRole): says there is no such role, and to check access.roleArn', async () => {
    const explained = await refusal({ roleArn: role('snapclone-operatr') }, reader);
    expect(explained).toMatchObject({
      message: `Could not assume ${role('snapclone-operatr')}: there is no such role in account ${COMPANY_ACCOUNT}.`,
      hint: expect.stringContaining('Check access.roleArn for a typo'),
      exitCode: ExitCode.usage,
    });
    expect(explained.hint).not.toContain('snapclone policy');
  });

  it('a trust policy that does not name the caller: names the caller and how to add it', async () => {
    const explained = await refusal({ roleArn: cli.sb.scenario.roles.operator }, reader);
    expect(explained.message).toBe(`Could not assume ${cli.sb.scenario.roles.operator}: its trust policy does not let ${reader.arn} assume it.`);
    expect(explained.hint).toContain(`Add ${reader.arn} to access.trust.principals`);
    expect(explained.hint).toContain('snapclone iam trust');
  });

  it('a wrong external id, and a missing one, each said as such', async () => {
    const wrong = await refusal({ roleArn: role('with-external-id'), externalId: 'wrong-external-id' }, reader);
    expect(wrong.message).toBe(`Could not assume ${role('with-external-id')}: the external id snapclone sends (access.externalId) is not the one its trust policy requires.`);
    expect(wrong.hint).toContain('Set access.externalId');
    // The expected value is in the trust policy: it is never printed.
    expect(`${wrong.message} ${wrong.hint}`).not.toContain('the-right-external-id');
    const missing = await refusal({ roleArn: role('with-external-id'), externalId: undefined }, reader);
    expect(missing.message).toBe(`Could not assume ${role('with-external-id')}: its trust policy requires an external id, and the target sets none.`);
  });

  it('MFA required and no MFA device configured: says to set access.mfaSerial', async () => {
    const explained = await refusal({ roleArn: role('with-mfa'), externalId: undefined, mfaSerial: undefined }, reader);
    expect(explained.message).toBe(`Could not assume ${role('with-mfa')}: its trust policy requires MFA, and the target names no MFA device.`);
    expect(explained.hint).toContain('Set access.mfaSerial');
  });

  it('a wrong MFA code: says AWS refused the code, and to wait for the next one', async () => {
    const { mfa } = cli.sb.scenario;
    const right = totp(mfa.totpSecret, cli.sb.world.clock.nowMs());
    const wrongCode = right === '000000' ? '111111' : '000000';
    const explained = await refusal({ mfaSerial: mfa.serialNumber }, mfa, wrongCode);
    expect(explained.message).toBe(`Could not assume ${cli.sb.scenario.roles.operator}: AWS refused the MFA code (wrong, expired, or already used).`);
  });

  it("a role the caller's own policy does not cover (the CI user and a typo): quotes AWS's reason and suggests the typo first", async () => {
    const explained = await refusal({ roleArn: role('snapclone-operatr') }, cli.sb.scenario.ci);
    const ci = `arn:aws:iam::${COMPANY_ACCOUNT}:user/snapclone-ci`;
    expect(explained.message).toBe(
      `Could not assume ${role('snapclone-operatr')}: the permissions of ${ci} do not allow it (AWS: no identity-based policy allows the sts:AssumeRole action).`,
    );
    expect(explained.hint).toMatch(/^Check access\.roleArn for a typo; if it is right/);
  });

  it('where the trust policy cannot be read (no iam:GetRole): the likely causes in order, fitted to the settings', async () => {
    const ci = `arn:aws:iam::${COMPANY_ACCOUNT}:user/snapclone-ci`;
    const explained = await refusal({ externalId: 'wrong-external-id' }, cli.sb.scenario.ci);
    expect(explained.message).toBe(
      `Could not assume ${cli.sb.scenario.roles.operator}: AWS refused (AccessDenied) without saying why (snapclone could not read the role's trust policy: iam:GetRole on it answered AccessDenied for ${ci}).`,
    );
    expect(explained.hint!.split('\n')).toEqual([
      'Likely causes, most likely first:',
      '    1. the role does not exist: check access.roleArn for a typo',
      `    2. the role's trust policy does not name ${ci} (snapclone iam trust prints the one it needs)`,
      '    3. access.externalId is not the external id the trust policy requires',
      '    4. the trust policy requires MFA, and access.mfaSerial is not set',
    ]);
    // Without an external id configured, its absence is the likely cause instead.
    const none = await refusal({ externalId: undefined }, cli.sb.scenario.ci);
    expect(none.hint).toContain('3. the trust policy requires an external id, and access.externalId is not set');
  });
});

describe('already in the role', () => {
  it('a session of the target role is used as it is: no second AssumeRole (which the role would refuse)', async () => {
    // The engineer's shell already holds a session of the operator role (Granted, aws-vault, SSO, a role_arn profile).
    const sts = new STSClient({ ...cli.sb.config(cli.sb.scenario.ci), maxAttempts: 1 });
    const assumed = await sts.send(
      new AssumeRoleCommand({
        RoleArn: cli.sb.scenario.roles.operator,
        RoleSessionName: 'snapclone-carol',
        SourceIdentity: 'snapclone-carol',
        ExternalId: cli.config.targets.dev.access.externalId,
      }),
    );
    sts.destroy();
    const c = assumed.Credentials!;
    const session: Key = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };

    // The role's trust does not name the role itself, so assuming it again is refused, as AWS refuses it.
    const again = new STSClient({ ...cli.sb.config(session), credentials: session, maxAttempts: 1 });
    await expect(
      again.send(new AssumeRoleCommand({ RoleArn: cli.sb.scenario.roles.operator, RoleSessionName: 'snapclone-carol', SourceIdentity: 'snapclone-carol' })),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    again.destroy();

    const sessions = () => [...cli.sb.world.credentials.values()].filter((k) => k.principal.kind === 'assumed-role').length;
    const before = sessions();
    const notes: string[] = [];
    const clients = createClients(cli.config.targets.dev, { person: 'carol', endpoint: cli.sb.url, credentials: session, backoff: NO_BACKOFF, note: (m) => notes.push(m) });
    const out = await clients.of(RDSClient).send(new DescribeDBInstancesCommand({}));
    expect(out.DBInstances?.length).toBeGreaterThan(0);
    expect(sessions()).toBe(before);
    expect(notes).toEqual([expect.stringMatching(/^already a session of .*snapclone-operator \(arn:aws:sts::\d{12}:assumed-role\/snapclone-operator\/snapclone-carol\): using it/)]);
  });
});
