// The bundled Action (action/index.mjs), run as GitHub runs it: GITHUB_* variables, INPUT_* inputs, the step
// summary and output files, and an OIDC token endpoint answered by a local stand-in whose tokens the sandbox's
// GitHub issuer signs; against the sandbox with IAM enforced. Shared by the Action's test files.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { mintGithubToken, type GithubTokenOptions } from '../../sandbox/core/oidc.ts';
import { writeScenarioConfig } from '../../sandbox/scenario/config.ts';
import { COMPANY_REGION, GITHUB_REPO } from '../../sandbox/scenario/index.ts';
import { saveCalledActions } from '../support/actions.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const ACTION = join(ROOT, 'action/index.mjs');
export const AGE = '/usr/bin/age';
export const hasAge = existsSync(AGE) && existsSync('/usr/bin/ssh-keygen');
/** A job of this repository in the snapclone environment: what the stand-in's tokens say by default. */
export const OUR_JOB: GithubTokenOptions = { repository: GITHUB_REPO, environment: 'snapclone' };

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  summary: string;
  outputs: Record<string, string>;
}

export interface ActionHarness {
  sb: TestSandbox;
  /** The job's working folder: the scenario config is snapclone.yaml in it. */
  dir: string;
  /** The requester's SSH key pair (octocat publishes `mine`), and someone else's; empty without age. */
  keys: { mine: string; other: string };
  /** What the stand-in token endpoint puts in its next tokens. */
  tokenOptions: GithubTokenOptions;
  /** How many ID tokens the stand-in has issued. */
  readonly tokensIssued: number;
  /** Runs the Action once with these inputs (and environment on top). */
  action(inputs: Record<string, string>, extra?: NodeJS.ProcessEnv): Promise<Ran>;
  /** The day `n` days before the sandbox's now, in Tokyo (YYYY-MM-DD). */
  daysAgo(n: number): string;
  close(): Promise<void>;
}

/** A FIDO security-key SSH public key as GitHub lists it (OpenSSH's wire format: type, key, application). */
function securityKeyLine(): string {
  const field = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  const type = 'sk-ssh-ed25519@openssh.com';
  const blob = Buffer.concat([field(Buffer.from(type)), field(Buffer.alloc(32, 7)), field(Buffer.from('ssh:'))]);
  return `${type} ${blob.toString('base64')}`;
}

/** GITHUB_OUTPUT's `name<<DELIMITER … DELIMITER` records. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^(.+?)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) out[m[1]] = m[3];
  return out;
}

/**
 * A sandbox, a job folder with the scenario config and SSH keys, and the stand-in for GitHub: the OIDC token
 * endpoint (GET ACTIONS_ID_TOKEN_REQUEST_URL&audience=… with the request token as bearer) and the API's public
 * SSH keys of a user (octocat has one; skonly a security key; ratelimited is refused without the workflow token).
 */
export async function startActionHarness(): Promise<ActionHarness> {
  const sb = await startTestSandbox({ speed: 3000 });
  const dir = mkdtempSync(join(tmpdir(), 'snapclone-action-'));
  writeScenarioConfig(dir);
  const keys = { mine: '', other: '' };
  if (hasAge) {
    for (const who of ['mine', 'other'] as const) {
      keys[who] = join(dir, `id_${who}`);
      execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', who, '-f', keys[who]]);
    }
  }
  let tokensIssued = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const user = /^\/users\/([^/]+)\/keys$/.exec(url.pathname)?.[1];
    if (user === 'ratelimited' && req.headers.authorization !== 'Bearer workflow-token') {
      res.writeHead(403, 'rate limit exceeded').end('{"message":"API rate limit exceeded"}');
      return;
    }
    if (user) {
      const published =
        user === 'octocat' && keys.mine ? [{ id: 1, key: readFileSync(`${keys.mine}.pub`, 'utf8').trim() }] : user === 'skonly' ? [{ id: 2, key: securityKeyLine() }] : [];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(published));
      return;
    }
    if (req.headers.authorization !== 'Bearer request-token' || url.searchParams.get('audience') !== 'sts.amazonaws.com') {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    tokensIssued++;
    res.end(JSON.stringify({ value: mintGithubToken(sb.world, harness.tokenOptions) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const oidcUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token?run=1`;

  const action = (inputs: Record<string, string>, extra: NodeJS.ProcessEnv = {}): Promise<Ran> => {
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
  };

  const harness: ActionHarness = {
    sb,
    dir,
    keys,
    tokenOptions: OUR_JOB,
    get tokensIssued() {
      return tokensIssued;
    },
    action,
    daysAgo: (n) => new Date(sb.world.clock.nowMs() - n * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Asia/Tokyo' }),
    close: async () => {
      saveCalledActions(sb.world);
      await new Promise((resolve) => server.close(resolve));
      await sb.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** The age block of one fenced code block of the summary (```sh heredoc or ```powershell here-string). */
export function sealedIn(summary: string, fence: 'sh' | 'powershell'): string | undefined {
  const block = new RegExp('```' + fence + '\\n([\\s\\S]*?)```').exec(summary)?.[1];
  return /-----BEGIN AGE ENCRYPTED FILE-----[\s\S]+?-----END AGE ENCRYPTED FILE-----\n/.exec(block ?? '')?.[0];
}

/** What every requester-facing summary must hold, whatever the outcome: nothing they cannot run. */
export function expectNoAwsOnlyAdvice(summary: string) {
  expect(summary).not.toContain('snapclone credentials');
  expect(summary).not.toContain('Secrets Manager');
}

/** Everything a run of the Action wrote where others can read it: the log, the summary and the outputs. */
export const everythingOf = (ran: Ran) => [ran.stdout, ran.stderr, ran.summary, JSON.stringify(ran.outputs)];
