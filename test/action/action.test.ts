// The bundled Action (action/index.mjs), run as GitHub runs it (test/action/support.ts), against the sandbox
// with IAM enforced.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromTagList, TAG } from '../../src/core/tags.ts';
import { ConfigSchema } from '../../src/config/schema.ts';
import { trustFor } from '../../src/iam/trust.ts';
import type { PolicyDocument } from '../../sandbox/core/iam.ts';
import { createRole } from '../../sandbox/core/iam-state.ts';
import { scenarioConfig, scenarioConfigText, SCENARIO_TARGET } from '../../sandbox/scenario/config.ts';
import { formatTime } from '../../src/core/dates.ts';
import { generatedOperatorPolicies } from '../../sandbox/scenario/iam.ts';
import { arn, COMPANY_REGION, GITHUB_REPO } from '../../sandbox/scenario/index.ts';
import { masterPasswordOf } from '../../sandbox/services/rds/state.ts';
import { COMPANY_ACCOUNT } from '../../sandbox/scenario/constants.ts';
import { argvFor, type ActionInputs } from '../../src/action/argv.ts';
import type { TestSandbox } from '../support/sandbox.ts';
import { ACTION, AGE, expectNoAwsOnlyAdvice, hasAge, OUR_JOB, ROOT, sealedIn, startActionHarness, type ActionHarness } from './support.ts';
// @ts-expect-error: the build script is plain JavaScript
import { options as buildOptions } from '../../scripts/build.mjs';

const root = ROOT;
const GENERATED_ROLE = 'snapclone-github-generated';
const REPO_ID = '812345678';
const OWNER_ID = '91234567';
let h: ActionHarness;
let sb: TestSandbox;
let dir: string;
let keys: ActionHarness['keys'];
const action: ActionHarness['action'] = (inputs, extra) => h.action(inputs, extra);
const daysAgo = (n: number) => h.daysAgo(n);

beforeAll(async () => {
  h = await startActionHarness();
  ({ sb, dir, keys } = h);
  // A role with exactly the generated trust for this repository, given with its ids, pinned to clone.yml on main.
  const config = ConfigSchema.parse(scenarioConfig());
  config.targets[SCENARIO_TARGET].access.trust!.github = {
    repositories: [{ name: GITHUB_REPO, id: REPO_ID, ownerId: OWNER_ID }],
    environments: ['snapclone'],
    workflows: ['.github/workflows/clone.yml@refs/heads/main'],
  };
  createRole(sb.world, COMPANY_ACCOUNT, GENERATED_ROLE, trustFor(config, SCENARIO_TARGET) as unknown as PolicyDocument, generatedOperatorPolicies());
});
afterAll(() => h?.close());

/** The log lines of the Action's `snapclone COMMAND` group. */
const groupOf = (stdout: string, command: string) => {
  const start = stdout.indexOf(`::group::snapclone ${command}`);
  return stdout.slice(start, stdout.indexOf('::endgroup::', start));
};
/** How many role sessions a part of the log asked GitHub's OIDC tokens for. */
const sessionsAskedFor = (log: string) => log.split('\n').filter((line) => /^A new session of \S+: asking GitHub for an OIDC token$/.test(line)).length;

describe('the GitHub Action', () => {
  it('is bundled from the current source (action/index.mjs is not stale)', async () => {
    const fresh = join(dir, 'fresh.mjs');
    await build({ ...buildOptions(true, fresh), absWorkingDir: root, logLevel: 'error' });
    expect(readFileSync(fresh, 'utf8') === readFileSync(ACTION, 'utf8'), 'action/index.mjs is stale: run npm run build:action').toBe(true);
  });

  it('create: assumes the role with the OIDC token, tags the clone with the actor, sets outputs and a summary, and never shows the password', async () => {
    const ran = await action({ command: 'create', sources: 'orders-db', date: daysAgo(5), ttl: '4h' });
    expect(ran.code, ran.stderr + ran.stdout).toBe(0);
    const name = `snapclone-orders-db-${daysAgo(5).replaceAll('-', '')}-octocat`;
    expect(ran.outputs.names).toBe(name);
    const [clone] = JSON.parse(ran.outputs.clones) as { name: string; status: string; endpoint: string }[];
    expect(clone).toMatchObject({ name, status: 'available' });
    // In the sandbox a clone is served on a loopback port of its own (sandbox/services/rds/data-plane.ts).
    expect(clone.endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
    const tags = sb.world.tagsOf(arn.db(name))!;
    expect(tags).toMatchObject({ [TAG.owner]: 'octocat', [TAG.managed]: 'true' });
    // The session was the GitHub role, named after the actor (the role's trust and CloudTrail see it).
    expect([...sb.world.calledActions].some((a) => a.startsWith(`${sb.scenario.roles.github} rds:RestoreDBInstance`))).toBe(true);
    expect(ran.summary).toContain(`\`${name}\``);
    expect(ran.summary).toContain(`gh workflow run delete.yml --repo ${GITHUB_REPO} -f name=${name}`);
    expect(ran.summary).toContain(`gh workflow run extend.yml --repo ${GITHUB_REPO} -f name=${name} -f ttl=1d`);
    expect(ran.stdout).toMatch(/::group::snapclone create --date \S+ --ttl 4h .*-- orders-db\n/);
    // One session did for the whole create (the hand-off after it runs a command of its own).
    expect(sessionsAskedFor(groupOf(ran.stdout, 'create'))).toBe(1);
    const password = masterPasswordOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, name)!;
    expect(password).toBeTruthy();
    for (const text of [ran.stdout, ran.stderr, ran.summary, JSON.stringify(ran.outputs)]) expect(text).not.toContain(password);
    expect(fromTagList(Object.entries(tags).map(([Key, Value]) => ({ Key, Value })))[TAG.password]).toBe('generated');

    // The hand-off: sealed to octocat's published key, opened by the stock age tool with the private key only.
    const sealed = sealedIn(ran.summary, 'sh');
    expect(sealed, ran.summary).toBeDefined();
    expect(ran.summary).toContain(`age -d -i ~/.ssh/id_ed25519 <<'EOF'`);
    // The same block for PowerShell, in a here-string piped to age.
    expect(sealedIn(ran.summary, 'powershell')).toBe(sealed);
    expect(ran.summary).toContain(`'@ | age -d -i "$HOME\\.ssh\\id_ed25519"`);
    // No relay in the config: reached directly, from inside the VPC or over the VPN, at the endpoint.
    expect(ran.summary).toContain('### How to reach the clones');
    expect(ran.summary).toContain(`- \`${name}\`: from inside the VPC or over the company VPN, at \`${clone.endpoint}\`.`);
    expect(ran.summary).toContain("Not on the company VPN? Ask your infrastructure team for VPN access to the clones' VPC");
    expect(ran.summary).toContain("`docs/reaching-clones.md` in snapclone's repository");
    expect(ran.summary).not.toContain('snapclone connect');
    expectNoAwsOnlyAdvice(ran.summary);
    if (hasAge) {
      const opened = execFileSync(AGE, ['-d', '-i', keys.mine], { input: sealed }).toString();
      expect(opened).toContain(`password=${password}`);
      expect(opened).toContain(`user=admin`);
      // What `snapclone credentials` gives: the URL (password inside), the client line (password from MYSQL_PWD).
      const [host, port] = clone.endpoint.split(':');
      expect(opened).toContain(`url=mysql://admin:${encodeURIComponent(password)}@${clone.endpoint}`);
      expect(opened).toContain(`client=mysql -h ${host} -P ${port} -u admin`);
      expect(opened).toContain(`# mysql takes the password from MYSQL_PWD: export MYSQL_PWD=`);
      expect(opened).toContain('connect=direct: from inside the VPC or over the company VPN');
      expect(() => execFileSync(AGE, ['-d', '-i', keys.other], { input: sealed, stdio: 'pipe' })).toThrow();
      // PowerShell on Windows sends CRLF line ends: age still reads the block.
      expect(execFileSync(AGE, ['-d', '-i', keys.mine], { input: sealed!.replaceAll('\n', '\r\n') }).toString()).toContain(`password=${password}`);
    }
  });

  it("create: the summary is the requester's one message: Tokyo times, age install lines per OS, what to do with an agent or security key", async () => {
    const name = `snapclone-orders-db-${daysAgo(5).replaceAll('-', '')}-octocat`;
    // The clone of the test above: a re-run resumes it and hands off again.
    const ran = await action({ command: 'create', sources: 'orders-db', date: daysAgo(5), ttl: '4h' });
    expect(ran.code, ran.stderr + ran.stdout).toBe(0);
    const [clone] = JSON.parse(ran.outputs.clones) as { name: string; expiresAt: string }[];
    expect(clone.name).toBe(name);
    const tokyo = (iso: string) => formatTime(new Date(iso), 'Asia/Tokyo');
    expect(ran.summary).toContain('Requested by **octocat**. Times are in Asia/Tokyo.');
    expect(ran.summary).toContain(`| ${tokyo(clone.expiresAt)} |`);
    expect(tokyo(clone.expiresAt)).toMatch(/\+09:00$/);
    // No UTC ISO instant anywhere in what the requester reads.
    expect(ran.summary).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
    const result = JSON.parse(ran.outputs.result) as { clones: { point: { time: string } }[] };
    expect(ran.summary).toContain(`| ${tokyo(result.clones[0].point.time)} (`);
    for (const line of ['`sudo apt install age`', '`brew install age`', '`winget install --id FiloSottile.age`', '`scoop bucket add extras; scoop install age`']) {
      expect(ran.summary).toContain(line);
    }
    expect(ran.summary).toContain('`sk-ssh-ed25519`');
    expect(ran.summary).toContain('`ssh-keygen -t ed25519 -f ~/.ssh/snapclone`');
    expectNoAwsOnlyAdvice(ran.summary);
    // One message, in order: what was made, how to open the password, how to extend or delete.
    const order = ['| clone |', '### Connection details, for octocat only', '### Extend or delete'].map((h) => ran.summary.indexOf(h));
    expect(order.every((at, k) => at >= 0 && (k === 0 || at > order[k - 1])), ran.summary).toBe(true);
  });

  it('create: in Japanese when the config says language: ja', async () => {
    writeFileSync(join(dir, 'snapclone-ja.yaml'), `language: ja\n${scenarioConfigText()}`);
    const name = 'snapclone-ja';
    const ran = await action({ command: 'create', sources: 'billing-db', latest: 'true', name, ttl: '1h', config: 'snapclone-ja.yaml' });
    expect(ran.code, ran.stderr + ran.stdout).toBe(0);
    const [clone] = JSON.parse(ran.outputs.clones) as { expiresAt: string }[];
    expect(ran.summary).toContain('依頼者：**octocat**。時刻は Asia/Tokyo で表示しています。');
    expect(ran.summary).toMatch(/\| \d{4}-\d\d-\d\d \d\d:\d\d \+09:00（(AWS Backup の復旧ポイント|手動スナップショット|自動スナップショット)）/);
    expect(ran.summary).toContain('| クローン | ソース | データの時点 | 状態 | エンドポイント | ユーザー | 有効期限 |');
    expect(ran.summary).toContain(`| ${formatTime(new Date(clone.expiresAt), 'Asia/Tokyo')} |`);
    expect(ran.summary).toContain('### 接続情報（octocat さん専用）');
    expect(ran.summary).toContain('[age](https://age-encryption.org) をインストールします（初回のみ）。');
    expect(ran.summary).toContain('Windows：`winget install --id FiloSottile.age`');
    expect(ran.summary).toContain('### 延長・削除');
    expect(ran.summary).not.toContain('Requested by');
    expect(ran.summary).not.toContain('Connection details');
    expectNoAwsOnlyAdvice(ran.summary);
    const [made] = JSON.parse(ran.outputs.clones) as { endpoint: string }[];
    expect(ran.summary).toContain('### クローンへの接続方法');
    expect(ran.summary).toContain(`- \`${name}\`：VPC 内から、または社内 VPN 経由で \`${made.endpoint}\` に接続します。`);
    expect(ran.summary).toContain('社内 VPN に接続できない場合は、インフラチームにクローンの VPC へ入れる VPN の利用を依頼してください');
    expect(ran.summary).not.toContain('How to reach');
    const password = masterPasswordOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, name)!;
    for (const text of [ran.stdout, ran.stderr, ran.summary, JSON.stringify(ran.outputs)]) expect(text).not.toContain(password);
    if (hasAge) {
      const opened = execFileSync(AGE, ['-d', '-i', keys.mine], { input: sealedIn(ran.summary, 'sh') }).toString();
      expect(opened).toContain(`password=${password}`);
      const [user, database] = ['user', 'database'].map((key) => new RegExp(`^${key}=(.+)$`, 'm').exec(opened)![1]);
      expect(opened).toContain(`url=postgresql://${user}:${encodeURIComponent(password)}@${made.endpoint}/${database}\n`);
      expect(opened).toContain(`client=psql -h 127.0.0.1 -p ${made.endpoint.split(':')[1]} -U ${user} -d ${database}\n`);
      expect(opened).toContain('# psql はパスワードを PGPASSWORD から読み取ります：export PGPASSWORD=');
      expect(opened).toContain('connect=直接：VPC 内から、または社内 VPN 経由');
    }
    const deleted = await action({ command: 'delete', sources: name, config: 'snapclone-ja.yaml' });
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.summary).toContain('| クローン | 状態 | エンドポイント | 有効期限 |');
  });

  it('create with connect.relay: the summary says snapclone connect through the relay and what to ask for without AWS access, in English and Japanese', async () => {
    const RELAY = 'i-0123456789abcdef0';
    const withRelay = (language: 'en' | 'ja') => {
      const config = parseYaml(scenarioConfigText()) as { targets: Record<string, Record<string, unknown>> };
      config.targets[SCENARIO_TARGET].connect = { relay: RELAY };
      return `language: ${language}\n${stringifyYaml(config)}`;
    };
    writeFileSync(join(dir, 'snapclone-relay.yaml'), withRelay('en'));
    writeFileSync(join(dir, 'snapclone-relay-ja.yaml'), withRelay('ja'));
    // The Action from a repository: the runner names it and its ref, so the summary links the doc there.
    const fromRepo = { GITHUB_ACTION_REPOSITORY: 'example-co/snapclone', GITHUB_ACTION_REF: 'v1', GITHUB_SERVER_URL: 'https://github.com' };
    const doc = 'https://github.com/example-co/snapclone/blob/v1/docs/reaching-clones.md';

    const cache = 'snapclone-relay-cache';
    const ran = await action({ command: 'create', sources: 'sessions-cache', latest: 'true', name: cache, ttl: '1h', config: 'snapclone-relay.yaml' }, fromRepo);
    expect(ran.code, ran.stderr + ran.stdout).toBe(0);
    const [made] = JSON.parse(ran.outputs.clones) as { endpoint: string }[];
    expect(ran.summary).toContain('### How to reach the clones');
    expect(ran.summary).toContain(
      `- \`${cache}\`: its endpoint is private. From a machine with AWS access to the target, through the relay \`${RELAY}\`: \`snapclone connect ${cache} -- redis-cli --tls\``,
    );
    expect(ran.summary).toContain(`No AWS access? Ask your infrastructure team for access to \`snapclone connect\` (the target's role), or for the company VPN`);
    expect(ran.summary).toContain(`[how clones are reached](${doc})`);
    expect(ran.summary).not.toContain('from inside the VPC or over the company VPN, at');
    expectNoAwsOnlyAdvice(ran.summary);
    if (hasAge) {
      const opened = execFileSync(AGE, ['-d', '-i', keys.mine], { input: sealedIn(ran.summary, 'sh') }).toString();
      const password = /^password=(.+)$/m.exec(opened)![1];
      expect(password.length).toBeGreaterThan(0);
      for (const text of [ran.stdout, ran.stderr, ran.summary, JSON.stringify(ran.outputs)]) expect(text).not.toContain(password);
      expect(opened).toContain(`url=rediss://default:${encodeURIComponent(password)}@${made.endpoint}`);
      expect(opened).toContain(`client=redis-cli --tls -h 127.0.0.1 -p ${made.endpoint.split(':')[1]}`);
      expect(opened).toContain(`# redis-cli takes the password from REDISCLI_AUTH: export REDISCLI_AUTH=`);
      expect(opened).toContain(`connect=snapclone connect ${cache} -- redis-cli --tls   (through the relay ${RELAY}, with AWS access to the target; the endpoint is private)`);
    }

    const db = 'snapclone-relay-ja';
    const ja = await action({ command: 'create', sources: 'billing-db', latest: 'true', name: db, ttl: '1h', config: 'snapclone-relay-ja.yaml' }, fromRepo);
    expect(ja.code, ja.stderr + ja.stdout).toBe(0);
    expect(ja.summary).toContain('### クローンへの接続方法');
    expect(ja.summary).toContain(
      `- \`${db}\`：エンドポイントはプライベートです。ターゲットの AWS アカウントにアクセスできる端末から、中継インスタンス \`${RELAY}\` 経由で接続します：\`snapclone connect ${db} -- psql\``,
    );
    expect(ja.summary).toContain('AWS へのアクセス権がない場合は、インフラチームに `snapclone connect` を使う権限（ターゲットのロール）か、クローンの VPC へ入れる社内 VPN');
    expect(ja.summary).toContain(`[クローンへの接続経路の説明](${doc})`);
    expect(ja.summary).toContain('パスワード、接続 URL、そのまま使えるクライアントのコマンドは、下の暗号化された接続情報に入っています。');
    expectNoAwsOnlyAdvice(ja.summary);
    const password = masterPasswordOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, db)!;
    for (const text of [ja.stdout, ja.stderr, ja.summary, JSON.stringify(ja.outputs)]) expect(text).not.toContain(password);
    if (hasAge) {
      const opened = execFileSync(AGE, ['-d', '-i', keys.mine], { input: sealedIn(ja.summary, 'sh') }).toString();
      expect(opened).toContain(`url=postgresql://postgres:${encodeURIComponent(password)}@`);
      expect(opened).toMatch(/^client=psql -h 127\.0\.0\.1 -p \d+ -U postgres -d billing$/m);
      expect(opened).toContain(`connect=snapclone connect ${db} -- psql   （中継インスタンス ${RELAY} 経由。`);
    }
    for (const [name, config] of [[cache, 'snapclone-relay.yaml'], [db, 'snapclone-relay-ja.yaml']]) {
      expect((await action({ command: 'delete', sources: name, config })).code).toBe(0);
    }
  });

  it('says how to get the password when the requester has no usable SSH key on GitHub', async () => {
    const ran = await action({ command: 'create', sources: 'billing-db', latest: 'true', name: 'snapclone-nokeys', ttl: '1h' }, { GITHUB_ACTOR: 'nokeys' });
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.summary).toContain('nokeys has no ssh-ed25519 or ssh-rsa key on GitHub, so the password could not be sealed here.');
    expect(ran.summary).toContain(
      "add `~/.ssh/snapclone.pub` at https://github.com/settings/keys, then run this workflow again for the same source with `date` set to the day in the clone's name",
    );
    expect(ran.summary).not.toContain('BEGIN AGE ENCRYPTED FILE');
    expectNoAwsOnlyAdvice(ran.summary);
    const password = masterPasswordOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, 'snapclone-nokeys')!;
    for (const text of [ran.stdout, ran.stderr, ran.summary, JSON.stringify(ran.outputs)]) expect(text).not.toContain(password);
    expect((await action({ command: 'delete', sources: 'snapclone-nokeys' }, { GITHUB_ACTOR: 'nokeys' })).code).toBe(0);
  });

  it('says GitHub refused to give the keys (a rate limit), not that there is none, and asks with the workflow token (L3)', async () => {
    const inputs = { command: 'create', sources: 'billing-db', latest: 'true', name: 'snapclone-ratelimited', ttl: '1h' };
    const refused = await action(inputs, { GITHUB_ACTOR: 'ratelimited' });
    expect(refused.code, refused.stderr).toBe(0);
    expect(refused.summary).toContain("GitHub's API did not give the SSH keys of ratelimited (HTTP 403 rate limit exceeded)");
    expect(refused.summary).not.toContain('has no ssh-ed25519');
    expectNoAwsOnlyAdvice(refused.summary);
    expect(refused.stdout).toContain('::warning::Could not read the SSH keys of ratelimited from GitHub: HTTP 403');
    const withToken = await action(inputs, { GITHUB_ACTOR: 'ratelimited', 'INPUT_GITHUB-TOKEN': 'workflow-token' });
    expect(withToken.summary).toContain('ratelimited has no ssh-ed25519 or ssh-rsa key on GitHub');
    expect((await action({ command: 'delete', sources: 'snapclone-ratelimited' }, { GITHUB_ACTOR: 'ratelimited' })).code).toBe(0);
  });

  it('says a security key (sk-) on GitHub is one age cannot use', async () => {
    const name = 'snapclone-skonly';
    const ran = await action({ command: 'create', sources: 'billing-db', latest: 'true', name, ttl: '1h' }, { GITHUB_ACTOR: 'skonly' });
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.summary).toContain('skonly has no ssh-ed25519 or ssh-rsa key on GitHub (only `sk-ssh-ed25519@openssh.com`, which age cannot use)');
    expect(ran.summary).not.toContain('BEGIN AGE ENCRYPTED FILE');
    expectNoAwsOnlyAdvice(ran.summary);
    expect((await action({ command: 'delete', sources: name }, { GITHUB_ACTOR: 'skonly' })).code).toBe(0);
  });

  it('extend, list, janitor (dry-run) and delete', async () => {
    const name = `snapclone-orders-db-${daysAgo(5).replaceAll('-', '')}-octocat`;
    const extended = await action({ command: 'extend', sources: name, ttl: '1d' });
    expect(extended.code, extended.stderr).toBe(0);
    expect(JSON.parse(extended.outputs.clones)[0].name).toBe(name);
    const listed = await action({ command: 'list' });
    expect(listed.outputs.names).toBe(name);
    // list.yml's `mine`: only the clones of the actor; someone else's run sees none of octocat's.
    const mine = await action({ command: 'list', mine: 'true' });
    expect(mine.code, mine.stderr).toBe(0);
    expect(mine.outputs.names).toBe(name);
    const theirs = await action({ command: 'list', mine: 'true' }, { GITHUB_ACTOR: 'hanako' });
    expect(theirs.code, theirs.stderr).toBe(0);
    expect(theirs.outputs.names).toBe('');
    const janitor = await action({ command: 'janitor', 'dry-run': 'true' });
    expect(janitor.code).toBe(0);
    expect(JSON.parse(janitor.outputs.result)).toMatchObject({ dryRun: true, failed: 0 });
    const deleted = await action({ command: 'delete', sources: name });
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(sb.world.tagsOf(arn.db(name))).toBeUndefined();
  });

  it('points: the restorable points of a source in the summary, in the config\'s time zone (points.yml)', async () => {
    const ran = await action({ command: 'points', sources: 'orders-db' });
    expect(ran.code, ran.stderr).toBe(0);
    const result = JSON.parse(ran.outputs.result) as { source: string; points: { time: string; id: string }[] };
    expect(result.source).toBe('orders-db');
    expect(result.points.length).toBeGreaterThan(0);
    expect(ran.summary).toContain('Restorable points of orders-db, newest first (times in Asia/Tokyo)');
    const newest = result.points[0];
    // A point-in-time window shows as 'earliest … latest'.
    expect(ran.summary).toContain(`${formatTime(new Date(newest.time), 'Asia/Tokyo')} |`);
    expect(ran.summary).toContain(`\`${newest.id}\``);
    expectNoAwsOnlyAdvice(ran.summary);
  });

  it('fails, creating nothing, when the token names another repository (the role does not trust it)', async () => {
    h.tokenOptions = { repository: 'evil-co/app', environment: 'snapclone' };
    try {
      const ran = await action({ command: 'create', sources: 'billing-db', latest: 'true', name: 'snapclone-evil' });
      expect(ran.code).toBe(1);
      expect(ran.stdout).toMatch(/::error::.*(AccessDenied|Not authorized|rejected the credentials)/);
      expect(sb.world.tagsOf(arn.db('snapclone-evil'))).toBeUndefined();
    } finally {
      h.tokenOptions = OUR_JOB;
    }
  });

  it('refuses commands it does not offer (credentials would put a password in the log)', async () => {
    const ran = await action({ command: 'credentials', sources: 'x' });
    expect(ran.code).toBe(1);
    expect(ran.stdout).toContain("::error::command 'credentials' is not one of create, delete, extend, list, show, points, janitor");
  });
});

describe('inputs are names, never options (L1)', () => {
  it('refuses --force smuggled into sources or name, running nothing', async () => {
    const before = h.tokensIssued;
    const tries: Record<string, string>[] = [
      { command: 'extend', sources: 'snapclone-orders-db-x-carol --force', ttl: '1d' },
      { command: 'delete', sources: '--force snapclone-x' },
      { command: 'create', sources: 'billing-db', latest: 'true', name: 'snapclone-x --force' },
      { command: 'create', sources: 'billing-db', latest: 'true', name: '--help' },
    ];
    for (const inputs of tries) {
      const ran = await action(inputs);
      expect(ran.code, JSON.stringify(inputs)).toBe(1);
      expect(ran.stdout).toMatch(/::error::input (sources|name): '[^']*' (starts with '-'|holds a space)/);
      expect(ran.stdout).not.toContain('::group::');
    }
    expect(h.tokensIssued, 'no role session was even asked for').toBe(before);
  });

  it('passes the names after --, so a command line never reads one as an option', () => {
    const given: ActionInputs = {
      ...{ command: 'delete', sources: ['snapclone-a', 'snapclone-b'], date: '', at: '', latest: false, name: '', set: '' },
      ...{ ttl: '', target: '', config: 'c.yaml', region: '', force: false, dryRun: false },
    };
    const argv = argvFor(given);
    expect(argv.slice(argv.indexOf('--'))).toEqual(['--', 'snapclone-a', 'snapclone-b']);
  });
});

describe('re-runs (L7)', () => {
  it('act as the person who re-ran the workflow (GITHUB_TRIGGERING_ACTOR), not the original actor', async () => {
    const name = 'snapclone-rerun-octocat';
    expect((await action({ command: 'create', sources: 'billing-db', latest: 'true', name, ttl: '1h' })).code).toBe(0);
    // mallory re-runs octocat's old delete run: GitHub keeps GITHUB_ACTOR=octocat.
    const rerun = await action({ command: 'delete', sources: name }, { GITHUB_ACTOR: 'octocat', GITHUB_TRIGGERING_ACTOR: 'mallory' });
    expect(rerun.code).toBe(1);
    expect(rerun.stderr).toMatch(/belongs to octocat/);
    expect(sb.world.tagsOf(arn.db(name))).toMatchObject({ [TAG.owner]: 'octocat' });
    const session = [...sb.world.credentials.values()].at(-1)!.principal;
    expect(session.sessionName).toBe('snapclone-mallory');
    expect((await action({ command: 'delete', sources: name }, { GITHUB_TRIGGERING_ACTOR: 'octocat' })).code).toBe(0);
  });
});

describe('the set-up docs/github.md describes', () => {
  it("its trust block admits clone.yml in snapclone and delete.yml in snapclone-manage as on main, and refuses a branch's copy", async () => {
    // The trust exactly as docs/github.md writes it, made into a role by the generated trust.
    const doc = readFileSync(join(root, 'docs/github.md'), 'utf8');
    const block = /^```yaml\n(trust:\n[\s\S]*?)```$/m.exec(doc)?.[1];
    expect(block, 'a ```yaml trust: block in docs/github.md').toBeDefined();
    const github = (parseYaml(block!) as { trust: { github: { repositories: { name: string; id: number; ownerId: number }[]; environments: string[] } } }).trust.github;
    expect(github.environments).toEqual(['snapclone', 'snapclone-manage']);
    const config = ConfigSchema.parse(scenarioConfig());
    config.targets[SCENARIO_TARGET].access.trust!.github = github as never;
    const role = 'snapclone-github-documented';
    createRole(sb.world, COMPANY_ACCOUNT, role, trustFor(config, SCENARIO_TARGET) as unknown as PolicyDocument, generatedOperatorPolicies());
    const [repo] = github.repositories;
    const ids = { repository: repo.name, repositoryId: String(repo.id), ownerId: String(repo.ownerId) };
    const asRole = { 'INPUT_ROLE-TO-ASSUME': arn.role(role), GITHUB_REPOSITORY: repo.name };
    const name = 'snapclone-documented';
    try {
      h.tokenOptions = { ...ids, environment: 'snapclone', workflowFile: '.github/workflows/clone.yml' };
      const created = await action({ command: 'create', sources: 'billing-db', latest: 'true', name, ttl: '1h' }, asRole);
      expect(created.code, created.stderr + created.stdout).toBe(0);
      // delete.yml's copy on another branch, in the environment without reviewers: AWS refuses it.
      h.tokenOptions = { ...ids, environment: 'snapclone-manage', workflowFile: '.github/workflows/delete.yml', ref: 'refs/heads/my-branch' };
      const branch = await action({ command: 'delete', sources: name }, asRole);
      expect(branch.code).toBe(1);
      expect(branch.stdout).toMatch(/::error::.*(AccessDenied|Not authorized|rejected the credentials)/);
      expect(sb.world.tagsOf(arn.db(name))).toBeDefined();
      h.tokenOptions = { ...ids, environment: 'snapclone-manage', workflowFile: '.github/workflows/delete.yml' };
      const deleted = await action({ command: 'delete', sources: name }, asRole);
      expect(deleted.code, deleted.stderr + deleted.stdout).toBe(0);
      expect(sb.world.tagsOf(arn.db(name))).toBeUndefined();
    } finally {
      h.tokenOptions = OUR_JOB;
    }
  });
});

describe('a create longer than the role session (F9)', () => {
  it('asks GitHub for a fresh OIDC token when the session is renewed (5-minute tokens, 1-hour sessions), under the generated trust', async () => {
    // This repository's tokens in GitHub's immutable form, from clone.yml on main: the generated trust admits them.
    h.tokenOptions = { ...OUR_JOB, immutableSubject: true, repositoryId: REPO_ID, ownerId: OWNER_ID, ttlSeconds: 300 };
    const HOUR = 3_600_000;
    let advanced = 0;
    // Once the restore has started, an hour and a minute pass on the sandbox's clock: the session has expired
    // and so has the token it was made from.
    const stop = sb.world.faults.onRequest((event) => {
      if (advanced === 0 && event.phase === 'after' && /^(Restore|StartRestoreJob)/.test(event.operation)) {
        advanced = HOUR + 60_000;
        sb.world.clock.advance(advanced);
      }
    });
    const issued = h.tokensIssued;
    try {
      const name = 'snapclone-long-run';
      const ran = await action(
        { command: 'create', sources: 'billing-db', latest: 'true', name, ttl: '4h' },
        { 'INPUT_ROLE-TO-ASSUME': arn.role(GENERATED_ROLE) },
      );
      expect(ran.code, ran.stderr + ran.stdout).toBe(0);
      expect(advanced).toBeGreaterThan(0);
      expect(JSON.parse(ran.outputs.clones)[0]).toMatchObject({ name, status: 'available' });
      // The renewal happened inside the create, with a second token from GitHub.
      expect(sessionsAskedFor(groupOf(ran.stdout, 'create'))).toBe(2);
      expect(h.tokensIssued - issued).toBeGreaterThanOrEqual(2);
      expect([...sb.world.calledActions].some((a) => a.startsWith(`${arn.role(GENERATED_ROLE)} rds:`))).toBe(true);
      expect((await action({ command: 'delete', sources: name }, { 'INPUT_ROLE-TO-ASSUME': arn.role(GENERATED_ROLE) })).code).toBe(0);
    } finally {
      stop();
      sb.world.clock.advance(-advanced);
      h.tokenOptions = OUR_JOB;
    }
  });
});
