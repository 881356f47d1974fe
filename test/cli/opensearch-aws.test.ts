import { CreateDomainCommand, DescribeDomainCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import * as doctor from '../../src/commands/doctor.ts';
import type { Check } from '../../src/commands/doctor.ts';
import * as points from '../../src/commands/points.ts';
import { ConfigSchema, type Config } from '../../src/config/schema.ts';
import { policyFor } from '../../src/iam/policy.ts';
import type { PolicyDocument } from '../../sandbox/core/iam.ts';
import { evaluate } from '../../sandbox/core/iam-eval.ts';
import { ADMIN_USER, arn, COMPANY_ACCOUNT, COMPANY_REGION, DEV_SEARCH_SUBNETS, DEV_SECURITY_GROUP, PROD_SEARCH, searchServiceLinkedRoleArn } from '../../sandbox/scenario/index.ts';
import { generatedOperatorPolicies } from '../../sandbox/scenario/iam.ts';
import { SNAPSHOT_READER_ROLE } from '../../sandbox/scenario/search.ts';
import { PASSED_TO_SERVICE_CASES } from '../../sandbox/services/opensearch/rest-api.ts';
import { opensearchState } from '../../sandbox/services/opensearch/state.ts';
import { recordedCreates, startCli, type TestCli } from './support.ts';

/**
 * OpenSearch against what AWS does (audit aws-reality F6, F14, F15, F16, F20; security C1): the sandbox refuses
 * what AWS refuses — fine-grained access control, the repository role's trust, PassRole, the registration verb —
 * and each test shows snapclone's code and generated policy passing where the earlier design failed.
 */

const SOURCE = 'catalog-search';
const PROD = PROD_SEARCH[0];
const MINUTE = 60_000;

let cli: TestCli;
let clone: string;
const { make } = recordedCreates(() => cli, SOURCE);
const operator = () => cli.sb.world.roles.get(cli.sb.scenario.roles.operator)!;
const domains = () => opensearchState(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION).domains;

beforeAll(async () => {
  cli = await startCli();
  clone = (await make({ latest: true, name: 'snapclone-search-aws' })).entry.name;
}, 120_000);
afterAll(() => cli?.close());

/** The official client on a domain, SigV4-signed (service es) with the operator role's session, as snapclone signs. */
function asRole(endpoint: string): Client {
  const clients = cli.context().ctx.clients('dev');
  return new Client({ ...AwsSigv4Signer({ region: COMPANY_REGION, service: 'es', getCredentials: () => clients.credentials() }), node: `http://${endpoint}`, maxRetries: 0 });
}

function asAdmin(endpoint: string): Client {
  return new Client({ ...AwsSigv4Signer({ region: COMPANY_REGION, service: 'es', getCredentials: async () => cli.sb.scenario.admin }), node: `http://${endpoint}`, maxRetries: 0 });
}

async function endpointOf(name: string): Promise<string> {
  const status = (await new OpenSearchClient(cli.sb.config()).send(new DescribeDomainCommand({ DomainName: name }))).DomainStatus!;
  return status.Endpoints?.vpc ?? status.Endpoint!;
}

interface Failure {
  status: number;
  body: { error?: { type: string; reason: string }; Message?: string };
}
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

const request = (c: Client, method: string, path: string, body?: unknown) => c.transport.request({ method, path, ...(body ? { body } : {}) });

/** The scenario config with production's own snapshot role as the repository role (the design before C1). */
const withProductionRole = (config: Config): Config => {
  config.sources[SOURCE].snapshotRepository!.roleArn = arn.role(PROD.snapshotRole);
  return config;
};

async function doctorChecks(options: Parameters<TestCli['context']>[0] = {}) {
  const result = await doctor.run({}, cli.context(options).ctx);
  return (result.json as { checks: Check[] }).checks;
}
const byName = (checks: Check[], name: string) => checks.find((c) => c.check === name)!;

describe('F6: fine-grained access control', () => {
  it("the clone's master user is the operator role: the role reads it; an IAM principal it maps to nothing gets 403 security_exception", async () => {
    expect(domains().get(clone)!.advancedSecurity).toMatchObject({ Enabled: true, InternalUserDatabaseEnabled: false, masterUserArn: cli.sb.scenario.roles.operator });
    const endpoint = await endpointOf(clone);
    const rows = (await asRole(endpoint).cat.indices({ format: 'json' })).body as unknown as { index: string }[];
    expect(rows.map((r) => r.index)).toContain('products');
    const refused = await failure(asAdmin(endpoint).cat.indices({ format: 'json' }));
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({
      type: 'security_exception',
      reason: `no permissions for [indices:monitor/stats] and User [name=${arn.user(ADMIN_USER)}, backend_roles=[], requestedTenant=null]`,
    });
  });

  it('a clone made as before (an internal master user, the role mapped to nothing) answers 403 to the role at the first _snapshot call', async () => {
    const os = new OpenSearchClient({ ...cli.sb.config(), credentials: () => cli.context().ctx.clients('dev').credentials() });
    const name = 'snapclone-search-old';
    await os.send(
      new CreateDomainCommand({
        DomainName: name,
        EngineVersion: PROD.engineVersion,
        ClusterConfig: { InstanceType: 't3.small.search', InstanceCount: 1 },
        EBSOptions: { EBSEnabled: true, VolumeType: 'gp3', VolumeSize: 20 },
        VPCOptions: { SubnetIds: [DEV_SEARCH_SUBNETS[0]], SecurityGroupIds: [DEV_SECURITY_GROUP] },
        EncryptionAtRestOptions: { Enabled: true },
        NodeToNodeEncryptionOptions: { Enabled: true },
        DomainEndpointOptions: { EnforceHTTPS: true },
        AdvancedSecurityOptions: { Enabled: true, InternalUserDatabaseEnabled: true, MasterUserOptions: { MasterUserName: 'snapclone-admin', MasterUserPassword: 'Old-Design-Pass1!' } },
        // What every create must carry under the role (security M2/H4): the clone's name, the session as owner, an expiry.
        TagList: [
          { Key: 'snapclone:managed', Value: 'true' },
          { Key: 'snapclone:clone', Value: name },
          { Key: 'snapclone:owner', Value: 'alice' },
          { Key: 'snapclone:expires-at', Value: new Date(cli.sb.world.clock.nowMs() + 3_600_000).toISOString() },
        ],
      }),
    );
    cli.sb.world.clock.advance(21 * MINUTE);
    const settings = { bucket: PROD.bucket, region: COMPANY_REGION, role_arn: arn.role(PROD.readerRole), readonly: true };
    const refused = await failure(request(asRole(await endpointOf(name)), 'PUT', `/_snapshot/${PROD.repository}`, { type: 's3', settings }));
    expect(refused).toMatchObject({ status: 403, body: { error: { type: 'security_exception', reason: expect.stringContaining('no permissions for [cluster:admin/repository/put]') } } });
  });

  it("points needs no role mapping on the source: its snapshots are read from the S3 repository (issue 22)", async () => {
    const prod = domains().get(PROD.id)!;
    const mapping = prod.security.mappings.get(SNAPSHOT_READER_ROLE)!;
    prod.security.mappings.delete(SNAPSHOT_READER_ROLE);
    try {
      const { ctx, calls } = cli.context();
      expect(((await points.run({ source: SOURCE }, ctx)).json as { points: unknown[] }).points.length).toBeGreaterThan(30);
      expect(calls.filter((c) => c.startsWith('es:'))).toEqual([]);
    } finally {
      prod.security.mappings.set(SNAPSHOT_READER_ROLE, mapping);
    }
  });
});

describe('F14, F15: the registration as AWS documents it', () => {
  it('the repository is registered with PUT (es:ESHttpPut); the policy writes only that path, the restore, and masking\'s index _bulk on clones', async () => {
    expect(domains().get(clone)!.repositories.get(PROD.repository)).toMatchObject({ roleArn: arn.role(PROD.readerRole), readonly: true });
    const statements = generatedOperatorPolicies().flatMap((p) => p.Statement);
    const granting = (action: string) => statements.filter((s) => s.Effect === 'Allow' && [s.Action].flat().includes(action)).flatMap((s) => [s.Resource].flat());
    const domain = (path: string) => `arn:aws:es:${COMPANY_REGION}:${COMPANY_ACCOUNT}:domain/${path}`;
    expect(granting('es:ESHttpPut')).toEqual([domain(`snapclone-*/_snapshot/${PROD.repository}`)]);
    expect(granting('es:ESHttpPost')).toEqual([domain('snapclone-*/*/_bulk'), domain(`snapclone-*/_snapshot/${PROD.repository}/*/_restore`)]);
    expect(granting('iam:PassRole')).toEqual([arn.role(PROD.readerRole)]);
  });

  it('the PassRole statement holds whatever iam:PassedToService OpenSearch sends (absent or es.amazonaws.com); the earlier one did not', () => {
    const policies = generatedOperatorPolicies();
    const pass = (policies: PolicyDocument[], service: string | undefined) =>
      evaluate(policies, { action: 'iam:PassRole', resource: arn.role(PROD.readerRole), context: service ? { 'iam:PassedToService': service } : {} });
    expect(PASSED_TO_SERVICE_CASES).toEqual([undefined, 'es.amazonaws.com']);
    for (const service of PASSED_TO_SERVICE_CASES) expect(pass(policies, service)).toBe('allow');
    const earlier: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: arn.role(PROD.readerRole), Condition: { StringEquals: { 'iam:PassedToService': 'es.amazonaws.com' } } }],
    };
    expect(PASSED_TO_SERVICE_CASES.map((service) => pass([earlier], service))).toEqual(['implicit-deny', 'allow']);
  });
});

describe('C1: production’s repository cannot be written through a clone', () => {
  it('as the role on its clone: no writable re-registration (read-only role; production’s role not passable), no snapshot written', async () => {
    const role = asRole(await endpointOf(clone));
    const base = { bucket: PROD.bucket, region: COMPANY_REGION };
    const writable = await failure(request(role, 'PUT', `/_snapshot/${PROD.repository}`, { type: 's3', settings: { ...base, role_arn: arn.role(PROD.readerRole), readonly: false } }));
    expect(writable).toMatchObject({ status: 500, body: { error: { type: 'repository_verification_exception', reason: expect.stringContaining('may not s3:PutObject') } } });
    const prodRole = await failure(request(role, 'PUT', `/_snapshot/${PROD.repository}`, { type: 's3', settings: { ...base, role_arn: arn.role(PROD.snapshotRole), readonly: false } }));
    expect(prodRole).toMatchObject({ status: 403, body: { Message: expect.stringContaining(`iam:PassRole on resource: ${arn.role(PROD.snapshotRole)}`) } });
    for (const [method, path] of [['PUT', `/_snapshot/${PROD.repository}/planted`], ['POST', `/_snapshot/${PROD.repository}/planted`], ['POST', `/_snapshot/${PROD.repository}`], ['DELETE', `/_snapshot/${PROD.repository}/planted`]]) {
      const refused = await failure(request(role, method, path));
      expect(refused.status).toBe(403);
      expect(refused.body.Message).toContain(`is not authorized to perform: es:ESHttp`);
    }
    const listed = (await asRole(await endpointOf(clone)).snapshot.get({ repository: PROD.repository, snapshot: '_all' })).body as { snapshots: { snapshot: string }[] };
    expect(listed.snapshots.map((s) => s.snapshot)).not.toContain('planted');
  });
});

describe('F16, F20: the roles OpenSearch Service uses', () => {
  it("with production's snapshot role (trusted for the production domain, as AWS recommends), a clone cannot register the repository; doctor says what to add", async () => {
    const config = withProductionRole(structuredClone(cli.config));
    const saved = operator().policies;
    operator().policies = [policyFor(ConfigSchema.parse(config), 'dev') as PolicyDocument];
    try {
      const { ctx } = cli.context({ config: withProductionRole });
      await expect(create.run({ sources: [SOURCE], latest: true, name: 'snapclone-search-prodrole', wait: true }, ctx)).rejects.toThrow(
        `Unable to assume role ${arn.role(PROD.snapshotRole)}: its trust policy does not admit es.amazonaws.com for ${arn.domain('snapclone-search-prodrole')}`,
      );
      expect(domains().get('snapclone-search-prodrole')!.repositories.size).toBe(0);
      const checks = await doctorChecks({ config: withProductionRole });
      expect(byName(checks, 'opensearch repository role trust')).toMatchObject({ ok: false, fix: expect.stringContaining(`"aws:SourceArn": "${arn.domain('snapclone-*')}"`) });
      expect(byName(checks, 'opensearch repository role read-only')).toMatchObject({ ok: false, detail: expect.stringContaining('s3:PutObject and s3:DeleteObject') });
    } finally {
      operator().policies = saved;
    }
  }, 120_000);

  it('doctor passes with the scenario’s read-only role and the seeded service-linked role, and says when that role is missing (then CreateDomain fails)', async () => {
    const ok = await doctorChecks();
    for (const name of ['opensearch service-linked role', 'opensearch repository role trust', 'opensearch repository role read-only']) expect(byName(ok, name).ok).toBe(true);
    const slrArn = searchServiceLinkedRoleArn(COMPANY_ACCOUNT);
    const slr = cli.sb.world.roles.get(slrArn)!;
    cli.sb.world.roles.delete(slrArn);
    try {
      const missing = byName(await doctorChecks(), 'opensearch service-linked role');
      expect(missing).toMatchObject({ ok: false, fix: expect.stringContaining('create-service-linked-role --aws-service-name opensearchservice.amazonaws.com') });
      await expect(make({ latest: true, name: 'snapclone-search-noslr' })).rejects.toThrow('service-linked role');
    } finally {
      cli.sb.world.roles.set(slrArn, slr);
    }
  }, 120_000);
});
