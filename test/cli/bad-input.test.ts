// Bad input, through the real CLI process against the sandbox: each case exits 2 with its own message, and
// the sandbox holds exactly what it held before (nothing created, changed or deleted).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenarioConfigText, writeScenarioConfig } from '../../sandbox/scenario/config.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION } from '../../sandbox/scenario/index.ts';
import { rdsState } from '../../sandbox/services/rds/state.ts';
import { elasticacheState } from '../../sandbox/services/elasticache/state.ts';
import { opensearchState } from '../../sandbox/services/opensearch/state.ts';
import { secretsOf } from '../../sandbox/services/secretsmanager/store.ts';
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

/** Everything the sandbox holds that a command could create, change or delete. */
function state(): string {
  const rds = rdsState(sb.world, COMPANY_ACCOUNT, COMPANY_REGION);
  const ec = elasticacheState(sb.world, COMPANY_ACCOUNT, COMPANY_REGION);
  const os = opensearchState(sb.world, COMPANY_ACCOUNT, COMPANY_REGION);
  const tags = (m: Map<string, string>) => JSON.stringify([...m].sort());
  return JSON.stringify({
    instances: [...rds.instances.values()].map((i) => [i.id, tags(i.tags), Boolean(i.deletion)]),
    clusters: [...rds.clusters.values()].map((c) => [c.id, tags(c.tags), Boolean(c.deletion)]),
    caches: [...ec.replicationGroups.values()].map((g) => [g.id, tags(g.tags), Boolean(g.deletion)]),
    domains: [...os.domains.keys()],
    secrets: [...secretsOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION).keys()],
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'snapclone-bad-input-'));
  bin = await buildCli(dir);
  sb = await startTestSandbox({ speed: 3000 });
  env = cliEnv(sb, dir, writeScenarioConfig(dir), 'tester');
  mkdirSync(join(dir, 'a-directory'));
  writeFileSync(join(dir, 'broken.yaml'), 'targets: [unclosed\n');
  writeFileSync(join(dir, 'not-a-config.yaml'), 'hello: world\n');
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  writeFileSync(join(dir, 'bomb.yaml'), `${bomb.join('\n')}\n`);
  writeFileSync(join(dir, 'proto.yaml'), 'defaultTarget: __proto__\ntargets: {}\nsources: {}\n');
  // The newcomer's two config mistakes (audit m13): the target's account id unquoted, its subnet group misspelled.
  const scenario = scenarioConfigText();
  expect(scenario).toContain(`account: "${COMPANY_ACCOUNT}"`);
  writeFileSync(join(dir, 'mistakes.yaml'), scenario.replace(`account: "${COMPANY_ACCOUNT}"`, `account: ${COMPANY_ACCOUNT}`).replace('subnetGroup:', 'subnetGroupName:'));
}, 60_000);

afterAll(async () => {
  if (sb) saveCalledActions(sb.world);
  await sb?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** [what, argv, message expected, extra environment]. */
const cases: [string, string[], RegExp, NodeJS.ProcessEnv?][] = [
  ['no data chosen', ['create', 'orders-db'], /Say which data to clone/],
  ['two data choices', ['create', 'orders-db', '--latest', '--date', '2026-11-01'], /only one of --date, --at and --latest/],
  ['a date that is no date', ['create', 'orders-db', '--date', '2026-02-30'], /not a valid date/],
  ['a date in a form not taken', ['create', 'orders-db', '--date', '01.11.2026'], /not a valid date/],
  ['a future date', ['create', 'orders-db', '--date', '2999-01-01'], /in the future/],
  ['an hour 24', ['create', 'orders-db', '--at', '2026-11-20T24:00'], /not a valid time/],
  ['minute 60', ['create', 'orders-db', '--at', '2026-11-20T10:60'], /not a valid time/],
  ['an offset of +25:00', ['create', 'orders-db', '--at', '2026-11-20T10:00+25:00'], /offset outside/],
  ['an offset of +09:99', ['create', 'orders-db', '--at', '2026-11-20T10:00+09:99'], /offset outside/],
  ['an offset of -13:00', ['create', 'orders-db', '--at', '2026-11-20T10:00-13:00'], /offset outside/],
  ['a time in a daylight-saving gap', ['create', 'orders-db', '--at', '2026-03-08T02:30'], /does not exist in America\/New_York/, { SNAPCLONE_TZ_TEST: '1' }],
  ['a future time', ['create', 'orders-db', '--at', '2999-01-01T00:00Z'], /in the future/],
  ['a TTL with no unit', ['create', 'orders-db', '--latest', '--ttl', '8'], /--ttl/],
  ['a TTL beyond maxTtl', ['create', 'orders-db', '--latest', '--ttl', '30d'], /--ttl|maxTtl/],
  ['a name without the prefix', ['create', 'orders-db', '--latest', '--name', 'orders-copy'], /prefix/],
  ['a name with upper case', ['create', 'orders-db', '--latest', '--name', 'snapclone-Orders'], /upper-case/],
  ['a name with two hyphens', ['create', 'orders-db', '--latest', '--name', 'snapclone--x'], /consecutive hyphens/],
  ['a name too long for ElastiCache', ['create', 'sessions-cache', '--latest', '--name', `snapclone-${'x'.repeat(40)}`], /characters long/],
  ['--name with several sources', ['create', 'orders-db', 'billing-db', '--latest', '--name', 'snapclone-x'], /one source only/],
  ['a source named __proto__', ['create', '__proto__', '--latest'], /Unknown source '__proto__'/],
  ['a source named constructor', ['points', 'constructor'], /Unknown source 'constructor'/],
  ['an unknown source', ['points', 'nothing-db'], /Unknown source 'nothing-db'/],
  ['a source named twice', ['create', 'orders-db', 'orders-db', '--latest'], /named twice/],
  ['a bad set name', ['create', 'orders-db', 'billing-db', '--latest', '--set', 'Bad Set'], /not a valid set name/],
  ['--target __proto__', ['list', '--target', '__proto__'], /Unknown target '__proto__'/],
  ['--target constructor', ['list', '--target', 'constructor'], /Unknown target 'constructor'/],
  ['an empty --target', ['list', '--target', ''], /Unknown target ''/],
  ['an unknown target', ['create', 'orders-db', '--latest', '--target', 'prod'], /Unknown target 'prod'/],
  ['a region that is none', ['list', '--region', 'mars-1'], /not an AWS region/],
  ['a config that is missing', ['list', '--config', 'no-such.yaml'], /Config file not found/],
  ['a config that is a directory', ['list', '--config', 'a-directory'], /is not a file/],
  ['a config that is not YAML', ['list', '--config', 'broken.yaml'], /not valid YAML/],
  ['a config that is not a snapclone config', ['list', '--config', 'not-a-config.yaml'], /not a valid snapclone config/],
  ['a YAML alias bomb', ['list', '--config', 'bomb.yaml'], /not a usable config|not a valid snapclone config/],
  ['a config with the newcomer\'s mistakes', ['list', '--config', 'mistakes.yaml'], /did you mean subnetGroup\?/],
  ['a prototype key as defaultTarget', ['list', '--config', 'proto.yaml'], /not a target|not a valid snapclone config/],
  ['an endpoint that is no URL', ['list'], /AWS_ENDPOINT_URL 'notaurl' is not an http\(s\) URL/, { AWS_ENDPOINT_URL: 'notaurl' }],
  ['a per-service endpoint that is no URL', ['list'], /AWS_ENDPOINT_URL_RDS 'ftp:\/\/x' is not an http\(s\) URL/, { AWS_ENDPOINT_URL_RDS: 'ftp://x' }],
  ['a sandbox speed that is no speed', ['create', 'orders-db', '--latest'], /SNAPCLONE_SANDBOX_SPEED 'fast' is not a speed/, { SNAPCLONE_SANDBOX_SPEED: 'fast' }],
  ['an unknown command', ['clone', 'orders-db'], /unknown command/],
  ['an unknown option', ['list', '--everything'], /unknown option/],
  ['a bad output format', ['list', '--output', 'xml'], /xml/],
  ['an unknown clone', ['show', 'snapclone-nothing'], /No clone or set named 'snapclone-nothing'/],
  ['an ARN of another partition', ['delete', 'arn:aws-us-gov:rds:us-gov-west-1:123456789012:db:snapclone-x', '--yes'], /No clone or set named/],
  ['delete with no name', ['delete', '--yes'], /Name at least one clone|missing required argument/],
  ['--from after --to', ['points', 'orders-db', '--from', '2026-11-10', '--to', '2026-11-01'], /is after --to/],
  ['a bad --grace', ['janitor', '--dry-run', '--grace', 'soon'], /--grace 'soon'/],
];

describe('bad input: exit 2, a clear message, nothing changed', () => {
  it('has at least 40 cases', () => expect(cases.length).toBeGreaterThanOrEqual(40));

  it.each(cases)('%s', async (_what, args, message, extra) => {
    const before = state();
    // The daylight-saving case reads times in New York: its own config.
    let extraEnv = extra;
    if (extra?.SNAPCLONE_TZ_TEST) {
      const nyDir = join(dir, 'ny');
      mkdirSync(nyDir, { recursive: true });
      const path = writeScenarioConfig(nyDir);
      writeFileSync(path, readFileSync(path, 'utf8').replace('timezone: Asia/Tokyo', 'timezone: America/New_York'));
      extraEnv = { SNAPCLONE_CONFIG: path };
    }
    const run = await snapclone(args, extraEnv);
    expect(run.code, run.stderr).toBe(2);
    expect(`${run.stdout}\n${run.stderr}`).toMatch(message);
    expect(run.stderr).not.toMatch(/TypeError|ReferenceError|EISDIR|at .*\.(m?js|ts):\d+/);
    expect(state()).toBe(before);
  });
});

describe('mistakes told as what to do (newcomer audit m13, m16)', () => {
  it('an unquoted account id and a misspelled key: one line each with the key path, exit 2, nothing run', async () => {
    const before = state();
    const run = await snapclone(['list', '--config', 'mistakes.yaml']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      `error: ${join(dir, 'mistakes.yaml')} is not a valid snapclone config:`,
      `  targets.dev.account: quote the account id, or YAML reads it as a number: write account: '${COMPANY_ACCOUNT}'`,
      '  targets.dev.rds.subnetGroupName is not a known key: did you mean subnetGroup?',
    ]);
    expect(state()).toBe(before);
  });

  it.each([
    ['an unknown command', ['creat', 'orders-db'], '(Did you mean create?)', 'Usage: snapclone [options] [command]', "Run 'snapclone --help' for the commands."],
    ['an unknown option', ['create', 'orders-db', '--lates'], '(Did you mean --latest?)', 'Usage: snapclone create [options] <source...>', "Run 'snapclone create --help' for the options."],
    ['a global option misspelled after a command', ['list', '--verbos'], '(Did you mean --verbose?)', 'Usage: snapclone list [options]', "Run 'snapclone list --help' for the options."],
  ])('%s: the hint and the usage line, not the whole help; exit 2', async (_what, args, hint, usage, more) => {
    const run = await snapclone(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^error: unknown (command|option) /);
    expect(lines.slice(1)).toEqual([hint, usage, more]);
  });

  it('a word close to no command: no guess, the usage line only', async () => {
    const run = await snapclone(['frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd().split('\n')).toEqual(["error: unknown command 'frobnicate'", 'Usage: snapclone [options] [command]', "Run 'snapclone --help' for the commands."]);
  });
});

describe('an AWS that cannot be reached', () => {
  it('a refused connection: exit 1 with what happened and what to do, no bare Node error', async () => {
    const run = await snapclone(['list'], { AWS_ENDPOINT_URL: 'http://127.0.0.1:1' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Could not reach AWS: the connection was refused \(127\.0\.0\.1:1\) \[ECONNREFUSED\]/);
    expect(run.stderr).toContain('carries on where it stopped');
    expect(run.stderr).not.toMatch(/^Error: connect/m);
  }, 60_000);
});
