// EC2 in the sandbox (the ec2Query protocol): the real SDK client and the real aws CLI read the scenario's VPCs,
// subnets and security groups; IAM is enforced from the Service Authorization Reference like every service.
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client, paginateDescribeSecurityGroups } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, issueUserKey } from '../../sandbox/core/iam-state.ts';
import { COMPANY_ACCOUNT, DEV_SEARCH_SUBNETS, DEV_SECURITY_GROUP, DEV_VPC, PROD_VPC } from '../../sandbox/scenario/index.ts';
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
    expect(inDev.SecurityGroups!.map((g) => g.GroupName).sort()).toEqual(['default', 'snapclone-dev']);
    const all = [];
    for await (const page of paginateDescribeSecurityGroups({ client: ec2, pageSize: 5 }, {})) all.push(...(page.SecurityGroups ?? []));
    expect(all.length).toBeGreaterThanOrEqual(5);
    expect(new Set(all.map((g) => g.GroupId)).size).toBe(all.length);
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
