// The sandbox's RDS and Aurora master passwords, as AWS documents them: instance restores do not take
// ManageMasterUserPassword (Oracle only), copies of a source whose password RDS manages report its secret
// without managing theirs, per-engine password lengths, Serverless v2 0 ACU only with auto-pause, the
// Region's default version without EngineVersion, automated cluster snapshots described with their type.
import {
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBClusterToPointInTimeCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPANY_ACCOUNT, COMPANY_REGION, DEV_SECURITY_GROUP, DEV_SUBNET_GROUP, PROD_CLUSTERS, PROD_DATABASES } from '../../sandbox/scenario/index.ts';
import { masterPasswordOf, rdsState } from '../../sandbox/services/rds/state.ts';
import { errorOf } from '../support/errors.ts';
import { restoreManualSnapshot } from '../support/staging.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
let rds: RDSClient;
let sm: SecretsManagerClient;
beforeAll(async () => {
  sb = await startTestSandbox();
  rds = new RDSClient(sb.config());
  sm = new SecretsManagerClient(sb.config());
});
afterAll(async () => {
  rds?.destroy();
  sm?.destroy();
  await sb?.close();
});

const MINUTE = 60_000;
const ORDERS = PROD_DATABASES[0];
const BILLING = PROD_DATABASES[1];
const CATALOG = PROD_CLUSTERS[0];
const DEV = { DBSubnetGroupName: DEV_SUBNET_GROUP, VpcSecurityGroupIds: [DEV_SECURITY_GROUP] };
const advance = (ms: number) => sb.world.clock.advance(ms);
const state = () => rdsState(sb.world, COMPANY_ACCOUNT, COMPANY_REGION);
const hidden = (id: string) => masterPasswordOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, id);
const ownerTag = async (secretArn: string, key: string) =>
  (await sm.send(new DescribeSecretCommand({ SecretId: secretArn }))).Tags?.find((t) => t.Key === key)?.Value;

describe('RDS instance restores and the master password', () => {
  it('refuses ManageMasterUserPassword on a restore of a non-Oracle engine (the API reference: Oracle only)', async () => {
    const refused = await errorOf(restoreManualSnapshot(rds, ORDERS.id, 'restore-managed', { ManageMasterUserPassword: true }));
    expect(refused).toMatchObject({ name: 'InvalidParameterCombination', status: 400 });
    expect(refused.message).toContain('Oracle only');
    const pitr = await errorOf(
      rds.send(
        new RestoreDBInstanceToPointInTimeCommand({
          SourceDBInstanceIdentifier: BILLING.id,
          TargetDBInstanceIdentifier: 'pitr-managed',
          UseLatestRestorableTime: true,
          ManageMasterUserPassword: true,
          ...DEV,
        }),
      ),
    );
    expect(pitr.name).toBe('InvalidParameterCombination');
    expect(state().instances.has('restore-managed') || state().instances.has('pitr-managed')).toBe(false);
  });

  it("a copy of a source whose password RDS manages reports the source's secret, keeps its password, and is not managed", async () => {
    const managed = await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: ORDERS.id, ManageMasterUserPassword: true, ApplyImmediately: true }));
    const sourceSecret = managed.DBInstance!.MasterUserSecret!.SecretArn!;
    advance(5 * MINUTE);
    const restored = await rds.send(
      new RestoreDBInstanceToPointInTimeCommand({ SourceDBInstanceIdentifier: ORDERS.id, TargetDBInstanceIdentifier: 'inherits', UseLatestRestorableTime: true, ...DEV }),
    );
    expect(restored.DBInstance!.MasterUserSecret?.SecretArn).toBe(sourceSecret);
    expect(await ownerTag(sourceSecret, 'aws:rds:primaryDBInstanceArn')).toBe(state().instances.get(ORDERS.id)!.arn);
    expect(hidden('inherits')).toBe(hidden(ORDERS.id));
    advance(30 * MINUTE);

    // Not managed: turning management off is refused, a password alone is taken.
    const off = await errorOf(
      rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'inherits', ManageMasterUserPassword: false, MasterUserPassword: 'Fresh-Pass-1234', ApplyImmediately: true })),
    );
    expect(off.name).toBe('InvalidParameterCombination');
    expect(off.message).toContain('not currently managed by RDS');
    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'inherits', MasterUserPassword: 'Fresh-Pass-1234', ApplyImmediately: true }));
    advance(2 * MINUTE);
    const after = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'inherits' }))).DBInstances![0];
    expect(after).toMatchObject({ DBInstanceStatus: 'available', PendingModifiedValues: {} });
    expect(hidden('inherits')).toBe('Fresh-Pass-1234');
    expect(hidden(ORDERS.id)).not.toBe('Fresh-Pass-1234');

    // Turning management on gives the copy a secret of its own, tied to it.
    const on = await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'inherits', ManageMasterUserPassword: true, ApplyImmediately: true }));
    const own = on.DBInstance!.MasterUserSecret!.SecretArn!;
    expect(own).not.toBe(sourceSecret);
    expect(await ownerTag(own, 'aws:rds:primaryDBInstanceArn')).toBe(on.DBInstance!.DBInstanceArn);
    expect(hidden('inherits')).not.toBe(hidden(ORDERS.id));
  });

  it('takes each engine\'s master password lengths (MySQL 8–41, PostgreSQL 8–128, Oracle 8–30)', async () => {
    await restoreManualSnapshot(rds, ORDERS.id, 'len-mysql');
    await restoreManualSnapshot(rds, BILLING.id, 'len-postgres');
    advance(30 * MINUTE);
    const set = (id: string, length: number) =>
      rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, MasterUserPassword: 'a'.repeat(length), ApplyImmediately: true }));
    expect((await errorOf(set('len-mysql', 42))).name).toBe('InvalidParameterValue');
    await set('len-mysql', 41);
    await set('len-postgres', 128);
    advance(2 * MINUTE);
    expect((await errorOf(set('len-postgres', 129))).name).toBe('InvalidParameterValue');
    // An Oracle instance, staged in the state: 30 at most.
    state().instances.set('len-oracle', { ...state().instances.get('len-mysql')!, id: 'len-oracle', engine: 'oracle-ee', phases: [], tags: new Map() });
    expect((await errorOf(set('len-oracle', 31))).name).toBe('InvalidParameterValue');
    await set('len-oracle', 30);
  });
});

describe('Aurora clusters', () => {
  it("a cluster copy of a managed source reports the source's secret; turning management off is refused", async () => {
    const managed = await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: CATALOG.id, ManageMasterUserPassword: true, ApplyImmediately: true }));
    const sourceSecret = managed.DBCluster!.MasterUserSecret!.SecretArn!;
    advance(5 * MINUTE);
    const copy = await rds.send(
      new RestoreDBClusterToPointInTimeCommand({ DBClusterIdentifier: 'cluster-inherits', SourceDBClusterIdentifier: CATALOG.id, RestoreType: 'copy-on-write', UseLatestRestorableTime: true, ...DEV }),
    );
    expect(copy.DBCluster!.MasterUserSecret?.SecretArn).toBe(sourceSecret);
    advance(10 * MINUTE);
    const off = await errorOf(
      rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'cluster-inherits', ManageMasterUserPassword: false, MasterUserPassword: 'Fresh-Pass-1234' })),
    );
    expect(off.message).toContain('not currently managed by RDS');
    // ModifyDBCluster: "Must contain from 8 to 41 characters".
    const long = await errorOf(rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'cluster-inherits', MasterUserPassword: 'a'.repeat(42) })));
    expect(long.name).toBe('InvalidParameterValue');
    const on = await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'cluster-inherits', ManageMasterUserPassword: true }));
    expect(await ownerTag(on.DBCluster!.MasterUserSecret!.SecretArn!, 'aws:rds:primaryDBClusterArn')).toBe(on.DBCluster!.DBClusterArn);
  });

  it('finds an automated cluster snapshot by identifier only with SnapshotType automated (as the API reference says)', async () => {
    const all = await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: CATALOG.id, SnapshotType: 'automated' }));
    const id = all.DBClusterSnapshots!.at(-1)!.DBClusterSnapshotIdentifier!;
    expect((await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id }))).DBClusterSnapshots).toEqual([]);
    const typed = await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id, SnapshotType: 'automated' }));
    expect(typed.DBClusterSnapshots!.map((s) => s.DBClusterSnapshotIdentifier)).toEqual([id]);
  });

  it("restores to the Region's default version without EngineVersion, the snapshot's with it; 0 ACU only where auto-pause exists", async () => {
    const all = await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: CATALOG.id, SnapshotType: 'automated' }));
    const snapshot = all.DBClusterSnapshots!.at(-1)!;
    expect(snapshot.EngineVersion).toBe(CATALOG.engineVersion);
    const restore = (id: string, extra: Record<string, unknown>) =>
      rds.send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: id, SnapshotIdentifier: snapshot.DBClusterSnapshotArn, Engine: 'aurora-postgresql', ...DEV, ...extra }));
    const byDefault = await restore('version-default', {});
    expect(byDefault.DBCluster!.EngineVersion).not.toBe(CATALOG.engineVersion);
    const same = await restore('version-same', { EngineVersion: snapshot.EngineVersion, ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 4, SecondsUntilAutoPause: 300 } });
    expect(same.DBCluster!.EngineVersion).toBe(CATALOG.engineVersion);
    expect(same.DBCluster!.ServerlessV2ScalingConfiguration?.MinCapacity).toBe(0);
    // 16.2 has no auto-pause (16.3 and later have): 0 ACU is refused, 0.5 is taken.
    const old = await errorOf(restore('version-old', { EngineVersion: '16.2', ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 4 } }));
    expect(old).toMatchObject({ name: 'InvalidParameterValue', status: 400 });
    expect(old.message).toContain('0.5');
    const half = await restore('version-old', { EngineVersion: '16.2', ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 } });
    expect(half.DBCluster!.EngineVersion).toBe('16.2');
  });
});
