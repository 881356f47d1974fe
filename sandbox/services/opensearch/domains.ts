import { checkPermission, requestTagContext } from '../../core/authorize.ts';
import type { RequestContext } from '../../core/service.ts';
import { closeEndpoint, ensureEndpoint } from './data-plane.ts';
import { osErrors } from './errors.ts';
import {
  domainArn,
  DURATIONS,
  engineType,
  findDomain,
  liveDomains,
  opensearchState,
  osUuid,
  processingStatus,
  type DomainRecord,
  type IndexRecord,
  type OpenSearchState,
} from './state.ts';
import { findRole } from '../iam/entities.ts';
import { newSecurity } from './security.ts';
import { tagsFromInput, type TagInput } from './tags.ts';
import { domainConfig, domainStatus } from './view.ts';

/** Engine versions CreateDomain accepts (ListVersions); the latest OpenSearch when none is given. */
export const ENGINE_VERSIONS = [
  'OpenSearch_3.1',
  'OpenSearch_2.19',
  'OpenSearch_2.17',
  'OpenSearch_2.15',
  'OpenSearch_2.13',
  'OpenSearch_2.11',
  'OpenSearch_2.9',
  'OpenSearch_2.7',
  'OpenSearch_2.5',
  'OpenSearch_2.3',
  'OpenSearch_1.3',
  'Elasticsearch_7.10',
  'Elasticsearch_7.9',
  'Elasticsearch_6.8',
];
export const DEFAULT_ENGINE_VERSION = 'OpenSearch_2.19';

const DOMAIN_NAME = /^[a-z][a-z0-9-]+$/;
const INSTANCE_TYPE = /^(t3|m5|m6g|m7g|c5|c6g|c7g|r5|r6g|r7g|r6gd|i3|or1|im4gn)\.(nano|micro|small|medium|large|xlarge|\d+xlarge)\.search$/;
/** Instance families with local storage (no EBS needed). */
const INSTANCE_STORAGE = /^(i3|r6gd|im4gn)\./;
const PASSWORD = /^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)(?=.*[^A-Za-z0-9]).{8,128}$/;

/** Checks a domain name as the model constrains it (3–28 characters, [a-z][a-z0-9\-]+). */
export function checkDomainName(name: string | undefined, member = 'domainName'): string {
  if (!name) throw osErrors.validation('DomainName is required.');
  if (name.length < 3 || name.length > 28) {
    throw osErrors.constraint(name, member, `Member must have length ${name.length < 3 ? 'greater than or equal to 3' : 'less than or equal to 28'}`);
  }
  if (!DOMAIN_NAME.test(name)) {
    throw osErrors.constraint(name, member, 'Member must satisfy regular expression pattern: [a-z][a-z0-9\\-]+');
  }
  return name;
}

export interface CreateDomainInput {
  DomainName?: string;
  EngineVersion?: string;
  ClusterConfig?: {
    InstanceType?: string;
    InstanceCount?: number;
    DedicatedMasterEnabled?: boolean;
    DedicatedMasterType?: string;
    DedicatedMasterCount?: number;
    ZoneAwarenessEnabled?: boolean;
    ZoneAwarenessConfig?: { AvailabilityZoneCount?: number };
    WarmEnabled?: boolean;
    MultiAZWithStandbyEnabled?: boolean;
  };
  EBSOptions?: { EBSEnabled?: boolean; VolumeType?: string; VolumeSize?: number; Iops?: number; Throughput?: number };
  AccessPolicies?: string;
  VPCOptions?: { SubnetIds?: string[]; SecurityGroupIds?: string[] };
  EncryptionAtRestOptions?: { Enabled?: boolean; KmsKeyId?: string };
  NodeToNodeEncryptionOptions?: { Enabled?: boolean };
  DomainEndpointOptions?: { EnforceHTTPS?: boolean; TLSSecurityPolicy?: string };
  AdvancedSecurityOptions?: {
    Enabled?: boolean;
    InternalUserDatabaseEnabled?: boolean;
    MasterUserOptions?: { MasterUserARN?: string; MasterUserName?: string; MasterUserPassword?: string };
  };
  AdvancedOptions?: Record<string, string>;
  TagList?: TagInput;
}

function checkCluster(input: CreateDomainInput): DomainRecord['clusterConfig'] {
  const c = input.ClusterConfig ?? {};
  const type = c.InstanceType ?? 'r6g.large.search';
  if (!INSTANCE_TYPE.test(type)) throw osErrors.validation(`Invalid instance type: ${type}`);
  const count = c.InstanceCount ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 80) {
    throw osErrors.validation('InstanceCount must be between 1 and 80.');
  }
  const zoneAware = c.ZoneAwarenessEnabled ?? false;
  const zones = zoneAware ? (c.ZoneAwarenessConfig?.AvailabilityZoneCount ?? 2) : 1;
  if (zoneAware && ![2, 3].includes(zones)) throw osErrors.validation('AvailabilityZoneCount must be 2 or 3.');
  if (zoneAware && count % zones !== 0 && zones === 2) {
    throw osErrors.validation('You must choose an even number of data nodes for a two Availability Zone deployment.');
  }
  const masters = c.DedicatedMasterEnabled ?? false;
  if (masters) {
    if (!c.DedicatedMasterType || !INSTANCE_TYPE.test(c.DedicatedMasterType)) {
      throw osErrors.validation(`Invalid dedicated master instance type: ${c.DedicatedMasterType ?? '(none)'}`);
    }
    if (![3, 5].includes(c.DedicatedMasterCount ?? 3)) {
      throw osErrors.validation('DedicatedMasterCount must be 3 or 5.');
    }
  }
  return {
    InstanceType: type,
    InstanceCount: count,
    DedicatedMasterEnabled: masters,
    DedicatedMasterType: masters ? c.DedicatedMasterType : undefined,
    DedicatedMasterCount: masters ? (c.DedicatedMasterCount ?? 3) : undefined,
    ZoneAwarenessEnabled: zoneAware,
    ZoneAwarenessConfig: zoneAware ? { AvailabilityZoneCount: zones } : undefined,
    WarmEnabled: false,
    MultiAZWithStandbyEnabled: false,
  };
}

function checkEbs(input: CreateDomainInput, instanceType: string): DomainRecord['ebs'] {
  const e = input.EBSOptions;
  const enabled = e?.EBSEnabled ?? !INSTANCE_STORAGE.test(instanceType);
  if (!enabled) {
    if (!INSTANCE_STORAGE.test(instanceType)) {
      throw osErrors.validation(`EBS storage must be selected for ${instanceType}`);
    }
    return { EBSEnabled: false };
  }
  const size = e?.VolumeSize ?? 10;
  if (!Number.isInteger(size) || size < 10 || size > 16384) {
    throw osErrors.validation(`Volume size must be between 10 and 16384 GiB for ${instanceType}.`);
  }
  const type = e?.VolumeType ?? 'gp3';
  if (!['gp3', 'gp2', 'io1', 'standard'].includes(type)) throw osErrors.validation(`Invalid volume type: ${type}`);
  return {
    EBSEnabled: true,
    VolumeType: type,
    VolumeSize: size,
    Iops: type === 'gp3' ? (e?.Iops ?? 3000) : e?.Iops,
    Throughput: type === 'gp3' ? (e?.Throughput ?? 125) : undefined,
  };
}

/** Subnets must exist, be in one VPC, one per Availability Zone used; security groups in that VPC. */
function checkVpc(state: OpenSearchState, input: CreateDomainInput, zones: number): DomainRecord['vpc'] {
  const v = input.VPCOptions;
  if (!v) return undefined;
  const subnetIds = v.SubnetIds ?? [];
  if (subnetIds.length !== zones) {
    throw osErrors.validation(
      zones === 1
        ? 'You must specify exactly one subnet.'
        : `You must specify exactly ${zones === 2 ? 'two' : 'three'} subnets because you've set zone count to ${zones}.`,
    );
  }
  const subnets = subnetIds.map((id) => {
    const subnet = state.subnets.get(id);
    if (!subnet) throw osErrors.validation(`The subnet ${id} does not exist.`);
    return subnet;
  });
  const vpcId = subnets[0].vpcId;
  if (subnets.some((s) => s.vpcId !== vpcId)) throw osErrors.validation('All subnets must belong to the same VPC.');
  const zonesUsed = subnets.map((s) => s.az);
  if (new Set(zonesUsed).size !== zonesUsed.length) {
    throw osErrors.validation('The subnets must be in different Availability Zones.');
  }
  const securityGroupIds = v.SecurityGroupIds?.length ? v.SecurityGroupIds : [];
  for (const sg of securityGroupIds) {
    const sgVpc = state.securityGroups.get(sg);
    if (!sgVpc) throw osErrors.validation(`The security group ${sg} does not exist.`);
    if (sgVpc !== vpcId) throw osErrors.validation(`The security group ${sg} does not belong to VPC ${vpcId}.`);
  }
  return { vpcId, subnetIds: [...subnetIds], securityGroupIds, zones: zonesUsed };
}

function checkSecurity(input: CreateDomainInput, encryption: boolean, nodeToNode: boolean, https: boolean): DomainRecord['advancedSecurity'] {
  const a = input.AdvancedSecurityOptions;
  if (!a?.Enabled) return { Enabled: false, InternalUserDatabaseEnabled: false };
  if (!https) throw osErrors.validation('Enforce HTTPS is required when fine-grained access control is enabled.');
  if (!nodeToNode) throw osErrors.validation('Node-to-node encryption is required when fine-grained access control is enabled.');
  if (!encryption) throw osErrors.validation('Encryption at rest is required when fine-grained access control is enabled.');
  const internal = a.InternalUserDatabaseEnabled ?? false;
  const master = a.MasterUserOptions ?? {};
  if (internal) {
    if (master.MasterUserARN) throw osErrors.validation('A master user ARN can only be given when the internal user database is disabled.');
    if (!master.MasterUserName || master.MasterUserName.length > 64) {
      throw osErrors.validation('A master user name of 1 to 64 characters is required for the internal user database.');
    }
    if (!master.MasterUserPassword || !PASSWORD.test(master.MasterUserPassword)) {
      throw osErrors.validation(
        'Password must have at least 8 characters and contain at least one uppercase letter, one lowercase letter, one number, and one special character.',
      );
    }
    return { Enabled: true, InternalUserDatabaseEnabled: true, masterUserName: master.MasterUserName, masterUserPassword: master.MasterUserPassword };
  }
  if (!master.MasterUserARN) throw osErrors.validation('A master user ARN is required when the internal user database is disabled.');
  // MasterUserARN "Only specify if InternalUserDatabaseEnabled is false" (MasterUserOptions), and alone.
  if (master.MasterUserName || master.MasterUserPassword) {
    throw osErrors.validation('Specify either a master user ARN or a master user name and password, not both.');
  }
  if (!/^arn:aws[\w-]*:iam::\d{12}:(user|role)\/.+$/.test(master.MasterUserARN)) {
    throw osErrors.validation(`The master user ARN ${master.MasterUserARN} is not an IAM user or role ARN.`);
  }
  return { Enabled: true, InternalUserDatabaseEnabled: false, masterUserArn: master.MasterUserARN };
}

/** The system indices a new domain makes for itself: Dashboards' index and, with fine-grained access control, the security index. */
export function systemIndices(now: number, security: boolean): IndexRecord[] {
  const index = (name: string, docs: number, bytes: number): IndexRecord => ({
    name,
    uuid: osUuid(),
    primaries: 1,
    replicas: 1,
    autoExpandReplicas: true,
    docs,
    primaryBytes: bytes,
    createdAt: now,
  });
  return [index('.kibana_1', 1, 5_120), ...(security ? [index('.opendistro_security', 10, 61_440)] : [])];
}

/** A new domain record from a checked CreateDomain input (the seed builds the production domain with it too). */
export function newDomain(ctx: { world: RequestContext['world']; accountId: string; region: string }, input: CreateDomainInput): DomainRecord {
  const { world, accountId, region } = ctx;
  const name = checkDomainName(input.DomainName);
  const engineVersion = input.EngineVersion ?? DEFAULT_ENGINE_VERSION;
  if (!/^Elasticsearch_[0-9]{1}\.[0-9]{1,2}$|^OpenSearch_[0-9]{1,2}\.[0-9]{1,2}$/.test(engineVersion)) {
    throw osErrors.constraint(engineVersion, 'engineVersion', 'Member must satisfy regular expression pattern: ^Elasticsearch_[0-9]{1}\\.[0-9]{1,2}$|^OpenSearch_[0-9]{1,2}\\.[0-9]{1,2}$');
  }
  if (!ENGINE_VERSIONS.includes(engineVersion)) throw osErrors.validation(`Invalid version: ${engineVersion}`);
  const state = opensearchState(world, accountId, region);
  const clusterConfig = checkCluster(input);
  const ebs = checkEbs(input, clusterConfig.InstanceType);
  const vpc = checkVpc(state, input, clusterConfig.ZoneAwarenessConfig?.AvailabilityZoneCount ?? 1);
  const encryption = input.EncryptionAtRestOptions?.Enabled ?? false;
  const nodeToNode = input.NodeToNodeEncryptionOptions?.Enabled ?? false;
  const https = input.DomainEndpointOptions?.EnforceHTTPS ?? false;
  const advancedSecurity = checkSecurity(input, encryption, nodeToNode, https);
  if (input.AccessPolicies !== undefined) {
    try {
      JSON.parse(input.AccessPolicies);
    } catch {
      throw osErrors.validation('The access policy is not valid JSON.');
    }
  }
  const tags = tagsFromInput(input.TagList);
  const now = world.clock.nowMs();
  return {
    name,
    id: `${accountId}/${name}`,
    arn: domainArn(region, accountId, name),
    accountId,
    region,
    engineVersion,
    clusterConfig,
    ebs,
    vpc,
    encryptionAtRest: {
      Enabled: encryption,
      KmsKeyId: encryption ? (input.EncryptionAtRestOptions?.KmsKeyId ?? `arn:aws:kms:${region}:${accountId}:key/aws-opensearch`) : undefined,
    },
    nodeToNode,
    endpointOptions: {
      EnforceHTTPS: https,
      TLSSecurityPolicy: input.DomainEndpointOptions?.TLSSecurityPolicy ?? 'Policy-Min-TLS-1-2-2019-07',
    },
    advancedSecurity,
    security: newSecurity(),
    accessPolicies: input.AccessPolicies,
    advancedOptions: {
      'rest.action.multi.allow_explicit_index': 'true',
      'override_main_response_version': 'false',
      ...(input.AdvancedOptions ?? {}),
    },
    tags,
    createdAt: now,
    activeAt:
      now + world.scaled(DURATIONS.create(clusterConfig.InstanceCount, clusterConfig.DedicatedMasterEnabled)),
    indices: new Map(systemIndices(now, advancedSecurity.Enabled).map((i) => [i.name, i])),
    repositories: new Map(),
    nodeIds: Array.from({ length: clusterConfig.InstanceCount }, () => osUuid()),
  };
}

/** The service-linked role OpenSearch Service needs to place a domain in a VPC (slr-aos.md). */
export const SERVICE_LINKED_ROLE = 'AWSServiceRoleForAmazonOpenSearchService';

export function createDomain(input: CreateDomainInput, ctx: RequestContext) {
  const state = opensearchState(ctx.world, ctx.accountId, ctx.region);
  const name = checkDomainName(input.DomainName);
  if (findDomain(ctx.world, state, name)) throw osErrors.alreadyExists(name);
  const domain = newDomain(ctx, input);
  // AWS creates the role on a first VPC domain only for a caller allowed iam:CreateServiceLinkedRole; snapclone's
  // role is not, so without the role the create fails (an administrator creates it once).
  if (domain.vpc && !findRole(ctx.world, ctx.accountId, SERVICE_LINKED_ROLE)) {
    throw osErrors.validation('Before you can proceed, you must enable a service-linked role to give Amazon OpenSearch Service permissions to access your VPC.');
  }
  // Like AWS, tags given at creation also need es:AddTags on the new domain.
  if (domain.tags.size > 0) {
    checkPermission(ctx, 'es:AddTags', [domain.arn], requestTagContext(Object.fromEntries(domain.tags)));
  }
  state.domains.set(name, domain);
  return { DomainStatus: domainStatus(domain, ctx.world.clock.nowMs()) };
}

/** The domain's status, its endpoint (and listener) ready once it is Active. */
async function statusWithEndpoint(ctx: RequestContext, domain: DomainRecord) {
  const now = ctx.world.clock.nowMs();
  const endpoint = processingStatus(domain, now) === 'Active' ? await ensureEndpoint(ctx.world, domain) : undefined;
  return domainStatus(domain, now, endpoint);
}

export async function describeDomain(input: { DomainName?: string }, ctx: RequestContext) {
  const name = checkDomainName(input.DomainName);
  const domain = findDomain(ctx.world, opensearchState(ctx.world, ctx.accountId, ctx.region), name);
  if (!domain) throw osErrors.domainNotFound(name);
  return { DomainStatus: await statusWithEndpoint(ctx, domain) };
}

/** DescribeDomainConfig: the domain's options, each with when it was created and last updated. */
export function describeDomainConfig(input: { DomainName?: string }, ctx: RequestContext) {
  const name = checkDomainName(input.DomainName);
  const domain = findDomain(ctx.world, opensearchState(ctx.world, ctx.accountId, ctx.region), name);
  if (!domain) throw osErrors.domainNotFound(name);
  return { DomainConfig: domainConfig(domain, ctx.world.clock.nowMs()) };
}

/** DescribeDomains: up to 5 names; names of no domain are left out, as AWS does. */
export async function describeDomains(input: { DomainNames?: string[] }, ctx: RequestContext) {
  const names = input.DomainNames ?? [];
  if (names.length > 5) {
    throw osErrors.constraint(`[${names.join(', ')}]`, 'domainNames', 'Member must have length less than or equal to 5');
  }
  names.forEach((n) => checkDomainName(n, 'domainNames.member'));
  const state = opensearchState(ctx.world, ctx.accountId, ctx.region);
  const list = [];
  for (const name of names) {
    const domain = findDomain(ctx.world, state, name);
    if (domain) list.push(await statusWithEndpoint(ctx, domain));
  }
  return { DomainStatusList: list };
}

export function listDomainNames(input: { EngineType?: string }, ctx: RequestContext) {
  if (input.EngineType !== undefined && !['OpenSearch', 'Elasticsearch'].includes(input.EngineType)) {
    throw osErrors.constraint(input.EngineType, 'engineType', 'Member must satisfy enum value set: [OpenSearch, Elasticsearch]');
  }
  const domains = liveDomains(ctx.world, opensearchState(ctx.world, ctx.accountId, ctx.region));
  return {
    DomainNames: domains
      .filter((d) => !input.EngineType || engineType(d.engineVersion) === input.EngineType)
      .map((d) => ({ DomainName: d.name, EngineType: engineType(d.engineVersion) })),
  };
}

/** DeleteDomain: Deleting for 5–10 minutes, then gone; its endpoint stops answering at once. */
export async function deleteDomain(input: { DomainName?: string }, ctx: RequestContext) {
  const name = checkDomainName(input.DomainName);
  const domain = findDomain(ctx.world, opensearchState(ctx.world, ctx.accountId, ctx.region), name);
  if (!domain) throw osErrors.domainNotFound(name);
  const now = ctx.world.clock.nowMs();
  if (!domain.deletion) {
    domain.deletion = { requestedAt: now, goneAt: now + ctx.world.scaled(DURATIONS.deletion(domain.clusterConfig.InstanceCount)) };
  }
  await closeEndpoint(domain);
  return { DomainStatus: domainStatus(domain, now) };
}
