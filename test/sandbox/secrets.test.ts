import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  paginateListSecrets,
  PutSecretValueCommand,
  RestoreSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPANY_ACCOUNT, COMPANY_REGION } from '../../sandbox/scenario/index.ts';
import { createSecretRecord, deleteSecretRecord } from '../../sandbox/services/secretsmanager/store.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { errorOf } from '../support/errors.ts';

let sandbox: TestSandbox;
let sm: SecretsManagerClient;
beforeAll(async () => {
  sandbox = await startTestSandbox();
  sm = new SecretsManagerClient(sandbox.config());
});
afterAll(() => sandbox.close());

const DAY = 86_400_000;

describe('CreateSecret / GetSecretValue / DescribeSecret', () => {
  it('creates a secret and reads it back by name, ARN and partial ARN', async () => {
    const created = await sm.send(
      new CreateSecretCommand({
        Name: 'app/db-password',
        SecretString: '{"password":"hunter2"}',
        Description: 'the password',
        KmsKeyId: 'alias/dev',
        Tags: [{ Key: 'team', Value: 'data' }],
      }),
    );
    expect(created.ARN).toMatch(
      new RegExp(`^arn:aws:secretsmanager:${COMPANY_REGION}:${COMPANY_ACCOUNT}:secret:app/db-password-[A-Za-z0-9]{6}$`),
    );
    expect(created.Name).toBe('app/db-password');
    expect(created.VersionId).toMatch(/^[0-9a-f-]{36}$/);
    for (const SecretId of [created.Name!, created.ARN!, created.ARN!.slice(0, -7)]) {
      const value = await sm.send(new GetSecretValueCommand({ SecretId }));
      expect(value).toMatchObject({
        ARN: created.ARN,
        Name: 'app/db-password',
        VersionId: created.VersionId,
        SecretString: '{"password":"hunter2"}',
        VersionStages: ['AWSCURRENT'],
      });
      expect(value.CreatedDate).toBeInstanceOf(Date);
    }
    const byStage = await sm.send(new GetSecretValueCommand({ SecretId: created.ARN, VersionStage: 'AWSCURRENT' }));
    expect(byStage.VersionId).toBe(created.VersionId);
    const byVersion = await sm.send(new GetSecretValueCommand({ SecretId: created.ARN, VersionId: created.VersionId }));
    expect(byVersion.SecretString).toBe('{"password":"hunter2"}');

    const described = await sm.send(new DescribeSecretCommand({ SecretId: created.ARN }));
    expect(described).toMatchObject({
      ARN: created.ARN,
      Name: 'app/db-password',
      Description: 'the password',
      KmsKeyId: 'alias/dev',
      Tags: [{ Key: 'team', Value: 'data' }],
      VersionIdsToStages: { [created.VersionId!]: ['AWSCURRENT'] },
    });
    expect(described.CreatedDate).toBeInstanceOf(Date);
    expect(described.LastAccessedDate).toBeInstanceOf(Date);
    expect(described.DeletedDate).toBeUndefined();
  });

  it('stores binary secrets', async () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    await sm.send(new CreateSecretCommand({ Name: 'binary', SecretBinary: bytes }));
    const value = await sm.send(new GetSecretValueCommand({ SecretId: 'binary' }));
    expect(Buffer.from(value.SecretBinary!)).toEqual(Buffer.from(bytes));
    expect(value.SecretString).toBeUndefined();
  });

  it('is idempotent on ClientRequestToken and refuses a taken name', async () => {
    const token = 'a'.repeat(32);
    const first = await sm.send(new CreateSecretCommand({ Name: 'idem', SecretString: 'v', ClientRequestToken: token }));
    const again = await sm.send(new CreateSecretCommand({ Name: 'idem', SecretString: 'v', ClientRequestToken: token }));
    expect(again).toMatchObject({ ARN: first.ARN, VersionId: token });
    const changed = await errorOf(sm.send(new CreateSecretCommand({ Name: 'idem', SecretString: 'w', ClientRequestToken: token })));
    expect(changed).toMatchObject({ name: 'ResourceExistsException', status: 400 });
    const taken = await errorOf(sm.send(new CreateSecretCommand({ Name: 'idem', SecretString: 'v' })));
    expect(taken.name).toBe('ResourceExistsException');
    expect(taken.message).toBe('The operation failed because the secret idem already exists.');
  });

  it('validates names and values', async () => {
    const badName = await errorOf(sm.send(new CreateSecretCommand({ Name: 'has space', SecretString: 'x' })));
    expect(badName.name).toBe('InvalidParameterException');
    const both = await errorOf(
      sm.send(new CreateSecretCommand({ Name: 'both', SecretString: 'x', SecretBinary: new Uint8Array([1]) })),
    );
    expect(both.name).toBe('InvalidParameterException');
    const long = await errorOf(sm.send(new CreateSecretCommand({ Name: 'x'.repeat(513), SecretString: 'x' })));
    expect(long.name).toBe('ValidationException');
    const reserved = await errorOf(
      sm.send(new CreateSecretCommand({ Name: 'tagged', SecretString: 'x', Tags: [{ Key: 'aws:x', Value: 'y' }] })),
    );
    expect(reserved.name).toBe('InvalidParameterException');
  });

  it('answers ResourceNotFoundException for unknown secrets, versions and stages', async () => {
    const missing = await errorOf(sm.send(new GetSecretValueCommand({ SecretId: 'nope' })));
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
    expect(missing.message).toBe("Secrets Manager can't find the specified secret.");
    expect((await errorOf(sm.send(new DescribeSecretCommand({ SecretId: 'nope' })))).name).toBe('ResourceNotFoundException');
    await sm.send(new CreateSecretCommand({ Name: 'versions', SecretString: 'one' }));
    const stage = await errorOf(sm.send(new GetSecretValueCommand({ SecretId: 'versions', VersionStage: 'AWSPREVIOUS' })));
    expect(stage.name).toBe('ResourceNotFoundException');
    const version = await errorOf(sm.send(new GetSecretValueCommand({ SecretId: 'versions', VersionId: 'b'.repeat(32) })));
    expect(version.name).toBe('ResourceNotFoundException');
  });
});

describe('PutSecretValue', () => {
  it('moves AWSCURRENT to the new version and AWSPREVIOUS to the old one', async () => {
    const first = await sm.send(new CreateSecretCommand({ Name: 'rotating', SecretString: 'one' }));
    const second = await sm.send(new PutSecretValueCommand({ SecretId: 'rotating', SecretString: 'two' }));
    expect(second.VersionStages).toEqual(['AWSCURRENT']);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'rotating' }))).SecretString).toBe('two');
    const previous = await sm.send(new GetSecretValueCommand({ SecretId: 'rotating', VersionStage: 'AWSPREVIOUS' }));
    expect(previous).toMatchObject({ SecretString: 'one', VersionId: first.VersionId });
  });
});

describe('DeleteSecret / RestoreSecret', () => {
  it('schedules deletion within the recovery window; reads then fail with InvalidRequestException', async () => {
    const created = await sm.send(new CreateSecretCommand({ Name: 'to-delete', SecretString: 'x' }));
    const now = sandbox.world.clock.nowMs();
    const deleted = await sm.send(new DeleteSecretCommand({ SecretId: created.ARN, RecoveryWindowInDays: 7 }));
    expect(deleted).toMatchObject({ ARN: created.ARN, Name: 'to-delete' });
    expect(Math.abs(deleted.DeletionDate!.getTime() - (now + 7 * DAY))).toBeLessThan(5000);
    const read = await errorOf(sm.send(new GetSecretValueCommand({ SecretId: 'to-delete' })));
    expect(read).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    expect(read.message).toMatch(/marked for deletion/);
    const described = await sm.send(new DescribeSecretCommand({ SecretId: 'to-delete' }));
    expect(described.DeletedDate).toBeInstanceOf(Date);
    expect((await errorOf(sm.send(new DeleteSecretCommand({ SecretId: 'to-delete' })))).name).toBe('InvalidRequestException');
    const recreate = await errorOf(sm.send(new CreateSecretCommand({ Name: 'to-delete', SecretString: 'y' })));
    expect(recreate.name).toBe('InvalidRequestException');

    await sm.send(new RestoreSecretCommand({ SecretId: 'to-delete' }));
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'to-delete' }))).SecretString).toBe('x');
  });

  it('removes the secret once the recovery window has passed on the sandbox clock', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'expiring', SecretString: 'x' }));
    await sm.send(new DeleteSecretCommand({ SecretId: 'expiring' }));
    sandbox.world.clock.advance(30 * DAY + 1000);
    try {
      expect((await errorOf(sm.send(new DescribeSecretCommand({ SecretId: 'expiring' })))).name).toBe('ResourceNotFoundException');
    } finally {
      sandbox.world.clock.advance(-(30 * DAY + 1000));
    }
  });

  it('deletes at once with ForceDeleteWithoutRecovery and validates the window', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'forced', SecretString: 'x' }));
    for (const RecoveryWindowInDays of [6, 31]) {
      const error = await errorOf(sm.send(new DeleteSecretCommand({ SecretId: 'forced', RecoveryWindowInDays })));
      expect(error.name).toBe('InvalidParameterException');
    }
    const both = await errorOf(
      sm.send(new DeleteSecretCommand({ SecretId: 'forced', RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true })),
    );
    expect(both.name).toBe('InvalidParameterException');
    const out = await sm.send(new DeleteSecretCommand({ SecretId: 'forced', ForceDeleteWithoutRecovery: true }));
    expect(Math.abs(out.DeletionDate!.getTime() - sandbox.world.clock.nowMs())).toBeLessThan(5000);
    expect((await errorOf(sm.send(new DescribeSecretCommand({ SecretId: 'forced' })))).name).toBe('ResourceNotFoundException');
    await sm.send(new CreateSecretCommand({ Name: 'forced', SecretString: 'again' }));
  });
});

describe('TagResource / UntagResource / ListSecrets', () => {
  it('tags and untags', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'tags', SecretString: 'x', Tags: [{ Key: 'a', Value: '1' }] }));
    await sm.send(new TagResourceCommand({ SecretId: 'tags', Tags: [{ Key: 'b', Value: '2' }, { Key: 'a', Value: '3' }] }));
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'tags' }))).Tags).toEqual([
      { Key: 'a', Value: '3' },
      { Key: 'b', Value: '2' },
    ]);
    await sm.send(new UntagResourceCommand({ SecretId: 'tags', TagKeys: ['a'] }));
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'tags' }))).Tags).toEqual([{ Key: 'b', Value: '2' }]);
    expect((await errorOf(sm.send(new TagResourceCommand({ SecretId: 'nope', Tags: [] })))).name).toBe('ResourceNotFoundException');
  });

  it('lists with filters and paginates to the end', async () => {
    for (let i = 0; i < 5; i++) {
      await sm.send(
        new CreateSecretCommand({ Name: `list/item-${i}`, SecretString: 'x', Tags: [{ Key: 'batch', Value: i % 2 ? 'odd' : 'even' }] }),
      );
    }
    const byName = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['list/'] }] }));
    expect(byName.SecretList?.map((s) => s.Name)).toEqual(['list/item-0', 'list/item-1', 'list/item-2', 'list/item-3', 'list/item-4']);
    expect(byName.SecretList?.[0].SecretVersionsToStages).toBeDefined();
    const odd = await sm.send(
      new ListSecretsCommand({ Filters: [{ Key: 'tag-value', Values: ['odd'] }, { Key: 'name', Values: ['list/'] }] }),
    );
    expect(odd.SecretList?.map((s) => s.Name)).toEqual(['list/item-1', 'list/item-3']);
    const names: string[] = [];
    for await (const page of paginateListSecrets({ client: sm, pageSize: 2 }, { Filters: [{ Key: 'name', Values: ['list/'] }] })) {
      expect(page.SecretList!.length).toBeLessThanOrEqual(2);
      names.push(...page.SecretList!.map((s) => s.Name!));
    }
    expect(names).toHaveLength(5);
    const bad = await errorOf(sm.send(new ListSecretsCommand({ Filters: [{ Key: 'colour' as never, Values: ['x'] }] })));
    expect(bad.name).toMatch(/InvalidParameterException|ValidationException/);
  });

  it('answers NotImplemented naming service and operation for what it does not serve', async () => {
    const error = await errorOf(sm.send(new RotateSecretCommand({ SecretId: 'tags' })));
    expect(error).toMatchObject({ name: 'NotImplemented', status: 501 });
    expect(error.message).toBe('The snapclone sandbox does not implement secretsmanager RotateSecret');
  });
});

describe('service-managed secrets (RDS ManageMasterUserPassword)', () => {
  it('createSecretRecord / deleteSecretRecord manage a secret owned by rds', async () => {
    const arn = createSecretRecord(sandbox.world, COMPANY_ACCOUNT, COMPANY_REGION, {
      name: 'rds!db-1234',
      secretString: JSON.stringify({ username: 'admin', password: 'p' }),
      owningService: 'rds',
      tags: { 'aws:rds:primaryDBInstanceArn': 'arn:aws:rds:ap-northeast-1:123456789012:db:x' },
    });
    expect(arn).toMatch(/:secret:rds!db-1234-[A-Za-z0-9]{6}$/);
    const described = await sm.send(new DescribeSecretCommand({ SecretId: arn }));
    expect(described.OwningService).toBe('rds');
    expect(JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString!)).toEqual({
      username: 'admin',
      password: 'p',
    });
    const refused = await errorOf(sm.send(new DeleteSecretCommand({ SecretId: arn })));
    expect(refused.name).toBe('InvalidRequestException');
    const listed = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'owning-service', Values: ['rds'] }] }));
    expect(listed.SecretList?.map((s) => s.ARN)).toEqual([arn]);
    deleteSecretRecord(sandbox.world, COMPANY_ACCOUNT, COMPANY_REGION, arn);
    expect((await errorOf(sm.send(new DescribeSecretCommand({ SecretId: arn })))).name).toBe('ResourceNotFoundException');
  });
});
