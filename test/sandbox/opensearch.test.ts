import {
  AddTagsCommand,
  CreateDomainCommand,
  DeleteDomainCommand,
  DescribeDomainCommand,
  DescribeDomainsCommand,
  ListDomainNamesCommand,
  ListTagsCommand,
  OpenSearchClient,
  RemoveTagsCommand,
  type CreateDomainCommandInput,
  type DomainStatus,
} from '@aws-sdk/client-opensearch';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentsAt } from '../../sandbox/data/search-documents.ts';
import { historyOf } from '../../sandbox/data/sources.ts';
import type { PolicyDocument } from '../../sandbox/core/iam.ts';
import { createRole, createUser, issueUserKey } from '../../sandbox/core/iam-state.ts';
import {
  ADMIN_USER,
  arn,
  COMPANY_ACCOUNT,
  COMPANY_REGION,
  DEV_SEARCH_SUBNETS,
  DEV_SECURITY_GROUP,
  PROD_SEARCH,
} from '../../sandbox/scenario/index.ts';
import { PARTIAL_SEARCH_SNAPSHOT_DAYS_AGO } from '../../sandbox/scenario/search.ts';
import type { AccessKey } from '../../sandbox/scenario/iam.ts';
import {
  domainIndexDetails,
  domainIndices,
  masterPasswordOfDomain,
  opensearchState,
} from '../../sandbox/services/opensearch/state.ts';
import { errorOf } from '../support/errors.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;
const PROD = PROD_SEARCH[0];
const DEV_PASSWORD = 'Dev-Master-Pass1';
const MANAGED = [{ Key: 'snapclone:managed', Value: 'true' }];

let sb: TestSandbox;
let os: OpenSearchClient;

beforeAll(async () => {
  sb = await startTestSandbox();
  os = new OpenSearchClient(sb.config());
});
afterAll(async () => sb?.close());

const advance = (ms: number) => sb.world.clock.advance(ms);
const policy = (...Statement: PolicyDocument['Statement']): PolicyDocument => ({ Version: '2012-10-17', Statement });

/** A user of the company account with these policies and a fresh key. */
function userWith(name: string, ...statements: PolicyDocument['Statement']): AccessKey {
  const user = createUser(sb.world, COMPANY_ACCOUNT, name, [policy(...statements)]);
  const issued = issueUserKey(sb.world, user);
  return { accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey };
}

/** The official OpenSearch client on a domain endpoint (plain HTTP on loopback), SigV4 for `es` with a key. */
function dataClient(endpoint: string, key: AccessKey = sb.scenario.admin, region = COMPANY_REGION, service = 'es'): Client {
  return new Client({
    ...AwsSigv4Signer({ region, service: service as 'es', getCredentials: async () => key }),
    node: `http://${endpoint}`,
    maxRetries: 0,
  });
}

/** A repository registration body (the client types only `fs` settings). */
const repository = (type: string, settings: Record<string, unknown>) => ({ type, settings }) as never;

/** Registers a repository as AWS documents it: PUT _snapshot/<name> (the client's createRepository sends POST). */
const register = (c: Client, name: string, type: string, settings: Record<string, unknown>) =>
  c.transport.request({ method: 'PUT', path: `/_snapshot/${name}`, body: { type, settings } });

const basicAuth = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

/**
 * Maps IAM users to an OpenSearch role of a test domain (fine-grained access control refuses unmapped ones),
 * through the security API as its internal master user, keeping those mapped before.
 */
async function mapUsers(endpoint: string, role: string, ...users: string[]): Promise<void> {
  const url = `http://${endpoint}/_plugins/_security/api/rolesmapping/${role}`;
  const headers = { ...basicAuth('snapclone-admin', DEV_PASSWORD), 'content-type': 'application/json' };
  const current = await fetch(url, { headers });
  const before = current.status === 200 ? ((await current.json()) as Record<string, { users: string[] }>)[role].users : [];
  const put = await fetch(url, { method: 'PUT', headers, body: JSON.stringify({ users: [...new Set([...before, ...users])] }) });
  expect([200, 201]).toContain(put.status);
}
const ADMIN_ARN = arn.user(ADMIN_USER);

interface Failure {
  status: number;
  body: Record<string, unknown> & { error?: { type: string; reason: string }; Message?: string; message?: string };
}

/** Awaits a data-plane call expected to fail: the HTTP status and body OpenSearch answered. */
async function failure(promise: Promise<unknown>): Promise<Failure> {
  try {
    await promise;
  } catch (error) {
    const meta = (error as { meta?: { statusCode: number; body: Failure['body'] } }).meta;
    if (!meta) throw error;
    return { status: meta.statusCode, body: meta.body };
  }
  throw new Error('expected the call to fail');
}

async function describe1(name: string): Promise<DomainStatus> {
  return (await os.send(new DescribeDomainCommand({ DomainName: name }))).DomainStatus!;
}

/** A small development domain: one t3.small node in the dev VPC, encrypted, HTTPS, fine-grained access control. */
function devInput(name: string, extra: Partial<CreateDomainCommandInput> = {}): CreateDomainCommandInput {
  return {
    DomainName: name,
    EngineVersion: 'OpenSearch_2.17',
    ClusterConfig: { InstanceType: 't3.small.search', InstanceCount: 1, DedicatedMasterEnabled: false, ZoneAwarenessEnabled: false },
    EBSOptions: { EBSEnabled: true, VolumeType: 'gp3', VolumeSize: 20 },
    VPCOptions: { SubnetIds: [DEV_SEARCH_SUBNETS[0]], SecurityGroupIds: [DEV_SECURITY_GROUP] },
    EncryptionAtRestOptions: { Enabled: true },
    NodeToNodeEncryptionOptions: { Enabled: true },
    DomainEndpointOptions: { EnforceHTTPS: true },
    AdvancedSecurityOptions: {
      Enabled: true,
      InternalUserDatabaseEnabled: true,
      MasterUserOptions: { MasterUserName: 'snapclone-admin', MasterUserPassword: DEV_PASSWORD },
    },
    TagList: MANAGED,
    ...extra,
  };
}

/** Creates a domain and advances the clock until it is Active; its endpoint. */
async function activeDomain(name: string, extra: Partial<CreateDomainCommandInput> = {}): Promise<string> {
  await os.send(new CreateDomainCommand(devInput(name, extra)));
  advance(21 * MINUTE);
  const status = await describe1(name);
  expect(status.DomainProcessingStatus).toBe('Active');
  return status.Endpoints?.vpc ?? status.Endpoint!;
}

describe('the seeded production domain', () => {
  it('ListDomainNames and DescribeDomain show search-prod Active in the production VPC with its endpoint, never the master password', async () => {
    const names = await os.send(new ListDomainNamesCommand({}));
    expect(names.DomainNames).toEqual([{ DomainName: PROD.id, EngineType: 'OpenSearch' }]);
    const status = await describe1(PROD.id);
    expect(status).toMatchObject({
      DomainId: `${COMPANY_ACCOUNT}/${PROD.id}`,
      ARN: arn.domain(PROD.id),
      Created: true,
      Deleted: false,
      Processing: false,
      UpgradeProcessing: false,
      DomainProcessingStatus: 'Active',
      EngineVersion: PROD.engineVersion,
      ClusterConfig: { InstanceType: PROD.instanceType, InstanceCount: 3, ZoneAwarenessEnabled: true },
      EncryptionAtRestOptions: { Enabled: true },
      NodeToNodeEncryptionOptions: { Enabled: true },
      DomainEndpointOptions: { EnforceHTTPS: true },
      AdvancedSecurityOptions: { Enabled: true, InternalUserDatabaseEnabled: true },
    });
    expect(status.VPCOptions?.SubnetIds).toHaveLength(3);
    expect(status.Endpoints?.vpc).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(status.Endpoint).toBeUndefined();
    const password = masterPasswordOfDomain(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, PROD.id)!;
    expect(password.length).toBeGreaterThanOrEqual(8);
    expect(JSON.stringify(status)).not.toContain(password);
    const many = await os.send(new DescribeDomainsCommand({ DomainNames: [PROD.id, 'no-such-domain'] }));
    expect(many.DomainStatusList!.map((d) => d.DomainName)).toEqual([PROD.id]);
  });

  it('its repository holds 35 daily snapshots, one PARTIAL, with the production indices', async () => {
    const endpoint = (await describe1(PROD.id)).Endpoints!.vpc!;
    const client = dataClient(endpoint);
    const repo = await client.snapshot.getRepository({ repository: PROD.repository });
    expect(repo.body).toEqual({
      [PROD.repository]: { type: 's3', settings: { bucket: PROD.bucket, region: COMPANY_REGION, role_arn: arn.role(PROD.snapshotRole) } },
    });
    const out = await client.snapshot.get({ repository: PROD.repository, snapshot: '_all' });
    const snapshots = (out.body as { snapshots: { snapshot: string; state: string; indices: string[]; uuid: string; start_time_in_millis: number; end_time_in_millis: number; shards: { failed: number } }[] }).snapshots;
    expect(snapshots).toHaveLength(35);
    expect(snapshots.every((s) => /^daily-\d{4}-\d{2}-\d{2}$/.test(s.snapshot) && s.uuid.length === 22)).toBe(true);
    const starts = snapshots.map((s) => s.start_time_in_millis);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(snapshots.every((s) => s.end_time_in_millis > s.start_time_in_millis)).toBe(true);
    const partial = snapshots.filter((s) => s.state === 'PARTIAL');
    expect(partial).toHaveLength(1);
    expect(partial[0].shards.failed).toBe(1);
    expect(Date.now() - partial[0].start_time_in_millis).toBeGreaterThan((PARTIAL_SEARCH_SNAPSHOT_DAYS_AGO - 1) * DAY);
    expect(snapshots.filter((s) => s.state === 'SUCCESS')).toHaveLength(34);
    const latest = snapshots.at(-1)!;
    expect(latest.indices).toEqual(expect.arrayContaining(['products', 'customers', '.kibana_1', '.opendistro-job-scheduler-lock']));
    expect(latest.indices.some((i) => /^orders-\d{4}\.\d{2}$/.test(i))).toBe(true);
    expect(domainIndices(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, PROD.id)).toContain('products');
    const health = await client.cluster.health();
    expect(health.body).toMatchObject({ status: 'green', number_of_data_nodes: 3, cluster_name: `${COMPANY_ACCOUNT}:${PROD.id}` });
  });

  it('the tagging API lists it as es:domain', async () => {
    const tagging = new ResourceGroupsTaggingAPIClient(sb.config());
    const out = await tagging.send(new GetResourcesCommand({ ResourceTypeFilters: ['es:domain'] }));
    expect(out.ResourceTagMappingList!.map((r) => r.ResourceARN)).toEqual([arn.domain(PROD.id)]);
    expect(out.ResourceTagMappingList![0].Tags).toContainEqual({ Key: 'env', Value: 'production' });
  });
});

describe('control plane', () => {
  it('CreateDomain: Processing/Creating without an endpoint, then Active with Endpoints.vpc as the clock advances', async () => {
    const created = await os.send(new CreateDomainCommand(devInput('snapclone-cp')));
    expect(created.DomainStatus).toMatchObject({
      DomainName: 'snapclone-cp',
      Created: false,
      Deleted: false,
      Processing: true,
      DomainProcessingStatus: 'Creating',
      ClusterConfig: { InstanceType: 't3.small.search', InstanceCount: 1 },
      VPCOptions: { SubnetIds: [DEV_SEARCH_SUBNETS[0]], SecurityGroupIds: [DEV_SECURITY_GROUP] },
    });
    expect(created.DomainStatus!.Endpoints).toBeUndefined();
    expect(JSON.stringify(created)).not.toContain(DEV_PASSWORD);
    advance(10 * MINUTE);
    let status = await describe1('snapclone-cp');
    expect(status).toMatchObject({ Processing: true, DomainProcessingStatus: 'Creating' });
    expect(status.Endpoints).toBeUndefined();
    advance(10 * MINUTE);
    status = await describe1('snapclone-cp');
    expect(status).toMatchObject({ Created: true, Processing: false, DomainProcessingStatus: 'Active' });
    expect(status.Endpoints?.vpc).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(masterPasswordOfDomain(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, 'snapclone-cp')).toBe(DEV_PASSWORD);
    expect(domainIndices(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, 'snapclone-cp')).toEqual(['.kibana_1', '.opendistro_security']);
  });

  it('AddTags, ListTags, RemoveTags', async () => {
    const domainArn = arn.domain('snapclone-cp');
    await os.send(new AddTagsCommand({ ARN: domainArn, TagList: [{ Key: 'owner', Value: 'alice' }] }));
    expect((await os.send(new ListTagsCommand({ ARN: domainArn }))).TagList).toEqual([...MANAGED, { Key: 'owner', Value: 'alice' }]);
    await os.send(new RemoveTagsCommand({ ARN: domainArn, TagKeys: ['owner', 'absent'] }));
    expect((await os.send(new ListTagsCommand({ ARN: domainArn }))).TagList).toEqual(MANAGED);
  });

  it('answers the model error codes and statuses', async () => {
    expect(await errorOf(os.send(new DescribeDomainCommand({ DomainName: 'no-such-domain' })))).toEqual({
      name: 'ResourceNotFoundException',
      message: 'Domain not found: no-such-domain',
      status: 409,
    });
    expect(await errorOf(os.send(new ListTagsCommand({ ARN: arn.domain('no-such-domain') })))).toMatchObject({ name: 'ResourceNotFoundException', status: 409 });
    expect(await errorOf(os.send(new CreateDomainCommand(devInput('snapclone-cp'))))).toMatchObject({ name: 'ResourceAlreadyExistsException', status: 409 });
    expect(await errorOf(os.send(new CreateDomainCommand(devInput('Bad_Name'))))).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(await errorOf(os.send(new CreateDomainCommand(devInput('x'))))).toMatchObject({ name: 'ValidationException', status: 400 });
    const noSubnet = devInput('snapclone-bad', { VPCOptions: { SubnetIds: ['subnet-0nope'], SecurityGroupIds: [DEV_SECURITY_GROUP] } });
    expect(await errorOf(os.send(new CreateDomainCommand(noSubnet)))).toMatchObject({ name: 'ValidationException', status: 400, message: expect.stringContaining('subnet-0nope') });
    const twoSubnets = devInput('snapclone-bad', { VPCOptions: { SubnetIds: [...DEV_SEARCH_SUBNETS.slice(0, 2)], SecurityGroupIds: [DEV_SECURITY_GROUP] } });
    expect(await errorOf(os.send(new CreateDomainCommand(twoSubnets)))).toMatchObject({ name: 'ValidationException', message: 'You must specify exactly one subnet.' });
    const foreignSg = devInput('snapclone-bad', { VPCOptions: { SubnetIds: [DEV_SEARCH_SUBNETS[0]], SecurityGroupIds: ['sg-0a1b2c3d4e5f60001'] } });
    expect(await errorOf(os.send(new CreateDomainCommand(foreignSg)))).toMatchObject({ name: 'ValidationException' });
    const noHttps = devInput('snapclone-bad', { DomainEndpointOptions: { EnforceHTTPS: false } });
    expect(await errorOf(os.send(new CreateDomainCommand(noHttps)))).toMatchObject({ name: 'ValidationException', message: expect.stringMatching(/HTTPS/) });
    const weak = devInput('snapclone-bad', {
      AdvancedSecurityOptions: { Enabled: true, InternalUserDatabaseEnabled: true, MasterUserOptions: { MasterUserName: 'a', MasterUserPassword: 'weak' } },
    });
    const refused = await errorOf(os.send(new CreateDomainCommand(weak)));
    expect(refused).toMatchObject({ name: 'ValidationException' });
    expect(refused.message).not.toContain('weak');
    expect(await errorOf(os.send(new CreateDomainCommand(devInput('snapclone-bad', { EngineVersion: 'OpenSearch_9.9' }))))).toMatchObject({ name: 'ValidationException' });
    expect(await errorOf(os.send(new DescribeDomainsCommand({ DomainNames: ['a1a', 'b1b', 'c1c', 'd1d', 'e1e', 'f1f'] })))).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(opensearchState(sb.world, COMPANY_ACCOUNT, COMPANY_REGION).domains.has('snapclone-bad')).toBe(false);
  });

  it('IAM: the domain ARN per call; tags at creation also need es:AddTags; ListDomainNames on *', async () => {
    const key = userWith(
      'search-creator',
      { Effect: 'Allow', Action: ['es:CreateDomain', 'es:DescribeDomain', 'es:ListDomainNames'], Resource: '*' },
      { Effect: 'Allow', Action: 'es:AddTags', Resource: arn.domain('snapclone-*'), Condition: { StringEquals: { 'aws:RequestTag/snapclone:managed': 'true' } } },
    );
    const client = new OpenSearchClient(sb.config(key));
    const denied = await errorOf(client.send(new CreateDomainCommand(devInput('other-domain', { TagList: [{ Key: 'team', Value: 'x' }] }))));
    expect(denied).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    expect(denied.message).toContain(`es:AddTags on resource: ${arn.domain('other-domain')}`);
    await client.send(new CreateDomainCommand(devInput('snapclone-iam')));
    expect((await client.send(new ListDomainNamesCommand({}))).DomainNames!.map((d) => d.DomainName)).toContain('snapclone-iam');
    const noDelete = await errorOf(client.send(new DeleteDomainCommand({ DomainName: 'snapclone-iam' })));
    expect(noDelete).toMatchObject({ name: 'AccessDeniedException', status: 403, message: expect.stringContaining(`es:DeleteDomain on resource: ${arn.domain('snapclone-iam')}`) });
    await os.send(new DeleteDomainCommand({ DomainName: 'snapclone-iam' }));
  });

  it('DeleteDomain: Deleted and Deleting, the endpoint closed at once, then gone', async () => {
    const endpoint = (await describe1('snapclone-cp')).Endpoints!.vpc!;
    await mapUsers(endpoint, 'all_access', ADMIN_ARN);
    expect((await dataClient(endpoint).cat.indices({ format: 'json' })).statusCode).toBe(200);
    const out = await os.send(new DeleteDomainCommand({ DomainName: 'snapclone-cp' }));
    expect(out.DomainStatus).toMatchObject({ Deleted: true, Processing: true, DomainProcessingStatus: 'Deleting' });
    expect(out.DomainStatus!.Endpoints).toBeUndefined();
    await expect(fetch(`http://${endpoint}/`)).rejects.toThrow();
    advance(4 * MINUTE);
    expect((await describe1('snapclone-cp')).DomainProcessingStatus).toBe('Deleting');
    advance(7 * MINUTE);
    expect(await errorOf(describe1('snapclone-cp'))).toMatchObject({ name: 'ResourceNotFoundException', status: 409 });
    expect((await os.send(new ListDomainNamesCommand({}))).DomainNames!.map((d) => d.DomainName)).not.toContain('snapclone-cp');
  });
});

describe('data plane', () => {
  let endpoint: string;
  let client: Client;
  beforeAll(async () => {
    endpoint = await activeDomain('snapclone-dp');
    await mapUsers(endpoint, 'all_access', ADMIN_ARN);
    client = dataClient(endpoint);
  });

  it('refuses unsigned requests, wrong signatures, other services and regions, and what IAM denies', async () => {
    const unsigned = await fetch(`http://${endpoint}/_cat/indices?format=json`);
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toEqual({ Message: 'User: anonymous is not authorized to perform: es:ESHttpGet' });
    const wrong = await failure(dataClient(endpoint, { ...sb.scenario.admin, secretAccessKey: 'x'.repeat(40) }).cat.indices({ format: 'json' }));
    expect(wrong).toMatchObject({ status: 403, body: { message: expect.stringContaining('signature we calculated does not match') } });
    const unknown = await failure(dataClient(endpoint, { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' }).cat.indices({ format: 'json' }));
    expect(unknown).toMatchObject({ status: 403, body: { message: 'The security token included in the request is invalid.' } });
    expect(await failure(dataClient(endpoint, sb.scenario.admin, COMPANY_REGION, 'rds').cat.indices({}))).toMatchObject({ status: 403 });
    expect(await failure(dataClient(endpoint, sb.scenario.admin, 'us-east-1').cat.indices({}))).toMatchObject({ status: 403 });

    const reader = userWith('search-reader', { Effect: 'Allow', Action: 'es:ESHttpGet', Resource: `${arn.domain('snapclone-dp')}/_cat/*` });
    await mapUsers(endpoint, 'all_access', arn.user('search-reader'));
    const readerClient = dataClient(endpoint, reader);
    expect((await readerClient.cat.indices({ format: 'json' })).statusCode).toBe(200);
    const denied = await failure(readerClient.cluster.health());
    expect(denied.status).toBe(403);
    expect(denied.body.Message).toContain(`es:ESHttpGet on resource: ${arn.domain('snapclone-dp')}/_cluster/health`);
    const put = await failure(readerClient.snapshot.createRepository({ repository: 'r', body: repository('s3', {}) }));
    expect(put.body.Message).toContain(`es:ESHttpPost on resource: ${arn.domain('snapclone-dp')}/_snapshot/r `);
  });

  it("accepts HTTP basic auth of the domain's master user (fine-grained access control)", async () => {
    const auth = basicAuth;
    const ok = await fetch(`http://${endpoint}/_cat/indices?format=json`, { headers: auth('snapclone-admin', DEV_PASSWORD) });
    expect(ok.status).toBe(200);
    const rows = (await ok.json()) as { index: string }[];
    expect(rows.map((r) => r.index)).toEqual(['.kibana_1', '.opendistro_security']);
    const bad = await fetch(`http://${endpoint}/_cat/indices`, { headers: auth('snapclone-admin', 'nope') });
    expect(bad.status).toBe(401);
    // Registering a repository passes a role: basic auth cannot.
    const register = await fetch(`http://${endpoint}/_snapshot/repo`, {
      method: 'PUT',
      headers: { ...auth('snapclone-admin', DEV_PASSWORD), 'content-type': 'application/json' },
      body: JSON.stringify({ type: 's3', settings: { bucket: PROD.bucket, role_arn: arn.role(PROD.snapshotRole) } }),
    });
    expect(register.status).toBe(403);
  });

  it('registering the s3 repository (PUT) needs iam:PassRole on role_arn, whatever iam:PassedToService AWS sends, and an existing bucket', async () => {
    const settings = { bucket: PROD.bucket, region: COMPANY_REGION, role_arn: arn.role(PROD.readerRole), readonly: true };
    const allHttp = { Effect: 'Allow' as const, Action: 'es:ESHttp*', Resource: `${arn.domain('snapclone-dp')}/*` };
    const noPass = userWith('search-no-passrole', allHttp);
    const otherService = userWith('search-passrole-ec2', allHttp, {
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: '*',
      Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    });
    // The old generated statement: it holds only if OpenSearch sends es.amazonaws.com, which AWS does not document.
    const onlyIfEs = userWith('search-passrole-es', allHttp, {
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: arn.role(PROD.readerRole),
      Condition: { StringEquals: { 'iam:PassedToService': 'es.amazonaws.com' } },
    });
    const operator = userWith('search-operator', allHttp, { Effect: 'Allow', Action: 'iam:PassRole', Resource: arn.role(PROD.readerRole) });
    await mapUsers(endpoint, 'manage_snapshots', ...['search-no-passrole', 'search-passrole-ec2', 'search-passrole-es', 'search-operator'].map((u) => arn.user(u)));

    const refused = await failure(register(dataClient(endpoint, noPass), 'prod', 's3', settings));
    expect(refused.status).toBe(403);
    expect(refused.body.Message).toContain(`iam:PassRole on resource: ${arn.role(PROD.readerRole)}`);
    expect(await failure(register(dataClient(endpoint, otherService), 'prod', 's3', settings))).toMatchObject({ status: 403 });
    const esOnly = await failure(register(dataClient(endpoint, onlyIfEs), 'prod', 's3', settings));
    expect(esOnly).toMatchObject({ status: 403, body: { Message: expect.stringContaining('without iam:PassedToService') } });
    const noBucket = await failure(register(client, 'prod', 's3', { ...settings, bucket: 'no-such-bucket' }));
    expect(noBucket).toMatchObject({ status: 500, body: { error: { type: 'repository_verification_exception' } } });
    expect(await failure(register(client, 'prod', 'fs', { location: '/x' }))).toMatchObject({ status: 500 });
    // A POST registration (what the official client's createRepository sends) is refused: AWS documents PUT.
    const post = await failure(dataClient(endpoint, operator).snapshot.createRepository({ repository: 'prod', body: repository('s3', settings) }));
    expect(post).toMatchObject({ status: 400, body: { Message: expect.stringContaining('PUT _snapshot/prod') } });

    const registered = await register(dataClient(endpoint, operator), 'prod', 's3', settings);
    expect(registered.body).toEqual({ acknowledged: true });
    const repo = await client.snapshot.getRepository({ repository: 'prod' });
    expect(repo.body).toEqual({ prod: { type: 's3', settings: { ...settings, readonly: 'true' } } });
    expect(await failure(client.snapshot.getRepository({ repository: 'none' }))).toMatchObject({ status: 404, body: { error: { type: 'repository_missing_exception' } } });
  });

  it("the repository role's trust is evaluated with aws:SourceArn = the registering domain: production's role is refused on another domain", async () => {
    const prodRole = { bucket: PROD.bucket, region: COMPANY_REGION, role_arn: arn.role(PROD.snapshotRole), readonly: true };
    const refused = await failure(register(client, 'prod-role', 's3', prodRole));
    expect(refused).toMatchObject({ status: 500, body: { error: { type: 'repository_verification_exception' } } });
    expect(refused.body.error?.reason).toContain(`Unable to assume role ${arn.role(PROD.snapshotRole)}: its trust policy does not admit es.amazonaws.com for ${arn.domain('snapclone-dp')}`);
  });

  it("the read-only role cannot be registered writable: S3 refuses the role's PutObject", async () => {
    const writable = { bucket: PROD.bucket, region: COMPANY_REGION, role_arn: arn.role(PROD.readerRole), readonly: false };
    const refused = await failure(register(client, 'prod-writable', 's3', writable));
    expect(refused.body.error?.reason).toContain(`${arn.role(PROD.readerRole)} may not s3:PutObject`);
  });

  it("a snapshot written into a repository is written with the repository role's S3 permissions, as they are now", async () => {
    const bucket = `arn:aws:s3:::${PROD.bucket}`;
    const role = createRole(
      sb.world,
      COMPANY_ACCOUNT,
      'search-writer-test',
      policy({ Effect: 'Allow', Principal: { Service: 'es.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { ArnLike: { 'aws:SourceArn': arn.domain('snapclone-dp') } } }),
      [policy({ Effect: 'Allow', Action: 's3:ListBucket', Resource: bucket }, { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: `${bucket}/*` })],
    );
    await register(client, 'writer', 's3', { bucket: PROD.bucket, region: COMPANY_REGION, role_arn: role.arn, base_path: 'writer-test' });
    role.policies = [policy({ Effect: 'Allow', Action: 's3:ListBucket', Resource: bucket }, { Effect: 'Allow', Action: 's3:GetObject', Resource: `${bucket}/*` })];
    const refused = await failure(client.snapshot.create({ repository: 'writer', snapshot: 'planted' }));
    expect(refused).toMatchObject({ status: 500, body: { error: { type: 'repository_verification_exception', reason: expect.stringContaining(`${role.arn} may not s3:PutObject`) } } });
  });

  it('the read-only repository lists the shared snapshots and refuses snapshot writes', async () => {
    const out = await client.snapshot.get({ repository: 'prod', snapshot: '_all' });
    expect((out.body as { snapshots: unknown[] }).snapshots).toHaveLength(35);
    const write = await failure(client.snapshot.create({ repository: 'prod', snapshot: 'mine' }));
    expect(write).toMatchObject({ status: 500, body: { error: { type: 'repository_exception', reason: '[prod] cannot create snapshot in a readonly repository' } } });
    expect(await failure(client.snapshot.delete({ repository: 'prod', snapshot: 'daily-2000-01-01' }))).toMatchObject({ status: 500 });
    expect(await failure(client.snapshot.get({ repository: 'prod', snapshot: 'daily-2000-01-01' }))).toMatchObject({ status: 404, body: { error: { type: 'snapshot_missing_exception' } } });
  });

  it('restoring every index collides with the open system indices; a PARTIAL snapshot needs partial', async () => {
    const snapshots = (await client.snapshot.get({ repository: 'prod', snapshot: '_all' })).body as { snapshots: { snapshot: string; state: string }[] };
    const partial = snapshots.snapshots.find((s) => s.state === 'PARTIAL')!.snapshot;
    const all = await failure(client.snapshot.restore({ repository: 'prod', snapshot: snapshots.snapshots.at(-1)!.snapshot, body: { include_global_state: false } }));
    expect(all.status).toBe(500);
    expect(all.body.error).toMatchObject({ type: 'snapshot_restore_exception', reason: expect.stringContaining('cannot restore index [.kibana_1] because an open index with same name already exists in the cluster') });
    const incomplete = await failure(client.snapshot.restore({ repository: 'prod', snapshot: partial, body: { indices: '*,-.*' } }));
    expect(incomplete.body.error?.reason).toMatch(/index \[orders-\d{4}\.\d{2}\] wasn't fully snapshotted - cannot restore/);
    expect(await failure(client.snapshot.restore({ repository: 'prod', snapshot: partial, body: { indices: 'nope' } }))).toMatchObject({ status: 404, body: { error: { type: 'index_not_found_exception' } } });
    expect(domainIndices(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, 'snapclone-dp')).toEqual(['.kibana_1', '.opendistro_security']);
  });

  it('restores `*,-.*` (no system index): red while primaries recover, then yellow on a single node; _recovery and _cat/indices follow', async () => {
    const latest = ((await client.snapshot.get({ repository: 'prod', snapshot: '_all' })).body as { snapshots: { snapshot: string; indices: string[]; start_time_in_millis: number }[] }).snapshots.at(-1)!;
    const accepted = await client.snapshot.restore({ repository: 'prod', snapshot: latest.snapshot, body: { indices: '*,-.*', include_global_state: false } });
    expect(accepted.body).toEqual({ accepted: true });
    const restored = latest.indices.filter((i) => !i.startsWith('.')).sort();
    expect(domainIndices(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, 'snapclone-dp')).toEqual(['.kibana_1', '.opendistro_security', ...restored]);

    expect((await client.cluster.health()).body).toMatchObject({ status: 'red', initializing_shards: expect.any(Number) });
    let rows = (await client.cat.indices({ format: 'json' })).body as unknown as Record<string, string | null>[];
    const products = () => rows.find((r) => r.index === 'products')!;
    expect(products()).toMatchObject({ health: 'red', status: 'open', 'docs.count': null });
    let recovery = (await client.indices.recovery({ index: 'products' })).body as Record<string, { shards: { type: string; stage: string; source: { snapshot: string } }[] }>;
    expect(recovery.products.shards).toHaveLength(3);
    expect(recovery.products.shards.every((s) => s.type === 'SNAPSHOT' && s.source.snapshot === latest.snapshot)).toBe(true);

    advance(2 * MINUTE);
    const halfway = (await client.cat.recovery({ format: 'json', index: 'products' })).body as unknown as { stage: string; bytes_percent: string }[];
    expect(halfway.length).toBeGreaterThan(0);

    advance(10 * MINUTE);
    expect((await client.cluster.health()).body).toMatchObject({ status: 'yellow', initializing_shards: 0, number_of_data_nodes: 1 });
    rows = (await client.cat.indices({ format: 'json', bytes: 'b' })).body as unknown as Record<string, string | null>[];
    const details = domainIndexDetails(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, 'snapclone-dp').find((i) => i.name === 'products')!;
    expect(products()).toMatchObject({ health: 'yellow', pri: '3', rep: '1', 'docs.count': String(details.docs), 'store.size': String(details.primaryBytes) });
    // The documents of the source's history when the snapshot was taken (search-documents.ts).
    const held = documentsAt(historyOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, PROD.id)!, latest.start_time_in_millis).get('products')!;
    expect(Number(products()['docs.count'])).toBe(held.length);
    recovery = (await client.indices.recovery({ index: 'products' })).body as typeof recovery;
    expect(recovery.products.shards.every((s) => s.stage === 'DONE')).toBe(true);
    // Replicas never find a second node: still yellow much later.
    advance(60 * MINUTE);
    expect((await client.cluster.health()).body).toMatchObject({ status: 'yellow' });

    const again = await failure(client.snapshot.restore({ repository: 'prod', snapshot: latest.snapshot, body: { indices: 'products' } }));
    expect(again.body.error?.reason).toContain('cannot restore index [products] because an open index with same name already exists');
  });

  it('a renamed restore without replicas goes green; DELETE removes an index', async () => {
    const latest = ((await client.snapshot.get({ repository: 'prod', snapshot: '_all' })).body as { snapshots: { snapshot: string }[] }).snapshots.at(-1)!;
    await client.snapshot.restore({
      repository: 'prod',
      snapshot: latest.snapshot,
      body: { indices: 'customers', rename_pattern: '(.+)', rename_replacement: 'copy-$1', index_settings: { 'index.number_of_replicas': 0 } },
    });
    advance(5 * MINUTE);
    const health = (await client.cluster.health({ index: 'copy-customers' })).body;
    expect(health).toMatchObject({ status: 'green', active_primary_shards: 2 });
    expect((await client.indices.delete({ index: 'copy-customers' })).body).toEqual({ acknowledged: true });
    expect(domainIndices(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, 'snapclone-dp')).not.toContain('copy-customers');
  });

  it('the S3 store is shared: a writable repository on a bucket shows its snapshots to every domain using the bucket', async () => {
    const prodEndpoint = (await describe1(PROD.id)).Endpoints!.vpc!;
    const prod = dataClient(prodEndpoint);
    await prod.snapshot.create({ repository: PROD.repository, snapshot: 'before-migration', body: { indices: 'products' } });
    advance(10 * MINUTE);
    const seen = await client.snapshot.get({ repository: 'prod', snapshot: 'before-migration' });
    expect((seen.body as { snapshots: { state: string; indices: string[] }[] }).snapshots[0]).toMatchObject({ state: 'SUCCESS', indices: ['products'] });
  });
});

describe('listeners', () => {
  it('the sandbox closes every domain listener when it closes', async () => {
    const other = await startTestSandbox();
    const client = new OpenSearchClient(other.config());
    const endpoint = (await client.send(new DescribeDomainCommand({ DomainName: PROD.id }))).DomainStatus!.Endpoints!.vpc!;
    expect((await fetch(`http://${endpoint}/`)).status).toBe(403);
    await other.close();
    await expect(fetch(`http://${endpoint}/`)).rejects.toThrow();
  });
});
