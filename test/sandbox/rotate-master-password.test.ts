// RotateMasterUserPassword (ModifyDBInstance, ModifyDBCluster) as the API reference describes it: valid only where
// RDS manages the master password in Secrets Manager, applied immediately; the managed secret gets a new AWSCURRENT
// version and the master password becomes its password once the change is done.
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, ModifyDBClusterCommand, ModifyDBInstanceCommand, RDSClient, RestoreDBInstanceToPointInTimeCommand } from '@aws-sdk/client-rds';
import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPANY_ACCOUNT, COMPANY_REGION, DEV_SECURITY_GROUP, DEV_SUBNET_GROUP, PROD_CLUSTERS, PROD_DATABASES } from '../../sandbox/scenario/index.ts';
import { clusterMasterPasswordOf, masterPasswordOf } from '../../sandbox/services/rds/state.ts';
import { errorOf } from '../support/errors.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const MINUTE = 60_000;
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

const current = async (arn: string) =>
  Object.entries((await sm.send(new DescribeSecretCommand({ SecretId: arn }))).VersionIdsToStages ?? {}).find(([, s]) => s.includes('AWSCURRENT'))?.[0];
const secretPassword = async (arn: string) => (JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString!) as { password: string }).password;

describe('RotateMasterUserPassword', () => {
  it('DB instance: refused unless managed and applied immediately; then a new secret version whose password the instance takes', async () => {
    const id = 'rotate-copy';
    await rds.send(new RestoreDBInstanceToPointInTimeCommand({ SourceDBInstanceIdentifier: PROD_DATABASES[1].id, TargetDBInstanceIdentifier: id, UseLatestRestorableTime: true, DBSubnetGroupName: DEV_SUBNET_GROUP, VpcSecurityGroupIds: [DEV_SECURITY_GROUP] }));
    sb.world.clock.advance(60 * MINUTE);
    const unmanaged = await errorOf(rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, RotateMasterUserPassword: true, ApplyImmediately: true })));
    expect(unmanaged).toMatchObject({ name: 'InvalidParameterCombination', status: 400 });
    const managed = await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, ManageMasterUserPassword: true, ApplyImmediately: true }));
    const arn = managed.DBInstance!.MasterUserSecret!.SecretArn!;
    sb.world.clock.advance(10 * MINUTE);
    const first = await current(arn);
    expect(masterPasswordOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, id)).toBe(await secretPassword(arn));

    const later = await errorOf(rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, RotateMasterUserPassword: true })));
    expect(later.name).toBe('InvalidParameterCombination');
    expect(await current(arn)).toBe(first);

    const rotated = await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, RotateMasterUserPassword: true, ApplyImmediately: true }));
    expect(rotated.DBInstance!.DBInstanceStatus).toBe('resetting-master-credentials');
    expect(await current(arn)).not.toBe(first);
    sb.world.clock.advance(10 * MINUTE);
    const after = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0];
    expect(after.DBInstanceStatus).toBe('available');
    expect(masterPasswordOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, id)).toBe(await secretPassword(arn));
  });

  it('DB cluster: the same on the cluster and its secret', async () => {
    const id = PROD_CLUSTERS[0].id;
    const managed = await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: id, ManageMasterUserPassword: true, ApplyImmediately: true }));
    const arn = managed.DBCluster!.MasterUserSecret!.SecretArn!;
    sb.world.clock.advance(10 * MINUTE);
    const first = await current(arn);
    expect((await errorOf(rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: id, RotateMasterUserPassword: true })))).name).toBe('InvalidParameterCombination');
    await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: id, RotateMasterUserPassword: true, ApplyImmediately: true }));
    expect(await current(arn)).not.toBe(first);
    sb.world.clock.advance(10 * MINUTE);
    expect((await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters![0].Status).toBe('available');
    expect(clusterMasterPasswordOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, id)).toBe(await secretPassword(arn));
  });
});
