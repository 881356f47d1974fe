// The infrastructure team's path, from nothing, in the sandbox with IAM enforced: `init --yes` with read-only
// credentials → `iam template` deployed into the sandbox's IAM with the real aws CLI → `doctor` passes under the
// deployed role → an engineer's clone through the bundled GitHub Action → the requester opens the hand-off with the
// stock `age` and connects to the clone with the mysql client, reading the rows of the day asked for.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, issueUserKey } from '../../sandbox/core/iam-state.ts';
import type { PolicyDocument } from '../../sandbox/core/iam.ts';
import { arn, COMPANY_ACCOUNT, COMPANY_REGION, DEV_SECURITY_GROUP, DEV_SUBNET_GROUP, GITHUB_REPO } from '../../sandbox/scenario/index.ts';
import { parseConfig } from '../../src/config/load.ts';
import { initPolicy } from '../../src/iam/init.ts';
import { hasAwsCli, runAwsCli, type CliKey } from '../support/awscli.ts';
import { fakedClock } from '../support/clock.ts';
import { buildCli, runCli } from '../support/cli-process.ts';
import { startGithubStandIn, type GithubStandIn } from '../support/github-standin.ts';
import { handoffFields, requesterReachesClone } from '../support/handoff.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const root = new URL('../..', import.meta.url).pathname;
const ACTION = join(root, 'action/index.mjs');
const AGE = '/usr/bin/age';
const hasTools = hasAwsCli && existsSync(AGE) && existsSync('/usr/bin/ssh-keygen');
const ROLE = 'snapclone-infra-path';
const INFRA_USER = 'infra-engineer';
const ACTOR = 'octocat';

let sb: TestSandbox;
let dir: string;
let bin: string;
let infra: CliKey;
let github: GithubStandIn;

beforeAll(async () => {
  sb = await startTestSandbox({ speed: 3000 });
  dir = mkdtempSync(join(tmpdir(), 'snapclone-infra-path-'));
  // The infrastructure engineer: read-only for init, and allowed to assume the role they are about to create.
  const user = createUser(sb.world, COMPANY_ACCOUNT, INFRA_USER, [
    initPolicy() as unknown as PolicyDocument,
    { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], Resource: arn.role(ROLE) }] },
  ]);
  const key = issueUserKey(sb.world, user);
  infra = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  bin = await buildCli(join(dir, 'cli'));
  execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', ACTOR, '-f', join(dir, 'id_ed25519')]);
  github = await startGithubStandIn(sb.world, { repository: GITHUB_REPO, environment: 'snapclone', actor: ACTOR }, { [ACTOR]: join(dir, 'id_ed25519.pub') });
}, 120_000);
afterAll(async () => {
  await github?.close();
  await sb?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The snapclone CLI as the infrastructure engineer runs it, in `dir`, with their own key. */
function snapclone(args: string[]) {
  return runCli(bin, args, {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    AWS_ENDPOINT_URL: sb.url,
    AWS_REGION: COMPANY_REGION,
    AWS_ACCESS_KEY_ID: infra.accessKeyId,
    AWS_SECRET_ACCESS_KEY: infra.secretAccessKey,
    AWS_CONFIG_FILE: join(dir, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    SNAPCLONE_OWNER: 'infra',
    ...fakedClock(),
  }, dir);
}

/** The real aws CLI as the account's administrator; a failure throws with its output. */
async function aws(args: string[]): Promise<Record<string, unknown>> {
  const out = await runAwsCli(sb.url, args, sb.scenario.admin);
  if (out.code !== 0) throw new Error(`aws ${args.join(' ')} exited ${out.code}: ${out.stderr}`);
  return out.stdout.trim() ? (JSON.parse(out.stdout) as Record<string, unknown>) : {};
}

type Resource = { Type: string; Properties: Record<string, unknown> };

/**
 * Deploys the template's IAM resources as an administrator would by hand, one aws CLI call per resource: each
 * AWS::IAM::ManagedPolicy with create-policy, the role with create-role, then attach-role-policy for each of its
 * ManagedPolicyArns (Refs to those policies). Anything else in the template fails the test.
 */
async function deployWithAwsCli(template: { Resources: Record<string, Resource> }): Promise<string> {
  const file = (name: string, document: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(document));
    return `file://${path}`;
  };
  const policyArns: Record<string, string> = {};
  let roleArn = '';
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const p = r.Properties;
    const out = await aws(['iam', 'create-policy', '--policy-name', p.ManagedPolicyName as string, '--path', p.Path as string, '--policy-document', file(`${id}.json`, p.PolicyDocument)]);
    policyArns[id] = (out.Policy as { Arn: string }).Arn;
  }
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type === 'AWS::IAM::ManagedPolicy') continue;
    expect(r.Type, `the template holds ${id}, a ${r.Type}`).toBe('AWS::IAM::Role');
    const p = r.Properties;
    const out = await aws([
      'iam', 'create-role', '--role-name', p.RoleName as string, '--path', p.Path as string,
      '--assume-role-policy-document', file('trust.json', p.AssumeRolePolicyDocument), '--max-session-duration', String(p.MaxSessionDuration),
    ]);
    roleArn = (out.Role as { Arn: string }).Arn;
    for (const ref of p.ManagedPolicyArns as { Ref: string }[]) {
      await aws(['iam', 'attach-role-policy', '--role-name', p.RoleName as string, '--policy-arn', policyArns[ref.Ref]]);
    }
  }
  return roleArn;
}

interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  summary: string;
}

/** The bundled Action, run as GitHub runs a job of the `snapclone` environment for ACTOR. */
function runAction(roleArn: string, inputs: Record<string, string>): Promise<ActionRun> {
  const summary = join(dir, `summary-${Math.random()}.md`);
  const output = join(dir, `output-${Math.random()}.txt`);
  writeFileSync(summary, '');
  writeFileSync(output, '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTOR: ACTOR,
    GITHUB_REPOSITORY: GITHUB_REPO,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_OUTPUT: output,
    ACTIONS_ID_TOKEN_REQUEST_URL: github.tokenUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: github.requestToken,
    GITHUB_API_URL: github.apiUrl,
    AWS_ENDPOINT_URL: sb.url,
    AWS_REGION: COMPANY_REGION,
    AWS_CONFIG_FILE: join(dir, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
    'INPUT_ROLE-TO-ASSUME': roleArn,
    INPUT_CONFIG: 'snapclone.yaml',
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    ...fakedClock(),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ACTION], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, summary: readFileSync(summary, 'utf8') }));
  });
}

describe.skipIf(!hasTools)("the infrastructure team's path, from nothing", () => {
  it('init → iam template deployed with the aws CLI → doctor → a clone through the Action → the requester opens the hand-off with age', async () => {
    // 1. init, read-only, non-interactive: the sources, the placement, who may assume the role.
    const init = await snapclone([
      'init', '--yes', '--source', 'orders-db=orders-prod', '--source', 'sessions-cache=sessions-prod',
      '--subnet-group', DEV_SUBNET_GROUP, '--security-group', DEV_SECURITY_GROUP, '--role-name', ROLE, '--github-repo', GITHUB_REPO,
    ]);
    expect(init.code, init.stderr).toBe(0);
    const config = parseConfig(readFileSync(join(dir, 'snapclone.yaml'), 'utf8'), join(dir, 'snapclone.yaml'));
    expect(config.targets.dev.access.roleArn).toBe(arn.role(ROLE));
    expect(config.targets.dev.access.trust?.principals).toEqual([arn.user(INFRA_USER)]);

    // 2. iam template: the role and its managed policies (the account's GitHub OIDC provider is reused), deployed by hand.
    const printed = await snapclone(['iam', 'template', '--format', 'json']);
    expect(printed.code, printed.stderr).toBe(0);
    const template = JSON.parse(printed.stdout) as { Resources: Record<string, Resource> };
    expect(Object.values(template.Resources).map((r) => r.Type)).not.toContain('AWS::IAM::OIDCProvider');
    const roleArn = await deployWithAwsCli(template);
    expect(roleArn).toBe(arn.role(ROLE));

    // 3. doctor, as the infrastructure engineer through the deployed role: every check passes.
    const doctor = await snapclone(['doctor', '-o', 'json']);
    const checks = (JSON.parse(doctor.stdout) as { ok: boolean; checks: { check: string; ok: boolean; detail: string }[] }).checks;
    expect(doctor.code, JSON.stringify(checks.filter((c) => !c.ok))).toBe(0);
    expect(checks.find((c) => c.check === 'identity')?.detail).toContain(`assumed-role/${ROLE}/`);
    expect(checks.find((c) => c.check === 'permissions')?.ok).toBe(true);

    // 4. An engineer asks for a clone through the Action: OIDC into the deployed role, sealed to their SSH key.
    const date = new Date(sb.world.clock.nowMs() - 3 * 86_400_000).toLocaleDateString('en-CA', { timeZone: config.timezone });
    const created = await runAction(roleArn, { command: 'create', sources: 'orders-db', date, ttl: '4h' });
    expect(created.code, created.stderr + created.stdout).toBe(0);
    const name = `snapclone-orders-db-${date.replaceAll('-', '')}-${ACTOR}`;
    expect(created.summary).toContain(`\`${name}\``);
    expect([...sb.world.calledActions].some((a) => a.startsWith(`${roleArn} rds:RestoreDBInstance`))).toBe(true);

    // 5. The requester, with no AWS access: the stock age opens the hand-off with their private key.
    const sealed = /-----BEGIN AGE ENCRYPTED FILE-----[\s\S]+?-----END AGE ENCRYPTED FILE-----\n/.exec(created.summary)?.[0];
    expect(sealed, created.summary).toBeDefined();
    const handoff = handoffFields(execFileSync(AGE, ['-d', '-i', join(dir, 'id_ed25519')], { input: sealed }).toString());
    for (const text of [created.stdout, created.stderr, created.summary]) expect(text).not.toContain(handoff.password);

    // 6. … and connects with it (the mysql client): the clone holds orders-db's rows of the day asked for.
    const [instance] = (await new RDSClient(sb.config()).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: name }))).DBInstances ?? [];
    expect(handoff).toMatchObject({ user: 'admin', host: instance.Endpoint!.Address, port: String(instance.Endpoint!.Port), database: 'orders' });
    const restoreTime = instance.TagList?.find((t) => t.Key === 'snapclone:restore-time')?.Value;
    expect(new Date(Date.parse(restoreTime!)).toLocaleDateString('en-CA', { timeZone: config.timezone })).toBe(date);
    await requesterReachesClone(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, { arn: instance.DBInstanceArn!, engine: instance.Engine!, restoreTime: Date.parse(restoreTime!) }, handoff);
  }, 300_000);
});
