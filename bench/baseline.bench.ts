// npm run bench (or tsx bench/baseline.bench.ts on its own) — snapclone against the shell scripts an
// infrastructure team writes first (bench/baseline/: aws CLI, sts assume-role with the external id, jq, a polling
// loop, a separate delete script), side by side in one run on the same scenario: clone orders-db from the AWS
// Backup recovery point of one day, wait until it is available, delete it and wait until it is gone.
//
// Each tool runs on its own freshly started sandbox, seeded alike, one after the other: the API calls each makes
// are counted alone, neither sees the other's clone or restore jobs, and they do not compete for the machine's
// two cores (running them at once would skew both wall times). Both assume the same operator role with the same
// external id from the same CI user's key, so both run under the same IAM policy.
//
// Fair polling under `speed`: the sandbox finishes AWS's work SPEED times faster than AWS (a 15-minute restore
// takes 15 s). The baseline's poll interval is a parameter (POLL_SECONDS, 30 s by default, as the aws CLI's RDS
// waiters); the bench divides it by SPEED, so the script polls every 30 s of the sandbox's AWS time, as it would
// against AWS: both face the same virtual world. snapclone is told the sandbox's speed the same way
// (SNAPCLONE_SANDBOX_SPEED), so its polling schedule runs SPEED times faster too. What is left of each tool's
// own cost shows in the "beyond AWS's own time" rows (wall time minus the restore and deletion durations the
// sandbox imposes): process starts and the time between AWS being done and the tool noticing.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DURATIONS } from '../sandbox/services/rds/state.ts';
import { livePoints } from '../sandbox/services/backup/state.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION, EXTERNAL_ID, PROD_DATABASES } from '../sandbox/scenario/constants.ts';
import { countCalls } from './support/calls.ts';
import { benchSandbox, mustRun, type BenchSandbox } from './support/cli.ts';
import type { Context } from '../src/core/context.ts';
import { Polling, TYPICAL_MS } from '../src/engines/shared/poll.ts';
import { median, ms, runAlone, times, type Benchmark, type BenchRow } from './support/table.ts';

/** How many times faster than AWS the sandboxes run. */
const SPEED = 60;
/** The baseline's poll interval against AWS, seconds (the aws CLI's RDS waiters poll every 30 s). */
const POLL_SECONDS = 30;
const SOURCE = PROD_DATABASES.find((db) => db.name === 'orders-db')!;
const SCRIPTS = new URL('baseline/', import.meta.url).pathname;
/** Tools whose every start the baseline's PATH shims count. */
const COUNTED = ['aws', 'jq', 'date', 'sleep', 'cut', 'dirname', 'grep'];

/** The day whose backup is cloned: three days before seeding, in the scenario's time zone (Asia/Tokyo). */
function dayOf(sb: BenchSandbox): string {
  return new Date(sb.scenario.seededAt.getTime() - 3 * 86_400_000).toLocaleDateString('sv-SE', { timeZone: 'Asia/Tokyo' });
}

/** The path of a tool on this machine's PATH, or undefined. */
function which(tool: string): string | undefined {
  const out = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : undefined;
}

/**
 * The aws CLI a user of this machine runs (the first on PATH, else Debian's /usr/bin/aws). A pyenv shim is
 * resolved to the executable behind it: the shim's own start (about 0.3 s here) is not the aws CLI's cost.
 */
function awsCli(): string | undefined {
  const found = which('aws') ?? (which('/usr/bin/aws') ? '/usr/bin/aws' : undefined);
  if (!found?.includes('/.pyenv/shims/')) return found;
  const real = spawnSync('pyenv', ['which', 'aws'], { encoding: 'utf8' });
  return real.status === 0 ? real.stdout.trim() : found;
}

interface Measured {
  ms: number;
  calls: number;
  byAction: Record<string, number>;
  processes: number;
  processDetail: string;
  rssMb: number;
}

async function measureSnapclone(): Promise<Measured> {
  const sb = await benchSandbox({ speed: SPEED });
  try {
    const calls = countCalls(sb.sandbox.world);
    const name = 'snapclone-orders-bench';
    const env = { ...sb.env, SNAPCLONE_SANDBOX_SPEED: String(SPEED) };
    const create = await mustRun(['create', SOURCE.name, '--date', dayOf(sb), '--ttl', '2h', '--name', name], env);
    const del = await mustRun(['delete', name, '--yes'], env);
    return {
      ms: create.ms + del.ms,
      calls: calls.total(),
      byAction: calls.byAction(),
      processes: 2,
      processDetail: '2 node (create, delete)',
      rssMb: Math.max(create.rssMb, del.rssMb),
    };
  } finally {
    await sb.close();
  }
}

interface ScriptRun {
  code: number | null;
  stderr: string;
  ms: number;
  rssMb: number;
}

/**
 * Runs one baseline script under /usr/bin/time (when present): its peak RSS is the largest of the whole process
 * tree's (wait4 folds waited-for descendants' peaks in), i.e. of the biggest aws process.
 */
function runScript(script: string, args: string[], env: NodeJS.ProcessEnv, dir: string): Promise<ScriptRun> {
  const rssOut = join(dir, 'rss');
  rmSync(rssOut, { force: true });
  const timed = which('/usr/bin/time') !== undefined;
  const [cmd, argv] = timed ? ['/usr/bin/time', ['-f', '%M', '-o', rssOut, 'bash', join(SCRIPTS, script), ...args]] : ['bash', [join(SCRIPTS, script), ...args]];
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(cmd, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const elapsed = performance.now() - start;
      let rssMb = Number.NaN;
      try {
        rssMb = Number(readFileSync(rssOut, 'utf8').trim().split('\n').pop()) / 1024;
      } catch {
        // no /usr/bin/time, or it failed
      }
      resolve({ code, stderr, ms: elapsed, rssMb });
    });
  });
}

/**
 * A temp folder of PATH shims: each logs its tool's name, then execs the real one; aws's also logs how long
 * each run took (read with /usr/bin/date, outside the PATH the scripts see, so it is not counted).
 */
function shims(dir: string, real: Record<string, string>): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const log = join(dir, 'processes.log');
  const date = existsSync('/usr/bin/date') ? '/usr/bin/date' : '/bin/date';
  for (const [tool, path] of Object.entries(real)) {
    const body =
      tool === 'aws'
        ? `start=$(${date} +%s%N)\n'${path}' "$@"\nrc=$?\necho "aws $(( ($(${date} +%s%N) - start) / 1000000 ))" >> '${log}'\nexit $rc\n`
        : `echo ${tool} >> '${log}'\nexec '${path}' "$@"\n`;
    writeFileSync(join(bin, tool), `#!/bin/sh\n${body}`);
    chmodSync(join(bin, tool), 0o755);
  }
  return bin;
}

/** Processes started by tool, and the aws CLI's run times (ms), from the shims' log; empties the log. */
function processCounts(dir: string): { counts: Record<string, number>; awsMs: number[] } {
  let lines: string[] = [];
  try {
    lines = readFileSync(join(dir, 'processes.log'), 'utf8').split('\n').filter(Boolean);
  } catch {
    // nothing started
  }
  rmSync(join(dir, 'processes.log'), { force: true });
  const counts: Record<string, number> = {};
  const awsMs: number[] = [];
  for (const line of lines) {
    const [tool, took] = line.split(' ');
    counts[tool] = (counts[tool] ?? 0) + 1;
    if (took) awsMs.push(Number(took));
  }
  return { counts, awsMs };
}

interface Baseline extends Measured {
  /** Median run time of one aws CLI process, ms. */
  awsMedianMs: number;
  /** What the StartRestoreJob variant (RESTORE_VIA=backup) ran into under the operator role. */
  backupVariant: string;
}

async function measureBaseline(aws: string): Promise<Baseline> {
  const sb = await benchSandbox({ speed: SPEED });
  const dir = mkdtempSync(join(tmpdir(), 'snapclone-baseline-'));
  try {
    const real = Object.fromEntries(COUNTED.map((tool) => [tool, tool === 'aws' ? aws : which(tool)]).filter(([, p]) => p));
    const bin = shims(dir, real as Record<string, string>);
    const env: NodeJS.ProcessEnv = {
      PATH: `${bin}:${sb.env.PATH}`,
      HOME: dir,
      USER: 'bench',
      AWS_ACCESS_KEY_ID: sb.scenario.ci.accessKeyId,
      AWS_SECRET_ACCESS_KEY: sb.scenario.ci.secretAccessKey,
      AWS_CONFIG_FILE: join(dir, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
      ENDPOINT_URL: sb.sandbox.url,
      EXTERNAL_ID,
      // The same 30 s of AWS time between polls, and the same 2-hour limit, in the sandbox's faster time.
      POLL_SECONDS: String(POLL_SECONDS / SPEED),
      WAIT_TIMEOUT_SECONDS: String(Math.ceil(7200 / SPEED)),
    };
    const calls = countCalls(sb.sandbox.world);
    const name = 'snapclone-orders-base';
    const must = (run: ScriptRun, what: string) => {
      if (run.code !== 0) throw new Error(`baseline ${what} exited ${run.code}:\n${run.stderr}`);
      return run;
    };
    const create = must(await runScript('clone-rds.sh', [SOURCE.id, dayOf(sb), name, '2'], { ...env, RESTORE_VIA: 'rds' }, dir), 'clone-rds.sh');
    // The script restored the backup of that day in Asia/Tokyo, the one snapclone's --date picks.
    const chosen = /recovery point: (\S+)/.exec(create.stderr)?.[1];
    const point = livePoints(sb.sandbox.world, COMPANY_ACCOUNT, COMPANY_REGION, sb.sandbox.world.clock.nowMs()).find((p) => p.arn === chosen);
    const pointDay = point && new Date(point.createdAt).toLocaleDateString('sv-SE', { timeZone: 'Asia/Tokyo' });
    if (pointDay !== dayOf(sb)) throw new Error(`baseline restored ${chosen ?? 'no recovery point'} (of ${pointDay}), not the backup of ${dayOf(sb)}`);
    const del = must(await runScript('delete-rds.sh', [name], env, dir), 'delete-rds.sh');
    const { counts, awsMs } = processCounts(dir);
    const measured = { ms: create.ms + del.ms, calls: calls.total(), byAction: calls.byAction() };
    // The StartRestoreJob variant, after the measured run (its calls are not counted in it).
    const variant = await runScript('clone-rds.sh', [SOURCE.id, dayOf(sb), 'snapclone-orders-job', '2'], { ...env, RESTORE_VIA: 'backup' }, dir);
    const refused = /not authorized to perform:? ([\w:-]+)/i.exec(variant.stderr)?.[1];
    const backupVariant =
      variant.code === 0 ? 'works' : refused ? `refused: the operator role lacks ${refused}` : `failed (exit ${variant.code}): ${variant.stderr.trim().split('\n').pop()}`;
    const others = Object.entries(counts).filter(([tool]) => tool !== 'aws' && tool !== 'jq');
    return {
      ...measured,
      // The two scripts' bash processes and every counted tool (not the bench's own /usr/bin/time).
      processes: 2 + Object.values(counts).reduce((a, b) => a + b, 0),
      awsMedianMs: median(awsMs),
      processDetail: `${counts.aws ?? 0} aws, ${counts.jq ?? 0} jq, 2 bash, ${others.map(([t, n]) => `${n} ${t}`).join(', ')}`,
      rssMb: Math.max(create.rssMb, del.rssMb),
      backupVariant,
    };
  } finally {
    await sb.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const MB = (x: number) => (Number.isNaN(x) ? 'n/a' : `${x.toFixed(0)} MB`);
const actions = (m: Measured) =>
  Object.entries(m.byAction)
    .sort(([, a], [, b]) => b - a)
    .map(([a, n]) => `${a.split(':')[1]} ${n}`)
    .join(', ');

/** How many reads a wait of `durationMs` makes when the k-th pause is delays(k) ms (the first read is at once). */
function readsDuring(durationMs: number, delays: (k: number) => number): number {
  let reads = 1;
  for (let waited = 0; waited < durationMs; reads++) waited += delays(reads - 1);
  return reads;
}

/** How many reads snapclone's Polling makes while AWS works `durationMs`, expecting `expectedMs`. */
function pollingReads(durationMs: number, expectedMs: number): number {
  let now = 0;
  const ctx = { now: () => new Date(now), sleep: async () => undefined } as unknown as Context;
  const poll = new Polling(ctx, expectedMs);
  let reads = 1;
  while (now < durationMs) {
    now += poll.next();
    reads++;
  }
  return reads;
}

export const benchmark: Benchmark = async () => {
  const rows: BenchRow[] = [];
  const area = 'baseline';
  const info = (measure: string, value: string) => rows.push({ area, measure, value, target: '' });
  const scenario = `orders-db from the backup of a day, wait, delete (speed ${SPEED})`;
  // AWS's own time, as the sandbox imposes it: the restore of the source's 20 GB, one modification, the deletion.
  // snapclone replaces the master password with its own (the scenario's `password: generated`: a password reset);
  // the scripts switch it to an RDS-managed one (a modification).
  const snapWaits = [DURATIONS.restore(SOURCE.storageGb), DURATIONS.passwordReset, DURATIONS.deletion];
  const baseWaits = [DURATIONS.restore(SOURCE.storageGb), DURATIONS.modify, DURATIONS.deletion];
  const snapAwsTime = snapWaits.reduce((a, b) => a + b) / SPEED;
  const baseAwsTime = baseWaits.reduce((a, b) => a + b) / SPEED;

  const snapclone = await measureSnapclone();
  info(`snapclone: ${scenario}: wall time`, ms(snapclone.ms));
  info(`snapclone: wall time beyond AWS's own (${ms(snapAwsTime)})`, ms(snapclone.ms - snapAwsTime));
  info('snapclone: API calls', `${snapclone.calls} (${actions(snapclone)})`);
  info('snapclone: processes started', `${snapclone.processes} (${snapclone.processDetail})`);
  rows.push({ area, measure: 'snapclone: peak RSS', value: MB(snapclone.rssMb), target: '< 150 MB', met: snapclone.rssMb < 150 });

  const aws = awsCli();
  const version = aws ? spawnSync(aws, ['--version'], { encoding: 'utf8' }) : undefined;
  if (!aws || !version || version.status !== 0) {
    info('baseline scripts (bench/baseline/)', `skipped: ${aws ? `${aws} --version failed` : 'no aws CLI on PATH nor /usr/bin/aws'}`);
    return rows;
  }
  info('baseline: aws CLI', `${aws}: ${(version.stdout || version.stderr).trim().split(' ')[0]}`);
  let base: Baseline;
  try {
    base = await measureBaseline(aws);
  } catch (error) {
    info('baseline scripts (bench/baseline/)', `failed, not measured: ${(error as Error).message.trim().split('\n').pop()}`);
    return rows;
  }
  info(`baseline: ${scenario}, polls every ${POLL_SECONDS} s of AWS time: wall time`, ms(base.ms));
  info(`baseline: wall time beyond AWS's own (${ms(baseAwsTime)})`, ms(base.ms - baseAwsTime));
  info('baseline: API calls', `${base.calls} (${actions(base)})`);
  info('baseline: processes started', `${base.processes} (${base.processDetail})`);
  info('baseline: one aws CLI process (median run time)', ms(base.awsMedianMs));
  info('baseline: peak RSS (largest process of the scripts)', MB(base.rssMb));
  info('baseline: StartRestoreJob variant (RESTORE_VIA=backup)', base.backupVariant);
  info('snapclone / baseline: wall time', times(snapclone.ms / base.ms));
  info("snapclone / baseline: wall time beyond AWS's own", times((snapclone.ms - snapAwsTime) / (base.ms - baseAwsTime)));
  info('snapclone / baseline: API calls', times(snapclone.calls / base.calls));
  info('snapclone / baseline: processes started', times(snapclone.processes / base.processes));
  info('snapclone / baseline: peak RSS', times(snapclone.rssMb / base.rssMb));
  // At SPEED, a pause or a process start in real time stands for SPEED times as much AWS time, so the number of
  // describe calls each made here is not the number it makes against AWS: snapclone's real-time pauses cover
  // more AWS time, and each aws process (base.awsMedianMs of real time) lengthens the script's loop. Against
  // AWS (speed 1) the same waits cost, by each tool's polling schedule:
  const expected = [TYPICAL_MS.instanceRestore(SOURCE.storageGb), TYPICAL_MS.modify, TYPICAL_MS.deletion];
  const snapReads = snapWaits.reduce((n, d, i) => n + pollingReads(d, expected[i]), 0);
  const baseReads = baseWaits.reduce((n, d) => n + readsDuring(d, () => POLL_SECONDS * 1000 + base.awsMedianMs), 0);
  info('snapclone: describe calls while waiting, against AWS (from its schedule, not measured)', `${snapReads}`);
  info('baseline: describe calls while waiting, against AWS (from its schedule, not measured)', `${baseReads}`);
  return rows;
};

await runAlone(import.meta.url, benchmark);
