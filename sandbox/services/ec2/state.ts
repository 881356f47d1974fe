import type { World } from '../../core/world.ts';

/** A VPC as EC2 describes it. */
export interface Vpc {
  id: string;
  cidrBlock: string;
  isDefault: boolean;
  tags: Record<string, string>;
}

export interface Subnet {
  id: string;
  vpcId: string;
  availabilityZone: string;
  cidrBlock: string;
  tags: Record<string, string>;
}

/**
 * One rule of a security group, as EC2's IpPermission spells it: a protocol (`tcp`, `udp`, `icmp`, or `-1` for all
 * traffic, whose ports are then absent), a port range, and the sources (inbound) or destinations (outbound) it admits.
 * Rules are recorded and described; nothing in the sandbox routes traffic by them.
 */
export interface IpPermission {
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges?: { CidrIp: string; Description?: string }[];
  Ipv6Ranges?: { CidrIpv6: string; Description?: string }[];
  PrefixListIds?: { PrefixListId: string; Description?: string }[];
  UserIdGroupPairs?: { GroupId: string; UserId?: string; Description?: string }[];
}

/** A VPC security group with its inbound and outbound rules. */
export interface SecurityGroup {
  id: string;
  name: string;
  description: string;
  vpcId: string;
  ingress: IpPermission[];
  egress: IpPermission[];
  tags: Record<string, string>;
}

/** An EC2 instance, as far as snapclone reads one (the relay): where it sits and which groups it carries. */
export interface Instance {
  id: string;
  vpcId: string;
  subnetId: string;
  privateIpAddress: string;
  instanceType: string;
  securityGroupIds: string[];
  state: 'pending' | 'running' | 'stopping' | 'stopped';
  tags: Record<string, string>;
}

/** What EC2 puts in every new group: all outbound traffic allowed (the EC2 User Guide, "Security group rules"). */
export const DEFAULT_EGRESS: IpPermission[] = [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];

/** EC2's network of one account and region: VPCs, subnets and security groups, by id. */
export interface Ec2State {
  vpcs: Map<string, Vpc>;
  subnets: Map<string, Subnet>;
  securityGroups: Map<string, SecurityGroup>;
  instances: Map<string, Instance>;
}

export function ec2State(world: World, accountId: string, region: string): Ec2State {
  return world.state<Ec2State>('ec2', accountId, region, () => ({ vpcs: new Map(), subnets: new Map(), securityGroups: new Map(), instances: new Map() }));
}

export const securityGroupArn = (region: string, account: string, id: string) => `arn:aws:ec2:${region}:${account}:security-group/${id}`;
export const subnetArn = (region: string, account: string, id: string) => `arn:aws:ec2:${region}:${account}:subnet/${id}`;

/** Adds (or replaces) network pieces: what a scenario seeds, and what tests add. */
export function addVpc(world: World, accountId: string, region: string, vpc: Omit<Vpc, 'tags'> & { tags?: Record<string, string> }): void {
  ec2State(world, accountId, region).vpcs.set(vpc.id, { tags: {}, ...vpc });
}

export function addSubnet(world: World, accountId: string, region: string, subnet: Omit<Subnet, 'tags'> & { tags?: Record<string, string> }): void {
  ec2State(world, accountId, region).subnets.set(subnet.id, { tags: {}, ...subnet });
}

export function addSecurityGroup(
  world: World,
  accountId: string,
  region: string,
  group: Omit<SecurityGroup, 'tags' | 'ingress' | 'egress'> & Partial<Pick<SecurityGroup, 'tags' | 'ingress' | 'egress'>>,
): void {
  ec2State(world, accountId, region).securityGroups.set(group.id, { tags: {}, ingress: [], egress: structuredClone(DEFAULT_EGRESS), ...group });
}

export function addInstance(world: World, accountId: string, region: string, instance: Omit<Instance, 'tags'> & { tags?: Record<string, string> }): void {
  ec2State(world, accountId, region).instances.set(instance.id, { tags: {}, ...instance });
}
