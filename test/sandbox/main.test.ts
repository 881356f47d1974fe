import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_HISTORY, parseOptions } from '../../sandbox/main.ts';

const root = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'snapclone-main-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts `npx tsx sandbox/main.ts ARGS` in its own process group, so stopping it stops npx, tsx and node. */
function start(args: string[]): { child: ChildProcess; ready: Promise<string>; exited: Promise<unknown> } {
  const child = spawn('npx', ['tsx', 'sandbox/main.ts', ...args], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  let stdout = '';
  let stderr = '';
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = /snapclone sandbox ready at (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout);
      if (line) resolve(line[1]);
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`sandbox exited (${code}) before ready: ${stderr}`)));
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return { child, ready, exited };
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function stop(child: ChildProcess): void {
  if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
}

describe('npm run sandbox (sandbox/main.ts)', () => {
  it('starts on a free port, writes the env file, serves its keys, and stops on SIGTERM', async () => {
    const envFile = join(dir, 'env');
    // `--` first, as `npm run sandbox` passes it: Node would otherwise read --env-file itself.
    const { child, ready, exited } = start(['--', '--port', '0', '--env-file', envFile]);
    try {
      const url = await ready;
      expect(url).not.toMatch(/:0$/);
      expect(statSync(envFile).mode & 0o777).toBe(0o600);
      const env = Object.fromEntries(
        readFileSync(envFile, 'utf8')
          .trim()
          .split('\n')
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
      expect(env).toMatchObject({ AWS_ENDPOINT_URL: url, AWS_REGION: 'ap-northeast-1', SNAPCLONE_SANDBOX_SPEED: '200' });
      expect(env.AWS_ACCESS_KEY_ID).toMatch(/^AKIA[A-Z0-9]{16}$/);
      expect(existsSync(env.SNAPCLONE_CONFIG)).toBe(true);
      const sts = new STSClient({
        endpoint: env.AWS_ENDPOINT_URL,
        region: env.AWS_REGION,
        credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
        maxAttempts: 1,
      });
      const me = await sts.send(new GetCallerIdentityCommand({}));
      expect(me.Arn).toBe('arn:aws:iam::123456789012:user/snapclone-ci');
      // The administrator's key is there too, for staging situations by hand.
      const admin = new STSClient({
        endpoint: env.AWS_ENDPOINT_URL,
        region: env.AWS_REGION,
        credentials: { accessKeyId: env.SANDBOX_ADMIN_ACCESS_KEY_ID, secretAccessKey: env.SANDBOX_ADMIN_SECRET_ACCESS_KEY },
        maxAttempts: 1,
      });
      expect((await admin.send(new GetCallerIdentityCommand({}))).Arn).toBe('arn:aws:iam::123456789012:user/sandbox-admin');
      stop(child);
      await exited;
      // It shut down cleanly (npx exits first; the sandbox right after): its temporary config goes, the port closes.
      await until(() => !existsSync(env.SNAPCLONE_CONFIG));
      await expect(fetch(url)).rejects.toThrow();
    } finally {
      stop(child);
    }
  });

  it('rejects bad flags with exit code 2 and a clear message', async () => {
    // The five at once, through node's tsx loader (npx adds seconds to each on a busy machine).
    const runs = [['--port', 'abc'], ['--speed', '0'], ['--bogus'], ['--fault', 'rds:*=explode'], ['--history', '1e5']].map(async (args) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/main.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      return { args, code, stderr };
    });
    for (const { args, code, stderr } of await Promise.all(runs)) {
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toMatch(/snapclone sandbox: (--port must be|--speed must be|Unknown option '--bogus'|--fault 'rds:\*=explode': kind must be one of|--history must be an integer)/);
      expect(stderr).toContain('usage: npm run sandbox');
    }
  }, 90_000);

  it('starts with --fault rules in place, which the control endpoint lists', async () => {
    const { child, ready, exited } = start(['--', '--port', '0', '--fault', 'sts:GetCallerIdentity=throttle#1', '--fault-seed', '9']);
    try {
      const url = await ready;
      const listed = (await (await fetch(`${url}/_sandbox/faults`)).json()) as { seed: number; rules: { service: string; kind: string; count: number }[] };
      expect(listed).toMatchObject({ seed: 9, rules: [{ service: 'sts', operation: 'GetCallerIdentity', kind: 'throttle', count: 1 }] });
    } finally {
      stop(child);
      await exited;
    }
  });
});

describe('parseOptions', () => {
  it('reads --fault specs (repeatable) and --fault-seed; a bad spec or seed is a usage error', () => {
    expect(parseOptions(['--fault', 'rds:*=throttle#1', '--fault', 'es:*=slow:20@0.5', '--fault-seed', '42'])).toMatchObject({
      faults: [
        { service: 'rds', operation: '*', kind: 'throttle', count: 1, phase: 'before' },
        { service: 'es', operation: '*', kind: 'slow', delayMs: 20, rate: 0.5 },
      ],
      faultSeed: 42,
    });
    expect(() => parseOptions(['--fault', 'rds:*=throttle@2'])).toThrow("--fault 'rds:*=throttle@2': rate must be a number from 0 to 1");
    expect(() => parseOptions(['--fault-seed', '1.5'])).toThrow(/--fault-seed must be an integer/);
  });

  it('reads flags with defaults and drops a leading --', () => {
    expect(parseOptions([])).toEqual({ port: 4566, speed: 200, envFile: undefined, enforceIam: true, faults: [], faultSeed: 1, history: 0 });
    expect(parseOptions(['--no-enforce-iam'])).toMatchObject({ enforceIam: false });
    expect(parseOptions(['--', '--port', '0', '--speed', '50', '--env-file', 'x', '--no-enforce-iam'])).toEqual({
      port: 0,
      speed: 50,
      envFile: 'x',
      enforceIam: false,
      faults: [],
      faultSeed: 1,
      history: 0,
    });
    expect(parseOptions(['--help'])).toBe('help');
    expect(() => parseOptions(['--port', '70000'])).toThrow(/--port/);
    expect(() => parseOptions(['extra'])).toThrow();
  });

  it('reads --history N (0 to MAX_HISTORY recovery points); anything else is a usage error', () => {
    expect(parseOptions(['--history', '100000'])).toMatchObject({ history: 100_000 });
    expect(parseOptions(['--history', '0'])).toMatchObject({ history: 0 });
    expect(parseOptions(['--history', String(MAX_HISTORY)])).toMatchObject({ history: MAX_HISTORY });
    for (const bad of ['-1', '1.5', '1e5', 'lots', '', String(MAX_HISTORY + 1)]) {
      expect(() => parseOptions([`--history=${bad}`]), bad).toThrow(`--history must be an integer from 0 to ${MAX_HISTORY}, not '${bad}'`);
    }
  });
});

describe('npm run sandbox on a port that is taken', () => {
  it('prints one line that says what to do, no stack, and exits 1', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const child = spawn('npx', ['tsx', 'sandbox/main.ts', '--', '--port', String(port)], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toBe(`snapclone sandbox: port ${port} is in use; pass --port 0 (any free port) or another port\n`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
