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

/** A VPC security group (rules are not modelled: nothing in the sandbox routes traffic by them yet). */
export interface SecurityGroup {
  id: string;
  name: string;
  description: string;
  vpcId: string;
  tags: Record<string, string>;
}

/** EC2's network of one account and region: VPCs, subnets and security groups, by id. */
export interface Ec2State {
  vpcs: Map<string, Vpc>;
  subnets: Map<string, Subnet>;
  securityGroups: Map<string, SecurityGroup>;
}

export function ec2State(world: World, accountId: string, region: string): Ec2State {
  return world.state<Ec2State>('ec2', accountId, region, () => ({ vpcs: new Map(), subnets: new Map(), securityGroups: new Map() }));
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
  group: Omit<SecurityGroup, 'tags'> & { tags?: Record<string, string> },
): void {
  ec2State(world, accountId, region).securityGroups.set(group.id, { tags: {}, ...group });
}
