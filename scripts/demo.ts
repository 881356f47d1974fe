// npm run demo: starts the sandbox (IAM enforced: snapclone runs as the operator role with exactly the policy
// `snapclone iam policy` generates) and drives the real snapclone binary through
// doctor → points → create --date <7 days ago> (RDS, ElastiCache, OpenSearch) and --latest (Aurora) → list → show → delete, printing
// what a user would see.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../sandbox/server.ts';
import { COMPANY_REGION, seedScenario } from '../sandbox/scenario/index.ts';
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

const sevenDaysAgo = new Date(Date.now() - 7 * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Asia/Tokyo' });
let failed = false;
try {
  console.log(`snapclone demo — sandbox at ${sandbox.url}, config ${config}`);
  await snapclone('doctor');
  await snapclone('points', 'orders-db');
  await snapclone('create', 'orders-db', '--date', sevenDaysAgo, '--ttl', '4h');
  // Aurora: the newest data as a copy-on-write clone (minutes whatever the size), next to the RDS clone.
  await snapclone('create', 'catalog-db', '--latest', '--name', 'snapclone-catalog-latest-demo', '--ttl', '4h');
  // ElastiCache: the cache as it was that day, with a new AUTH token.
  await snapclone('create', 'sessions-cache', '--date', sevenDaysAgo, '--name', 'snapclone-sessions-demo', '--ttl', '4h');
  // OpenSearch: a new domain with that day's snapshot restored (system indices left out).
  await snapclone('create', 'catalog-search', '--date', sevenDaysAgo, '--name', 'snapclone-search-demo', '--ttl', '4h');
  await snapclone('list');
  await snapclone('show', `snapclone-orders-db-${sevenDaysAgo.replaceAll('-', '')}-demo`);
  await snapclone('show', 'snapclone-catalog-latest-demo');
  await snapclone('show', 'snapclone-sessions-demo');
  await snapclone('delete', `snapclone-orders-db-${sevenDaysAgo.replaceAll('-', '')}-demo`, 'snapclone-catalog-latest-demo', 'snapclone-sessions-demo', 'snapclone-search-demo', '--yes');
  await snapclone('list');
  console.log('\ndemo finished: an RDS clone from the backup of 7 days ago, an Aurora copy-on-write clone of the latest data, and a cache clone and a search clone of 7 days ago, listed, shown and deleted.');
} catch (error) {
  failed = true;
  console.error(`\ndemo failed: ${(error as Error).message}`);
} finally {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
