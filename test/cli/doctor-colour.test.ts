// doctor's results in colour (PROBLEM red, WARNING yellow, ok green) when colour is on: FORCE_COLOR forces it, NO_COLOR
// and a pipe turn it off; the table's columns stay aligned. The bundled CLI, as a process, against the sandbox.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { writeScenarioConfig } from '../../sandbox/scenario/config.ts';
import { saveCalledActions } from '../support/actions.ts';
import { buildCli, runCli } from '../support/cli-process.ts';
import { cliEnv, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
let dir: string;
let bin: string;
let env: NodeJS.ProcessEnv;
/** The scenario config with a wrong external id: the role cannot be assumed, a PROBLEM. */
let wrongExternalId: string;

const ESC = '\x1b[';
const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'snapclone-doctor-colour-'));
  bin = await buildCli(join(dir, 'build'));
  sb = await startTestSandbox({ speed: 3000 });
  const config = writeScenarioConfig(dir);
  env = cliEnv(sb, dir, config, 'tester');
  const wrong = parse(readFileSync(config, 'utf8'));
  wrong.targets.dev.access.externalId = 'not-the-external-id';
  wrongExternalId = join(dir, 'wrong.yaml');
  writeFileSync(wrongExternalId, stringify(wrong));
}, 120_000);

afterAll(async () => {
  if (sb) saveCalledActions(sb.world);
  await sb?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The column where DETAIL starts in the header is where every row's detail starts, colours left out. */
function expectAligned(table: string): void {
  const lines = plain(table).trimEnd().split('\n');
  const at = lines[0].indexOf('DETAIL');
  expect(at).toBeGreaterThan(0);
  for (const line of lines.slice(1)) {
    expect(line.slice(at - 2, at)).toBe('  ');
    expect(line[at]).not.toBe(' ');
  }
}

describe('snapclone doctor in colour', () => {
  it('with FORCE_COLOR: ok in green, aligned as without colour', async () => {
    const run = await runCli(bin, ['doctor'], { ...env, FORCE_COLOR: '1' });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${ESC}32mok${ESC}39m`);
    expect(run.stdout).not.toContain('PROBLEM');
    expectAligned(run.stdout);
  });

  it('with FORCE_COLOR: PROBLEM in red (exit 1), aligned', async () => {
    const run = await runCli(bin, ['doctor', '--config', wrongExternalId], { ...env, FORCE_COLOR: '1' });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${ESC}31mPROBLEM${ESC}39m`);
    expectAligned(run.stdout);
  });

  it('NO_COLOR wins over FORCE_COLOR; a pipe gets no colour; markdown and JSON never do', async () => {
    const runs = await Promise.all([
      runCli(bin, ['doctor', '--config', wrongExternalId], { ...env, FORCE_COLOR: '1', NO_COLOR: '1' }),
      runCli(bin, ['doctor', '--config', wrongExternalId], env),
      runCli(bin, ['doctor', '--config', wrongExternalId, '--output', 'markdown'], { ...env, FORCE_COLOR: '1' }),
      runCli(bin, ['doctor', '--config', wrongExternalId, '--output', 'json'], { ...env, FORCE_COLOR: '1' }),
    ]);
    for (const run of runs) {
      expect(run.code).toBe(1);
      expect(run.stdout).not.toContain(ESC);
    }
    for (const run of runs.slice(0, 3)) expect(run.stdout).toContain('PROBLEM');
    expect(JSON.parse(runs[3].stdout)).toMatchObject({ ok: false });
    expectAligned(runs[1].stdout);
  });
});
