// The aws CLI's conventions, through the real snapclone process against the sandbox: --debug (every AWS call,
// never a secret), --endpoint-url and the AWS_ENDPOINT_URL variables, and role sessions cached between runs.
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { totp } from '../../sandbox/core/totp.ts';
import { scenarioConfigText, writeScenarioConfig } from '../../sandbox/scenario/config.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION } from '../../sandbox/scenario/index.ts';
import { masterPasswordOf } from '../../sandbox/services/rds/state.ts';
import { saveCalledActions } from '../support/actions.ts';
import { buildCli, runCli, type Run } from '../support/cli-process.ts';
import { cliEnv, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
let dir: string;
let bin: string;
let env: NodeJS.ProcessEnv;

function snapclone(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  return runCli(bin, args, { ...env, ...extraEnv }, dir);
}

/** Every secret the sandbox issued or saw: users' keys, sessions' keys and tokens, passwords. */
function sandboxSecrets(): string[] {
  const secrets = new Set(sb.world.secretValues);
  for (const issued of sb.world.credentials.values()) {
    secrets.add(issued.secretAccessKey);
    if (issued.sessionToken) secrets.add(issued.sessionToken);
  }
  return [...secrets];
}

/** The role sessions the sandbox issued to `sessionName`. */
const sessionsOf = (sessionName: string) => [...sb.world.credentials.values()].filter((c) => c.principal.sessionName === sessionName);

/** `aws: SERVICE OPERATION → STATUS[ ERROR] in N ms (request id ID, N retries)` lines of --debug. */
const CALL = /aws: (.+?) (\w+) → (\d{3}|no answer)(?: (\w+))? in (\d+) ms \((?:request id ([\w-]+)|no request id), (\d+) retr(?:y|ies)\)/;
function callsIn(stderr: string) {
  return stderr.split('\n').flatMap((line) => {
    const m = CALL.exec(line);
    return m ? [{ service: m[1], operation: m[2], status: m[3], error: m[4], ms: Number(m[5]), requestId: m[6], retries: Number(m[7]) }] : [];
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'snapclone-conventions-'));
  bin = await buildCli(dir);
  sb = await startTestSandbox({ speed: 3000 });
  env = { ...cliEnv(sb, dir, writeScenarioConfig(dir), 'tester'), SNAPCLONE_CACHE_DIR: join(dir, 'cache') };
}, 60_000);

afterAll(async () => {
  if (sb) saveCalledActions(sb.world);
  await sb?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('--debug', () => {
  it('lists every AWS call with its status, duration and request id, and no password, key or token', async () => {
    const name = 'snapclone-debug-trace';
    const run = await snapclone(['--debug', '--no-session-cache', 'create', 'orders-db', '--latest', '--name', name, '--ttl', '1h']);
    expect(run.stderr).not.toMatch(/^error/m);
    expect(run.code).toBe(0);
    const calls = callsIn(run.stderr);
    expect(calls[0]).toMatchObject({ service: 'STS', operation: 'AssumeRole', status: '200', retries: 0 });
    const operations = new Set(calls.map((c) => `${c.service} ${c.operation}`));
    for (const expected of ['RDS RestoreDBInstanceFromDBSnapshot', 'RDS ModifyDBInstance', 'RDS DescribeDBInstances', 'Secrets Manager CreateSecret']) {
      expect(operations, expected).toContain(expected);
    }
    // Each answer's own request id (the sandbox's x-amzn-RequestId), one per call.
    expect(calls.every((c) => c.requestId && /^[0-9a-f-]{36}$/.test(c.requestId))).toBe(true);
    expect(new Set(calls.map((c) => c.requestId)).size).toBe(calls.length);

    const password = masterPasswordOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, name);
    expect(password).toBeTruthy();
    const output = `${run.stdout}\n${run.stderr}`;
    for (const secret of [password!, sb.scenario.ci.secretAccessKey, ...sessionsOf('snapclone-tester').flatMap((s) => [s.secretAccessKey, s.sessionToken!])]) {
      expect(output.includes(secret)).toBe(false);
    }
    const leaked = sandboxSecrets().filter((secret) => output.includes(secret));
    expect(leaked.map((s) => `${s.length} characters`)).toEqual([]);
  }, 120_000);

  it('counts the retries of a call, and names the error of a failed one', async () => {
    sb.world.faults.add({ service: 'tagging', operation: 'GetResources', kind: 'throttle', count: 1 });
    const list = await snapclone(['--debug', 'list']);
    sb.world.faults.clear();
    expect(list.code).toBe(0);
    const listings = callsIn(list.stderr).filter((c) => c.operation === 'GetResources');
    expect(listings.every((c) => c.service === 'Resource Groups Tagging API' && c.status === '200')).toBe(true);
    expect(listings.map((c) => c.retries).sort()).toEqual([...Array(listings.length - 1).fill(0), 1]);

    const refused = await snapclone(['--debug', '--no-session-cache', 'list'], { SNAPCLONE_OWNER: 'dora', AWS_ACCESS_KEY_ID: sb.scenario.mfa.accessKeyId, AWS_SECRET_ACCESS_KEY: sb.scenario.mfa.secretAccessKey });
    expect(refused.code).toBe(2);
    expect(callsIn(refused.stderr)).toContainEqual(expect.objectContaining({ service: 'STS', operation: 'AssumeRole', status: '403', error: 'AccessDenied' }));
    expect(refused.stderr).not.toContain(sb.scenario.mfa.secretAccessKey);
  }, 60_000);
});

describe('--endpoint-url and AWS_ENDPOINT_URL', () => {
  let decoy: Server;
  let decoyUrl: string;
  const decoyHits: string[] = [];
  beforeAll(async () => {
    // An endpoint that is not the sandbox: it records what reached it and refuses it as STS refuses an unknown key.
    decoy = createServer((request, response) => {
      decoyHits.push(request.url ?? '');
      request.resume();
      request.on('end', () => {
        response.writeHead(403, { 'content-type': 'text/xml', 'x-amzn-requestid': '00000000-0000-0000-0000-000000000000' });
        response.end(
          '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>',
        );
      });
    });
    await new Promise<void>((resolve) => decoy.listen(0, '127.0.0.1', resolve));
    decoyUrl = `http://127.0.0.1:${(decoy.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => decoy.close(() => resolve())));

  it('--endpoint-url sends every call to that endpoint, over AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>', async () => {
    const hits = decoyHits.length;
    const flag = await snapclone(['--endpoint-url', sb.url, '--no-session-cache', 'list'], { AWS_ENDPOINT_URL: decoyUrl, AWS_ENDPOINT_URL_STS: decoyUrl });
    expect(flag.stderr).toBe('');
    expect(flag.code).toBe(0);
    expect(decoyHits.length).toBe(hits);
  });

  it('without the flag, AWS_ENDPOINT_URL_<SERVICE> (the SDK reads it) wins over AWS_ENDPOINT_URL for its service', async () => {
    const hits = decoyHits.length;
    const run = await snapclone(['--no-session-cache', 'list'], { AWS_ENDPOINT_URL: sb.url, AWS_ENDPOINT_URL_STS: decoyUrl });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('InvalidClientTokenId');
    expect(decoyHits.length).toBe(hits + 1);
    // The tagging API speaks JSON, so the decoy's XML answer is an unreadable failure; what matters is where it went.
    const tagging = await snapclone(['--no-session-cache', 'list'], { AWS_ENDPOINT_URL: sb.url, AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API: decoyUrl });
    expect(tagging.code).not.toBe(0);
    expect(decoyHits.length).toBeGreaterThan(hits + 1);
  });

  it('an --endpoint-url that is no http(s) URL is bad input (exit 2), before any call', async () => {
    const run = await snapclone(['--endpoint-url', 'ftp://example.com', 'list']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--endpoint-url 'ftp://example.com' is not an http(s) URL");
  });
});

describe('credentials that cannot be found (audit M6): said as such, not as AWS rejecting them', () => {
  it('a profile that does not exist is named, without the SDK\'s warning; no credentials at all is said plainly', async () => {
    const noImds = { AWS_EC2_METADATA_DISABLED: 'true' };
    const nope = await snapclone(['--profile', 'nope', 'list'], noImds);
    expect(nope.code).toBe(2);
    expect(nope.stderr).toContain("error: No AWS credentials from the profile 'nope'");
    expect(nope.stderr).toContain('aws configure list-profiles');
    expect(nope.stderr).not.toMatch(/WARNING|rejected/);
    // (A cached session would serve without the keys it was assumed from, as the aws CLI's does: not read here.)
    const none = await snapclone(['--no-session-cache', 'list'], { ...noImds, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('error: No AWS credentials found');
    expect(none.stderr).not.toContain('rejected');
  }, 60_000);
});

describe('role sessions cached between runs', () => {
  it('asks an MFA user for one code for two commands; the cache file is 0600 in a 0700 directory and holds no long-term key', async () => {
    const { mfa } = sb.scenario;
    const config = parse(scenarioConfigText()) as { targets: Record<string, { access: Record<string, unknown> }> };
    config.targets.dev.access.mfaSerial = mfa.serialNumber;
    const configPath = join(dir, 'mfa.yaml');
    writeFileSync(configPath, stringify(config));
    const cacheDir = join(dir, 'mfa-cache');
    const alice = {
      SNAPCLONE_CONFIG: configPath,
      SNAPCLONE_OWNER: 'alice',
      SNAPCLONE_CACHE_DIR: cacheDir,
      AWS_ACCESS_KEY_ID: mfa.accessKeyId,
      AWS_SECRET_ACCESS_KEY: mfa.secretAccessKey,
    };
    const code = () => totp(mfa.totpSecret, sb.world.clock.nowMs());

    const first = await snapclone(['list', '--mfa-code', code()], alice);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    // No code, no terminal: only the cached session can let this one through.
    const second = await snapclone(['list', '--verbose'], alice);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/role session for .*snapclone-operator from the cache/);
    expect(sessionsOf('snapclone-alice')).toHaveLength(1);

    const sessions = join(cacheDir, 'sessions');
    const [file] = readdirSync(sessions);
    expect(readdirSync(sessions)).toEqual([file]);
    expect(statSync(sessions).mode & 0o777).toBe(0o700);
    expect(statSync(join(sessions, file)).mode & 0o777).toBe(0o600);
    const cached = readFileSync(join(sessions, file), 'utf8');
    const [session] = sessionsOf('snapclone-alice');
    expect(JSON.parse(cached).Credentials).toMatchObject({ AccessKeyId: session.accessKeyId, SessionToken: session.sessionToken });
    expect(cached).not.toContain(mfa.accessKeyId);
    expect(cached).not.toContain(mfa.secretAccessKey);
    expect(file).not.toContain('snapclone-operator');

    // --no-session-cache neither reads nor writes it: the MFA code is asked for again.
    const uncached = await snapclone(['list', '--no-session-cache'], alice);
    expect(uncached.code).toBe(2);
    expect(uncached.stderr).toContain(`requires an MFA code for ${mfa.serialNumber}`);

    // A cached session AWS no longer knows (revoked, another endpoint's) is dropped and the role assumed again.
    sb.world.credentials.delete(session.accessKeyId);
    const renewed = await snapclone(['list'], { ...alice, SNAPCLONE_MFA_CODE: code() });
    expect(renewed.stderr).toBe('');
    expect(renewed.code).toBe(0);
    expect(sessionsOf('snapclone-alice')).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(sessions, file), 'utf8')).Credentials.AccessKeyId).toBe(sessionsOf('snapclone-alice')[0].accessKeyId);
  }, 60_000);

  it('a shell already in the role (Granted, aws-vault, SSO) is used as it is: no AssumeRole, nothing cached', async () => {
    const sts = new STSClient({ ...sb.config(sb.scenario.ci), maxAttempts: 1 });
    const out = await sts.send(
      new AssumeRoleCommand({ RoleArn: sb.scenario.roles.operator, RoleSessionName: 'snapclone-erin', SourceIdentity: 'snapclone-erin', ExternalId: 'snapclone-sandbox-external-id' }),
    );
    sts.destroy();
    const cacheDir = join(dir, 'in-role-cache');
    const before = sb.world.credentials.size;
    const run = await snapclone(['--debug', 'list'], {
      SNAPCLONE_OWNER: 'erin',
      SNAPCLONE_CACHE_DIR: cacheDir,
      AWS_ACCESS_KEY_ID: out.Credentials!.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: out.Credentials!.SecretAccessKey,
      AWS_SESSION_TOKEN: out.Credentials!.SessionToken,
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('already a session of');
    expect(callsIn(run.stderr).map((c) => `${c.service} ${c.operation}`)).toContain('STS GetCallerIdentity');
    expect(callsIn(run.stderr).map((c) => c.operation)).not.toContain('AssumeRole');
    expect(sb.world.credentials.size).toBe(before);
    expect(() => readdirSync(join(cacheDir, 'sessions'))).toThrow();
  });
});
