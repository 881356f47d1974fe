// Crash and resume: the real snapclone process is killed (SIGKILL) at a request of `create` or `delete`, either
// before the sandbox acts on it or after (the change made, the answer never read); the same command is then run
// again, and the sandbox's state must show exactly one healthy clone (or none after delete), no second restore
// and nothing left behind.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dayOf } from '../../src/core/dates.ts';
import { AwsError } from '../../sandbox/core/errors.ts';
import { writeScenarioConfig } from '../../sandbox/scenario/config.ts';
import { saveCalledActions } from '../support/actions.ts';
import { buildCli, spawnCli as spawnProcess, type Run } from '../support/cli-process.ts';
import { cliEnv, startTestSandbox, taggedAs, type TestSandbox } from '../support/sandbox.ts';

/** Restores run this many times faster than AWS's: a resumed run finds the restore done, so no run sleeps. */
const SPEED = 1_000_000;

/** The calls that start a restore: each clone must have been restored exactly once. */
const RESTORE = /^(backup:StartRestoreJob|rds:RestoreDB\w+|rds:CreateDBInstance|elasticache:CreateReplicationGroup|es:CreateDomain)$/;
/** Calls that change something: each is a kill point both before and after the sandbox acts on it. */
const WRITE = /:(Create|Restore|Start|Modify|Delete|Add|Remove|Put|Tag|Untag|Update|Rotate)/;

export interface KillPoint {
  /** The request of the run (1 = the first) at which the process is killed. */
  at: number;
  /** Killed before the sandbox acted on that request, or after (the change made, the answer lost). */
  when: 'before' | 'after';
  action: string;
}

export interface Crashes {
  sb: TestSandbox;
  /** Runs snapclone to its end (no kill); throws with its output when it fails. */
  run(args: string[]): Promise<Run>;
  /** Runs snapclone to its end (no kill), whatever its exit code. */
  attempt(args: string[]): Promise<Run>;
  /** Runs snapclone and kills it at `point`; returns the actions the sandbox saw. */
  killAt(args: string[], point: KillPoint): Promise<void>;
  /** The actions of one run of `args`, in order. */
  trace(args: string[]): Promise<string[]>;
  /** How many restores the sandbox carried out for runs since the last call. */
  restores(): number;
  /** The kinds of resource tagged as the clone `name` (e.g. rds:db, secretsmanager:secret), sorted. */
  tagged(name: string): Promise<string[]>;
  close(): Promise<void>;
}

export async function startCrashes(owner: string): Promise<Crashes> {
  const dir = mkdtempSync(join(tmpdir(), 'snapclone-crash-'));
  const bin = await buildCli(dir);
  const sb = await startTestSandbox({ speed: SPEED });
  const env = cliEnv(sb, dir, writeScenarioConfig(dir), owner);
  // Every run assumes the role afresh: a session cached by an earlier run would change the calls kill points count.
  const spawnCli = (path: string, args: string[], environment: NodeJS.ProcessEnv) => spawnProcess(path, [...args, '--no-session-cache'], environment);
  let restored = 0;
  let onCall: ((action: string) => void) | undefined;
  sb.world.observer = (call) => {
    onCall?.(call.action);
    if (RESTORE.test(call.action)) restored++;
  };

  const run = async (args: string[]) => {
    const out = await spawnCli(bin, args, env).done;
    if (out.code !== 0) throw new Error(`snapclone ${args.join(' ')} exited ${out.code}:\n${out.stderr}`);
    return out;
  };
  return {
    sb,
    run,
    attempt: (args) => spawnCli(bin, args, env).done,
    async killAt(args, point) {
      const running = spawnCli(bin, args, env);
      let seen = 0;
      onCall = (action) => {
        if (++seen !== point.at) return;
        running.child.kill('SIGKILL');
        onCall = undefined;
        if (action !== point.action) throw new Error(`kill point ${point.at} is ${action}, not ${point.action} as in the reference run`);
        if (point.when === 'before') throw new AwsError('InternalFailure', 'the client is gone', 500);
      };
      const out = await running.done;
      onCall = undefined;
      expect(out.signal, `snapclone ${args.join(' ')} was to be killed at ${point.action} (${point.at}) but ended: ${out.stderr}`).toBe('SIGKILL');
    },
    async trace(args) {
      const actions: string[] = [];
      onCall = (action) => actions.push(action);
      try {
        await run(args);
      } finally {
        onCall = undefined;
      }
      return actions;
    },
    restores() {
      const n = restored;
      restored = 0;
      return n;
    },
    tagged: (name) => taggedAs(sb, name),
    async close() {
      saveCalledActions(sb.world);
      await sb.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * About `count` kill points spread over a run's actions: before and after every write, then reads at even
 * intervals until there are enough.
 */
export function killPoints(trace: string[], count: number): KillPoint[] {
  const points: KillPoint[] = [];
  trace.forEach((action, i) => {
    if (WRITE.test(action)) points.push({ at: i + 1, when: 'before', action }, { at: i + 1, when: 'after', action });
  });
  const reads = trace.map((action, i) => ({ at: i + 1, when: 'after' as const, action })).filter((p) => !WRITE.test(p.action));
  const wanted = Math.max(0, count - points.length);
  for (let k = 0; k < wanted && k < reads.length; k++) points.push(reads[Math.floor((k * reads.length) / wanted)]);
  return points.sort((a, b) => a.at - b.at || a.when.localeCompare(b.when));
}

const DAY_MS = 86_400_000;

/**
 * Registers the crash-and-resume test of one source: a reference create and delete give the runs' requests;
 * then, for each kill point, a clone is created with the process killed there and created again, checked,
 * deleted with the process killed at a delete point and deleted again, checked gone.
 */
export function crashAndResume(source: string, short: string, counts: { create: number; delete: number }): void {
  let c: Crashes;
  beforeAll(async () => {
    c = await startCrashes('crash');
  });
  afterAll(async () => {
    await c?.close();
  });

  it(`${source}: killed at ${counts.create} points of create and ${counts.delete} of delete, each re-run converges`, async () => {
    const day = dayOf(new Date(c.sb.world.clock.nowMs() - 3 * DAY_MS), 'Asia/Tokyo');
    // --verbose: their output is also checked for secrets (test/support/hygiene.ts).
    const create = (name: string) => ['create', source, '--date', day, '--name', name, '--output', 'json', '--verbose'];
    const remove = (name: string) => ['delete', name, '--yes', '--verbose'];

    const reference = `snapclone-${short}-ref`;
    const createTrace = await c.trace(create(reference));
    const restoresPerClone = c.restores();
    const kinds = await c.tagged(reference);
    expect(restoresPerClone).toBeGreaterThan(0);
    expect(kinds.length).toBeGreaterThan(0);
    const deleteTrace = await c.trace(remove(reference));
    expect(await c.tagged(reference)).toEqual([]);

    const createPoints = killPoints(createTrace, counts.create);
    const deletePoints = killPoints(deleteTrace, counts.delete);
    expect(createPoints.length).toBeGreaterThanOrEqual(counts.create);
    expect(deletePoints.length).toBeGreaterThanOrEqual(counts.delete);
    for (let i = 0; i < Math.max(createPoints.length, deletePoints.length); i++) {
      const name = `snapclone-${short}-k${i}`;
      const where = (p: KillPoint) => `${p.action} #${p.at} (${p.when})`;
      if (createPoints[i]) await c.killAt(create(name), createPoints[i]);
      const created = JSON.parse((await c.run(create(name))).stdout) as { clones: { status: string; ready: boolean }[] };
      const context = createPoints[i] ? `create killed at ${where(createPoints[i])}` : 'create';
      expect(created.clones.map((x) => [x.status, x.ready]), `${context}: its clone`).toEqual([['available', true]]);
      expect(c.restores(), `${context}: restores`).toBe(restoresPerClone);
      expect(await c.tagged(name), `${context}: its resources`).toEqual(kinds);

      const killed = deletePoints[i] ? `delete killed at ${where(deletePoints[i])}` : 'delete';
      if (deletePoints[i]) await c.killAt(remove(name), deletePoints[i]);
      const again = await c.attempt(remove(name));
      // Killed after its last change, the delete had finished: the re-run finds nothing left to delete.
      const finished = again.code === 2 && again.stderr.includes(`No clone or set named '${name}'`);
      expect(again.code === 0 || finished, `${killed}: the re-run said ${again.stderr}`).toBe(true);
      expect(await c.tagged(name), `${killed}: left behind`).toEqual([]);
    }
    // Nothing for the janitor to find: no orphan restore, no orphan secret.
    const janitor = JSON.parse((await c.run(['janitor', '--dry-run', '--output', 'json'])).stdout) as { resources: { name: string; result: string }[] };
    expect(janitor.resources.filter((r) => r.name.startsWith(`snapclone-${short}-`))).toEqual([]);
  }, 300_000);
}
