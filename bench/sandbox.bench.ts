// npm run bench:sandbox: how fast the sandbox starts and serves a describe call, through the real SDK over HTTP.
// Results go to docs/benchmarks.md by hand, with the date and machine.
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { startSandbox } from '../sandbox/server.ts';
import { COMPANY_REGION, seedScenario } from '../sandbox/scenario/index.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];
const ms = (x: number) => `${x.toFixed(2)} ms`;

async function inProcessStart(): Promise<number> {
  const t0 = performance.now();
  const sandbox = await startSandbox();
  seedScenario(sandbox.world);
  const took = performance.now() - t0;
  await sandbox.close();
  return took;
}

/** `npm run sandbox` as a user starts it: from spawn to the ready line. */
function processStart(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/main.ts', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('http://')) {
        const took = performance.now() - t0;
        child.kill('SIGTERM');
        child.on('exit', () => resolve(took));
      }
    });
    child.on('error', reject);
  });
}

async function latency(runs: number) {
  const sandbox = await startSandbox();
  const scenario = seedScenario(sandbox.world);
  const config = {
    endpoint: sandbox.url,
    region: COMPANY_REGION,
    credentials: scenario.admin,
  };
  const rds = new RDSClient(config);
  const sts = new STSClient(config);
  const describe: number[] = [];
  const identity: number[] = [];
  for (let i = 0; i < runs + 10; i++) {
    let t0 = performance.now();
    await rds.send(new DescribeDBInstancesCommand({}));
    if (i >= 10) describe.push(performance.now() - t0);
    t0 = performance.now();
    await sts.send(new GetCallerIdentityCommand({}));
    if (i >= 10) identity.push(performance.now() - t0);
  }
  await sandbox.close();
  return { describe, identity };
}

const starts: number[] = [];
for (let i = 0; i < 10; i++) starts.push(await inProcessStart());
const processStarts: number[] = [];
for (let i = 0; i < 3; i++) processStarts.push(await processStart());
const { describe, identity } = await latency(200);

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}, node ${process.version}`);
console.log(`in-process start + seed (10 runs): median ${ms(median(starts))}`);
console.log(`npm run sandbox, spawn → ready line (3 runs): median ${ms(median(processStarts))}`);
console.log(`RDS DescribeDBInstances via SDK (200 calls): median ${ms(median(describe))}, p95 ${ms(p95(describe))}`);
console.log(`STS GetCallerIdentity via SDK (200 calls): median ${ms(median(identity))}, p95 ${ms(p95(identity))}`);
