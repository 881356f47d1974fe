// npm run demo: starts the sandbox (IAM enforced: snapclone runs as the operator role with exactly the policy
// `snapclone iam policy` generates) and drives the real snapclone binary through
// doctor → points → create --date <7 days ago> (RDS, ElastiCache, OpenSearch) and --latest (Aurora) → connect to
// the PostgreSQL clone and count its rows of that day → list → show → delete, printing what a user would see.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { startSandbox } from '../sandbox/server.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION, seedScenario } from '../sandbox/scenario/index.ts';
import { stateAt } from '../sandbox/data/history.ts';
import { historyOf } from '../sandbox/data/sources.ts';
import { lineageOfCopy } from '../sandbox/services/rds/data-plane.ts';
import { writeScenarioConfig } from '../sandbox/scenario/config.ts';

const bin = new URL('../bin/snapclone.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'snapclone-demo-'));
// 200× faster than AWS: a 20 GB restore takes seconds, not a quarter of an hour.
const sandbox = await startSandbox({ speed: 200 });
const scenario = seedScenario(sandbox.world);
const config = writeScenarioConfig(dir);

const env: NodeJS.ProcessEnv = {
  ...process.env,
  AWS_ENDPOINT_URL: sandbox.url,
  AWS_REGION: COMPANY_REGION,
  AWS_ACCESS_KEY_ID: scenario.ci.accessKeyId,
  AWS_SECRET_ACCESS_KEY: scenario.ci.secretAccessKey,
  AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
  AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
  SNAPCLONE_CONFIG: config,
  SNAPCLONE_OWNER: 'demo',
  // snapclone's polling expects the sandbox's durations (200× faster than AWS), not AWS's.
  SNAPCLONE_SANDBOX_SPEED: '200',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};
delete env.AWS_PROFILE;
delete env.AWS_SESSION_TOKEN;

function snapclone(...args: string[]): Promise<void> {
  process.stdout.write(`\n$ snapclone ${args.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`snapclone ${args[0]} exited with ${code}`))));
  });
}

/** snapclone's standard output, for the demo to read (what it says on stderr still shows). */
function snapcloneOutput(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`snapclone ${args[0]} exited with ${code}`))));
  });
}

/**
 * The payments a clone holds, counted in the clone itself: through `snapclone connect -- psql` where psql is
 * installed, else with the pg driver and what `snapclone credentials` hands out (the password never printed).
 */
async function countPayments(clone: string): Promise<number> {
  const sql = 'select count(*) from payments';
  if ((env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, 'psql')))) {
    process.stdout.write(`\n$ snapclone connect ${clone} -- psql -At -c '${sql}'\n`);
    return Number((await snapcloneOutput('connect', clone, '--', 'psql', '-At', '-c', sql)).trim());
  }
  process.stdout.write(`\n$ snapclone credentials ${clone} -o json   # psql is not installed: the pg driver connects with these\n`);
  const c = JSON.parse(await snapcloneOutput('credentials', clone, '-o', 'json')) as { host: string; port: number; username: string; password: string; database: string | null };
  const client = new pg.Client({ host: c.host, port: c.port, user: c.username, password: c.password, database: c.database ?? 'postgres' });
  await client.connect();
  try {
    return Number((await client.query(sql)).rows[0].count);
  } finally {
    await client.end();
  }
}

const sevenDaysAgo = new Date(Date.now() - 7 * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Asia/Tokyo' });
let failed = false;
try {
  console.log(`snapclone demo — sandbox at ${sandbox.url}, config ${config}`);
  await snapclone('doctor');
  await snapclone('points', 'orders-db');
  // Two RDS sources restored side by side (MySQL and PostgreSQL), from the backup of that day.
  await snapclone('create', 'orders-db', 'billing-db', '--date', sevenDaysAgo, '--ttl', '4h');
  // Aurora: the newest data as a copy-on-write clone (minutes whatever the size), next to the RDS clone.
  await snapclone('create', 'catalog-db', '--latest', '--name', 'snapclone-catalog-latest-demo', '--ttl', '4h');
  // ElastiCache: the cache as it was that day, with a new AUTH token.
  await snapclone('create', 'sessions-cache', '--date', sevenDaysAgo, '--name', 'snapclone-sessions-demo', '--ttl', '4h');
  // OpenSearch: a new domain with that day's snapshot restored (system indices left out).
  await snapclone('create', 'catalog-search', '--date', sevenDaysAgo, '--name', 'snapclone-search-demo', '--ttl', '4h');
  // The clone holds that day's data: count it in the clone (PGlite serves PostgreSQL clones in the sandbox).
  const billing = `snapclone-billing-db-${sevenDaysAgo.replaceAll('-', '')}-demo`;
  const payments = await countPayments(billing);
  console.log(`billing-db as of ${sevenDaysAgo}: ${payments} payments`);
  // The sandbox knows what the source held then: the demo fails if the clone says otherwise.
  const held = lineageOfCopy(sandbox.world, COMPANY_ACCOUNT, COMPANY_REGION, `arn:aws:rds:${COMPANY_REGION}:${COMPANY_ACCOUNT}:db:${billing}`);
  const then = held && stateAt(historyOf(sandbox.world, COMPANY_ACCOUNT, COMPANY_REGION, held.sourceId)!, held.at).tables.find((t) => t.schema.name === 'payments')?.rows.length;
  if (payments !== then) throw new Error(`the clone counts ${payments} payments, the source held ${then} at its restore time`);
  await snapclone('list');
  await snapclone('show', `snapclone-orders-db-${sevenDaysAgo.replaceAll('-', '')}-demo`);
  await snapclone('show', 'snapclone-catalog-latest-demo');
  await snapclone('show', 'snapclone-sessions-demo');
  await snapclone('delete', `snapclone-orders-db-${sevenDaysAgo.replaceAll('-', '')}-demo`, 'snapclone-catalog-latest-demo', 'snapclone-sessions-demo', 'snapclone-search-demo', billing, '--yes');
  await snapclone('list');
  console.log('\ndemo finished: two RDS clones from the backups of 7 days ago (one connected to and counted), an Aurora copy-on-write clone of the latest data, and a cache clone and a search clone of 7 days ago, listed, shown and deleted.');
} catch (error) {
  failed = true;
  console.error(`\ndemo failed: ${(error as Error).message}`);
} finally {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
