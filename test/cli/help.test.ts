// Help as gh prints it (examples, the global flags, where to learn more), checked for every command of the program;
// every example is parsed by the program itself. No AWS call is made here: the commands' actions never run.
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scenarioConfig } from '../../sandbox/scenario/config.ts';
import type { Io } from '../../src/cli/context.ts';
import { DOCS_URL, EXAMPLES } from '../../src/cli/help.ts';
import { main, program } from '../../src/cli/main.ts';

const dir = mkdtempSync(join(tmpdir(), 'snapclone-help-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function stream(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const fake = { write: (s: string) => ((text += s), true), isTTY: false, columns: 120 };
  return { stream: fake as unknown as NodeJS.WriteStream, text: () => text };
}

/** Runs the CLI in-process as a user would type it, in a folder without a config. */
async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = stream();
  const err = stream();
  const io: Io = { env, cwd: dir, stdout: out.stream, stderr: err.stream, stdin: process.stdin };
  const code = await main(args, io);
  return { code, stdout: out.text(), stderr: err.text() };
}

const quietIo = (): Io => ({ env: {}, cwd: dir, stdout: stream().stream, stderr: stream().stream, stdin: process.stdin });

/** The program's visible commands (commander's own `help` aside). */
const tree = program(quietIo(), () => undefined);
const commands = tree.createHelp().visibleCommands(tree).filter((c) => c.name() !== 'help');
const globalOptions = tree.options.filter((o) => o.long !== '--version' && !o.hidden);

/** An example's command line as words: the snapclone part of it, without redirections or pipes. */
function words(line: string): string[] {
  const inner = /<\((.*)\)/.exec(line)?.[1] ?? line;
  const tokens = [...inner.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
  const end = tokens.findIndex((t) => t === '>' || t === '|');
  return end === -1 ? tokens : tokens.slice(0, end);
}

/** Parses `args` with the real program, its actions replaced: which command ran, and with what. */
async function dryParse(args: string[]): Promise<{ command: string; args: unknown[] }> {
  const root = program(quietIo(), () => undefined);
  let ran: { command: string; args: unknown[] } | undefined;
  const stub = (command: CommandUnknownOpts) => {
    command.action((...received: unknown[]) => void (ran = { command: command.name(), args: received.slice(0, -1) }));
    command.commands.forEach(stub);
  };
  root.commands.forEach(stub);
  await root.parseAsync(args, { from: 'user' });
  if (!ran) throw new Error(`no command ran for: ${args.join(' ')}`);
  return ran;
}

describe('--help of every command', () => {
  it('lists the commands it checks (the program has its commands and global options)', () => {
    expect(commands.map((c) => c.name())).toEqual(expect.arrayContaining(['points', 'create', 'list', 'delete', 'doctor', 'completion']));
    expect(globalOptions.map((o) => o.long)).toEqual(expect.arrayContaining(['--config', '--output', '--profile', '--region', '--verbose']));
  });

  it.each(commands.map((c) => c.name()))('%s --help has examples, the global flags read from the program, and where to learn more', async (name) => {
    const { code, stdout } = await run([name, '--help']);
    expect(code).toBe(0);
    const examples = stdout.slice(stdout.indexOf('\nExamples:\n'));
    expect(stdout).toContain('\nExamples:\n');
    expect(examples).toMatch(new RegExp(`\\n  \\$ .*snapclone ${name}\\b`));
    const globals = stdout.slice(stdout.indexOf('\nGlobal Options:\n'), stdout.indexOf('\nExamples:\n'));
    expect(globals.length).toBeGreaterThan(0);
    for (const option of globalOptions) expect(globals).toContain(option.flags);
    expect(globals).not.toContain('--version');
    expect(stdout).toMatch(/\nLearn more:\n {2}Use 'snapclone <command> --help' for more about a command\.\n/);
    expect(stdout).toContain(DOCS_URL);
    expect(stdout).not.toContain('(default: [])');
  });

  it('the program\'s own --help has examples and the footer too', async () => {
    const { stdout } = await run(['--help']);
    expect(stdout).toContain('\nExamples:\n  # ');
    expect(stdout).toContain('\nLearn more:\n');
  });

  it('janitor --help shows no "(default: [])" for the repeatable --target, and keeps the real defaults', async () => {
    const { stdout } = await run(['janitor', '--help']);
    expect(stdout).toMatch(/--target <name> +target to clean \(repeatable; default: all\)\n/);
    expect(stdout).toContain('(default: "1h")');
    expect(stdout).toContain('(default: 4)');
  });
});

describe('the examples', () => {
  const all = Object.entries(EXAMPLES).flatMap(([command, examples]) => examples.map((example) => ({ command, ...example })));

  it('cover every command of the program', () => {
    for (const command of commands) expect(EXAMPLES[command.name()]?.length, command.name()).toBeGreaterThan(0);
  });

  it.each(all.map((e) => [e.command, e.line] as const))('%s: `%s` parses, and runs that command', async (command, line) => {
    const args = words(line);
    expect(args[0]).toBe('snapclone');
    const ran = await dryParse(args.slice(1));
    if (command !== 'snapclone') expect(ran.command).toBe(command);
  });

  it('name sources and sets that the sandbox has (npm run sandbox), so they work as typed there', async () => {
    const config = scenarioConfig();
    const known = new Set([...Object.keys(config.sources), ...Object.keys((config as { sets?: object }).sets ?? {})]);
    for (const example of all) {
      const args = words(example.line).slice(1);
      if (args[0] !== 'points' && args[0] !== 'create') continue;
      const ran = await dryParse(args);
      const names = ran.command === 'create' ? (ran.args[0] as string[]) : [ran.args[0] as string];
      for (const name of names) expect(known, example.line).toContain(name);
    }
  });
});

describe('errors that give the next step', () => {
  it.each([['show'], ['credentials'], ['delete'], ['extend', '--ttl', '1d']])('%s without a clone says that snapclone list shows them (exit 2)', async (command, ...options) => {
    const { code, stderr } = await run([command, ...options]);
    expect(code).toBe(2);
    expect(stderr).toContain("error: missing required argument 'clone'\nsnapclone list shows your clones.\n");
    expect(stderr).toContain(`Usage: snapclone ${command} `);
  });

  it('--config naming a missing file says where the path came from and what to do', async () => {
    const { code, stderr } = await run(['list', '--config', 'no-such.yaml']);
    expect(code).toBe(2);
    expect(stderr).toContain(`Config file not found: ${join(dir, 'no-such.yaml')} (from --config)`);
    expect(stderr).toContain('Check the path given to --config, or create the file (see the README\'s "Configuration")');
  });

  it('SNAPCLONE_CONFIG naming a missing file says so', async () => {
    const { code, stderr } = await run(['list'], { SNAPCLONE_CONFIG: 'gone.yaml' });
    expect(code).toBe(2);
    expect(stderr).toContain('(from SNAPCLONE_CONFIG)');
    expect(stderr).toContain('Check the path given to SNAPCLONE_CONFIG');
  });
});
