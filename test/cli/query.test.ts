// --query (JMESPath on the JSON document, as the aws CLI's) and JSON errors on stderr, through the real CLI
// process against the sandbox.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeScenarioConfig } from '../../sandbox/scenario/config.ts';
import { saveCalledActions } from '../support/actions.ts';
import { buildCli, runCli, type Run } from '../support/cli-process.ts';
import { cliEnv, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
let dir: string;
let bin: string;
let env: NodeJS.ProcessEnv;

function snapclone(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  return runCli(bin, args, { ...env, ...extraEnv }, dir);
}

/** Runs the CLI and returns, with its output, the AWS operations it called (as the sandbox saw them). */
async function watched(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ run: Run; calls: string[] }> {
  const calls: string[] = [];
  const stop = sb.world.faults.onRequest((event) => {
    if (event.phase === 'before') calls.push(`${event.service}:${event.operation}`);
  });
  try {
    return { run: await snapclone(args, extraEnv), calls };
  } finally {
    stop();
  }
}

/** Every line on stderr, each parsed as JSON (fails the test on a line that is not JSON). */
const jsonLines = (stderr: string): Record<string, unknown>[] =>
  stderr
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'snapclone-query-'));
  bin = await buildCli(dir);
  sb = await startTestSandbox({ speed: 3000 });
  env = cliEnv(sb, dir, writeScenarioConfig(dir), 'tester');
}, 60_000);

afterAll(async () => {
  if (sb) saveCalledActions(sb.world);
  await sb?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('--query', () => {
  it('filters the points document, and makes the output JSON without --output (even with SNAPCLONE_OUTPUT=table)', async () => {
    const full = await snapclone(['points', 'orders-db', '--output', 'json']);
    expect(full.code, full.stderr).toBe(0);
    const points = JSON.parse(full.stdout).points as { kind: string; id: string }[];
    const backups = points.filter((p) => p.kind === 'backup').map((p) => p.id);
    expect(backups.length).toBeGreaterThan(0);

    const ids = await snapclone(['points', 'orders-db', '--query', 'points[?kind==`backup`].id']);
    expect(ids.code, ids.stderr).toBe(0);
    expect(JSON.parse(ids.stdout)).toEqual(backups);

    const first = await snapclone(['points', 'orders-db', '--query', '{kind: points[0].kind, count: length(points)}'], { SNAPCLONE_OUTPUT: 'table' });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ kind: points[0].kind, count: points.length });
  });

  it("list --query 'clones[].name' prints the names of the clones as a JSON array", async () => {
    const name = 'snapclone-query-list';
    const made = await snapclone(['create', 'billing-db', '--latest', '--no-wait', '--name', name, '--query', 'clones[0].name']);
    expect(made.code, made.stderr).toBe(0);
    expect(JSON.parse(made.stdout)).toBe(name);

    const listed = await snapclone(['list', '--query', 'clones[].name']);
    expect(listed.code, listed.stderr).toBe(0);
    const full = JSON.parse((await snapclone(['list', '--output', 'json'])).stdout) as { clones: { name: string }[] };
    expect(JSON.parse(listed.stdout)).toEqual(full.clones.map((c) => c.name));
    expect(JSON.parse(listed.stdout)).toContain(name);

    expect((await snapclone(['delete', name, '--yes'])).code).toBe(0);
    expect(JSON.parse((await snapclone(['list', '--query', 'clones[].name'])).stdout)).not.toContain(name);
  });

  it.each([
    ['a syntax error', 'clones[?', /--query 'clones\[\?' is not a valid JMESPath expression/],
    ['an empty expression', '', /--query '' is not a valid JMESPath expression/],
    ['an unknown function', 'nosuch(clones)', /--query 'nosuch\(clones\)' calls an unknown function: nosuch\(\)/],
  ])('%s: exit 2 naming the expression, nothing printed on stdout, nothing called in AWS', async (_what, expression, message) => {
    const { run, calls } = await watched(['list', '--query', expression]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const [error] = jsonLines(run.stderr);
    expect(error.error).toMatch(message);
    expect(error.hint).toContain('JMESPath');
    expect(error.exitCode).toBe(2);
    expect(calls).toEqual([]);
    // The same watch sees the calls of a valid query: the empty list above means nothing was called.
    const valid = await watched(['list', '--query', 'clones']);
    expect(valid.run.code, valid.run.stderr).toBe(0);
    expect(valid.calls.length).toBeGreaterThan(0);
  });

  it('exits 2 when --output asks for a format other than JSON, before calling AWS', async () => {
    const { run, calls } = await watched(['list', '--query', 'clones', '--output', 'table']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--query filters the JSON output; it does not apply to --output table');
    expect(calls).toEqual([]);
  });

  it('exits 1 when the query cannot be applied to the result (a type error found only then)', async () => {
    const run = await snapclone(['points', 'orders-db', '--query', 'length(source == `1`)']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(jsonLines(run.stderr).at(-1)).toMatchObject({ error: expect.stringMatching(/^--query 'length\(source == `1`\)' could not be applied/), exitCode: 1 });
  });
});

describe('errors with --output json', () => {
  it('are one JSON object on stderr: error, hint and exitCode', async () => {
    const run = await snapclone(['points', 'nothing-db', '--output', 'json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = jsonLines(run.stderr);
    expect(lines.at(-1)).toEqual({ error: expect.stringContaining("Unknown source 'nothing-db'"), hint: expect.any(String), exitCode: 2 });
  });

  it('include the command-line mistakes commander finds, without the help text', async () => {
    for (const args of [['list', '--bogus', '--output', 'json'], ['--output', 'json', 'frobnicate'], ['list', '--bogus', '--query', 'clones']]) {
      const run = await snapclone(args);
      expect(run.code, args.join(' ')).toBe(2);
      const lines = jsonLines(run.stderr);
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0]).toEqual({ error: expect.stringMatching(/unknown (option|command)/), hint: expect.any(String), exitCode: 2 });
    }
    // Without JSON, the text and the help stay as they were.
    const text = await snapclone(['list', '--bogus']);
    expect(text.stderr).toMatch(/^error: unknown option '--bogus'/);
    expect(text.stderr).toContain('Usage:');
  });
});
