import {
  AddTagsToResourceCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ListTagsForResourceCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  RemoveTagsFromResourceCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rdsState } from '../../sandbox/services/rds/state.ts';
import { arn, COMPANY_ACCOUNT, COMPANY_REGION, DEV_SECURITY_GROUP, DEV_SUBNET_GROUP, EXTERNAL_ID } from '../../sandbox/scenario/index.ts';
import { errorOf } from '../support/errors.ts';
import { hasAwsCli, runAwsCli } from '../support/awscli.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

/**
 * The operator role, used WITHOUT snapclone's guard (straight through the SDK and the aws CLI), cannot damage
 * production: the generated least-privilege policy alone keeps orders-prod safe. The role is the seeded one,
 * with exactly the policy `snapclone iam policy` generates; enforcement is the sandbox's default.
 */

// The Debian aws CLI, not the pyenv shim first on PATH (as in awscli.test.ts).

const PROD = 'orders-prod';
const PROD_ARN = 'arn:aws:rds:ap-northeast-1:123456789012:db:orders-prod';
const SESSION = 'snapclone-mallory';
const MALLORY = `arn:aws:sts::${COMPANY_ACCOUNT}:assumed-role/snapclone-operator/${SESSION}`;
const CLONE = 'snapclone-unguarded-ok';

interface SessionKey {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

let sb: TestSandbox;
let mallory: SessionKey;
let snapshotId: string;
let secretArn: string;
let prodPassword: string;
const admin = () => new RDSClient(sb.config());
const operatorConfig = () => ({ ...sb.config(), credentials: mallory, maxAttempts: 1 });
const prodInstance = () => rdsState(sb.world, COMPANY_ACCOUNT, COMPANY_REGION).instances.get(PROD)!;

beforeAll(async () => {
  sb = await startTestSandbox();
  const out = await new STSClient(sb.config(sb.scenario.ci)).send(
    new AssumeRoleCommand({
      RoleArn: sb.scenario.roles.operator,
      RoleSessionName: SESSION,
      SourceIdentity: SESSION,
      ExternalId: EXTERNAL_ID,
    }),
  );
  const c = out.Credentials!;
  mallory = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };

  const snapshots = await admin().send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: PROD, SnapshotType: 'manual' }));
  const available = (snapshots.DBSnapshots ?? []).filter((s) => s.Status === 'available');
  snapshotId = available[0]!.DBSnapshotIdentifier!;

  const secret = await new SecretsManagerClient(sb.config()).send(
    new CreateSecretCommand({ Name: 'orders-prod-master', SecretString: 'production-password' }),
  );
  secretArn = secret.ARN!;
  prodPassword = prodInstance().masterPassword;
});
afterAll(() => sb?.close());

/** What a denial names: the caller, the action and the resource, and why. */
const denial = (action: string, resource: string, why: 'explicit' | 'implicit') =>
  `User: ${MALLORY} is not authorized to perform: ${action} on resource: ${resource} ` +
  (why === 'explicit'
    ? 'with an explicit deny in an identity-based policy'
    : `because no identity-based policy allows the ${action} action`);

describe('the operator role without the guard, through the SDK', () => {
  it('starts from an enforcing sandbox, a session of the seeded operator role and production as seeded', async () => {
    expect(sb.world.enforceIam).toBe(true);
    expect(mallory.accessKeyId).toMatch(/^ASIA/);
    expect(snapshotId).toMatch(/^orders-prod-/);
    const [db] = (await admin().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: PROD }))).DBInstances!;
    expect(db).toMatchObject({ DBInstanceArn: PROD_ARN, DBInstanceStatus: 'available', DeletionProtection: true });
  });

  it('cannot tag, modify, delete, untag or restore over production, nor read its secret; can read and clone', async () => {
    const rds = new RDSClient(operatorConfig());
    // The full set a create carries (security M2/H4): the session as owner and an expiry, so that each refusal
    // below is for what it names, not for a missing tag.
    const expires = new Date(sb.world.clock.nowMs() + 3_600_000).toISOString();
    const managedAs = (clone: string) => [
      { Key: 'snapclone:managed', Value: 'true' },
      { Key: 'snapclone:clone', Value: clone },
      { Key: 'snapclone:owner', Value: SESSION.replace(/^snapclone-/, '') },
      { Key: 'snapclone:expires-at', Value: expires },
    ];

    // Make production look like a clone, so that the tag-conditioned statements would let the rest through.
    const tag = await errorOf(rds.send(new AddTagsToResourceCommand({ ResourceName: PROD_ARN, Tags: managedAs(PROD) })));
    expect(tag).toMatchObject({ name: 'AccessDenied', status: 403 });
    // No Allow reaches a source; tag-on-create is left out of the explicit deny (F25, docs/iam.md).
    expect(tag.message).toBe(denial('rds:AddTagsToResource', PROD_ARN, 'implicit'));

    const unprotect = await errorOf(
      rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: PROD, DeletionProtection: false, ApplyImmediately: true })),
    );
    expect(unprotect).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(unprotect.message).toBe(denial('rds:ModifyDBInstance', PROD_ARN, 'explicit'));

    const password = await errorOf(
      rds.send(
        new ModifyDBInstanceCommand({ DBInstanceIdentifier: PROD, MasterUserPassword: 'mallory-was-here-1', ApplyImmediately: true }),
      ),
    );
    expect(password).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(password.message).toBe(denial('rds:ModifyDBInstance', PROD_ARN, 'explicit'));

    const del = await errorOf(rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: PROD, SkipFinalSnapshot: true })));
    expect(del).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(del.message).toBe(denial('rds:DeleteDBInstance', PROD_ARN, 'explicit'));

    const untag = await errorOf(rds.send(new RemoveTagsFromResourceCommand({ ResourceName: PROD_ARN, TagKeys: ['env', 'owner'] })));
    expect(untag).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(untag.message).toBe(denial('rds:RemoveTagsFromResource', PROD_ARN, 'implicit'));

    // A copy of production's data outside the clone prefix, even tagged as managed.
    const outside = await errorOf(
      rds.send(
        new RestoreDBInstanceFromDBSnapshotCommand({
          DBInstanceIdentifier: 'orders-prod-copy',
          DBSnapshotIdentifier: snapshotId,
          Tags: [{ Key: 'snapclone:managed', Value: 'true' }],
        }),
      ),
    );
    expect(outside).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(outside.message).toBe(denial('rds:RestoreDBInstanceFromDBSnapshot', arn.db('orders-prod-copy'), 'implicit'));

    // Inside the prefix but untagged: a copy nobody would own, expire or be allowed to delete.
    const untagged = await errorOf(
      rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'snapclone-x', DBSnapshotIdentifier: snapshotId })),
    );
    expect(untagged).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(untagged.message).toBe(denial('rds:RestoreDBInstanceFromDBSnapshot', arn.db('snapclone-x'), 'implicit'));

    const read = await errorOf(
      new SecretsManagerClient(operatorConfig()).send(new GetSecretValueCommand({ SecretId: 'orders-prod-master' })),
    );
    expect(read).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    expect(read.message).toBe(denial('secretsmanager:GetSecretValue', secretArn, 'implicit'));

    // A public copy, or one of another class than the placement's, even tagged and in the prefix.
    for (const unsafe of [{ PubliclyAccessible: true, DBInstanceClass: 'db.t4g.micro' }, { PubliclyAccessible: false, DBInstanceClass: 'db.r6i.32xlarge' }]) {
      const refused = await errorOf(
        rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'snapclone-x', DBSnapshotIdentifier: snapshotId, Tags: managedAs('snapclone-x'), ...unsafe })),
      );
      expect(refused.message).toBe(denial('rds:RestoreDBInstanceFromDBSnapshot', arn.db('snapclone-x'), 'implicit'));
    }

    // Positive controls: the same session is not simply denied everything.
    const described = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: PROD }));
    expect(described.DBInstances?.map((d) => d.DBInstanceIdentifier)).toEqual([PROD]);
    const restored = await rds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: CLONE,
        DBSnapshotIdentifier: snapshotId,
        DBSubnetGroupName: DEV_SUBNET_GROUP,
        VpcSecurityGroupIds: [DEV_SECURITY_GROUP],
        // As snapclone restores: private, of the placement's class (the policy requires both).
        DBInstanceClass: 'db.t4g.micro',
        PubliclyAccessible: false,
        Tags: managedAs(CLONE),
      }),
    );
    expect(restored.DBInstance).toMatchObject({ DBInstanceIdentifier: CLONE, DBInstanceArn: arn.db(CLONE) });
    const cloneTags = await admin().send(new ListTagsForResourceCommand({ ResourceName: arn.db(CLONE) }));
    expect(cloneTags.TagList).toEqual(expect.arrayContaining(managedAs(CLONE)));

    // Nothing that was denied slipped through.
    const copies = rdsState(sb.world, COMPANY_ACCOUNT, COMPANY_REGION).instances;
    expect(copies.has('orders-prod-copy')).toBe(false);
    expect(copies.has('snapclone-x')).toBe(false);
  });
});

const aws = (args: string[], key: SessionKey) => runAwsCli(sb.url, args, key);

describe.skipIf(!hasAwsCli)('the operator role without the guard, through the real aws CLI', () => {
  it('cannot tag, unprotect or delete production; can describe it', async () => {
    const refusals = [
      {
        action: 'rds:AddTagsToResource',
        args: [
          'rds',
          'add-tags-to-resource',
          '--resource-name',
          PROD_ARN,
          '--tags',
          'Key=snapclone:managed,Value=true',
          `Key=snapclone:clone,Value=${PROD}`,
        ],
      },
      {
        action: 'rds:ModifyDBInstance',
        args: ['rds', 'modify-db-instance', '--db-instance-identifier', PROD, '--no-deletion-protection', '--apply-immediately'],
      },
      {
        action: 'rds:DeleteDBInstance',
        args: ['rds', 'delete-db-instance', '--db-instance-identifier', PROD, '--skip-final-snapshot'],
      },
    ];
    for (const { action, args } of refusals) {
      const out = await aws(args, mallory);
      expect(out.code, args[1]).not.toBe(0);
      expect(out.stderr, args[1]).toContain('AccessDenied');
      expect(out.stderr, args[1]).toContain(`is not authorized to perform: ${action} on resource: ${PROD_ARN}`);
    }

    const described = await aws(['rds', 'describe-db-instances', '--db-instance-identifier', PROD], mallory);
    expect(described.stderr).toBe('');
    expect(described.code).toBe(0);
    const parsed = JSON.parse(described.stdout) as { DBInstances: { DBInstanceIdentifier: string; DeletionProtection: boolean }[] };
    expect(parsed.DBInstances).toEqual([expect.objectContaining({ DBInstanceIdentifier: PROD, DeletionProtection: true })]);
  });
});

describe('production afterwards (admin view)', () => {
  it('is still available, still deletion-protected, untagged by snapclone, with its tags and password intact', async () => {
    const [db] = (await admin().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: PROD }))).DBInstances!;
    expect(db.DBInstanceStatus).toBe('available');
    expect(db.DeletionProtection).toBe(true);
    const tags = (await admin().send(new ListTagsForResourceCommand({ ResourceName: PROD_ARN }))).TagList ?? [];
    expect(tags.filter((t) => t.Key?.startsWith('snapclone:'))).toEqual([]);
    expect(tags).toEqual(
      expect.arrayContaining([
        { Key: 'env', Value: 'production' },
        { Key: 'owner', Value: 'platform-team' },
      ]),
    );
    expect(prodInstance().masterPassword).toBe(prodPassword);
    // No modification under way or waiting for the maintenance window.
    expect(prodInstance().phases).toEqual([]);
    expect(prodInstance().pendingMaintenance).toEqual({});
  });
});
