// EC2 in the sandbox (the ec2Query protocol): the real SDK client and the real aws CLI read the scenario's VPCs,
// subnets and security groups; IAM is enforced from the Service Authorization Reference like every service.
import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  paginateDescribeSecurityGroups,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, issueUserKey } from '../../sandbox/core/iam-state.ts';
import {
  COMPANY_ACCOUNT,
  COMPANY_REGION,
  DEV_RELAY,
  DEV_RELAY_ADDRESS,
  DEV_RELAY_SECURITY_GROUP,
  DEV_SEARCH_SUBNETS,
  DEV_SECURITY_GROUP,
  DEV_VPC,
  PROD_VPC,
} from '../../sandbox/scenario/index.ts';
import { ec2State } from '../../sandbox/services/ec2/state.ts';
import { hasAwsCli, runAwsCli } from '../support/awscli.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
let ec2: EC2Client;
beforeAll(async () => {
  sb = await startTestSandbox();
  ec2 = new EC2Client(sb.config());
});
afterAll(() => sb?.close());

/** A user whose only policy allows `actions` on `*`. */
function userAllowed(name: string, actions: string[]) {
  const user = createUser(sb.world, COMPANY_ACCOUNT, name, [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] }]);
  const key = issueUserKey(sb.world, user);
  return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
}

describe('EC2 in the sandbox', () => {
  it('describes the seeded security groups by id, by VPC and page by page', async () => {
    const byId = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [DEV_SECURITY_GROUP] }));
    expect(byId.SecurityGroups).toEqual([
      expect.objectContaining({ GroupId: DEV_SECURITY_GROUP, GroupName: 'snapclone-dev', VpcId: DEV_VPC, OwnerId: COMPANY_ACCOUNT, Tags: [{ Key: 'Name', Value: 'snapclone-dev' }] }),
    ]);
    const inDev = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [DEV_VPC] }] }));
    expect(inDev.SecurityGroups!.map((g) => g.GroupName).sort()).toEqual(['default', 'snapclone-dev', 'snapclone-relay']);
    const all = [];
    for await (const page of paginateDescribeSecurityGroups({ client: ec2, pageSize: 5 }, {})) all.push(...(page.SecurityGroups ?? []));
    expect(all.length).toBeGreaterThanOrEqual(5);
    expect(new Set(all.map((g) => g.GroupId)).size).toBe(all.length);
  });

  it("describes the groups' rules: the copies' ports from the relay's group, a default group's own members, all traffic out", async () => {
    const out = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [DEV_SECURITY_GROUP, 'sg-0dev0000000000def'] }));
    const dev = out.SecurityGroups!.find((g) => g.GroupId === DEV_SECURITY_GROUP)!;
    expect(dev.IpPermissions!.map((r) => `${r.IpProtocol}/${r.FromPort}-${r.ToPort} ${r.UserIdGroupPairs!.map((p) => p.GroupId).join()}`)).toEqual(
      [443, 3306, 5432, 6379].map((port) => `tcp/${port}-${port} ${DEV_RELAY_SECURITY_GROUP}`),
    );
    expect(dev.IpPermissionsEgress).toEqual([expect.objectContaining({ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] })]);
    const byDefault = out.SecurityGroups!.find((g) => g.GroupName === 'default')!;
    expect(byDefault.IpPermissions).toEqual([expect.objectContaining({ IpProtocol: '-1', UserIdGroupPairs: [expect.objectContaining({ GroupId: 'sg-0dev0000000000def' })] })]);
  });

  it('describes the relay instance (its VPC, address and groups), and refuses an unknown or malformed instance id', async () => {
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [DEV_RELAY] }));
    expect(out.Reservations).toHaveLength(1);
    expect(out.Reservations![0].Instances![0]).toMatchObject({
      InstanceId: DEV_RELAY,
      VpcId: DEV_VPC,
      PrivateIpAddress: DEV_RELAY_ADDRESS,
      State: { Code: 16, Name: 'running' },
      SecurityGroups: [{ GroupId: DEV_RELAY_SECURITY_GROUP, GroupName: 'snapclone-relay' }],
    });
    const inGroup = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance.group-id', Values: [DEV_SECURITY_GROUP] }] }));
    expect(inGroup.Reservations).toEqual([]);
    await expect(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0000000000000dead'] }))).rejects.toMatchObject({ name: 'InvalidInstanceID.NotFound' });
    await expect(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['relay'] }))).rejects.toMatchObject({ name: 'InvalidInstanceID.Malformed' });
  });

  it('adds an inbound rule (AuthorizeSecurityGroupIngress), refuses it twice and a rule naming a missing group', async () => {
    const prod = 'sg-0prod000000000def';
    const rule = { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '10.8.0.0/22' }] };
    const before = structuredClone(ec2State(sb.world, COMPANY_ACCOUNT, COMPANY_REGION).securityGroups.get(prod)!.ingress);
    try {
      await expect(ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: prod, IpPermissions: [rule] }))).resolves.toMatchObject({ Return: true });
      const out = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [prod] }));
      expect(out.SecurityGroups![0].IpPermissions).toContainEqual(expect.objectContaining({ IpProtocol: 'tcp', FromPort: 5432, IpRanges: [{ CidrIp: '10.8.0.0/22' }] }));
      await expect(ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: prod, IpPermissions: [rule] }))).rejects.toMatchObject({ name: 'InvalidPermission.Duplicate' });
      await expect(
        ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: prod, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 1, ToPort: 1, UserIdGroupPairs: [{ GroupId: 'sg-0000000000000dead' }] }] })),
      ).rejects.toMatchObject({ name: 'InvalidGroup.NotFound' });
    } finally {
      ec2State(sb.world, COMPANY_ACCOUNT, COMPANY_REGION).securityGroups.get(prod)!.ingress = before;
    }
  });

  it('describes the VPCs and the development subnets', async () => {
    const vpcs = await ec2.send(new DescribeVpcsCommand({}));
    expect(vpcs.Vpcs!.map((v) => v.VpcId)).toEqual(expect.arrayContaining([DEV_VPC, PROD_VPC]));
    expect(vpcs.Vpcs!.find((v) => v.VpcId === DEV_VPC)).toMatchObject({ IsDefault: false, State: 'available', CidrBlock: '10.1.0.0/16' });
    const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [DEV_VPC] }] }));
    expect(subnets.Subnets!.map((s) => s.SubnetId).sort()).toEqual([...DEV_SEARCH_SUBNETS].sort());
  });

  it("answers EC2's own errors: an unknown group, an unknown filter", async () => {
    await expect(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-0000000000000dead'] }))).rejects.toMatchObject({
      name: 'InvalidGroup.NotFound',
      message: "The security group 'sg-0000000000000dead' does not exist",
      $metadata: { httpStatusCode: 400 },
    });
    await expect(ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'colour', Values: ['blue'] }] }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('enforces IAM: UnauthorizedOperation without ec2:DescribeSecurityGroups, and AuthFailure for an unknown key', async () => {
    const reader = new EC2Client({ ...sb.config(), credentials: userAllowed('vpc-reader', ['ec2:DescribeVpcs']) });
    await expect(reader.send(new DescribeVpcsCommand({}))).resolves.toMatchObject({ Vpcs: expect.any(Array) });
    await expect(reader.send(new DescribeSecurityGroupsCommand({}))).rejects.toMatchObject({
      name: 'UnauthorizedOperation',
      message: expect.stringContaining('is not authorized to perform: ec2:DescribeSecurityGroups'),
      $metadata: { httpStatusCode: 403 },
    });
    const stranger = new EC2Client({ ...sb.config(), credentials: { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x'.repeat(40) } });
    await expect(stranger.send(new DescribeVpcsCommand({}))).rejects.toMatchObject({ name: 'AuthFailure', $metadata: { httpStatusCode: 401 } });
  });

  it.skipIf(!hasAwsCli)('answers the real aws CLI (its own ec2Query serializer and parser)', async () => {
    const out = await runAwsCli(sb.url, ['ec2', 'describe-security-groups', '--group-ids', DEV_SECURITY_GROUP], sb.scenario.admin);
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ SecurityGroups: [{ GroupId: DEV_SECURITY_GROUP, GroupName: 'snapclone-dev', VpcId: DEV_VPC }] });
    const missing = await runAwsCli(sb.url, ['ec2', 'describe-security-groups', '--group-ids', 'sg-0000000000000dead'], sb.scenario.admin);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('InvalidGroup.NotFound');
  });
});
