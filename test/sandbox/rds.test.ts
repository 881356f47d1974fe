import {
  AddTagsToResourceCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  DescribeDBSubnetGroupsCommand,
  ListTagsForResourceCommand,
  ModifyDBInstanceCommand,
  paginateDescribeDBInstances,
  paginateDescribeDBSnapshots,
  RDSClient,
  RemoveTagsFromResourceCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
  type DBInstance,
} from '@aws-sdk/client-rds';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_SECURITY_GROUP,
  DEFAULT_VPC,
  PROD_SECURITY_GROUP,
  PROD_SUBNET_GROUP,
} from '../../sandbox/scenario/databases.ts';
import {
  arn,
  COMPANY_ACCOUNT,
  COMPANY_REGION,
  DEV_SECURITY_GROUP,
  DEV_SUBNET_GROUP,
  DEV_VPC,
  PROD_CLUSTERS,
  PROD_DATABASES,
  PROD_VPC,
} from '../../sandbox/scenario/index.ts';
import { createUser, issueUserKey } from '../../sandbox/core/iam-state.ts';
import { tagConditionedPolicy } from '../support/policies.ts';
import { masterPasswordOf } from '../../sandbox/services/rds/state.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { errorOf } from '../support/errors.ts';
import { restoreManualSnapshot } from '../support/staging.ts';

let sb: TestSandbox;
let rds: RDSClient;
beforeAll(async () => {
  sb = await startTestSandbox();
  rds = new RDSClient(sb.config());
});
afterAll(async () => sb?.close());

const MINUTE = 60_000;
const DAY = 86_400_000;
const ORDERS = PROD_DATABASES[0];
const BILLING = PROD_DATABASES[1];

const advance = (ms: number) => sb.world.clock.advance(ms);
const now = () => sb.world.clock.nowMs();
const hidden = (id: string) => masterPasswordOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, id);

async function describe1(id: string): Promise<DBInstance> {
  const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
  expect(out.DBInstances).toHaveLength(1);
  return out.DBInstances![0];
}

/** A clone of orders-prod from its latest manual snapshot into the dev network, made available. */
async function devClone(id: string, extra: Record<string, unknown> = {}): Promise<DBInstance> {
  await restoreManualSnapshot(rds, ORDERS.id, id, { Tags: [{ Key: 'snapclone:managed', Value: 'true' }], ...extra });
  advance(30 * MINUTE);
  const instance = await describe1(id);
  expect(instance.DBInstanceStatus).toBe('available');
  return instance;
}

describe('DescribeDBInstances', () => {
  it('lists the seeded production instances with their real configuration', async () => {
    const out = await rds.send(new DescribeDBInstancesCommand({}));
    const ids = out.DBInstances!.map((i) => i.DBInstanceIdentifier);
    // The Aurora cluster's members are DB instances too (see aurora.test.ts).
    expect(ids).toEqual([BILLING.id, ...PROD_CLUSTERS[0].instances, ORDERS.id]);
    expect(out.Marker).toBeUndefined();
    const orders = out.DBInstances!.find((i) => i.DBInstanceIdentifier === ORDERS.id)!;
    expect(orders).toMatchObject({
      DBInstanceStatus: 'available',
      DBInstanceClass: 'db.r6g.large',
      Engine: 'mysql',
      EngineVersion: ORDERS.engineVersion,
      MultiAZ: true,
      MasterUsername: 'admin',
      BackupRetentionPeriod: 35,
      DeletionProtection: true,
      PubliclyAccessible: false,
      AllocatedStorage: ORDERS.storageGb,
      DBInstanceArn: arn.db(ORDERS.id),
      Endpoint: { Port: ORDERS.port },
      DBSubnetGroup: { DBSubnetGroupName: PROD_SUBNET_GROUP, VpcId: PROD_VPC },
      VpcSecurityGroups: [{ VpcSecurityGroupId: PROD_SECURITY_GROUP, Status: 'active' }],
    });
    expect(orders.DBSubnetGroup!.Subnets).toHaveLength(3);
    expect(orders.DBParameterGroups![0].DBParameterGroupName).toBe('prod-mysql80');
    expect(orders.TagList).toEqual(
      expect.arrayContaining([
        { Key: 'env', Value: 'production' },
        { Key: 'app', Value: 'orders' },
      ]),
    );
    const billing = out.DBInstances!.find((i) => i.DBInstanceIdentifier === BILLING.id)!;
    expect(billing.MasterUsername).toBe('postgres');
    const lag = now() - billing.LatestRestorableTime!.getTime();
    expect(lag).toBeGreaterThanOrEqual(4 * MINUTE);
    expect(lag).toBeLessThanOrEqual(6 * MINUTE);
    expect(JSON.stringify(out)).not.toContain(hidden(ORDERS.id)!);
  });

  it('finds an instance by identifier (any case) or by ARN, and answers DBInstanceNotFound otherwise', async () => {
    expect((await describe1(ORDERS.id.toUpperCase())).DBInstanceIdentifier).toBe(ORDERS.id);
    expect((await describe1(arn.db(BILLING.id))).DBInstanceIdentifier).toBe(BILLING.id);
    const error = await errorOf(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'no-such-db' })));
    expect(error).toMatchObject({ name: 'DBInstanceNotFoundFault', status: 404 });
    expect(error.message).toContain('no-such-db');
  });

  it('applies filters and refuses unknown ones', async () => {
    const byId = await rds.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-instance-id', Values: [arn.db(ORDERS.id)] }] }),
    );
    expect(byId.DBInstances!.map((i) => i.DBInstanceIdentifier)).toEqual([ORDERS.id]);
    const byEngine = await rds.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: 'engine', Values: ['postgres'] }] }),
    );
    expect(byEngine.DBInstances!.map((i) => i.DBInstanceIdentifier)).toEqual([BILLING.id]);
    const error = await errorOf(
      rds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'colour', Values: ['blue'] }] })),
    );
    expect(error).toMatchObject({ name: 'InvalidParameterValue', status: 400 });
  });

  it('enforces MaxRecords between 20 and 100', async () => {
    for (const MaxRecords of [19, 101]) {
      const error = await errorOf(rds.send(new DescribeDBInstancesCommand({ MaxRecords })));
      expect(error.name).toBe('InvalidParameterValue');
      expect(error.message).toContain('MaxRecords');
    }
    expect((await rds.send(new DescribeDBInstancesCommand({ MaxRecords: 20 }))).DBInstances!.length).toBeGreaterThan(0);
  });

  it('pages instances with Marker: no repeats, and the last page has no marker', async () => {
    for (let i = 0; i < 21; i++) {
      await rds.send(
        new RestoreDBInstanceToPointInTimeCommand({
          SourceDBInstanceIdentifier: ORDERS.id,
          TargetDBInstanceIdentifier: `page-${String(i).padStart(2, '0')}`,
          UseLatestRestorableTime: true,
          DBSubnetGroupName: DEV_SUBNET_GROUP,
        }),
      );
    }
    const pages: DBInstance[][] = [];
    const markers: (string | undefined)[] = [];
    for await (const p of paginateDescribeDBInstances({ client: rds, pageSize: 20 }, {})) {
      pages.push(p.DBInstances!);
      markers.push(p.Marker);
    }
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages[0]).toHaveLength(20);
    expect(markers.at(-1)).toBeUndefined();
    const ids = pages.flat().map((i) => i.DBInstanceIdentifier!);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining([ORDERS.id, BILLING.id, 'page-00', 'page-20']));
    // The restores appear at once, as 'creating'.
    expect(pages.flat().find((i) => i.DBInstanceIdentifier === 'page-07')!.DBInstanceStatus).toBe('creating');
  });
});

describe('DescribeDBSnapshots', () => {
  it('holds 35 daily automated snapshots, AWS Backup snapshots and manual ones per instance', async () => {
    for (const db of PROD_DATABASES) {
      const auto = await rds.send(
        new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: db.id, SnapshotType: 'automated' }),
      );
      expect(auto.DBSnapshots).toHaveLength(35);
      for (const snap of auto.DBSnapshots!) {
        expect(snap.DBSnapshotIdentifier).toMatch(new RegExp(`^rds:${db.id}-\\d{4}-\\d{2}-\\d{2}-\\d{2}-\\d{2}$`));
        expect(snap).toMatchObject({ SnapshotType: 'automated', Engine: db.engine, DBInstanceIdentifier: db.id });
        // Today's may have started while the tests ran; the earlier ones are all available.
        if (now() - snap.SnapshotCreateTime!.getTime() > 30 * MINUTE) expect(snap.Status).toBe('available');
      }
      const times = auto.DBSnapshots!.map((s) => s.SnapshotCreateTime!.getTime()).sort((a, b) => a - b);
      expect(now() - times[0]).toBeLessThan(35 * DAY + 3 * 60 * MINUTE);
      expect(times[1] - times[0]).toBe(DAY);
      const manual = await rds.send(
        new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: db.id, SnapshotType: 'manual' }),
      );
      expect(manual.DBSnapshots!.length).toBeGreaterThanOrEqual(1);
      expect(manual.DBSnapshots!.every((s) => s.SnapshotType === 'manual')).toBe(true);
      const viaBackup = await rds.send(
        new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: arn.db(db.id), SnapshotType: 'awsbackup' }),
      );
      expect(viaBackup.DBSnapshots).toHaveLength(35);
      expect(viaBackup.DBSnapshots![0].DBSnapshotArn).toMatch(
        new RegExp(`^arn:aws:rds:${COMPANY_REGION}:${COMPANY_ACCOUNT}:snapshot:awsbackup:job-[0-9a-f-]{36}$`),
      );
    }
  });

  it('pages snapshots 20 at a time without repeating any', async () => {
    const ids: string[] = [];
    let pages = 0;
    let lastMarker: string | undefined = 'unset';
    for await (const p of paginateDescribeDBSnapshots(
      { client: rds, pageSize: 20 },
      { DBInstanceIdentifier: ORDERS.id },
    )) {
      pages++;
      ids.push(...p.DBSnapshots!.map((s) => s.DBSnapshotIdentifier!));
      lastMarker = p.Marker;
    }
    expect(ids.length).toBeGreaterThanOrEqual(72);
    expect(pages).toBe(Math.ceil(ids.length / 20));
    expect(new Set(ids).size).toBe(ids.length);
    expect(lastMarker).toBeUndefined();
  });

  it('finds one snapshot by identifier or ARN and answers DBSnapshotNotFound otherwise', async () => {
    const any = (
      await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: BILLING.id, SnapshotType: 'manual' }))
    ).DBSnapshots![0];
    const byId = await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: any.DBSnapshotIdentifier }));
    const byArn = await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: any.DBSnapshotArn }));
    expect(byId.DBSnapshots!.map((s) => s.DBSnapshotArn)).toEqual([any.DBSnapshotArn]);
    expect(byArn.DBSnapshots!.map((s) => s.DBSnapshotIdentifier)).toEqual([any.DBSnapshotIdentifier]);
    expect(await errorOf(rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'nope' })))).toMatchObject({
      name: 'DBSnapshotNotFoundFault',
      status: 404,
    });
    expect((await errorOf(rds.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'weekly' })))).name).toBe(
      'InvalidParameterValue',
    );
  });
});

describe('DescribeDBSubnetGroups and DescribeDBInstanceAutomatedBackups', () => {
  it('lists the default, production and development subnet groups', async () => {
    const all = await rds.send(new DescribeDBSubnetGroupsCommand({}));
    expect(all.DBSubnetGroups!.map((g) => g.DBSubnetGroupName).sort()).toEqual(
      ['default', DEV_SUBNET_GROUP, PROD_SUBNET_GROUP].sort(),
    );
    const dev = await rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: DEV_SUBNET_GROUP }));
    expect(dev.DBSubnetGroups![0]).toMatchObject({ VpcId: DEV_VPC, SubnetGroupStatus: 'Complete' });
    expect(dev.DBSubnetGroups![0].Subnets!.map((s) => s.SubnetAvailabilityZone!.Name)).toEqual([
      `${COMPANY_REGION}a`,
      `${COMPANY_REGION}c`,
      `${COMPANY_REGION}d`,
    ]);
    expect((await errorOf(rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: 'nope' })))).name).toBe(
      'DBSubnetGroupNotFoundFault',
    );
  });

  it('reports the point-in-time window: 35 days back to about five minutes ago', async () => {
    const out = await rds.send(new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: ORDERS.id }));
    expect(out.DBInstanceAutomatedBackups).toHaveLength(1);
    const { EarliestTime, LatestTime } = out.DBInstanceAutomatedBackups![0].RestoreWindow!;
    expect(Math.abs(now() - EarliestTime!.getTime() - 35 * DAY)).toBeLessThan(DAY);
    expect(now() - LatestTime!.getTime()).toBeLessThanOrEqual(6 * MINUTE);
  });
});

describe('RestoreDBInstanceFromDBSnapshot', () => {
  it('creates the copy as "creating", available after about 15 minutes, with the source credentials', async () => {
    const snap = (
      await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: ORDERS.id, SnapshotType: 'manual' }))
    ).DBSnapshots![0];
    const out = await rds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: 'orders-copy',
        DBSnapshotIdentifier: snap.DBSnapshotArn,
        DBInstanceClass: 'db.t4g.micro',
        DBSubnetGroupName: DEV_SUBNET_GROUP,
        VpcSecurityGroupIds: [DEV_SECURITY_GROUP],
        BackupRetentionPeriod: 0,
        Tags: [
          { Key: 'snapclone:managed', Value: 'true' },
          { Key: 'owner', Value: 'alice' },
        ],
      }),
    );
    expect(out.DBInstance).toMatchObject({
      DBInstanceIdentifier: 'orders-copy',
      DBInstanceStatus: 'creating',
      DBInstanceClass: 'db.t4g.micro',
      MasterUsername: 'admin',
      MultiAZ: false,
      PubliclyAccessible: false,
      DeletionProtection: false,
      BackupRetentionPeriod: 0,
      DBSubnetGroup: { DBSubnetGroupName: DEV_SUBNET_GROUP, VpcId: DEV_VPC },
      VpcSecurityGroups: [{ VpcSecurityGroupId: DEV_SECURITY_GROUP, Status: 'active' }],
      TagList: [
        { Key: 'snapclone:managed', Value: 'true' },
        { Key: 'owner', Value: 'alice' },
      ],
    });
    expect(out.DBInstance!.Endpoint).toBeUndefined();
    expect(hidden('orders-copy')).toBe(hidden(ORDERS.id));
    expect(sb.world.tagsOf(arn.db('orders-copy'))).toEqual({ 'snapclone:managed': 'true', owner: 'alice' });

    advance(14 * MINUTE);
    expect((await describe1('orders-copy')).DBInstanceStatus).toBe('creating');
    advance(2 * MINUTE);
    const ready = await describe1('orders-copy');
    expect(ready.DBInstanceStatus).toBe('available');
    // A copy of a source with data is served on loopback (sandbox/services/rds/data-plane.ts); production keeps AWS-shaped names.
    expect(ready.Endpoint).toMatchObject({ Address: '127.0.0.1', Port: expect.any(Number) });
    expect(ready.Endpoint!.Port).not.toBe(ORDERS.port);
    expect(ready.InstanceCreateTime).toBeInstanceOf(Date);
    expect(ready.LatestRestorableTime).toBeUndefined();
  });

  it('refuses taken, malformed and misplaced targets with the RDS error codes', async () => {
    const automated = await rds.send(
      new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: ORDERS.id, SnapshotType: 'automated' }),
    );
    const snapshot = automated.DBSnapshots![0].DBSnapshotIdentifier!;
    const restore = (input: Record<string, unknown>) =>
      errorOf(
        rds.send(
          new RestoreDBInstanceFromDBSnapshotCommand({
            DBSnapshotIdentifier: snapshot,
            DBInstanceIdentifier: 'x-ok',
            ...input,
          }),
        ),
      );
    expect(await restore({ DBInstanceIdentifier: ORDERS.id })).toMatchObject({
      name: 'DBInstanceAlreadyExistsFault',
      status: 400,
    });
    for (const bad of ['1orders', 'orders--copy', 'orders-', 'a'.repeat(64), 'orders_copy']) {
      const error = await restore({ DBInstanceIdentifier: bad });
      expect(error.name, bad).toBe('InvalidParameterValue');
      expect(error.message).toContain('DBInstanceIdentifier');
    }
    expect(await restore({ DBSnapshotIdentifier: 'missing-snap' })).toMatchObject({
      name: 'DBSnapshotNotFoundFault',
      status: 404,
    });
    expect((await restore({ DBSubnetGroupName: 'missing-group' })).name).toBe('DBSubnetGroupNotFoundFault');
    const crossVpc = await restore({ DBSubnetGroupName: DEV_SUBNET_GROUP, VpcSecurityGroupIds: [PROD_SECURITY_GROUP] });
    expect(crossVpc.name).toBe('InvalidParameterCombination');
    expect(crossVpc.message).toContain('different VPCs');
    expect((await restore({ MultiAZ: true, AvailabilityZone: `${COMPANY_REGION}a` })).name).toBe(
      'InvalidParameterCombination',
    );
    expect((await restore({ DBInstanceClass: 'huge' })).name).toBe('InvalidParameterCombination');
    expect((await restore({ Tags: [{ Key: 'aws:owner', Value: 'x' }] })).name).toBe('InvalidParameterValue');
    expect((await errorOf(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'x-ok' })))).name).toBe(
      'DBInstanceNotFoundFault',
    );
  });
});

describe('RestoreDBInstanceToPointInTime', () => {
  it('restores a time inside the window, with the default network and groups when none are given', async () => {
    const at = new Date(now() - 7 * DAY);
    const out = await rds.send(
      new RestoreDBInstanceToPointInTimeCommand({
        SourceDBInstanceIdentifier: BILLING.id,
        TargetDBInstanceIdentifier: 'billing-week-ago',
        RestoreTime: at,
      }),
    );
    expect(out.DBInstance).toMatchObject({
      DBInstanceStatus: 'creating',
      Engine: 'postgres',
      MasterUsername: 'postgres',
      DBInstanceClass: 'db.r6g.large',
      MultiAZ: false,
      DeletionProtection: false,
      DBSubnetGroup: { DBSubnetGroupName: 'default', VpcId: DEFAULT_VPC },
      VpcSecurityGroups: [{ VpcSecurityGroupId: DEFAULT_SECURITY_GROUP }],
      DBParameterGroups: [{ DBParameterGroupName: 'default.postgres16' }],
      // The default VPC has an internet gateway: what lands there unasked is public.
      PubliclyAccessible: true,
    });
    expect(out.DBInstance!.TagList).toEqual([]);
    expect(hidden('billing-week-ago')).toBe(hidden(BILLING.id));
  });

  it('refuses times outside the window with InvalidRestoreFault', async () => {
    for (const at of [now() - 36 * DAY, now() + MINUTE]) {
      const error = await errorOf(
        rds.send(
          new RestoreDBInstanceToPointInTimeCommand({
            SourceDBInstanceIdentifier: ORDERS.id,
            TargetDBInstanceIdentifier: 'orders-out-of-window',
            RestoreTime: new Date(at),
          }),
        ),
      );
      expect(error).toMatchObject({ name: 'InvalidRestoreFault', status: 400 });
      expect(error.message).toContain('restorable window');
    }
  });

  it('checks its parameters and its source', async () => {
    const pitr = (input: Record<string, unknown>) =>
      errorOf(
        rds.send(
          new RestoreDBInstanceToPointInTimeCommand({
            SourceDBInstanceIdentifier: ORDERS.id,
            TargetDBInstanceIdentifier: 'orders-pitr-bad',
            ...input,
          }),
        ),
      );
    expect((await pitr({ RestoreTime: new Date(now() - DAY), UseLatestRestorableTime: true })).name).toBe(
      'InvalidParameterCombination',
    );
    expect((await pitr({})).name).toBe('InvalidParameterCombination');
    expect((await pitr({ SourceDBInstanceIdentifier: 'ghost', UseLatestRestorableTime: true })).name).toBe(
      'DBInstanceNotFoundFault',
    );
    expect((await pitr({ TargetDBInstanceIdentifier: BILLING.id, UseLatestRestorableTime: true })).name).toBe(
      'DBInstanceAlreadyExistsFault',
    );
    await devClone('no-backups', { BackupRetentionPeriod: 0 });
    expect((await pitr({ SourceDBInstanceIdentifier: 'no-backups', UseLatestRestorableTime: true })).name).toBe(
      'PointInTimeRestoreNotEnabledFault',
    );
  });
});

describe('ModifyDBInstance', () => {
  it('refuses an instance that is still being created', async () => {
    await rds.send(
      new RestoreDBInstanceToPointInTimeCommand({
        SourceDBInstanceIdentifier: ORDERS.id,
        TargetDBInstanceIdentifier: 'still-creating',
        UseLatestRestorableTime: true,
        DBSubnetGroupName: DEV_SUBNET_GROUP,
      }),
    );
    const error = await errorOf(
      rds.send(
        new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'still-creating', MasterUserPassword: 'N3wPassword!' }),
      ),
    );
    expect(error).toMatchObject({ name: 'InvalidDBInstanceStateFault', status: 400 });
    expect((await errorOf(rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'ghost' })))).name).toBe(
      'DBInstanceNotFoundFault',
    );
  });

  it('resets the master password: resetting-master-credentials for about a minute, then the new one', async () => {
    await devClone('pw-reset');
    const before = hidden('pw-reset');
    const out = await rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: 'pw-reset',
        MasterUserPassword: 'Fresh-Pass-123',
        ApplyImmediately: true,
      }),
    );
    expect(out.DBInstance!.DBInstanceStatus).toBe('resetting-master-credentials');
    expect(out.DBInstance!.PendingModifiedValues!.MasterUserPassword).toBe('****');
    expect(JSON.stringify(out)).not.toContain('Fresh-Pass-123');
    expect(hidden('pw-reset')).toBe(before);
    advance(61 * 1000);
    const after = await describe1('pw-reset');
    expect(after.DBInstanceStatus).toBe('available');
    expect(after.PendingModifiedValues).toEqual({});
    expect(hidden('pw-reset')).toBe('Fresh-Pass-123');
    expect(hidden(ORDERS.id)).not.toBe('Fresh-Pass-123');
    expect(
      (
        await errorOf(
          rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'pw-reset', MasterUserPassword: 'short' })),
        )
      ).name,
    ).toBe('InvalidParameterValue');
  });

  it('with ManageMasterUserPassword, keeps a new password in an RDS-owned secret', async () => {
    await devClone('managed-pw');
    const source = hidden(ORDERS.id);
    const out = await rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: 'managed-pw',
        ManageMasterUserPassword: true,
        ApplyImmediately: true,
      }),
    );
    const secret = out.DBInstance!.MasterUserSecret!;
    expect(secret.SecretStatus).toBe('active');
    expect(secret.SecretArn).toMatch(/^arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:rds!db-/);
    const sm = new SecretsManagerClient(sb.config());
    const value = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: secret.SecretArn }))).SecretString!);
    expect(value.username).toBe('admin');
    expect(value.password).toBe(hidden('managed-pw'));
    expect(value.password).not.toBe(source);
    expect(
      (
        await errorOf(
          rds.send(
            new ModifyDBInstanceCommand({
              DBInstanceIdentifier: 'managed-pw',
              MasterUserPassword: 'Another-Pass-1',
              ManageMasterUserPassword: true,
            }),
          ),
        )
      ).name,
    ).toBe('InvalidParameterCombination');

    advance(3 * MINUTE);
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'managed-pw', SkipFinalSnapshot: true }));
    expect((await errorOf(sm.send(new GetSecretValueCommand({ SecretId: secret.SecretArn })))).name).toBe(
      'ResourceNotFoundException',
    );
  });

  it('applies retention, deletion protection and class changes as RDS does', async () => {
    await devClone('modify-me');
    const deferred = await rds.send(
      new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'modify-me', DBInstanceClass: 'db.t4g.small' }),
    );
    expect(deferred.DBInstance).toMatchObject({
      DBInstanceStatus: 'available',
      DBInstanceClass: 'db.t4g.micro',
      PendingModifiedValues: { DBInstanceClass: 'db.t4g.small' },
    });
    const now1 = await rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: 'modify-me',
        BackupRetentionPeriod: 0,
        DeletionProtection: true,
        ApplyImmediately: true,
      }),
    );
    expect(now1.DBInstance).toMatchObject({ DBInstanceStatus: 'modifying', DeletionProtection: true });
    advance(3 * MINUTE);
    const done = await describe1('modify-me');
    expect(done).toMatchObject({ DBInstanceStatus: 'available', BackupRetentionPeriod: 0 });
    expect(done.LatestRestorableTime).toBeUndefined();
    const resized = await rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: 'modify-me',
        DBInstanceClass: 'db.t4g.medium',
        ApplyImmediately: true,
      }),
    );
    expect(resized.DBInstance).toMatchObject({ DBInstanceStatus: 'modifying', DBInstanceClass: 'db.t4g.micro' });
    advance(11 * MINUTE);
    expect((await describe1('modify-me')).DBInstanceClass).toBe('db.t4g.medium');
    expect(
      (
        await errorOf(
          rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'modify-me', BackupRetentionPeriod: 36 })),
        )
      ).name,
    ).toBe('InvalidParameterValue');
  });
});

describe('DeleteDBInstance', () => {
  it('refuses deletion-protected instances and unclear final-snapshot instructions', async () => {
    const protectedError = await errorOf(
      rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: ORDERS.id, SkipFinalSnapshot: true })),
    );
    expect(protectedError).toMatchObject({ name: 'InvalidParameterCombination', status: 400 });
    expect(protectedError.message).toContain('deletion protection');
    await devClone('delete-rules');
    expect((await errorOf(rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'delete-rules' })))).name).toBe(
      'InvalidParameterCombination',
    );
    expect(
      (
        await errorOf(
          rds.send(
            new DeleteDBInstanceCommand({
              DBInstanceIdentifier: 'delete-rules',
              SkipFinalSnapshot: true,
              FinalDBSnapshotIdentifier: 'x',
            }),
          ),
        )
      ).name,
    ).toBe('InvalidParameterCombination');
    expect((await describe1(ORDERS.id)).DBInstanceStatus).toBe('available');
  });

  it('goes deleting, then gone (DBInstanceNotFound) after about five minutes', async () => {
    await devClone('to-delete');
    const out = await rds.send(
      new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'to-delete', SkipFinalSnapshot: true }),
    );
    expect(out.DBInstance!.DBInstanceStatus).toBe('deleting');
    expect(
      (
        await errorOf(
          rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'to-delete', SkipFinalSnapshot: true })),
        )
      ).name,
    ).toBe('InvalidDBInstanceStateFault');
    advance(4 * MINUTE);
    expect((await describe1('to-delete')).DBInstanceStatus).toBe('deleting');
    advance(2 * MINUTE);
    expect(
      await errorOf(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'to-delete' }))),
    ).toMatchObject({
      name: 'DBInstanceNotFoundFault',
      status: 404,
    });
    expect(sb.world.tagsOf(arn.db('to-delete'))).toBeUndefined();
  });

  it('takes a final snapshot when asked, which becomes available once the instance is gone', async () => {
    await devClone('with-final', { CopyTagsToSnapshot: true });
    await rds.send(
      new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'with-final', FinalDBSnapshotIdentifier: 'with-final-last' }),
    );
    const snap = (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'with-final-last' })))
      .DBSnapshots![0];
    expect(snap).toMatchObject({ SnapshotType: 'manual', Status: 'creating', DBInstanceIdentifier: 'with-final' });
    expect(snap.TagList).toEqual([{ Key: 'snapclone:managed', Value: 'true' }]);
    advance(6 * MINUTE);
    const later = (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'with-final-last' })))
      .DBSnapshots![0];
    expect(later.Status).toBe('available');
    await devClone('with-final-2');
    expect(
      (
        await errorOf(
          rds.send(
            new DeleteDBInstanceCommand({
              DBInstanceIdentifier: 'with-final-2',
              FinalDBSnapshotIdentifier: 'with-final-last',
            }),
          ),
        )
      ).name,
    ).toBe('DBSnapshotAlreadyExistsFault');
  });
});

describe('tags', () => {
  it('adds, lists and removes tags, and the Tagging API source sees them', async () => {
    const instance = await devClone('tagged');
    const ResourceName = instance.DBInstanceArn!;
    await rds.send(
      new AddTagsToResourceCommand({
        ResourceName,
        Tags: [
          { Key: 'snapclone:owner', Value: 'alice' },
          { Key: 'snapclone:expires-at', Value: '2030-01-01T00:00:00Z' },
        ],
      }),
    );
    const listed = await rds.send(new ListTagsForResourceCommand({ ResourceName }));
    expect(listed.TagList).toEqual([
      { Key: 'snapclone:managed', Value: 'true' },
      { Key: 'snapclone:owner', Value: 'alice' },
      { Key: 'snapclone:expires-at', Value: '2030-01-01T00:00:00Z' },
    ]);
    await rds.send(new RemoveTagsFromResourceCommand({ ResourceName, TagKeys: ['snapclone:expires-at'] }));
    expect(sb.world.tagsOf(ResourceName)).toEqual({ 'snapclone:managed': 'true', 'snapclone:owner': 'alice' });
    const snapshot = (
      await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: ORDERS.id, SnapshotType: 'manual' }))
    ).DBSnapshots![0];
    const snapTags = await rds.send(new ListTagsForResourceCommand({ ResourceName: snapshot.DBSnapshotArn }));
    expect(snapTags.TagList).toEqual(expect.arrayContaining([{ Key: 'env', Value: 'production' }]));
  });

  it('answers the not-found error of the resource type', async () => {
    expect((await errorOf(rds.send(new ListTagsForResourceCommand({ ResourceName: arn.db('ghost') })))).name).toBe(
      'DBInstanceNotFoundFault',
    );
    expect(
      (
        await errorOf(
          rds.send(new ListTagsForResourceCommand({ ResourceName: arn.db('ghost').replace(':db:', ':snapshot:') })),
        )
      ).name,
    ).toBe('DBSnapshotNotFoundFault');
    expect(
      (
        await errorOf(
          rds.send(
            new AddTagsToResourceCommand({ ResourceName: arn.db(ORDERS.id), Tags: [{ Key: 'aws:x', Value: '1' }] }),
          ),
        )
      ).name,
    ).toBe('InvalidParameterValue');
  });
});

describe('IAM (enforceIam)', () => {
  it('evaluates the DB instance ARN and its tags: the operator may change clones but not production', async () => {
    await devClone('iam-clone');
    const user = createUser(sb.world, COMPANY_ACCOUNT, 'rds-operator-test', [tagConditionedPolicy]);
    const key = issueUserKey(sb.world, user);
    const operator = new RDSClient(sb.config(key));
    sb.world.enforceIam = true;
    try {
      const denied = await errorOf(
        operator.send(
          new ModifyDBInstanceCommand({ DBInstanceIdentifier: ORDERS.id, MasterUserPassword: 'Stolen-Pass-1' }),
        ),
      );
      expect(denied).toMatchObject({ name: 'AccessDenied', status: 403 });
      expect(denied.message).toContain(arn.db(ORDERS.id));
      expect(
        (
          await errorOf(
            operator.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: ORDERS.id, SkipFinalSnapshot: true })),
          )
        ).name,
      ).toBe('AccessDenied');
      const allowed = await operator.send(
        new ModifyDBInstanceCommand({
          DBInstanceIdentifier: 'iam-clone',
          MasterUserPassword: 'Rotated-Pass-1',
          ApplyImmediately: true,
        }),
      );
      expect(allowed.DBInstance!.DBInstanceStatus).toBe('resetting-master-credentials');
      const listed = await operator.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: ORDERS.id }));
      expect(listed.DBInstances![0].DBInstanceStatus).toBe('available');
    } finally {
      sb.world.enforceIam = false;
    }
    expect(hidden(ORDERS.id)).not.toBe('Stolen-Pass-1');
  });
});

describe('automated backups over time', () => {
  it('takes a new automated snapshot each day in the backup window and drops the one past retention', async () => {
    const list = async () =>
      (await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: ORDERS.id, SnapshotType: 'automated' })))
        .DBSnapshots!.map((s) => ({
          id: s.DBSnapshotIdentifier!,
          at: s.SnapshotCreateTime!.getTime(),
          status: s.Status,
        }))
        .sort((a, b) => a.at - b.at);
    const before = await list();
    const next = before.at(-1)!.at + DAY;
    advance(next - now() + 1000);
    const after = await list();
    expect(after).toHaveLength(35);
    expect(after.map((s) => s.id)).not.toContain(before[0].id);
    expect(after.at(-1)).toMatchObject({ at: next, status: 'creating' });
    expect(after.at(-1)!.id).toBe(
      `rds:${ORDERS.id}-${new Date(next).toISOString().slice(0, 16).replace(/[T:]/g, '-')}`,
    );
    const window = (await rds.send(new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: ORDERS.id })))
      .DBInstanceAutomatedBackups![0].RestoreWindow!;
    expect(now() - window.LatestTime!.getTime()).toBeLessThanOrEqual(5 * MINUTE + 5000);
  });
});
