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
import { mintGithubToken } from '../../sandbox/core/oidc.ts';
import { writeScenarioConfig } from '../../sandbox/scenario/config.ts';
import { arn, COMPANY_REGION, GITHUB_REPO } from '../../sandbox/scenario/index.ts';
import { masterPasswordOf } from '../../sandbox/services/rds/state.ts';
import { COMPANY_ACCOUNT } from '../../sandbox/scenario/constants.ts';
import { saveCalledActions } from '../support/actions.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
// @ts-expect-error: the build script is plain JavaScript
import { options as buildOptions } from '../../scripts/build.mjs';

const root = new URL('../..', import.meta.url).pathname;
const ACTION = join(root, 'action/index.mjs');
let sb: TestSandbox;
let dir: string;
let oidc: Server;
let oidcUrl: string;
/** The `sub` the stand-in token endpoint puts in its next tokens. */
let subject = `repo:${GITHUB_REPO}:environment:snapclone`;
/** The requester's SSH key pair (published by the stand-in GitHub API), and someone else's. */
const keys = { mine: '', other: '' };
const AGE = '/usr/bin/age';
const hasAge = existsSync(AGE) && existsSync('/usr/bin/ssh-keygen');

beforeAll(async () => {
  sb = await startTestSandbox({ speed: 3000 });
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
    res.end(JSON.stringify({ value: mintGithubToken(sb.world, { repository: subject.split(':')[1], sub: subject }) }));
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
    expect(clone.endpoint).toMatch(/:3306$/);
    const tags = sb.world.tagsOf(arn.db(name))!;
    expect(tags).toMatchObject({ [TAG.owner]: 'octocat', [TAG.managed]: 'true' });
    // The session was the GitHub role, named after the actor (the role's trust and CloudTrail see it).
    expect([...sb.world.calledActions].some((a) => a.startsWith(`${sb.scenario.roles.github} rds:RestoreDBInstance`))).toBe(true);
    expect(ran.summary).toContain(`\`${name}\``);
    expect(ran.summary).toContain(`gh workflow run delete.yml --repo ${GITHUB_REPO} -f name=${name}`);
    expect(ran.summary).toContain(`gh workflow run extend.yml --repo ${GITHUB_REPO} -f name=${name} -f ttl=1d`);
    expect(ran.stdout).toContain('::group::snapclone create orders-db');
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
    subject = 'repo:evil-co/app:environment:snapclone';
    try {
      const ran = await action({ command: 'create', sources: 'billing-db', latest: 'true', name: 'snapclone-evil' });
      expect(ran.code).toBe(1);
      expect(ran.stdout).toMatch(/::error::.*(AccessDenied|Not authorized|rejected the credentials)/);
      expect(sb.world.tagsOf(arn.db('snapclone-evil'))).toBeUndefined();
    } finally {
      subject = `repo:${GITHUB_REPO}:environment:snapclone`;
    }
  });

  it('refuses commands it does not offer (credentials would put a password in the log)', async () => {
    const ran = await action({ command: 'credentials', sources: 'x' });
    expect(ran.code).toBe(1);
    expect(ran.stdout).toContain("::error::command 'credentials' is not one of create, delete, extend, list, show, janitor");
  });
});
