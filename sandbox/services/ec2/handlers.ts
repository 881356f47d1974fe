import { byKey, keyedPage } from '../../core/paging.ts';
import type { RequestContext } from '../../core/service.ts';
import { ec2Errors } from './errors.ts';
import { ec2State, securityGroupArn, subnetArn, type Instance, type IpPermission, type SecurityGroup, type Subnet, type Vpc } from './state.ts';

interface Filter {
  Name?: string;
  Values?: string[];
}

interface Paged {
  Filters?: Filter[];
  NextToken?: string;
  MaxResults?: number;
}

const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/**
 * EC2's Filters: every filter must be one the call knows (else InvalidParameterValue) and match one of its values
 * (`tag:<key>` filters by a tag's value). Values are matched exactly; EC2's `*` wildcards are not modelled.
 */
function filtered<T extends { tags: Record<string, string> }>(items: T[], filters: Filter[] | undefined, fields: Record<string, (item: T) => string[]>): T[] {
  for (const f of filters ?? []) {
    const name = f.Name ?? '';
    const values = f.Values ?? [];
    const tag = /^tag:(.+)$/.exec(name)?.[1];
    const read = tag !== undefined ? (item: T) => (item.tags[tag] === undefined ? [] : [item.tags[tag]]) : fields[name];
    if (!read) throw ec2Errors.invalidFilter(name);
    items = items.filter((item) => read(item).some((v) => values.includes(v)));
  }
  return items;
}

/** One page by id, with EC2's MaxResults bounds (5–1000; none: everything) and an opaque NextToken. */
function paged<T extends { id: string }>(items: T[], input: Paged, named: boolean): { items: T[]; NextToken?: string } {
  if (input.MaxResults === undefined && input.NextToken === undefined) return { items };
  if (named) throw ec2Errors.invalidCombination('The parameter MaxResults cannot be used with the parameter naming resources by id');
  const max = input.MaxResults ?? 1000;
  if (!Number.isInteger(max) || max < 5 || max > 1000) throw ec2Errors.invalidParameter(`Value ( ${max} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`);
  const page = keyedPage(items, (i) => i.id, input.NextToken, max, { prefix: 'ec2:', invalid: () => ec2Errors.invalidToken(input.NextToken ?? '') });
  return { items: page.items, NextToken: page.next };
}

/** The items of a map by the ids asked for (each must exist), else all, in id order. */
function byIds<T extends { id: string }>(all: Map<string, T>, ids: string[] | undefined, missing: (id: string) => Error): T[] {
  if (!ids || ids.length === 0) return [...all.values()].sort(byKey((i) => i.id));
  return ids.map((id) => {
    const item = all.get(id);
    if (!item) throw missing(id);
    return item;
  });
}

function groupView(g: SecurityGroup, ctx: RequestContext) {
  return {
    GroupId: g.id,
    GroupName: g.name,
    Description: g.description,
    VpcId: g.vpcId,
    OwnerId: ctx.accountId,
    SecurityGroupArn: securityGroupArn(ctx.region, ctx.accountId, g.id),
    IpPermissions: g.ingress,
    IpPermissionsEgress: g.egress,
    Tags: tagList(g.tags),
  };
}

/** DescribeSecurityGroups: by GroupIds or GroupNames (each must exist), filters vpc-id, group-id, group-name, description. */
export function describeSecurityGroups(input: Paged & { GroupIds?: string[]; GroupNames?: string[] }, ctx: RequestContext) {
  const state = ec2State(ctx.world, ctx.accountId, ctx.region);
  let groups = byIds(state.securityGroups, input.GroupIds, ec2Errors.groupNotFound);
  for (const name of input.GroupNames ?? []) {
    if (!groups.some((g) => g.name === name)) throw ec2Errors.groupNotFound(name);
  }
  if (input.GroupNames?.length) groups = groups.filter((g) => input.GroupNames!.includes(g.name));
  groups = filtered(groups, input.Filters, {
    'vpc-id': (g) => [g.vpcId],
    'group-id': (g) => [g.id],
    'group-name': (g) => [g.name],
    description: (g) => [g.description],
    'owner-id': () => [ctx.accountId],
  });
  const page = paged(groups, input, Boolean(input.GroupIds?.length || input.GroupNames?.length));
  return { SecurityGroups: page.items.map((g) => groupView(g, ctx)), NextToken: page.NextToken };
}

function vpcView(v: Vpc, ctx: RequestContext) {
  return {
    VpcId: v.id,
    CidrBlock: v.cidrBlock,
    IsDefault: v.isDefault,
    State: 'available',
    OwnerId: ctx.accountId,
    InstanceTenancy: 'default',
    Tags: tagList(v.tags),
  };
}

/** DescribeVpcs: by VpcIds (each must exist), filters vpc-id, is-default, cidr, state. */
export function describeVpcs(input: Paged & { VpcIds?: string[] }, ctx: RequestContext) {
  const state = ec2State(ctx.world, ctx.accountId, ctx.region);
  const vpcs = filtered(byIds(state.vpcs, input.VpcIds, ec2Errors.vpcNotFound), input.Filters, {
    'vpc-id': (v) => [v.id],
    'is-default': (v) => [String(v.isDefault)],
    cidr: (v) => [v.cidrBlock],
    state: () => ['available'],
  });
  const page = paged(vpcs, input, Boolean(input.VpcIds?.length));
  return { Vpcs: page.items.map((v) => vpcView(v, ctx)), NextToken: page.NextToken };
}

function subnetView(s: Subnet, ctx: RequestContext) {
  return {
    SubnetId: s.id,
    SubnetArn: subnetArn(ctx.region, ctx.accountId, s.id),
    VpcId: s.vpcId,
    AvailabilityZone: s.availabilityZone,
    CidrBlock: s.cidrBlock,
    State: 'available',
    MapPublicIpOnLaunch: false,
    DefaultForAz: false,
    OwnerId: ctx.accountId,
    Tags: tagList(s.tags),
  };
}

/** DescribeSubnets: by SubnetIds (each must exist), filters vpc-id, subnet-id, availability-zone. */
export function describeSubnets(input: Paged & { SubnetIds?: string[] }, ctx: RequestContext) {
  const state = ec2State(ctx.world, ctx.accountId, ctx.region);
  const subnets = filtered(byIds(state.subnets, input.SubnetIds, ec2Errors.subnetNotFound), input.Filters, {
    'vpc-id': (s) => [s.vpcId],
    'subnet-id': (s) => [s.id],
    'availability-zone': (s) => [s.availabilityZone],
  });
  const page = paged(subnets, input, Boolean(input.SubnetIds?.length));
  return { Subnets: page.items.map((s) => subnetView(s, ctx)), NextToken: page.NextToken };
}

/** EC2's instance state codes (the API reference, InstanceState). */
const STATE_CODES: Record<Instance['state'], number> = { pending: 0, running: 16, stopping: 64, stopped: 80 };

function instanceView(i: Instance, groups: Map<string, SecurityGroup>) {
  return {
    InstanceId: i.id,
    InstanceType: i.instanceType,
    State: { Code: STATE_CODES[i.state], Name: i.state },
    VpcId: i.vpcId,
    SubnetId: i.subnetId,
    PrivateIpAddress: i.privateIpAddress,
    SecurityGroups: i.securityGroupIds.map((id) => ({ GroupId: id, GroupName: groups.get(id)?.name })),
    Tags: tagList(i.tags),
  };
}

/**
 * DescribeInstances: by InstanceIds (each must exist: InvalidInstanceID.NotFound; a malformed id:
 * InvalidInstanceID.Malformed), filters instance-id, vpc-id, subnet-id, instance-state-name, instance.group-id.
 * One reservation per instance (the sandbox launches none together).
 */
export function describeInstances(input: Paged & { InstanceIds?: string[] }, ctx: RequestContext) {
  const state = ec2State(ctx.world, ctx.accountId, ctx.region);
  for (const id of input.InstanceIds ?? []) if (!/^i-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id)) throw ec2Errors.instanceMalformed(id);
  const instances = filtered(byIds(state.instances, input.InstanceIds, ec2Errors.instanceNotFound), input.Filters, {
    'instance-id': (i) => [i.id],
    'vpc-id': (i) => [i.vpcId],
    'subnet-id': (i) => [i.subnetId],
    'instance-state-name': (i) => [i.state],
    'instance.group-id': (i) => i.securityGroupIds,
  });
  const page = paged(instances, input, Boolean(input.InstanceIds?.length));
  return {
    Reservations: page.items.map((i) => ({ ReservationId: `r-${i.id.slice(2)}`, OwnerId: ctx.accountId, Instances: [instanceView(i, state.securityGroups)] })),
    NextToken: page.NextToken,
  };
}

const samePorts = (a: IpPermission, b: IpPermission) => a.IpProtocol === b.IpProtocol && a.FromPort === b.FromPort && a.ToPort === b.ToPort;

/** The single sources of a rule (one CIDR, prefix list or group each), as keys: EC2 refuses a rule it already has. */
function sourcesOf(p: IpPermission): string[] {
  return [
    ...(p.IpRanges ?? []).map((r) => `cidr:${r.CidrIp}`),
    ...(p.Ipv6Ranges ?? []).map((r) => `cidr6:${r.CidrIpv6}`),
    ...(p.PrefixListIds ?? []).map((r) => `pl:${r.PrefixListId}`),
    ...(p.UserIdGroupPairs ?? []).map((r) => `sg:${r.GroupId}`),
  ];
}

/**
 * AuthorizeSecurityGroupIngress by GroupId with IpPermissions (what the aws CLI's --protocol/--port/--cidr/
 * --source-group build): the group and each referenced group must exist (InvalidGroup.NotFound), a rule the group
 * already has is InvalidPermission.Duplicate, and `tcp`/`udp` need a port range.
 */
export function authorizeSecurityGroupIngress(input: { GroupId?: string; IpPermissions?: IpPermission[] }, ctx: RequestContext) {
  const state = ec2State(ctx.world, ctx.accountId, ctx.region);
  const group = state.securityGroups.get(input.GroupId ?? '');
  if (!group) throw ec2Errors.groupNotFound(input.GroupId ?? '');
  const added: IpPermission[] = [];
  for (const p of input.IpPermissions ?? []) {
    const protocol = String(p.IpProtocol ?? '').toLowerCase();
    if (!protocol) throw ec2Errors.missingParameter('IpPermissions.IpProtocol');
    if ((protocol === 'tcp' || protocol === 'udp') && (p.FromPort === undefined || p.ToPort === undefined)) {
      throw ec2Errors.invalidParameter(`Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange`);
    }
    for (const pair of p.UserIdGroupPairs ?? []) if (!state.securityGroups.has(pair.GroupId)) throw ec2Errors.groupNotFound(pair.GroupId);
    const rule: IpPermission = { ...p, IpProtocol: protocol, ...(protocol === '-1' ? { FromPort: undefined, ToPort: undefined } : {}) };
    const existing = new Set(group.ingress.filter((r) => samePorts(r, rule)).flatMap(sourcesOf));
    const duplicate = sourcesOf(rule).find((source) => existing.has(source));
    if (duplicate) throw ec2Errors.duplicatePermission(group.id, rule, duplicate.replace(/^\w+:/, ''));
    added.push(rule);
  }
  group.ingress.push(...added);
  return { Return: true };
}
