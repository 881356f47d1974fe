import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HandlerExecutionContext, InitializeMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { RDSClient } from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createClients, type AwsClients, type SessionOptions } from '../../src/aws/session.ts';
import { dayOf } from '../../src/core/dates.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Context } from '../../src/core/context.ts';
import { UsageError } from '../../src/core/errors.ts';
import * as createCommand from '../../src/commands/create.ts';
import type { CreatedJson, CreateOptions } from '../../src/commands/create.ts';
import { allEngines } from '../../src/engines/index.ts';
import { actionsOf } from '../../src/iam/declare.ts';
import { TestReporter } from '../../src/output/reporter.ts';
import { backupState } from '../../sandbox/services/backup/state.ts';
import { masterPasswordOf, rdsState } from '../../sandbox/services/rds/state.ts';
import { secretsOf } from '../../sandbox/services/secretsmanager/store.ts';
import { writeScenarioConfig } from '../../sandbox/scenario/config.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION } from '../../sandbox/scenario/index.ts';
import { saveOutput } from '../support/hygiene.ts';
import { saveCalledActions } from '../support/actions.ts';
import { testClock } from '../support/clock.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

// The SDK warns that releases after early 2027 need Node 22; snapclone pins versions that support Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** An IAM action per SDK call, as the policy names it. */
export type CallLog = string[];

const IAM_PREFIX: Record<string, string> = {
  RDSClient: 'rds',
  ElastiCacheClient: 'elasticache',
  OpenSearchClient: 'es',
  BackupClient: 'backup',
  SecretsManagerClient: 'secretsmanager',
  ResourceGroupsTaggingAPIClient: 'tag',
  STSClient: 'sts',
  IAMClient: 'iam',
  SSMClient: 'ssm',
  S3Client: 's3',
  EC2Client: 'ec2',
};

/** Calls whose IAM action is not named after the operation (S3: ListObjectsV2 is s3:ListBucket, HeadObject s3:GetObject). */
const ACTION_OF: Record<string, string> = { 's3:ListObjectsV2': 's3:ListBucket', 's3:HeadObject': 's3:GetObject' };

/** Records every call a client makes as an IAM action (rds:DescribeDBInstances, tag:GetResources…). */
function record(client: object, calls: CallLog): void {
  const prefix = IAM_PREFIX[client.constructor.name] ?? client.constructor.name;
  const middleware: InitializeMiddleware<object, MetadataBearer> = (next, context: HandlerExecutionContext) => (args) => {
    const command = String(context.commandName ?? '').replace(/Command$/, '');
    calls.push(ACTION_OF[`${prefix}:${command}`] ?? `${prefix}:${command}`);
    if (prefix === 'backup' && command === 'StartRestoreJob') calls.push('iam:PassRole');
    return next(args);
  };
  ((client as { middlewareStack: unknown }).middlewareStack as unknown as MiddlewareStack<object, MetadataBearer>).add(middleware, {
    step: 'initialize',
    name: 'snapcloneTestRecorder',
  });
}

export interface TestCli {
  sb: TestSandbox;
  dir: string;
  configPath: string;
  config: Config;
  /** A context as the CLI builds it, against the sandbox through the real AssumeRole with external id. */
  context(options?: ContextOptions): TestContext;
  close(): Promise<void>;
  /** Sandbox state, read directly (not through the API under test). */
  instanceIds(): string[];
  restoreJobCount(): number;
  secretNames(): string[];
  masterPassword(id: string): string | undefined;
  /** The administrator's clients, to stage what snapclone (running as the operator role) must cope with. */
  admin: { rds: RDSClient; secrets: SecretsManagerClient; elasticache: ElastiCacheClient };
  /** The day `ago` days before the sandbox's now, in Asia/Tokyo (YYYY-MM-DD). */
  day(ago: number): string;
}

/** The SDK's attempts follow each other at once: tests run on the sandbox's clock, not the wall's. */
export const NO_BACKOFF = { computeNextBackoffDelay: () => 0, setDelayBase: () => undefined };

export interface ContextOptions {
  person?: string;
  interactive?: boolean;
  answers?: string[];
  /** Changes to the scenario config for this context. */
  config?: (config: Config) => Config;
  /** Session settings beyond the sandbox's endpoint and key (timeouts, attempts, another endpoint). */
  session?: Partial<SessionOptions>;
}

export interface TestContext {
  ctx: Context;
  reporter: TestReporter;
  calls: CallLog;
}

/** Starts a seeded sandbox, writes the scenario config, and builds contexts against it. */
export async function startCli(options: { speed?: number; dataPlane?: boolean } = {}): Promise<TestCli> {
  // The CLI runs in-process on the sandbox's clock (ctx.now), pinned to a fixed time of day (test/support/clock.ts).
  const sb = await startTestSandbox({ speed: options.speed ?? 20, clock: testClock(), dataPlane: options.dataPlane });
  const dir = mkdtempSync(join(tmpdir(), 'snapclone-cli-'));
  const configPath = writeScenarioConfig(dir);
  const config = parseConfig(readFileSync(configPath, 'utf8'), configPath);
  const rds = () => rdsState(sb.world, COMPANY_ACCOUNT, COMPANY_REGION);
  const reporters: TestReporter[] = [];
  const admin = { rds: new RDSClient(sb.config()), secrets: new SecretsManagerClient(sb.config()), elasticache: new ElastiCacheClient(sb.config()) };
  return {
    sb,
    dir,
    configPath,
    config,
    context(opts: ContextOptions = {}): TestContext {
      const reporter = new TestReporter(opts.interactive ?? false, opts.answers ?? []);
      reporters.push(reporter);
      const cfg = opts.config ? opts.config(structuredClone(config)) : config;
      const person = opts.person ?? 'alice';
      const calls: CallLog = [];
      const cache = new Map<string, AwsClients>();
      const ctx: Context = {
        config: cfg,
        configPath,
        reporter,
        now: () => sb.world.clock.now(),
        person,
        clients(targetName) {
          let clients = cache.get(targetName);
          if (!clients) {
            const target = cfg.targets[targetName];
            if (!target) throw new UsageError(`Unknown target '${targetName}'`);
            clients = createClients(target, {
              person,
              endpoint: sb.url,
              credentials: sb.scenario.ci,
              backoff: NO_BACKOFF,
              onClient: (client) => record(client, calls),
              ...opts.session,
            });
            cache.set(targetName, clients);
          }
          return clients;
        },
        // Sandbox time moves instead of wall time; yield so concurrent runs interleave.
        sleep: async (ms) => {
          sb.world.clock.advance(ms);
          await new Promise((resolve) => setImmediate(resolve));
        },
      };
      return { ctx, reporter, calls };
    },
    admin,
    day: (ago) => dayOf(new Date(sb.world.clock.nowMs() - ago * 86_400_000), 'Asia/Tokyo'),
    async close() {
      admin.rds.destroy();
      admin.secrets.destroy();
      admin.elasticache.destroy();
      saveCalledActions(sb.world);
      // What the commands reported, debug detail included (as with --verbose), for the secret-hygiene check.
      for (const reporter of reporters) saveOutput(['(in-process)'], reporter.text);
      await sb.close();
      rmSync(dir, { recursive: true, force: true });
    },
    instanceIds: () => [...rds().instances.keys()].sort(),
    restoreJobCount: () => backupState(sb.world, COMPANY_ACCOUNT, COMPANY_REGION).jobs.size,
    secretNames: () => [...secretsOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION).keys()].sort(),
    masterPassword: (id) => masterPasswordOf(sb.world, COMPANY_ACCOUNT, COMPANY_REGION, id),
  };
}

/** Everything a command said and returned, as one text, to look for secrets in. */
export function everything(result: unknown, reporter: TestReporter): string {
  return `${JSON.stringify(result)}\n${reporter.text}`;
}

/** Expects a promise to reject with an error of this class; returns the error. */
export async function rejection<E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof type) return error;
    throw new Error(`expected ${type.name}, got ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`, {
      cause: error,
    });
  }
  throw new Error(`expected ${type.name}, but it resolved`);
}

/** Makes a context's sleep throw 'interrupted' at its `at`-th call: a create killed while it waits. */
export function interruptAt(ctx: Context, at: number): void {
  let sleeps = 0;
  const sleep = ctx.sleep;
  ctx.sleep = async (ms) => {
    if (++sleeps === at) throw new Error('interrupted');
    await sleep(ms);
  };
}

/**
 * The calls of a command that its engine does not declare for it. Finding a clone by name asks every engine
 * of the target first (their describe calls, declared there), and STS calls come from the session.
 */
export function undeclaredCalls(calls: string[], declared: string[]): string[] {
  const lookups = allEngines().flatMap((e) => actionsOf(e.permissions.describe));
  return calls.filter((c) => !c.startsWith('sts:') && !declared.includes(c) && !lookups.includes(c));
}

/** The clones a `create` returned. */
export const createdClones = (json: unknown) => (json as { clones: CreatedJson[] }).clones;

/**
 * Runs `create` for one source as `person` (waiting), returning its one clone, everything it said (to look
 * for secrets in) and the IAM actions it called.
 */
export async function createOne(cli: TestCli, source: string, options: Partial<CreateOptions>, person = 'alice') {
  const { ctx, reporter, calls } = cli.context({ person });
  const result = await createCommand.run({ sources: [source], wait: true, ...options }, ctx);
  return { entry: createdClones(result.json)[0], text: everything(result, reporter), calls };
}

/**
 * `create` of one source (see createOne) that keeps everything snapclone said, to look for secrets in; `cli`
 * is read when a create runs (files start theirs in beforeAll).
 */
export function recordedCreates(cli: () => TestCli, source: string) {
  const said: string[] = [];
  const make = async (options: Partial<CreateOptions>, person = 'alice') => {
    const made = await createOne(cli(), source, options, person);
    said.push(made.text);
    return made;
  };
  return { said, make };
}
