// State is kept per account and region, as in AWS: nothing leaks from one to another.
import { ListRecoveryPointsByBackupVaultCommand, BackupClient } from '@aws-sdk/client-backup';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, issueUserKey } from '../../sandbox/core/iam-state.ts';
import { BACKUP_VAULT } from '../../sandbox/scenario/index.ts';
import { errorOf } from '../support/errors.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
beforeAll(async () => {
  sb = await startTestSandbox();
});
afterAll(() => sb.close());

const ids = async (rds: RDSClient) =>
  ((await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).map((i) => i.DBInstanceIdentifier);

describe('state per account and region', () => {
  it('another region of the company account holds none of its resources', async () => {
    const home = sb.config();
    const away = { ...home, region: 'us-west-2' };
    expect(await ids(new RDSClient(home))).toContain('orders-prod');
    expect(await ids(new RDSClient(away))).toEqual([]);

    await new SecretsManagerClient(home).send(new CreateSecretCommand({ Name: 'only-in-tokyo', SecretString: 'x' }));
    const missing = await errorOf(new SecretsManagerClient(away).send(new GetSecretValueCommand({ SecretId: 'only-in-tokyo' })));
    expect(missing.name).toBe('ResourceNotFoundException');

    const vault = await errorOf(
      new BackupClient(away).send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: BACKUP_VAULT })),
    );
    expect(vault.name).toBe('ResourceNotFoundException');
  });

  it('another account in the same region sees nothing of the company account', async () => {
    const other = createUser(sb.world, '210987654321', 'someone', [
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
    ]);
    const key = issueUserKey(sb.world, other);
    const rds = new RDSClient(sb.config({ accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }));
    expect(await ids(rds)).toEqual([]);
    expect(await ids(new RDSClient(sb.config()))).toContain('orders-prod');
  });
});
