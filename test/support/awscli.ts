import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { COMPANY_REGION } from '../../sandbox/scenario/constants.ts';
import { fakedClock } from './clock.ts';

/** The Debian aws CLI (an independent client), not the pyenv shim first on PATH; tests skip without it. */
export const AWS_CLI = '/usr/bin/aws';
export const hasAwsCli = existsSync(AWS_CLI);

const run = promisify(execFile);

export interface CliKey {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real aws CLI against a sandbox with a key (JSON output, one attempt unless `extraEnv` says otherwise, no
 * config files) and never
 * throws on a non-zero exit, so refusals can be inspected. aws-cli 2.9 predates the AWS_ENDPOINT_URL variable
 * (2.13), so the endpoint also goes in --endpoint-url.
 */
export async function runAwsCli(endpoint: string, args: string[], key: CliKey, extraEnv: Record<string, string> = {}): Promise<CliOutcome> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: key.accessKeyId,
    AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
    AWS_REGION: COMPANY_REGION,
    AWS_DEFAULT_REGION: COMPANY_REGION,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
    AWS_MAX_ATTEMPTS: '1',
    ...fakedClock(),
    ...extraEnv,
  };
  if (key.sessionToken) env.AWS_SESSION_TOKEN = key.sessionToken;
  try {
    const { stdout, stderr } = await run(AWS_CLI, [...args, '--endpoint-url', endpoint, '--output', 'json'], { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error; // not an exit status: the CLI did not run
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
