// doctor's security groups check against the sandbox (IAM enforced under the generated policy): the placement's
// groups exist, sit in the placement's VPC and admit the configured path on the clones' ports — the relay's group
// with connect.relay, else the sources they admit are named; a group that admits nothing says the exact
// `aws ec2 authorize-security-group-ingress` line, which, run, makes the check pass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorizeSecurityGroupIngressCommand, EC2Client } from '@aws-sdk/client-ec2';
import * as doctor from '../../src/commands/doctor.ts';
import type { Check } from '../../src/commands/doctor.ts';
import type { Config } from '../../src/config/schema.ts';
import type { PolicyDocument } from '../../sandbox/core/iam.ts';
import { generatedOperatorPolicies } from '../../sandbox/scenario/iam.ts';
import {
  arn,
  COMPANY_ACCOUNT,
  COMPANY_REGION,
  DEV_RELAY_ADDRESS,
  DEV_RELAY_SECURITY_GROUP,
  DEV_SECURITY_GROUP,
  DEV_VPC,
  OPERATOR_ROLE,
  PROD_VPC,
} from '../../sandbox/scenario/constants.ts';
import { PROD_SECURITY_GROUP } from '../../sandbox/scenario/databases.ts';
import { ec2State, type IpPermission } from '../../sandbox/services/ec2/state.ts';
import { hasAwsCli, runAwsCli } from '../support/awscli.ts';
import { RELAY, relayOperatorPolicies, withRelay } from '../support/relay.ts';
import { startCli, type TestCli } from './support.ts';

let cli: TestCli;
const operator = () => cli.sb.world.roles.get(arn.role(OPERATOR_ROLE))!;
const devGroup = () => ec2State(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION).securityGroups.get(DEV_SECURITY_GROUP)!;
let seededRules: IpPermission[];

beforeAll(async () => {
  cli = await startCli();
  seededRules = structuredClone(devGroup().ingress);
}, 120_000);
afterAll(() => cli?.close());

/** Each test leaves the seeded rules and the scenario's policy as it found them. */
async function restoring<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } finally {
    devGroup().ingress = structuredClone(seededRules);
    operator().policies = generatedOperatorPolicies();
  }
}

async function groupChecks(config?: (c: Config) => Config) {
  const { ctx, calls } = cli.context({ config });
  const result = await doctor.run({}, ctx);
  const checks = (result.json as { checks: Check[] }).checks.filter((c) => c.check.startsWith('security groups'));
  return { checks, calls, exitCode: result.exitCode, of: (engine: string) => checks.find((c) => c.check === `security groups (${engine})`)! };
}

/** Runs a fix line as the administrator: with the real aws CLI where installed, else as the CLI sends it (secgroupsimplify). */
async function apply(line: string): Promise<void> {
  const args = line.trim().split(/\s+/);
  expect(args.slice(0, 3)).toEqual(['aws', 'ec2', 'authorize-security-group-ingress']);
  if (hasAwsCli) {
    const out = await runAwsCli(cli.sb.url, args.slice(1), cli.sb.scenario.admin);
    expect(out.code, out.stderr).toBe(0);
    return;
  }
  const option = (name: string) => args[args.indexOf(name) + 1];
  const port = Number(option('--port'));
  const source = args.includes('--source-group') ? { UserIdGroupPairs: [{ GroupId: option('--source-group') }] } : { IpRanges: [{ CidrIp: option('--cidr') }] };
  const ec2 = new EC2Client(cli.sb.config());
  await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: option('--group-id'), IpPermissions: [{ IpProtocol: option('--protocol'), FromPort: port, ToPort: port, ...source }] }));
  ec2.destroy();
}

const withRdsGroups = (ids: string[]) => (c: Config) => ({ ...c, targets: { ...c.targets, dev: { ...c.targets.dev, rds: { ...c.targets.dev.rds!, securityGroupIds: ids } } } });

describe('doctor: the placement security groups and the relay', () => {
  it("finds the relay's group admitted on every engine's port", () =>
    restoring(async () => {
      operator().policies = relayOperatorPolicies();
      const { checks, calls, of } = await groupChecks(withRelay);
      expect(checks.map((c) => `${c.check}:${c.ok}`)).toEqual([
        'security groups (rds):true',
        'security groups (aurora):true',
        'security groups (elasticache):true',
        'security groups (opensearch):true',
      ]);
      expect(checks.every((c) => !c.warning)).toBe(true);
      // orders-db is MySQL, billing-db PostgreSQL: a clone keeps its source's port.
      expect(of('rds').detail).toBe(`${DEV_SECURITY_GROUP} in ${DEV_VPC} admit the relay ${RELAY} (${DEV_RELAY_SECURITY_GROUP}) on tcp 3306, 5432`);
      expect(of('elasticache').detail).toContain('on tcp 6379');
      expect(of('opensearch').detail).toContain('on tcp 443');
      expect(calls).toEqual(expect.arrayContaining(['ec2:DescribeSecurityGroups', 'ec2:DescribeInstances', 'ec2:DescribeSubnets']));
    }));

  it('admits a relay by a CIDR holding its private address as well as by its group', () =>
    restoring(async () => {
      operator().policies = relayOperatorPolicies();
      devGroup().ingress = [{ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, IpRanges: [{ CidrIp: '10.1.0.0/24' }] }];
      const { checks } = await groupChecks(withRelay);
      expect(checks.map((c) => c.ok)).toEqual([true, true, true, true]);
      devGroup().ingress = [{ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, IpRanges: [{ CidrIp: '10.1.1.0/24' }] }];
      const outside = await groupChecks(withRelay);
      expect(outside.of('rds')).toMatchObject({ ok: false });
      expect(outside.of('rds').detail).toContain(`(${DEV_RELAY_SECURITY_GROUP}, ${DEV_RELAY_ADDRESS})`);
    }));

  it('says which port the groups do not admit the relay on, with the exact aws CLI line, and the line fixes it', () =>
    restoring(async () => {
      operator().policies = relayOperatorPolicies();
      devGroup().ingress = devGroup().ingress.filter((r) => r.FromPort !== 5432);
      const { of, exitCode } = await groupChecks(withRelay);
      expect(exitCode).toBe(1);
      expect(of('rds')).toMatchObject({ ok: false });
      expect(of('rds').detail).toBe(
        `${DEV_SECURITY_GROUP} do not admit the relay ${RELAY} (${DEV_RELAY_SECURITY_GROUP}, ${DEV_RELAY_ADDRESS}) on tcp 5432: snapclone connect cannot reach the clones`,
      );
      const line = `aws ec2 authorize-security-group-ingress --region ${COMPANY_REGION} --group-id ${DEV_SECURITY_GROUP} --protocol tcp --port 5432 --source-group ${DEV_RELAY_SECURITY_GROUP}`;
      expect(of('rds').fix).toBe(line);
      expect(of('aurora')).toMatchObject({ ok: false, fix: line });
      expect(of('elasticache').ok).toBe(true);
      await apply(of('rds').fix!);
      const after = await groupChecks(withRelay);
      expect(after.checks.map((c) => c.ok)).toEqual([true, true, true, true]);
    }));
});

describe('doctor: the placement security groups without a relay', () => {
  it('names the sources the groups admit on each port, so the team can see whether its VPN or runners are among them', () =>
    restoring(async () => {
      devGroup().ingress.push({ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '10.8.0.0/22', Description: 'Client VPN' }] });
      const { checks, of } = await groupChecks();
      expect(checks.map((c) => c.ok)).toEqual([true, true, true, true]);
      expect(of('rds').detail).toBe(
        `${DEV_SECURITY_GROUP} in ${DEV_VPC} admit tcp 3306 from group ${DEV_RELAY_SECURITY_GROUP} (snapclone relay); tcp 5432 from group ${DEV_RELAY_SECURITY_GROUP} (snapclone relay), 10.8.0.0/22 (Client VPN): check that your VPN or runners are among these`,
      );
    }));

  it('warns when a port is open to any address', () =>
    restoring(async () => {
      devGroup().ingress.push({ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] });
      const { of } = await groupChecks();
      expect(of('elasticache')).toMatchObject({ ok: true, warning: true });
      expect(of('elasticache').detail).toContain('tcp 6379 is open to any address');
    }));

  it('is a PROBLEM when nothing admits the engine port, with the line to run for your own CIDR', () =>
    restoring(async () => {
      devGroup().ingress = devGroup().ingress.filter((r) => r.FromPort !== 6379);
      const { of, exitCode } = await groupChecks();
      expect(exitCode).toBe(1);
      expect(of('elasticache')).toMatchObject({ ok: false, detail: `${DEV_SECURITY_GROUP} admit nothing on tcp 6379: no path reaches the clones` });
      expect(of('elasticache').fix).toContain(
        `aws ec2 authorize-security-group-ingress --region ${COMPANY_REGION} --group-id ${DEV_SECURITY_GROUP} --protocol tcp --port 6379 --cidr <your VPN client CIDR>`,
      );
      expect(of('rds').ok).toBe(true);
    }));

  it('is a PROBLEM when a group does not exist', async () => {
    const { of } = await groupChecks(withRdsGroups([DEV_SECURITY_GROUP, 'sg-0000000000000dead']));
    expect(of('rds')).toMatchObject({
      ok: false,
      detail: `security group(s) sg-0000000000000dead do not exist in ${COMPANY_ACCOUNT} ${COMPANY_REGION}`,
      fix: `Name existing groups of ${DEV_VPC} in targets.dev.rds.securityGroupIds.`,
    });
    expect(of('aurora').ok).toBe(true);
  });

  it("is a PROBLEM when a group is in another VPC than the placement's subnets", async () => {
    const { of } = await groupChecks(withRdsGroups([PROD_SECURITY_GROUP]));
    expect(of('rds')).toMatchObject({ ok: false, fix: `Name groups of ${DEV_VPC} in targets.dev.rds.securityGroupIds.` });
    expect(of('rds').detail).toBe(`${PROD_SECURITY_GROUP} is in ${PROD_VPC}, but the placement's subnets are in ${DEV_VPC}: AWS refuses to place a clone so`);
  });

  it('says plainly when the role may not describe security groups (a policy without the statement), and goes on', () =>
    restoring(async () => {
      const without = (documents: PolicyDocument[], action: string) =>
        documents.map((d) => ({
          ...d,
          Statement: d.Statement.flatMap((s) => {
            if (!Array.isArray(s.Action)) return s.Action === action ? [] : [s];
            const actions = s.Action.filter((a) => a !== action);
            return actions.length > 0 ? [{ ...s, Action: actions }] : [];
          }),
        }));
      operator().policies = without(generatedOperatorPolicies(), 'ec2:DescribeSecurityGroups');
      const { checks, exitCode } = await groupChecks();
      expect(exitCode).toBe(1);
      expect(checks).toHaveLength(1);
      expect(checks[0]).toMatchObject({ check: 'security groups', ok: false });
      expect(checks[0].detail).toMatch(/^cannot read the placement's security groups sg-0d0e0f1011121314a: Missing permission: ec2:DescribeSecurityGroups\./);
      expect(checks[0].fix).toBe('Apply the policy of snapclone iam policy --target dev to the role: it allows ec2:DescribeSecurityGroups.');
      // With a relay, the relay's instance is read too.
      operator().policies = without(relayOperatorPolicies(), 'ec2:DescribeInstances');
      const relay = await groupChecks(withRelay);
      expect(relay.checks[0].detail).toContain(`cannot read the relay ${RELAY} in EC2: Missing permission: ec2:DescribeInstances.`);
    }));
});
