import { DescribeInstancesCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand, EC2Client, type IpPermission, type SecurityGroup } from '@aws-sdk/client-ec2';
import { DescribeCacheSubnetGroupsCommand, DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, DescribeDBSubnetGroupsCommand, RDSClient } from '@aws-sdk/client-rds';
import { explain } from '../cli/errors.ts';
import type { Context } from '../core/context.ts';
import { enginesIn } from '../engines/index.ts';
import type { TargetRef } from '../engines/types.ts';
import type { Check } from './doctor.ts';

/**
 * doctor's network check (docs/reaching-clones.md): per engine, the placement's security groups exist, sit in the
 * VPC of the placement's subnets, and admit the configured path on the engine's port — the relay's group or
 * address with `connect.relay`, else the sources they admit are named so the team can see whether its VPN or
 * runners are among them. Security groups are stateful, so only the clones' inbound rules matter here.
 */

type EngineName = 'rds' | 'aurora' | 'elasticache' | 'opensearch';

interface Relay {
  id: string;
  vpcId?: string;
  address?: string;
  groupIds: string[];
}

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);

/** OpenSearch domains answer HTTPS only. */
const OPENSEARCH_PORT = 443;

function placementGroups(target: TargetRef, engine: EngineName): string[] {
  return target.config[engine]?.securityGroupIds ?? [];
}

/** The VPC of the placement's subnets: its subnet group's (RDS, Aurora, ElastiCache) or its subnets' (OpenSearch). */
async function placementVpc(ctx: Context, target: TargetRef, engine: EngineName): Promise<string | undefined> {
  const clients = ctx.clients(target.name);
  switch (engine) {
    case 'rds':
    case 'aurora': {
      const name = target.config[engine]!.subnetGroup;
      return (await clients.of(RDSClient).send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: name }))).DBSubnetGroups?.[0]?.VpcId;
    }
    case 'elasticache': {
      const name = target.config.elasticache!.subnetGroup;
      return (await clients.of(ElastiCacheClient).send(new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: name }))).CacheSubnetGroups?.[0]?.VpcId;
    }
    case 'opensearch': {
      const out = await clients.of(EC2Client).send(new DescribeSubnetsCommand({ SubnetIds: target.config.opensearch!.subnetIds }));
      return out.Subnets?.[0]?.VpcId;
    }
  }
}

/**
 * The ports the engine's clones listen on: a restore keeps the source's port (RestoreDBInstanceFromDBSnapshot,
 * RestoreDBClusterFromSnapshot: "Default: the same port as the original"; snapclone's ElastiCache restore passes
 * the snapshot's), so they are the target's sources' ports. A source that cannot be read is left out: its own
 * checks say why.
 */
async function clonePorts(ctx: Context, target: TargetRef, engine: EngineName): Promise<number[]> {
  if (engine === 'opensearch') return [OPENSEARCH_PORT];
  const clients = ctx.clients(target.name);
  const sources = Object.values(ctx.config.sources).filter(
    (s) => s.engine === engine && s.account === target.config.account && s.region === target.config.region,
  );
  const ports = await Promise.all(
    sources.map(async (s): Promise<number | undefined> => {
      try {
        if (engine === 'rds') return (await clients.of(RDSClient).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: s.id }))).DBInstances?.[0]?.Endpoint?.Port;
        if (engine === 'aurora') return (await clients.of(RDSClient).send(new DescribeDBClustersCommand({ DBClusterIdentifier: s.id }))).DBClusters?.[0]?.Port;
        const group = (await clients.of(ElastiCacheClient).send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: s.id }))).ReplicationGroups?.[0];
        return (group?.ConfigurationEndpoint ?? group?.NodeGroups?.[0]?.PrimaryEndpoint)?.Port;
      } catch {
        return undefined;
      }
    }),
  );
  return [...new Set(ports.filter((p): p is number => p !== undefined))].sort((a, b) => a - b);
}

/** Whether a rule covers TCP on `port` (protocol `-1` is all traffic; `6` is TCP's number). */
function coversTcp(rule: IpPermission, port: number): boolean {
  const protocol = String(rule.IpProtocol ?? '').toLowerCase();
  if (protocol === '-1') return true;
  if (protocol !== 'tcp' && protocol !== '6') return false;
  return (rule.FromPort ?? 0) <= port && port <= (rule.ToPort ?? 65535);
}

const ipv4 = (address: string) => address.split('.').reduce((n, part) => n * 256 + Number(part), 0);

/** Whether an IPv4 CIDR block contains an address. */
export function cidrContains(cidr: string, address: string): boolean {
  const [base, bits] = cidr.split('/');
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(base ?? '') || !/^\d+\.\d+\.\d+\.\d+$/.test(address)) return false;
  const size = 2 ** (32 - Number(bits ?? 32));
  return Math.floor(ipv4(base) / size) === Math.floor(ipv4(address) / size);
}

/** A rule's source with the description the team gave it ("Client VPN"), which says what it is. */
const described = (source: string | undefined, description: string | undefined) => (source && description ? `${source} (${description})` : source ?? '');

/** Every source the rules admit on TCP `port`, as text: CIDRs, prefix lists, groups (`itself` for a group's own members). */
function admittedSources(groups: SecurityGroup[], port: number): string[] {
  const sources = groups.flatMap((g) =>
    (g.IpPermissions ?? [])
      .filter((r) => coversTcp(r, port))
      .flatMap((r) => [
        ...(r.IpRanges ?? []).map((x) => described(x.CidrIp, x.Description)),
        ...(r.Ipv6Ranges ?? []).map((x) => described(x.CidrIpv6, x.Description)),
        ...(r.PrefixListIds ?? []).map((x) => described(`prefix list ${x.PrefixListId}`, x.Description)),
        ...(r.UserIdGroupPairs ?? []).map((x) => (x.GroupId === g.GroupId ? `${x.GroupId} (its own members)` : described(`group ${x.GroupId}`, x.Description))),
      ]),
  );
  return [...new Set(sources.filter(Boolean))];
}

/** Whether the rules admit the relay on TCP `port`: a rule naming one of its groups, or a CIDR holding its address. */
function admitsRelay(groups: SecurityGroup[], port: number, relay: Relay): boolean {
  return groups.some((g) =>
    (g.IpPermissions ?? []).some(
      (r) =>
        coversTcp(r, port) &&
        ((r.UserIdGroupPairs ?? []).some((x) => x.GroupId !== undefined && relay.groupIds.includes(x.GroupId)) ||
          (relay.address !== undefined && (r.IpRanges ?? []).some((x) => x.CidrIp !== undefined && cidrContains(x.CidrIp, relay.address!)))),
    ),
  );
}

/** The aws CLI line that adds the missing rule. */
function authorizeLine(region: string, groupId: string, port: number, source: string): string {
  const from = source.startsWith('sg-') ? `--source-group ${source}` : `--cidr ${source}`;
  return `aws ec2 authorize-security-group-ingress --region ${region} --group-id ${groupId} --protocol tcp --port ${port} ${from}`;
}

async function readGroups(ctx: Context, target: TargetRef, ids: string[]): Promise<SecurityGroup[]> {
  // By the group-id filter, not GroupIds: a missing group is then left out instead of failing the whole call
  // (InvalidGroup.NotFound), so every missing one is named.
  const groups: SecurityGroup[] = [];
  let token: string | undefined;
  do {
    const out = await ctx.clients(target.name).of(EC2Client).send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-id', Values: ids }], NextToken: token }));
    groups.push(...(out.SecurityGroups ?? []));
    token = out.NextToken;
  } while (token);
  return groups;
}

async function readRelay(ctx: Context, target: TargetRef, id: string): Promise<Relay> {
  const out = await ctx.clients(target.name).of(EC2Client).send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  const instance = out.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === id);
  return {
    id,
    vpcId: instance?.VpcId,
    address: instance?.PrivateIpAddress,
    groupIds: (instance?.SecurityGroups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
  };
}

/** A failed read as a check: a missing permission says which statement to apply, anything else what AWS said. */
function unreadable(target: TargetRef, check: string, what: string, error: unknown, action: string): Check {
  const e = explain(error);
  const name = (error as { Code?: string; name?: string }).Code ?? (error as { name?: string }).name ?? '';
  return {
    target: target.name,
    check,
    ok: false,
    detail: `cannot read ${what}: ${e.message}`,
    fix: ACCESS_DENIED.has(name)
      ? `Apply the policy of snapclone iam policy --target ${target.name} to the role: it allows ${action}.`
      : e.hint ?? `Check targets.${target.name}.`,
  };
}

/** One line: the engine's placement groups against its VPC and the configured path. */
function judge(target: TargetRef, engine: EngineName, check: string, vpc: string | undefined, found: SecurityGroup[], ports: number[], relay: Relay | undefined): Check {
  const key = `targets.${target.name}.${engine}.securityGroupIds`;
  const configured = placementGroups(target, engine);
  const missing = configured.filter((id) => !found.some((g) => g.GroupId === id));
  if (missing.length > 0) {
    return { target: target.name, check, ok: false, detail: `security group(s) ${missing.join(', ')} do not exist in ${target.config.account} ${target.config.region}`, fix: `Name existing groups of ${vpc ?? 'the placement VPC'} in ${key}.` };
  }
  const groups = configured.map((id) => found.find((g) => g.GroupId === id)!);
  const elsewhere = groups.filter((g) => vpc !== undefined && g.VpcId !== vpc);
  if (elsewhere.length > 0) {
    return {
      target: target.name,
      check,
      ok: false,
      detail: `${elsewhere.map((g) => `${g.GroupId} is in ${g.VpcId}`).join('; ')}, but the placement's subnets are in ${vpc}: AWS refuses to place a clone so`,
      fix: `Name groups of ${vpc} in ${key}.`,
    };
  }
  const names = groups.map((g) => g.GroupId).join(', ');
  if (ports.length === 0) {
    return { target: target.name, check, ok: true, warning: true, detail: `${names} in ${vpc}; no source of this engine could be read for the clones' port, so what the groups admit is not checked` };
  }
  const region = target.config.region;
  if (relay) {
    const closed = ports.filter((port) => !admitsRelay(groups, port, relay));
    const source = relay.groupIds[0] ?? (relay.address ? `${relay.address}/32` : undefined);
    const otherVpc = relay.vpcId && vpc && relay.vpcId !== vpc ? `; the relay is in ${relay.vpcId}, not ${vpc}: it needs a route (peering, Transit Gateway) to the clones` : '';
    if (closed.length === 0) {
      return { target: target.name, check, ok: true, warning: otherVpc !== '', detail: `${names} in ${vpc} admit the relay ${relay.id} (${relay.groupIds.join(', ') || relay.address}) on tcp ${ports.join(', ')}${otherVpc}` };
    }
    return {
      target: target.name,
      check,
      ok: false,
      detail: `${names} do not admit the relay ${relay.id} (${[...relay.groupIds, relay.address].filter(Boolean).join(', ')}) on tcp ${closed.join(', ')}: snapclone connect cannot reach the clones${otherVpc}`,
      fix: source
        ? closed.map((port) => authorizeLine(region, groups[0].GroupId!, port, source)).join(' ; ')
        : `Give the relay ${relay.id} a security group and admit it on tcp ${closed.join(', ')} in ${groups[0].GroupId}.`,
    };
  }
  const byPort = ports.map((port) => ({ port, sources: admittedSources(groups, port) }));
  const closed = byPort.filter((p) => p.sources.length === 0).map((p) => p.port);
  const open = byPort.filter((p) => p.sources.some((s) => s === '0.0.0.0/0' || s === '::/0')).map((p) => p.port);
  const said = byPort.filter((p) => p.sources.length > 0).map((p) => `tcp ${p.port} from ${p.sources.join(', ')}`).join('; ');
  if (closed.length > 0) {
    return {
      target: target.name,
      check,
      ok: false,
      detail: `${names} admit nothing on tcp ${closed.join(', ')}: no path reaches the clones${said ? ` (${said})` : ''}`,
      fix: `Admit your path (docs/reaching-clones.md), e.g. ${closed.map((port) => authorizeLine(region, groups[0].GroupId!, port, '<your VPN client CIDR>')).join(' ; ')} (or --source-group <your runners' group>).`,
    };
  }
  return {
    target: target.name,
    check,
    ok: true,
    warning: open.length > 0,
    detail: `${names} in ${vpc} admit ${said}${open.length > 0 ? `; tcp ${open.join(', ')} is open to any address` : ''}: check that your VPN or runners are among these`,
  };
}

/** The network check of every engine of the target (one line each), after one read of the groups and the relay. */
export async function checkSecurityGroups(ctx: Context, target: TargetRef): Promise<Check[]> {
  const engines = enginesIn(target).map((e) => e.name as EngineName);
  if (engines.length === 0) return [];
  const label = (engine: EngineName) => (engines.length > 1 ? `security groups (${engine})` : 'security groups');
  const ids = [...new Set(engines.flatMap((e) => placementGroups(target, e)))];
  let found: SecurityGroup[];
  try {
    found = await readGroups(ctx, target, ids);
  } catch (error) {
    return [unreadable(target, 'security groups', `the placement's security groups ${ids.join(', ')}`, error, 'ec2:DescribeSecurityGroups')];
  }
  let relay: Relay | undefined;
  const relayId = target.config.connect?.relay;
  if (relayId) {
    try {
      relay = await readRelay(ctx, target, relayId);
    } catch (error) {
      if ((error as { name?: string }).name === 'InvalidInstanceID.NotFound') {
        const detail = `the relay ${relayId} does not exist in ${target.config.account} ${target.config.region}`;
        return [{ target: target.name, check: 'security groups', ok: false, detail, fix: `Check targets.${target.name}.connect.relay.` }];
      }
      return [unreadable(target, 'security groups', `the relay ${relayId} in EC2`, error, 'ec2:DescribeInstances')];
    }
  }
  return Promise.all(
    engines.map(async (engine) => {
      let vpc: string | undefined;
      try {
        vpc = await placementVpc(ctx, target, engine);
      } catch (error) {
        const action = { rds: 'rds:DescribeDBSubnetGroups', aurora: 'rds:DescribeDBSubnetGroups', elasticache: 'elasticache:DescribeCacheSubnetGroups', opensearch: 'ec2:DescribeSubnets' }[engine];
        return unreadable(target, label(engine), `the ${engine} placement's subnets`, error, action);
      }
      return judge(target, engine, label(engine), vpc, found, await clonePorts(ctx, target, engine), relay);
    }),
  );
}
