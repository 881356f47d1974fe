import type { World } from '../core/world.ts';
import { addInstance, addSecurityGroup, addSubnet, addVpc, ec2State, type IpPermission } from '../services/ec2/state.ts';
import { rdsState } from '../services/rds/state.ts';
import { elasticacheState } from '../services/elasticache/state.ts';
import {
  COMPANY_ACCOUNT,
  COMPANY_REGION,
  DEV_RELAY,
  DEV_RELAY_ADDRESS,
  DEV_RELAY_SECURITY_GROUP,
  DEV_SECURITY_GROUP,
  DEV_VPC,
  PROD_CACHES,
  PROD_CLUSTERS,
  PROD_DATABASES,
  PROD_VPC,
} from './constants.ts';
import { DEFAULT_SECURITY_GROUP, DEFAULT_VPC, PROD_SECURITY_GROUP } from './databases.ts';

/** What EC2 calls each seeded VPC (its Name tag) and its CIDR block. */
const VPCS: Record<string, { name: string; cidr: string }> = {
  [DEFAULT_VPC]: { name: 'default', cidr: '172.31.0.0/16' },
  [PROD_VPC]: { name: 'production', cidr: '10.0.0.0/16' },
  [DEV_VPC]: { name: 'development', cidr: '10.1.0.0/16' },
};

/** The seeded security groups' names and descriptions (each VPC's own default group is named `default`). */
const GROUPS: Record<string, { name: string; description: string }> = {
  [DEFAULT_SECURITY_GROUP]: { name: 'default', description: 'default VPC security group' },
  [PROD_SECURITY_GROUP]: { name: 'prod-db', description: 'Production databases: the application servers only' },
  [DEV_SECURITY_GROUP]: { name: 'snapclone-dev', description: 'snapclone development copies: the development network only' },
};

/** The engine ports of the development copies (those of the sources they are restored from; OpenSearch: HTTPS). */
const DEV_PORTS = [...new Set<number>([...PROD_DATABASES.map((d) => d.port), ...PROD_CLUSTERS.map((c) => c.port), ...PROD_CACHES.map((c) => c.port), 443])].sort((a, b) => a - b);

/** What each seeded group admits: the copies' ports from the relay's group only; a default group, its own members (as EC2 creates it). */
function ingressOf(id: string, name: string): IpPermission[] {
  if (id === DEV_SECURITY_GROUP) {
    return DEV_PORTS.map((port) => ({ IpProtocol: 'tcp', FromPort: port, ToPort: port, UserIdGroupPairs: [{ GroupId: DEV_RELAY_SECURITY_GROUP, UserId: COMPANY_ACCOUNT, Description: 'snapclone relay' }] }));
  }
  return name === 'default' ? [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: id, UserId: COMPANY_ACCOUNT }] }] : [];
}

/**
 * Seeds EC2 with the company's network as the other services already refer to it: the VPCs and security groups
 * RDS validates placements against, the subnets of the DB and cache subnet groups (DEV_SEARCH_SUBNETS are the
 * development ones). Read from those services' seeded state, so that EC2 and they can never disagree.
 */
export function seedNetwork(world: World): void {
  const rds = rdsState(world, COMPANY_ACCOUNT, COMPANY_REGION);
  const cache = elasticacheState(world, COMPANY_ACCOUNT, COMPANY_REGION);
  for (const vpc of rds.vpcs.values()) {
    const known = VPCS[vpc.id] ?? { name: vpc.id, cidr: '10.255.0.0/16' };
    addVpc(world, COMPANY_ACCOUNT, COMPANY_REGION, { id: vpc.id, cidrBlock: known.cidr, isDefault: vpc.isDefault, tags: { Name: known.name } });
  }
  for (const [id, vpcId] of rds.securityGroups) {
    const known = GROUPS[id] ?? { name: 'default', description: 'default VPC security group' };
    addSecurityGroup(world, COMPANY_ACCOUNT, COMPANY_REGION, { id, vpcId, ...known, ingress: ingressOf(id, known.name), tags: known.name === 'default' ? {} : { Name: known.name } });
  }
  // The relay's group admits nothing inbound: the SSM agent connects out to Session Manager.
  addSecurityGroup(world, COMPANY_ACCOUNT, COMPANY_REGION, {
    id: DEV_RELAY_SECURITY_GROUP,
    vpcId: DEV_VPC,
    name: 'snapclone-relay',
    description: 'snapclone relay: Session Manager port forwarding to development copies',
    tags: { Name: 'snapclone-relay' },
  });
  // A subnet belongs to several groups (the dev DB and cache groups share theirs): each is added once.
  const subnets = new Map([...rds.subnetGroups.values(), ...cache.subnetGroups.values()].flatMap((g) => g.subnets.map((s) => [s.id, { ...s, vpcId: g.vpcId }])));
  const perVpc = new Map<string, number>();
  for (const s of subnets.values()) {
    const n = perVpc.get(s.vpcId) ?? 0;
    perVpc.set(s.vpcId, n + 1);
    const prefix = (VPCS[s.vpcId]?.cidr ?? '10.255.0.0/16').split('.').slice(0, 2).join('.');
    addSubnet(world, COMPANY_ACCOUNT, COMPANY_REGION, { id: s.id, vpcId: s.vpcId, availabilityZone: s.az, cidrBlock: `${prefix}.${n * 16}.0/20` });
  }
  // The relay sits in the development VPC's first subnet (10.1.0.0/20).
  const firstDevSubnet = [...ec2State(world, COMPANY_ACCOUNT, COMPANY_REGION).subnets.values()].find((s) => s.vpcId === DEV_VPC && s.cidrBlock === '10.1.0.0/20');
  addInstance(world, COMPANY_ACCOUNT, COMPANY_REGION, {
    id: DEV_RELAY,
    vpcId: DEV_VPC,
    subnetId: firstDevSubnet?.id ?? '',
    privateIpAddress: DEV_RELAY_ADDRESS,
    instanceType: 't4g.nano',
    securityGroupIds: [DEV_RELAY_SECURITY_GROUP],
    state: 'running',
    tags: { Name: 'snapclone-relay' },
  });
}
