// Issue 23 through the GitHub Action: the bundled Action creates a clone of billing-db (RDS for PostgreSQL in the
// sandbox) whose source has masking rules. Rules that leave a column undecided: the create fails, the summary
// says the masking refused and why, and nothing that opens the clone is handed out anywhere. The rules completed:
// the same workflow run again masks and verifies the same clone, and only then hands off its connection, which
// opens a masked database.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.ts';
import { TAG } from '../../src/core/tags.ts';
import { FAKE_EMAIL_DOMAIN } from '../../src/masking/transforms.ts';
import { scenarioConfigText } from '../../sandbox/scenario/config.ts';
import { COMPANY_ACCOUNT } from '../../sandbox/scenario/constants.ts';
import { arn, COMPANY_REGION } from '../../sandbox/scenario/index.ts';
import { masterPasswordOf } from '../../sandbox/services/rds/state.ts';
import { handoffFields } from '../support/handoff.ts';
import { AGE, everythingOf, expectNoAwsOnlyAdvice, hasAge, sealedIn, startActionHarness, type ActionHarness, type Ran } from './support.ts';

const SLOW = 300_000;
const SOURCE = 'billing-db';
let h: ActionHarness;
beforeAll(async () => {
  h = await startActionHarness();
});
afterAll(() => h?.close());

const customers = {
  // birth_date: the scenario's customers gained it 10 days ago, before every day these tests clone.
  columns: { id: 'hash', name: 'fake-name', email: 'fake-email', phone: 'fake-phone', address: 'null', birth_date: { transform: 'date-shift', days: 90 } },
  keep: ['created_at', 'updated_at'],
};
const payments = { columns: { customer_id: 'hash', card_last4: 'keep-format' }, keep: ['id', 'amount', 'currency', 'status', 'created_at'] };

/** The rules as written before anyone decided about customers.address: it has neither a rule nor keep. */
function undecidedRules() {
  const { address: _undecided, ...decided } = customers.columns;
  return { tables: { customers: { ...customers, columns: decided }, payments } };
}

/** The scenario's config with `masking` on billing-db, checked by the config's schema, as FILE in the job's folder. */
function writeMaskedConfig(file: string, masking: object, language: 'en' | 'ja' = 'en'): string {
  const config = parseYaml(scenarioConfigText()) as { language?: string; sources: Record<string, { masking?: object }> };
  config.sources[SOURCE].masking = masking;
  config.language = language;
  const parsed = ConfigSchema.parse(config);
  expect(parsed.sources[SOURCE].masking).toBeDefined();
  writeFileSync(join(h.dir, file), stringifyYaml(config));
  return file;
}

/** Every password that opens (or opened) the clone: the one RDS holds now and the one in the clone's secret. */
async function passwordsOf(name: string): Promise<string[]> {
  const secrets = new SecretsManagerClient(h.sb.config());
  const secret = JSON.parse((await secrets.send(new GetSecretValueCommand({ SecretId: name }))).SecretString!) as { password: string };
  const held = masterPasswordOf(h.sb.world, COMPANY_ACCOUNT, COMPANY_REGION, name);
  const passwords = [secret.password, held].filter((p): p is string => typeof p === 'string' && p.length > 0);
  expect(passwords.length).toBeGreaterThan(0);
  return passwords;
}

function expectNothingHandedOut(ran: Ran, passwords: string[]) {
  expect(ran.summary).not.toContain('BEGIN AGE ENCRYPTED FILE');
  expect(ran.outputs.names).toBe('');
  expect(JSON.parse(ran.outputs.clones)).toEqual([]);
  for (const text of everythingOf(ran)) for (const password of passwords) expect(text).not.toContain(password);
  // The CLI's advice is for the infrastructure team: the requester cannot run snapclone.
  expect(ran.summary).not.toContain('snapclone masking plan');
  expect(ran.summary).not.toContain(`snapclone create ${SOURCE}`);
  expectNoAwsOnlyAdvice(ran.summary);
}

describe('the Action on a source with masking rules', () => {
  // Both runs ask for the same day, so the second finishes the clone the first left locked (as the summary says).
  let day: string;
  let name: string;
  beforeAll(() => {
    day = h.daysAgo(7);
    name = `snapclone-${SOURCE}-${day.replaceAll('-', '')}-octocat`;
  });

  it(
    'rules that leave customers.address undecided: create fails, the summary says masking refused and why, and no password is handed out (English and Japanese)',
    async () => {
      const undecided = undecidedRules();
      const inputs = { command: 'create', sources: SOURCE, date: day, ttl: '2h' };
      const ran = await h.action({ ...inputs, config: writeMaskedConfig('snapclone-undecided.yaml', undecided) });
      expect(ran.code, ran.summary + ran.stdout).toBe(1);
      expect(ran.stdout).toMatch(new RegExp(`::error::snapclone create ended with exit code 1: ${name}: Masking refused to start`));
      expect(h.sb.world.tagsOf(arn.db(name))?.[TAG.masking]).toBe('failed problems=1 locked');

      expect(ran.summary).toContain('### Masking did not pass: nothing was handed out');
      expect(ran.summary).toContain(
        `\`${name}\`: masking refused to start, so nothing was handed out: no password and no connection details. Nothing in the clone was changed; the clone is locked (its password was replaced by one nobody is told).`,
      );
      expect(ran.summary).toMatch(/\nWhat stopped it:\n\n- `customers\.address \([\w ]+\) has neither a rule nor keep \(added after the rules were written\?\)`\n/);
      expect(ran.summary).toContain('Send this to your infrastructure team: they fix the masking rules of `billing-db` in snapclone\'s config');
      expect(ran.summary).not.toContain('Connection details, for');
      expect(ran.summary).not.toContain('Nothing to report');
      expectNothingHandedOut(ran, await passwordsOf(name));

      // The same refusal for a requester whose config says language: ja (the re-run resumes and locks it again).
      const ja = await h.action({ ...inputs, config: writeMaskedConfig('snapclone-undecided-ja.yaml', undecided, 'ja') });
      expect(ja.code, ja.summary + ja.stdout).toBe(1);
      expect(ja.summary).toContain('### マスキングが完了しなかったため、何も渡していません');
      expect(ja.summary).toContain(
        `\`${name}\`：マスキングを開始できなかったため、パスワードも接続情報も渡していません。クローンのデータは変更していません。クローンはロックしました（マスターパスワードを、誰にも知らせない値に変更済みです）。`,
      );
      expect(ja.summary).toMatch(/\n止まった理由：\n\n- `customers\.address \([\w ]+\) has neither a rule nor keep/);
      expect(ja.summary).toContain('snapclone の設定ファイルにある `billing-db` のマスキングルールを修正してもらう');
      expect(ja.summary).not.toContain('Masking did not pass');
      expectNothingHandedOut(ja, await passwordsOf(name));
    },
    SLOW,
  );

  it(
    'complete rules: the same workflow run again masks and verifies the clone, hands off a connection that opens it, and its e-mails are masked',
    async () => {
      const ran = await h.action({ command: 'create', sources: SOURCE, date: day, ttl: '2h', config: writeMaskedConfig('snapclone-masked.yaml', { tables: { customers, payments } }) });
      expect(ran.code, ran.stderr + ran.stdout).toBe(0);
      const [made] = (JSON.parse(ran.outputs.result) as { clones: { name: string; masking: string; resumed: boolean }[] }).clones;
      expect(made).toMatchObject({ name, resumed: true });
      expect(made.masking).toMatch(/^verified tables=2 rows=\d+ rules=8 checks=\d+$/);
      expect(h.sb.world.tagsOf(arn.db(name))?.[TAG.masking]).toBe(made.masking);
      expect(ran.summary).toContain(`- \`${name}\`: masked and verified (${made.masking.slice('verified '.length)}).`);
      expect(ran.summary).not.toContain('Masking did not pass');
      expectNoAwsOnlyAdvice(ran.summary);
      const sealed = sealedIn(ran.summary, 'sh');
      expect(sealed, ran.summary).toBeDefined();
      const password = masterPasswordOf(h.sb.world, COMPANY_ACCOUNT, COMPANY_REGION, name)!;
      expect(password).toBeTruthy();
      for (const text of everythingOf(ran)) expect(text).not.toContain(password);

      if (hasAge) {
        const opened = handoffFields(execFileSync(AGE, ['-d', '-i', h.keys.mine], { input: sealed }).toString());
        expect(opened.password).toBe(password);
        const client = new pg.Client({ host: opened.host, port: Number(opened.port), user: opened.user, password: opened.password, database: opened.database });
        await client.connect();
        try {
          const rows = (await client.query<{ email: string | null; address: string | null }>('SELECT email, address FROM customers')).rows;
          expect(rows.length).toBeGreaterThan(0);
          for (const row of rows) {
            expect(row.email).toMatch(new RegExp(`@${FAKE_EMAIL_DOMAIN.replace('.', '\\.')}$`));
            expect(row.address).toBeNull();
          }
        } finally {
          await client.end();
        }
      }
      const deleted = await h.action({ command: 'delete', sources: name, config: 'snapclone-masked.yaml' });
      expect(deleted.code, deleted.stderr).toBe(0);
    },
    SLOW,
  );

  it(
    'two sources, one refused by masking: the other clone is handed off, the refused one is named with its problem and nothing of it is sealed',
    async () => {
      const other = h.daysAgo(9);
      const [billing, orders] = ['billing-db', 'orders-db'].map((s) => `snapclone-${s}-${other.replaceAll('-', '')}-octocat`);
      const config = writeMaskedConfig('snapclone-undecided-set.yaml', undecidedRules());
      const ran = await h.action({ command: 'create', sources: `${SOURCE} orders-db`, date: other, ttl: '2h', config });
      expect(ran.code, ran.summary + ran.stdout).toBe(1);
      expect(ran.outputs.names).toBe(orders);
      expect(ran.summary).toContain(`| \`${orders}\` | orders-db |`);
      expect(ran.summary).not.toContain(`| \`${billing}\``);
      expect(ran.summary).toContain(`### Masking did not pass: nothing was handed out\n\n\`${billing}\`: masking refused to start`);
      expect(ran.summary).toMatch(/- `customers\.address \([\w ]+\) has neither a rule nor keep/);
      expect(ran.summary).not.toContain('**Failed**');
      expectNoAwsOnlyAdvice(ran.summary);
      const refused = await passwordsOf(billing);
      for (const text of everythingOf(ran)) for (const password of refused) expect(text).not.toContain(password);
      const sealed = sealedIn(ran.summary, 'sh');
      expect(sealed, ran.summary).toBeDefined();
      if (hasAge) {
        const opened = execFileSync(AGE, ['-d', '-i', h.keys.mine], { input: sealed }).toString();
        expect(opened).toContain(`# ${orders} (`);
        expect(opened).not.toContain(billing);
        for (const password of refused) expect(opened).not.toContain(password);
      }
      const deleted = await h.action({ command: 'delete', sources: `${billing} ${orders}`, config });
      expect(deleted.code, deleted.stderr).toBe(0);
    },
    SLOW,
  );
});
