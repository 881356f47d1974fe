// Ctrl-C (SIGINT) while the real snapclone process waits: it stops cleanly with exit 130 and the command that
// carries on, and that command does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeScenarioConfig } from '../../sandbox/scenario/config.ts';
import { dayOf } from '../../src/core/dates.ts';
import { rerunCommand } from '../../src/core/rerun.ts';
import { buildCli, runCli, spawnCli } from '../support/cli-process.ts';
import { cliEnv, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
let dir: string;
let bin: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'snapclone-interrupt-'));
  bin = await buildCli(dir);
  sb = await startTestSandbox({ speed: 1 });
  env = cliEnv(sb, dir, writeScenarioConfig(dir), 'tester');
});

afterAll(async () => {
  await sb?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Ctrl-C', () => {
  it('stops a waiting create with exit 130 and the command that carries on, which finishes the same clone', async () => {
    const day = dayOf(new Date(sb.world.clock.nowMs() - 3 * 86_400_000), 'Asia/Tokyo');
    const running = spawnCli(bin, ['create', 'orders-db', '--date', day], env);
    let restored = false;
    sb.world.observer = (call) => {
      if (/^(backup:StartRestoreJob|rds:RestoreDBInstance)/.test(call.action)) restored = true;
      // The restore has started and the CLI is polling it: press Ctrl-C.
      if (restored && call.action === 'rds:DescribeDBInstances') running.child.kill('SIGINT');
    };
    const stopped = await running.done;
    sb.world.observer = undefined;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain('Stopped (Ctrl-C).');
    const command = /Run the same command again to carry on:\n {4}(snapclone .+)\n/.exec(stopped.stderr)?.[1];
    expect(command).toMatch(new RegExp(`^snapclone create orders-db --date ${day} --name snapclone-orders-db-\\S+$`));

    // The printed command attaches to the restore under way (AWS time passes quickly while it polls).
    sb.world.observer = (call) => {
      if (call.action === 'rds:DescribeDBInstances') sb.world.clock.advance(600_000);
    };
    const again = await runCli(bin, command!.split(' ').slice(1), env);
    sb.world.observer = undefined;
    expect(again.stderr).not.toContain('error:');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('(resumed)');
  });

  it('never prints an MFA code back in the command that carries on, and quotes what needs quoting', () => {
    const command = rerunCommand(['--mfa-code', '123456', 'create', 'orders-db', '--at', '2026-11-20 10:00', '--mfa-code=654321'], []);
    expect(command).toBe(`snapclone create orders-db --at '2026-11-20 10:00'`);
    expect(rerunCommand(undefined, ['delete', "it's"], ['--yes', ''])).toBe(`snapclone delete 'it'\\''s' --yes ''`);
  });
});
