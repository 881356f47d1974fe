// Shell completion: the scripts `snapclone completion SHELL` prints, run in the real shells installed here (bash
// always; zsh, fish and PowerShell when present), against the bundled CLI. Names come from the config through the
// hidden `__complete` command, which must never call AWS: the AWS endpoint is a server that counts requests.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { writeScenarioConfig } from '../../sandbox/scenario/config.ts';
import type { Io } from '../../src/cli/context.ts';
import { completionScript, SHELLS, type Shell } from '../../src/cli/completion.ts';
import { program } from '../../src/cli/main.ts';
import { buildCli } from '../support/cli-process.ts';

const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

let dir: string;
let env: NodeJS.ProcessEnv;
let awsRequests = 0;
let aws: Server;
const scripts = {} as Record<Shell, string>;
/** The scenario config, with a set (`checkout`), and another config whose only source is `ledger-db`. */
let config: { sources: Record<string, unknown>; sets: Record<string, string[]>; targets: Record<string, unknown> };
let otherConfig: string;

const quietIo = (): Io => {
  const sink = { write: () => true } as unknown as NodeJS.WriteStream;
  return { env: {}, cwd: tmpdir(), stdout: sink, stderr: sink, stdin: process.stdin };
};
/** The program as the CLI defines it: what the scripts must be generated from. */
const tree = program(quietIo(), () => undefined);
const help = tree.createHelp();
const commandNames = help.visibleCommands(tree).map((c) => c.name());

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'snapclone-completion-'));
  const bin = await buildCli(join(dir, 'build'));
  mkdirSync(join(dir, 'bin'));
  // `snapclone` on PATH, as an installed CLI is: the scripts call it back for names.
  writeFileSync(join(dir, 'bin', 'snapclone'), `#!/bin/sh\nexec '${process.execPath}' '${bin}' "$@"\n`);
  chmodSync(join(dir, 'bin', 'snapclone'), 0o755);
  const path = writeScenarioConfig(dir);
  config = { ...parse(readFileSync(path, 'utf8')), sets: { checkout: ['orders-db', 'billing-db'] } };
  writeFileSync(path, stringify(config));
  otherConfig = join(dir, 'other.yaml');
  const sources = config.sources as Record<string, unknown>;
  writeFileSync(otherConfig, stringify({ ...config, sets: {}, sources: { 'ledger-db': sources['orders-db'] } }));
  aws = createServer((_req, res) => {
    awsRequests += 1;
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => aws.listen(0, '127.0.0.1', resolve));
  env = {
    PATH: `${join(dir, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: dir,
    SNAPCLONE_CONFIG: path,
    AWS_ENDPOINT_URL: `http://127.0.0.1:${(aws.address() as AddressInfo).port}`,
    AWS_REGION: 'ap-northeast-1',
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00',
    AWS_SECRET_ACCESS_KEY: 'not-a-real-secret-key-for-the-counting-endpoint',
    AWS_CONFIG_FILE: join(dir, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
  };
  for (const shell of SHELLS) {
    scripts[shell] = execFileSync(join(dir, 'bin', 'snapclone'), ['completion', shell], { env, encoding: 'utf8' });
    writeFileSync(join(dir, `snapclone.${shell}`), scripts[shell]);
  }
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => aws?.close(resolve));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Completes each command line (its last word is the one being completed) in bash, the way bash calls the function. */
function bashComplete(lines: string[][]): string[][] {
  const cases = lines
    .map((words) => {
      const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
      return `COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; COMPREPLY=(); _snapclone; printf '%s\\n' "\${COMPREPLY[@]}"; echo '<end>'`;
    })
    .join('\n');
  const out = execFileSync('bash', ['--norc', '--noprofile', '-c', `source '${join(dir, 'snapclone.bash')}'\n${cases}`], { env, encoding: 'utf8', cwd: dir });
  return out
    .split('<end>\n')
    .slice(0, lines.length)
    .map((block) => block.split('\n').filter(Boolean).sort());
}

const sorted = (names: string[]) => [...names].sort();

describe('snapclone completion bash, in bash', () => {
  it('parses (bash -n) and registers _snapclone for snapclone', () => {
    expect(spawnSync('bash', ['-n', join(dir, 'snapclone.bash')]).status).toBe(0);
    const out = execFileSync('bash', ['--norc', '--noprofile', '-c', `source '${join(dir, 'snapclone.bash')}'; complete -p snapclone`], { env, encoding: 'utf8' });
    expect(out.trim()).toBe('complete -F _snapclone snapclone');
  });

  it('completes commands, options, option values, and the config\'s sources, sets and targets', () => {
    const createOptions = help.visibleOptions(tree.commands.find((c) => c.name() === 'create')!).flatMap((o) => [o.short, o.long]);
    const inherited = tree.options.filter((o) => o.long !== '--version').flatMap((o) => [o.short, o.long]);
    const [commands, cr, create, createMore, points, output, outputEquals, afterGlobal, deleteTarget, targets, other, iam, shells, createDash, files] = bashComplete([
      ['snapclone', ''],
      ['snapclone', 'cr'],
      ['snapclone', 'create', ''],
      ['snapclone', 'create', 'orders-db', 'b'],
      ['snapclone', 'points', ''],
      ['snapclone', 'list', '--output', ''],
      ['snapclone', 'list', '--output', '=', 'j'],
      ['snapclone', '-o', 'json', 'l'],
      ['snapclone', 'delete', '--tar'],
      ['snapclone', 'doctor', '--target', ''],
      ['snapclone', '--config', otherConfig, 'create', ''],
      ['snapclone', 'iam', ''],
      ['snapclone', 'completion', ''],
      ['snapclone', 'create', '--'],
      ['snapclone', '--config', join(dir, 'snap')],
    ]);
    expect(commands).toEqual(sorted(commandNames));
    expect(cr).toEqual(['create', 'credentials']);
    expect(create).toEqual(sorted([...Object.keys(config.sources), 'checkout']));
    expect(createMore).toEqual(['billing-db']);
    expect(points).toEqual(sorted(Object.keys(config.sources)));
    expect(output).toEqual(['json', 'markdown', 'table']);
    expect(outputEquals).toEqual(['json']);
    expect(afterGlobal).toEqual(['list']);
    expect(deleteTarget).toEqual(['--target']);
    expect(targets).toEqual(Object.keys(config.targets));
    expect(other).toEqual(['ledger-db']);
    expect(iam).toEqual(['policy', 'template', 'trust']);
    expect(shells).toEqual(sorted([...SHELLS]));
    expect(createDash).toEqual(sorted([...new Set([...createOptions, ...inherited])].filter((f): f is string => f?.startsWith('--') ?? false)));
    expect(files).toEqual([join(dir, 'snapclone.bash'), join(dir, 'snapclone.fish'), join(dir, 'snapclone.powershell'), join(dir, 'snapclone.yaml'), join(dir, 'snapclone.zsh')]);
  });

  it('asked nothing of AWS: names come from the config file alone', () => {
    expect(awsRequests).toBe(0);
  });

  it('gives no names, and no error in the command line, when the config is missing', () => {
    const [none] = bashComplete([['snapclone', '--config', join(dir, 'missing.yaml'), 'create', '']]);
    expect(none).toEqual([]);
  });
});

describe('the scripts are generated from the command tree', () => {
  it.each(SHELLS)('%s names every command and every option of the program', (shell) => {
    const script = scripts[shell];
    for (const command of help.visibleCommands(tree)) {
      expect(script).toContain(command.name());
      for (const option of help.visibleOptions(command)) {
        for (const flag of [option.short, option.long].filter(Boolean)) {
          // fish writes `-l output` / `-s o`; the others write the flag itself.
          expect(script).toContain(shell === 'fish' ? (flag!.startsWith('--') ? `-l ${flag!.slice(2)}` : `-s ${flag!.slice(1)}`) : flag);
        }
        for (const choice of option.argChoices ?? []) expect(script).toContain(choice);
      }
    }
  });

  it.each(SHELLS)('%s: a command added to the program appears without any edit to the generators', async (shell) => {
    const grown = program(quietIo(), () => undefined);
    grown.command('frobnicate').description('a command made up for this test').option('--wibble <level>', 'how much').addHelpText('after', '');
    const script = await completionScript(shell, grown);
    expect(script).toContain('frobnicate');
    expect(script).toContain(shell === 'fish' ? '-l wibble' : '--wibble');
  });
});

describe.skipIf(!has('zsh'))('snapclone completion zsh, in zsh', () => {
  it('parses (zsh -n)', () => {
    expect(spawnSync('zsh', ['-n', join(dir, 'snapclone.zsh')]).status).toBe(0);
  });

  it('offers commands, option values and config names (compsys\'s compadd, _describe and _files replaced by probes)', () => {
    // compsys needs a terminal; the script's own logic runs in a plain zsh with its three entry points recording
    // what they are given.
    const probes = `compdef() { :; }
compadd() { while [[ $1 == -* && $1 != -- ]]; do shift; done; [[ $1 == -- ]] && shift; print -r -- "$*"; }
_describe() { local __name=\${@[-1]}; local -a __probed; __probed=("\${(@P)__name}"); print -r -- "\${(j: :)\${__probed[@]%%:*}}"; }
_files() { print -r -- '<files>'; }
compset() { :; }
source '${join(dir, 'snapclone.zsh')}'
t() { local -a words; words=("$@"); local CURRENT=$#words; _snapclone; }
t snapclone ''
t snapclone create ''
t snapclone list --output ''
t snapclone list --output=j
t snapclone --config '${otherConfig}' points ''
t snapclone doctor --target ''
t snapclone --config ''
`;
    const out = execFileSync('zsh', ['-f', '-c', probes], { env, encoding: 'utf8' }).trim().split('\n');
    expect(out[0].split(' ')).toEqual(commandNames);
    expect(out[1].split(' ').sort()).toEqual(sorted([...Object.keys(config.sources), 'checkout']));
    expect(out[2]).toBe('table json markdown');
    expect(out[3]).toBe('table json markdown');
    expect(out[4]).toBe('ledger-db');
    expect(out[5]).toBe(Object.keys(config.targets).join(' '));
    expect(out[6]).toBe('<files>');
  });
});

describe.skipIf(!has('fish'))('snapclone completion fish, in fish', () => {
  it('parses (fish -n) and completes commands, option values and config names', () => {
    expect(spawnSync('fish', ['-n', join(dir, 'snapclone.fish')]).status).toBe(0);
    const lines = ['snapclone cr', 'snapclone create ', 'snapclone list --output ', 'snapclone doctor --target ', `snapclone --config ${otherConfig} points `, 'snapclone iam '];
    const script = `source '${join(dir, 'snapclone.fish')}'\n${lines.map((l) => `complete -C '${l}' | string replace -r '\\t.*' '' | string join ' '`).join('\n')}`;
    const out = execFileSync('fish', ['--no-config', '-c', script], { env, encoding: 'utf8' }).trim().split('\n');
    expect(out[0]).toBe('create credentials');
    expect(out[1].split(' ')).toEqual(sorted([...Object.keys(config.sources), 'checkout']));
    expect(out[2]).toBe('json markdown table');
    expect(out[3]).toBe(Object.keys(config.targets).join(' '));
    expect(out[4]).toBe('ledger-db');
    expect(out[5]).toBe('policy template trust');
  });
});

describe.skipIf(!has('pwsh'))('snapclone completion powershell, in PowerShell', () => {
  it('completes commands, option values and config names through TabExpansion2', () => {
    const complete = (line: string) =>
      `(TabExpansion2 -inputScript '${line}' -cursorColumn ${line.length}).CompletionMatches.CompletionText -join ' '`;
    const script = `. '${join(dir, 'snapclone.powershell')}'\n${['snapclone cr', 'snapclone create ', 'snapclone list --output ', 'snapclone iam '].map(complete).join('\n')}`;
    const out = execFileSync('pwsh', ['-NoProfile', '-NonInteractive', '-Command', script], { env, encoding: 'utf8' }).trim().split('\n');
    expect(out[0]).toBe('create credentials');
    expect(out[1].split(' ').sort()).toEqual(sorted([...Object.keys(config.sources), 'checkout']));
    expect(out[2]).toBe('table json markdown');
    expect(out[3]).toBe('policy trust template');
  });
});
