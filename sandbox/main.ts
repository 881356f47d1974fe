// npm run sandbox -- [--port 4566] [--speed 200] [--env-file PATH] [--no-enforce-iam] [--fault SPEC]... [--fault-seed N]
//                     [--history N]
// Starts the sandbox on 127.0.0.1 with the seeded scenario and prints one line with its URL when ready.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FaultRuleError, type FaultRuleInput } from './core/fault-rules.ts';
import { FAULT_SPEC_GRAMMAR, parseFaultSpec } from './core/fault-spec.ts';
import { startSandbox } from './server.ts';
import { writeScenarioConfig } from './scenario/config.ts';
import { HISTORY_YEARS, seedHistory } from './scenario/history.ts';
import { COMPANY_REGION, seedScenario } from './scenario/index.ts';

/** The largest --history: 200,000 recovery points take about 400 MB of the sandbox's memory. */
export const MAX_HISTORY = 200_000;

const USAGE = `usage: npm run sandbox -- [--port N] [--speed N] [--env-file PATH] [--no-enforce-iam]
                          [--fault SPEC]... [--fault-seed N] [--history N]

  --port N          port on 127.0.0.1 (default 4566; 0 picks a free one)
  --speed N         how many times faster than AWS asynchronous work completes (default 200)
  --env-file PATH   write AWS_ENDPOINT_URL, AWS_REGION, the CI user's key, the administrator's key
                    (SANDBOX_ADMIN_ACCESS_KEY_ID, SANDBOX_ADMIN_SECRET_ACCESS_KEY), SNAPCLONE_CONFIG and
                    SNAPCLONE_SANDBOX_SPEED (the speed, for snapclone's polling) to PATH
  --no-enforce-iam  do not evaluate calls against the caller's IAM policies (AWS always does)
  --fault SPEC      inject a fault (repeatable): ${FAULT_SPEC_GRAMMAR}
                      SERVICE  rds, elasticache, es, backup, secretsmanager, tagging, sts, iam or *
                      KIND     throttle, error500, error503, drop, slow:MS, hang, expire-session, fail-restore
                      @RATE    fire on this fraction (0..1) of matching calls; #COUNT on the next COUNT only
                      +AFTER   let the first AFTER matching calls through; /after: once the operation ran
                    e.g. rds:DescribeDBInstances=throttle@0.2  *:*=error503#3  backup:StartRestoreJob=fail-restore
                    (see sandbox/README.md, "Fault injection"; rules can also be changed at /_sandbox/faults)
  --fault-seed N    seed of the rate-based faults' generators (default 1): the same seed fires on the same calls
  --history N       add a long backup history (0 to ${MAX_HISTORY}): N AWS Backup recovery points and N/10 manual
                    snapshots over the ${HISTORY_YEARS} years before the scenario's 35 days (sandbox/scenario/history.ts)`;


/** A 20 GB restore takes ~15 minutes on AWS: at 200× it takes about 5 seconds. */
export const DEFAULT_SPEED = 200;

export interface MainOptions {
  port: number;
  speed: number;
  envFile?: string;
  enforceIam: boolean;
  faults: FaultRuleInput[];
  faultSeed: number;
  /** Recovery points of the seeded long history (snapshots: a tenth of it); 0 for none. */
  history: number;
}

class UsageError extends Error {}

/**
 * Node itself reads `--env-file PATH` anywhere in its argv up to a `--` (nodejs/node#54232) and exits when
 * PATH does not exist yet; so `npm run sandbox` passes `--` before our flags, and we drop it here.
 */
export function parseOptions(argv: string[]): MainOptions | 'help' {
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        speed: { type: 'string' },
        'env-file': { type: 'string' },
        'no-enforce-iam': { type: 'boolean' },
        fault: { type: 'string', multiple: true },
        'fault-seed': { type: 'string' },
        history: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const port = Number(values.port ?? 4566);
  if (!/^\d+$/.test(values.port ?? '4566') || port > 65535) {
    throw new UsageError(`--port must be an integer from 0 to 65535, not '${values.port}'`);
  }
  const speed = Number(values.speed ?? DEFAULT_SPEED);
  if (!Number.isFinite(speed) || speed <= 0) throw new UsageError(`--speed must be a positive number, not '${values.speed}'`);
  if (values['env-file'] === '') throw new UsageError('--env-file needs a path');
  const faultSeed = Number(values['fault-seed'] ?? 1);
  if (!/^\d+$/.test(values['fault-seed'] ?? '1') || faultSeed > 0xffffffff) {
    throw new UsageError(`--fault-seed must be an integer from 0 to 4294967295, not '${values['fault-seed']}'`);
  }
  const history = Number(values.history ?? 0);
  if (!/^\d+$/.test(values.history ?? '0') || history > MAX_HISTORY) {
    throw new UsageError(`--history must be an integer from 0 to ${MAX_HISTORY}, not '${values.history}'`);
  }
  return {
    port,
    speed,
    envFile: values['env-file'],
    enforceIam: !values['no-enforce-iam'],
    faults: faultRules(values.fault ?? []),
    faultSeed,
    history,
  };
}

function faultRules(specs: string[]): FaultRuleInput[] {
  try {
    return specs.map(parseFaultSpec);
  } catch (error) {
    if (error instanceof FaultRuleError) throw new UsageError(`--fault ${error.message}`);
    throw error;
  }
}

/** One line for a port the sandbox cannot listen on (taken, or not allowed); undefined for other failures. */
export function listenFailure(error: unknown, port: number): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return `port ${port} is in use; pass --port 0 (any free port) or another port`;
  if (code === 'EACCES') return `port ${port} is not allowed for this user; pass --port 0 (any free port) or a port above 1023`;
  return undefined;
}

async function main(): Promise<void> {
  let options: MainOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`snapclone sandbox: ${error.message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }

  const { port, speed, enforceIam, faultSeed } = options;
  let sandbox;
  try {
    sandbox = await startSandbox({ port, speed, enforceIam, faultSeed });
  } catch (error) {
    const message = listenFailure(error, port);
    if (!message) throw error;
    process.stderr.write(`snapclone sandbox: ${message}\n`);
    process.exit(1);
  }
  for (const rule of options.faults) {
    const added = sandbox.world.faults.add(rule);
    process.stderr.write(`snapclone sandbox: fault rule ${added.id}: ${JSON.stringify(rule)}\n`);
  }
  const scenario = seedScenario(sandbox.world);
  if (options.history > 0) {
    const seeded = seedHistory(sandbox.world, { recoveryPoints: options.history, snapshots: Math.floor(options.history / 10) });
    process.stderr.write(
      `snapclone sandbox: history of ${options.history} recovery points and ${Math.floor(options.history / 10)} manual snapshots, ${new Date(seeded.oldest).toISOString().slice(0, 10)} to ${new Date(seeded.newest).toISOString().slice(0, 10)}\n`,
    );
  }
  const configDir = mkdtempSync(join(tmpdir(), 'snapclone-sandbox-'));
  const config = writeScenarioConfig(configDir);
  if (options.envFile) {
    const env = {
      AWS_ENDPOINT_URL: sandbox.url,
      AWS_REGION: COMPANY_REGION,
      AWS_DEFAULT_REGION: COMPANY_REGION,
      AWS_ACCESS_KEY_ID: scenario.ci.accessKeyId,
      AWS_SECRET_ACCESS_KEY: scenario.ci.secretAccessKey,
      SNAPCLONE_CONFIG: config,
      // So that snapclone's polling expects the sandbox's durations, not AWS's.
      SNAPCLONE_SANDBOX_SPEED: String(options.speed),
      // Full rights, to stage situations with the aws CLI (a foreign look-alike instance, someone else's tag).
      SANDBOX_ADMIN_ACCESS_KEY_ID: scenario.admin.accessKeyId,
      SANDBOX_ADMIN_SECRET_ACCESS_KEY: scenario.admin.secretAccessKey,
    };
    const lines = Object.entries(env).map(([key, value]) => `${key}=${value}\n`);
    // The file holds a secret key: readable by its owner only.
    writeFileSync(resolve(options.envFile), lines.join(''), { mode: 0o600 });
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`snapclone sandbox: ${signal}, stopping\n`);
    void sandbox.close().finally(() => {
      rmSync(configDir, { recursive: true, force: true });
      process.exit(0);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  process.stdout.write(`snapclone sandbox ready at ${sandbox.url}\n`);
}

// Run only as the entry point (tests import parseOptions).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
