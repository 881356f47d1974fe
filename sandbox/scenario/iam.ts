import { ConfigSchema } from '../../src/config/schema.ts';
import { policiesFor } from '../../src/iam/split.ts';
import { trustFor } from '../../src/iam/trust.ts';
import type { PolicyDocument } from '../core/iam.ts';
import { SCENARIO_TARGET, scenarioConfig } from './config.ts';
import { createRole, createUser, issueUserKey, mfaDevices } from '../core/iam-state.ts';
import { createOidcIssuer } from '../core/oidc.ts';
import { newTotpSecret } from '../core/totp.ts';
import type { World } from '../core/world.ts';
import {
  ADMIN_USER,
  arn,
  CI_USER,
  COMPANY_ACCOUNT,
  GITHUB_ROLE,
  MFA_USER,
  OIDC_ISSUER,
  OPERATOR_ROLE,
  PROD_SEARCH,
  RESTORE_ROLE,
  SEARCH_SERVICE_LINKED_ROLE,
  SEARCH_SNAPSHOT_READER_ROLE,
  SEARCH_SNAPSHOT_ROLE,
  searchServiceLinkedRoleArn,
} from './constants.ts';
import { SCENARIO_PREFIX } from './config.ts';

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface MfaKey extends AccessKey {
  /** The MFA device's serial number (arn:aws:iam::ACCOUNT:mfa/alice). */
  serialNumber: string;
  /** Base32 TOTP seed: `totp(secret, world.clock.nowMs())` gives the current code. */
  totpSecret: string;
}

export interface IamSeed {
  /** Full rights, for sandbox-level tests only. */
  admin: AccessKey;
  /** The CI user: may only assume the operator role with the external id. */
  ci: AccessKey;
  /** The MFA user: may assume the operator role only with an MFA code. */
  mfa: MfaKey;
  /** ARNs of the seeded roles and the OIDC provider. */
  roles: { operator: string; github: string; restore: string; searchSnapshot: string; searchSnapshotReader: string };
  oidcProviderArn: string;
}

const policy = (...Statement: PolicyDocument['Statement']): PolicyDocument => ({ Version: '2012-10-17', Statement });

/**
 * The operator's permissions: exactly the customer-managed policies `snapclone iam policy` generates for the
 * scenario's config, computed by the same code when the sandbox is seeded (not a copy), so the demo and the
 * end-to-end tests run under the generated least-privilege policies, all attached to the role.
 */
export function generatedOperatorPolicies(): PolicyDocument[] {
  return policiesFor(ConfigSchema.parse(scenarioConfig()), SCENARIO_TARGET).map((p) => p.document as PolicyDocument);
}

/**
 * The seeded roles' trust, as `snapclone iam trust` generates it (src/iam/trust.ts) for the scenario's config,
 * not written by hand: the operator role gets the statements for IAM principals (the CI user with the external
 * id; and, generated from the same config with `principals: [alice]`, `requireMfa: true` and no external id,
 * the MFA user's), the GitHub role the statements for GitHub's OIDC provider.
 */
export function generatedTrust(): { operator: PolicyDocument; github: PolicyDocument } {
  const base = scenarioConfig();
  const dev = base.targets[SCENARIO_TARGET];
  const mfaConfig = {
    ...base,
    targets: {
      [SCENARIO_TARGET]: {
        ...dev,
        access: { ...dev.access, externalId: undefined, trust: { principals: [arn.user(MFA_USER)], requireMfa: true } },
      },
    },
  };
  const statements = (config: unknown) => trustFor(ConfigSchema.parse(config), SCENARIO_TARGET).Statement as PolicyDocument['Statement'];
  const isFederated = (s: PolicyDocument['Statement'][number]) => 'Federated' in ((s.Principal ?? {}) as object);
  const generated = statements(base);
  const withMfa = statements(mfaConfig).filter((s) => !isFederated(s)).map((s) => ({ ...s, Sid: `${s.Sid ?? 'Principals'}WithMfa` }));
  return {
    operator: policy(...generated.filter((s) => !isFederated(s)), ...withMfa),
    github: policy(...generated.filter(isFederated)),
  };
}

/** Seeds IAM: users with fresh random keys, the three roles, the MFA device and the GitHub OIDC provider. */
export function seedIam(world: World): IamSeed {
  const account = COMPANY_ACCOUNT;
  const operatorArn = arn.role(OPERATOR_ROLE);
  const operatorPolicies = generatedOperatorPolicies();
  const assumeOperator = policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: operatorArn });

  const admin = createUser(world, account, ADMIN_USER, [policy({ Effect: 'Allow', Action: '*', Resource: '*' })]);
  const ci = createUser(world, account, CI_USER, [assumeOperator]);
  const alice = createUser(world, account, MFA_USER, [assumeOperator]);

  const serialNumber = `arn:aws:iam::${account}:mfa/${MFA_USER}`;
  const totpSecret = newTotpSecret();
  mfaDevices(world, account).set(serialNumber, { serialNumber, userArn: alice.arn, secret: totpSecret });

  const provider = createOidcIssuer(world, account, `https://${OIDC_ISSUER}`);

  const trust = generatedTrust();
  createRole(world, account, OPERATOR_ROLE, trust.operator, operatorPolicies, 3600 * 4);
  createRole(world, account, GITHUB_ROLE, trust.github, operatorPolicies);
  createRole(
    world,
    account,
    RESTORE_ROLE,
    policy({ Effect: 'Allow', Principal: { Service: 'backup.amazonaws.com' }, Action: 'sts:AssumeRole' }),
    [
      policy({
        Effect: 'Allow',
        Action: ['rds:*', 'backup:*', 'tag:GetResources', 'ec2:Describe*', 'kms:Decrypt', 'kms:CreateGrant'],
        Resource: '*',
      }),
    ],
  );

  seedSearchRoles(world, account);

  const key = (issued: AccessKey): AccessKey => ({
    accessKeyId: issued.accessKeyId,
    secretAccessKey: issued.secretAccessKey,
  });
  return {
    admin: key(issueUserKey(world, admin)),
    ci: key(issueUserKey(world, ci)),
    mfa: { ...key(issueUserKey(world, alice)), serialNumber, totpSecret },
    roles: {
      operator: operatorArn,
      github: arn.role(GITHUB_ROLE),
      restore: arn.role(RESTORE_ROLE),
      searchSnapshot: arn.role(SEARCH_SNAPSHOT_ROLE),
      searchSnapshotReader: arn.role(SEARCH_SNAPSHOT_READER_ROLE),
    },
    oidcProviderArn: provider.arn,
  };
}

/** Trust of a role for OpenSearch Service, limited as AWS recommends to domains of the account matching `domains`. */
const searchTrust = (account: string, domains: string) =>
  policy({
    Effect: 'Allow',
    Principal: { Service: 'es.amazonaws.com' },
    Action: 'sts:AssumeRole',
    Condition: { StringEquals: { 'aws:SourceAccount': account }, ArnLike: { 'aws:SourceArn': arn.domain(domains) } },
  });

/**
 * OpenSearch's roles: production's snapshot role (read and write the buckets; trusted for the production domain
 * only, as AWS recommends), the dedicated read-only role clones register the repository with (list and read;
 * trusted for `<prefix>-*` domains: docs/iam.md), and the service-linked role an administrator made once.
 */
function seedSearchRoles(world: World, account: string): void {
  const buckets = PROD_SEARCH.map((s) => `arn:aws:s3:::${s.bucket}`);
  const [prod] = PROD_SEARCH;
  createRole(world, account, SEARCH_SNAPSHOT_ROLE, searchTrust(account, prod.id), [
    policy(
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: buckets },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: buckets.map((b) => `${b}/*`) },
    ),
  ]);
  createRole(world, account, SEARCH_SNAPSHOT_READER_ROLE, searchTrust(account, `${SCENARIO_PREFIX}-*`), [
    policy({ Effect: 'Allow', Action: 's3:ListBucket', Resource: buckets }, { Effect: 'Allow', Action: 's3:GetObject', Resource: buckets.map((b) => `${b}/*`) }),
  ]);
  const slr = createRole(
    world,
    account,
    SEARCH_SERVICE_LINKED_ROLE,
    policy({ Effect: 'Allow', Principal: { Service: 'opensearchservice.amazonaws.com' }, Action: 'sts:AssumeRole' }),
    [],
  );
  world.roles.delete(slr.arn);
  slr.arn = searchServiceLinkedRoleArn(account);
  world.roles.set(slr.arn, slr);
}
