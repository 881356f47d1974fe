// The bundled Action (action/index.mjs), run as GitHub runs it: GITHUB_* variables, INPUT_* inputs, the step
// summary and output files, and an OIDC token endpoint answered by a local stand-in whose tokens the sandbox's
// GitHub issuer signs; against the sandbox with IAM enforced.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromTagList, TAG } from '../../src/core/tags.ts';
import { mintGithubToken, type GithubTokenOptions } from '../../sandbox/core/oidc.ts';
import { ConfigSchema } from '../../src/config/schema.ts';
import { trustFor } from '../../src/iam/trust.ts';
import type { PolicyDocument } from '../../sandbox/core/iam.ts';
import { createRole } from '../../sandbox/core/iam-state.ts';
import { scenarioConfig, SCENARIO_TARGET, writeScenarioConfig } from '../../sandbox/scenario/config.ts';
import { generatedOperatorPolicies } from '../../sandbox/scenario/iam.ts';
import { arn, COMPANY_REGION, GITHUB_REPO } from '../../sandbox/scenario/index.ts';
import { masterPasswordOf } from '../../sandbox/services/rds/state.ts';
import { COMPANY_ACCOUNT } from '../../sandbox/scenario/constants.ts';
import { saveCalledActions } from '../support/actions.ts';
import { argvFor, type ActionInputs } from '../../src/action/argv.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
// @ts-expect-error: the build script is plain JavaScript
import { options as buildOptions } from '../../scripts/build.mjs';

const root = new URL('../..', import.meta.url).pathname;
const GENERATED_ROLE = 'snapclone-github-generated';
const REPO_ID = '812345678';
const OWNER_ID = '91234567';
const ACTION = join(root, 'action/index.mjs');
let sb: TestSandbox;
let dir: string;
let oidc: Server;
let oidcUrl: string;
/** What the stand-in token endpoint puts in its next tokens (a job in the snapclone environment by default). */
const OUR_JOB: GithubTokenOptions = { repository: GITHUB_REPO, environment: 'snapclone' };
let tokenOptions = OUR_JOB;
/** How many ID tokens the stand-in has issued. */
let tokensIssued = 0;
/** The requester's SSH key pair (published by the stand-in GitHub API), and someone else's. */
const keys = { mine: '', other: '' };
const AGE = '/usr/bin/age';
const hasAge = existsSync(AGE) && existsSync('/usr/bin/ssh-keygen');

beforeAll(async () => {
  sb = await startTestSandbox({ speed: 3000 });
  // A role with exactly the generated trust for this repository, given with its ids, pinned to clone.yml on main.
  const config = ConfigSchema.parse(scenarioConfig());
  config.targets[SCENARIO_TARGET].access.trust!.github = {
    repositories: [{ name: GITHUB_REPO, id: REPO_ID, ownerId: OWNER_ID }],
    environments: ['snapclone'],
    workflows: ['.github/workflows/clone.yml@refs/heads/main'],
  };
  createRole(sb.world, COMPANY_ACCOUNT, GENERATED_ROLE, trustFor(config, SCENARIO_TARGET) as unknown as PolicyDocument, generatedOperatorPolicies());
  dir = mkdtempSync(join(tmpdir(), 'snapclone-action-'));
  writeScenarioConfig(dir);
  if (hasAge) {
    for (const who of ['mine', 'other'] as const) {
      keys[who] = join(dir, `id_${who}`);
      execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', who, '-f', keys[who]]);
    }
  }
  // GitHub's token endpoint: GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=… with the request token as bearer.
  oidc = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // GitHub's API: the public SSH keys of a user (octocat has one; anyone else none).
    const user = /^\/users\/([^/]+)\/keys$/.exec(url.pathname)?.[1];
    if (user === 'ratelimited' && req.headers.authorization !== 'Bearer workflow-token') {
      res.writeHead(403, 'rate limit exceeded').end('{"message":"API rate limit exceeded"}');
      return;
    }
    if (user) {
      const published = user === 'octocat' && keys.mine ? [{ id: 1, key: readFileSync(`${keys.mine}.pub`, 'utf8').trim() }] : [];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(published));
      return;
    }
    if (req.headers.authorization !== 'Bearer request-token' || url.searchParams.get('audience') !== 'sts.amazonaws.com') {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    tokensIssued++;
    res.end(JSON.stringify({ value: mintGithubToken(sb.world, tokenOptions) }));
  });
  await new Promise<void>((resolve) => oidc.listen(0, '127.0.0.1', resolve));
  oidcUrl = `http://127.0.0.1:${(oidc.address() as AddressInfo).port}/token?run=1`;
});
afterAll(async () => {
  if (sb) saveCalledActions(sb.world);
  await new Promise((resolve) => oidc?.close(resolve));
  await sb?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  summary: string;
  outputs: Record<string, string>;
}

/** GITHUB_OUTPUT's `name<<DELIMITER … DELIMITER` records. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^(.+?)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) out[m[1]] = m[3];
  return out;
}

function action(inputs: Record<string, string>, extra: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const summary = join(dir, `summary-${Math.random()}.md`);
  const output = join(dir, `output-${Math.random()}.txt`);
  writeFileSync(summary, '');
  writeFileSync(output, '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTOR: 'octocat',
    GITHUB_REPOSITORY: GITHUB_REPO,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_OUTPUT: output,
    ACTIONS_ID_TOKEN_REQUEST_URL: oidcUrl,
    GITHUB_API_URL: new URL(oidcUrl).origin,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
    AWS_ENDPOINT_URL: sb.url,
    AWS_REGION: COMPANY_REGION,
    AWS_CONFIG_FILE: join(dir, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
    'INPUT_ROLE-TO-ASSUME': sb.scenario.roles.github,
    INPUT_CONFIG: 'snapclone.yaml',
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    ...extra,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ACTION], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout, stderr, summary: readFileSync(summary, 'utf8'), outputs: parseOutputs(readFileSync(output, 'utf8')) }),
    );
  });
}

/** The log lines of the Action's `snapclone COMMAND` group. */
const groupOf = (stdout: string, command: string) => {
  const start = stdout.indexOf(`::group::snapclone ${command}`);
  return stdout.slice(start, stdout.indexOf('::endgroup::', start));
};
/** How many role sessions a part of the log asked GitHub's OIDC tokens for. */
const sessionsAskedFor = (log: string) => log.split('\n').filter((line) => /^A new session of \S+: asking GitHub for an OIDC token$/.test(line)).length;

const daysAgo = (n: number) => new Date(sb.world.clock.nowMs() - n * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Asia/Tokyo' });

describe('the GitHub Action', () => {
  it('is bundled from the current source (action/index.mjs is not stale)', async () => {
    const fresh = join(dir, 'fresh.mjs');
    await build({ ...buildOptions(true, fresh), absWorkingDir: root, logLevel: 'error' });
    expect(readFileSync(fresh, 'utf8') === readFileSync(ACTION, 'utf8'), 'action/index.mjs is stale: run npm run build:action').toBe(true);
  });

  it('create: assumes the role with the OIDC token, tags the clone with the actor, sets outputs and a summary, and never shows the password', async () => {
    const ran = await action({ command: 'create', sources: 'orders-db', date: daysAgo(5), ttl: '4h' });
    expect(ran.code, ran.stderr + ran.stdout).toBe(0);
    const name = `snapclone-orders-db-${daysAgo(5).replaceAll('-', '')}-octocat`;
    expect(ran.outputs.names).toBe(name);
    const [clone] = JSON.parse(ran.outputs.clones) as { name: string; status: string; endpoint: string }[];
    expect(clone).toMatchObject({ name, status: 'available' });
    // In the sandbox a clone is served on a loopback port of its own (sandbox/services/rds/data-plane.ts).
    expect(clone.endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
    const tags = sb.world.tagsOf(arn.db(name))!;
    expect(tags).toMatchObject({ [TAG.owner]: 'octocat', [TAG.managed]: 'true' });
    // The session was the GitHub role, named after the actor (the role's trust and CloudTrail see it).
    expect([...sb.world.calledActions].some((a) => a.startsWith(`${sb.scenario.roles.github} rds:RestoreDBInstance`))).toBe(true);
    expect(ran.summary).toContain(`\`${name}\``);
    expect(ran.summary).toContain(`gh workflow run delete.yml --repo ${GITHUB_REPO} -f name=${name}`);
    expect(ran.summary).toContain(`gh workflow run extend.yml --repo ${GITHUB_REPO} -f name=${name} -f ttl=1d`);
    expect(ran.stdout).toMatch(/::group::snapclone create --date \S+ --ttl 4h .*-- orders-db\n/);
    // One session did for the whole create (the hand-off after it runs a command of its own).
    expect(sessionsAskedFor(groupOf(ran.stdout, 'create'))).toBe(1);
    const password = masterPasswordOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, name)!;
    expect(password).toBeTruthy();
    for (const text of [ran.stdout, ran.stderr, ran.summary, JSON.stringify(ran.outputs)]) expect(text).not.toContain(password);
    expect(fromTagList(Object.entries(tags).map(([Key, Value]) => ({ Key, Value })))[TAG.password]).toBe('generated');

    // The hand-off: sealed to octocat's published key, opened by the stock age tool with the private key only.
    const sealed = /-----BEGIN AGE ENCRYPTED FILE-----[\s\S]+?-----END AGE ENCRYPTED FILE-----\n/.exec(ran.summary)?.[0];
    expect(sealed, ran.summary).toBeDefined();
    expect(ran.summary).toContain(`age -d -i ~/.ssh/id_ed25519 <<'EOF'`);
    if (hasAge) {
      const opened = execFileSync(AGE, ['-d', '-i', keys.mine], { input: sealed }).toString();
      expect(opened).toContain(`password=${password}`);
      expect(opened).toContain(`user=admin`);
      expect(() => execFileSync(AGE, ['-d', '-i', keys.other], { input: sealed, stdio: 'pipe' })).toThrow();
    }
  });

  it('says how to get the password when the requester has no usable SSH key on GitHub', async () => {
    const ran = await action({ command: 'create', sources: 'billing-db', latest: 'true', name: 'snapclone-nokeys', ttl: '1h' }, { GITHUB_ACTOR: 'nokeys' });
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.summary).toContain('nokeys has no ssh-ed25519 or ssh-rsa key on GitHub');
    expect(ran.summary).not.toContain('BEGIN AGE ENCRYPTED FILE');
    const password = masterPasswordOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, 'snapclone-nokeys')!;
    for (const text of [ran.stdout, ran.stderr, ran.summary, JSON.stringify(ran.outputs)]) expect(text).not.toContain(password);
    expect((await action({ command: 'delete', sources: 'snapclone-nokeys' }, { GITHUB_ACTOR: 'nokeys' })).code).toBe(0);
  });

  it('says GitHub refused to give the keys (a rate limit), not that there is none, and asks with the workflow token (L3)', async () => {
    const inputs = { command: 'create', sources: 'billing-db', latest: 'true', name: 'snapclone-ratelimited', ttl: '1h' };
    const refused = await action(inputs, { GITHUB_ACTOR: 'ratelimited' });
    expect(refused.code, refused.stderr).toBe(0);
    expect(refused.summary).toContain("GitHub's API did not give the SSH keys of ratelimited (HTTP 403 rate limit exceeded)");
    expect(refused.summary).not.toContain('has no ssh-ed25519');
    expect(refused.stdout).toContain('::warning::Could not read the SSH keys of ratelimited from GitHub: HTTP 403');
    const withToken = await action(inputs, { GITHUB_ACTOR: 'ratelimited', 'INPUT_GITHUB-TOKEN': 'workflow-token' });
    expect(withToken.summary).toContain('ratelimited has no ssh-ed25519 or ssh-rsa key on GitHub');
    expect((await action({ command: 'delete', sources: 'snapclone-ratelimited' }, { GITHUB_ACTOR: 'ratelimited' })).code).toBe(0);
  });

  it('extend, list, janitor (dry-run) and delete', async () => {
    const name = `snapclone-orders-db-${daysAgo(5).replaceAll('-', '')}-octocat`;
    const extended = await action({ command: 'extend', sources: name, ttl: '1d' });
    expect(extended.code, extended.stderr).toBe(0);
    expect(JSON.parse(extended.outputs.clones)[0].name).toBe(name);
    const listed = await action({ command: 'list' });
    expect(listed.outputs.names).toBe(name);
    const janitor = await action({ command: 'janitor', 'dry-run': 'true' });
    expect(janitor.code).toBe(0);
    expect(JSON.parse(janitor.outputs.result)).toMatchObject({ dryRun: true, failed: 0 });
    const deleted = await action({ command: 'delete', sources: name });
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(sb.world.tagsOf(arn.db(name))).toBeUndefined();
  });

  it('fails, creating nothing, when the token names another repository (the role does not trust it)', async () => {
    tokenOptions = { repository: 'evil-co/app', environment: 'snapclone' };
    try {
      const ran = await action({ command: 'create', sources: 'billing-db', latest: 'true', name: 'snapclone-evil' });
      expect(ran.code).toBe(1);
      expect(ran.stdout).toMatch(/::error::.*(AccessDenied|Not authorized|rejected the credentials)/);
      expect(sb.world.tagsOf(arn.db('snapclone-evil'))).toBeUndefined();
    } finally {
      tokenOptions = OUR_JOB;
    }
  });

  it('refuses commands it does not offer (credentials would put a password in the log)', async () => {
    const ran = await action({ command: 'credentials', sources: 'x' });
    expect(ran.code).toBe(1);
    expect(ran.stdout).toContain("::error::command 'credentials' is not one of create, delete, extend, list, show, janitor");
  });
});

describe('inputs are names, never options (L1)', () => {
  it('refuses --force smuggled into sources or name, running nothing', async () => {
    const before = tokensIssued;
    const tries: Record<string, string>[] = [
      { command: 'extend', sources: 'snapclone-orders-db-x-carol --force', ttl: '1d' },
      { command: 'delete', sources: '--force snapclone-x' },
      { command: 'create', sources: 'billing-db', latest: 'true', name: 'snapclone-x --force' },
      { command: 'create', sources: 'billing-db', latest: 'true', name: '--help' },
    ];
    for (const inputs of tries) {
      const ran = await action(inputs);
      expect(ran.code, JSON.stringify(inputs)).toBe(1);
      expect(ran.stdout).toMatch(/::error::input (sources|name): '[^']*' (starts with '-'|holds a space)/);
      expect(ran.stdout).not.toContain('::group::');
    }
    expect(tokensIssued, 'no role session was even asked for').toBe(before);
  });

  it('passes the names after --, so a command line never reads one as an option', () => {
    const given: ActionInputs = {
      ...{ command: 'delete', sources: ['snapclone-a', 'snapclone-b'], date: '', at: '', latest: false, name: '', set: '' },
      ...{ ttl: '', target: '', config: 'c.yaml', region: '', force: false, dryRun: false },
    };
    const argv = argvFor(given);
    expect(argv.slice(argv.indexOf('--'))).toEqual(['--', 'snapclone-a', 'snapclone-b']);
  });
});

describe('re-runs (L7)', () => {
  it('act as the person who re-ran the workflow (GITHUB_TRIGGERING_ACTOR), not the original actor', async () => {
    const name = 'snapclone-rerun-octocat';
    expect((await action({ command: 'create', sources: 'billing-db', latest: 'true', name, ttl: '1h' })).code).toBe(0);
    // mallory re-runs octocat's old delete run: GitHub keeps GITHUB_ACTOR=octocat.
    const rerun = await action({ command: 'delete', sources: name }, { GITHUB_ACTOR: 'octocat', GITHUB_TRIGGERING_ACTOR: 'mallory' });
    expect(rerun.code).toBe(1);
    expect(rerun.stderr).toMatch(/belongs to octocat/);
    expect(sb.world.tagsOf(arn.db(name))).toMatchObject({ [TAG.owner]: 'octocat' });
    const session = [...sb.world.credentials.values()].at(-1)!.principal;
    expect(session.sessionName).toBe('snapclone-mallory');
    expect((await action({ command: 'delete', sources: name }, { GITHUB_TRIGGERING_ACTOR: 'octocat' })).code).toBe(0);
  });
});

describe('a create longer than the role session (F9)', () => {
  it('asks GitHub for a fresh OIDC token when the session is renewed (5-minute tokens, 1-hour sessions), under the generated trust', async () => {
    // This repository's tokens in GitHub's immutable form, from clone.yml on main: the generated trust admits them.
    tokenOptions = { ...OUR_JOB, immutableSubject: true, repositoryId: REPO_ID, ownerId: OWNER_ID, ttlSeconds: 300 };
    const HOUR = 3_600_000;
    let advanced = 0;
    // Once the restore has started, an hour and a minute pass on the sandbox's clock: the session has expired
    // and so has the token it was made from.
    const stop = sb.world.faults.onRequest((event) => {
      if (advanced === 0 && event.phase === 'after' && /^(Restore|StartRestoreJob)/.test(event.operation)) {
        advanced = HOUR + 60_000;
        sb.world.clock.advance(advanced);
      }
    });
    const issued = tokensIssued;
    try {
      const name = 'snapclone-long-run';
      const ran = await action(
        { command: 'create', sources: 'billing-db', latest: 'true', name, ttl: '4h' },
        { 'INPUT_ROLE-TO-ASSUME': arn.role(GENERATED_ROLE) },
      );
      expect(ran.code, ran.stderr + ran.stdout).toBe(0);
      expect(advanced).toBeGreaterThan(0);
      expect(JSON.parse(ran.outputs.clones)[0]).toMatchObject({ name, status: 'available' });
      // The renewal happened inside the create, with a second token from GitHub.
      expect(sessionsAskedFor(groupOf(ran.stdout, 'create'))).toBe(2);
      expect(tokensIssued - issued).toBeGreaterThanOrEqual(2);
      expect([...sb.world.calledActions].some((a) => a.startsWith(`${arn.role(GENERATED_ROLE)} rds:`))).toBe(true);
      expect((await action({ command: 'delete', sources: name }, { 'INPUT_ROLE-TO-ASSUME': arn.role(GENERATED_ROLE) })).code).toBe(0);
    } finally {
      stop();
      sb.world.clock.advance(-advanced);
      tokenOptions = OUR_JOB;
    }
  });
});
