import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { join } from 'node:path';
import { fakedClock } from './clock.ts';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { seedScenario, COMPANY_REGION, type Scenario } from '../../sandbox/scenario/index.ts';
import type { AccessKey } from '../../sandbox/scenario/iam.ts';
import type { WorldOptions } from '../../sandbox/core/world.ts';
import { saveIssuedSecrets } from './hygiene.ts';

export interface TestSandbox extends Sandbox {
  scenario: Scenario;
  /** SDK client config for a key the scenario issued (admin by default). */
  config(key?: AccessKey): {
    endpoint: string;
    region: string;
    credentials: AccessKey;
    maxAttempts: number;
  };
}

/** Starts a seeded sandbox in-process on a free loopback port; close() it in afterAll. */
export async function startTestSandbox(options: WorldOptions = {}): Promise<TestSandbox> {
  const sandbox = await startSandbox(options);
  const scenario = seedScenario(sandbox.world);
  return {
    ...sandbox,
    close: async () => {
      saveIssuedSecrets(sandbox.world);
      await sandbox.close();
    },
    scenario,
    config: (key = scenario.admin) => ({
      endpoint: sandbox.url,
      region: COMPANY_REGION,
      credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
      maxAttempts: 1,
    }),
  };
}

/**
 * A seeded sandbox for a test file's fault tests: started before them (handed to `use`), closed after them, its
 * fault rules cleared before each test.
 */
export function useFaultSandbox(use: (sandbox: TestSandbox) => void): void {
  let sandbox: TestSandbox | undefined;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
    use(sandbox);
  });
  afterAll(() => sandbox?.close());
  beforeEach(() => {
    sandbox?.world.faults.clear();
  });
}

/**
 * The environment a snapclone process runs in against a sandbox: the CI user's key (the config's role is
 * assumed from it), no AWS config files, the scenario config at `config`.
 */
export function cliEnv(sb: TestSandbox, home: string, config: string, owner?: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    AWS_ENDPOINT_URL: sb.url,
    AWS_REGION: COMPANY_REGION,
    AWS_ACCESS_KEY_ID: sb.scenario.ci.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sb.scenario.ci.secretAccessKey,
    AWS_CONFIG_FILE: join(home, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    SNAPCLONE_CONFIG: config,
    ...(owner ? { SNAPCLONE_OWNER: owner } : {}),
    ...fakedClock(),
  };
}

/**
 * The kinds of resource (rds:db, secretsmanager:secret, es:domain, …) tagged as the clone `name` in the
 * sandbox, sorted: what a clone is made of, or what it left behind.
 */
export async function taggedAs(sb: TestSandbox, name: string): Promise<string[]> {
  // Enough attempts to see through the faults a test injects.
  const tagging = new ResourceGroupsTaggingAPIClient({ ...sb.config(), maxAttempts: 10 });
  try {
    const out = await tagging.send(new GetResourcesCommand({ TagFilters: [{ Key: 'snapclone:clone', Values: [name] }] }));
    // arn:aws:rds:…:db:NAME → rds:db; arn:aws:es:…:domain/NAME → es:domain.
    const kindOf = (arn: string) => `${arn.split(':')[2]}:${arn.split(':')[5].split('/')[0]}`;
    return (out.ResourceTagMappingList ?? []).map((r) => kindOf(r.ResourceARN!)).sort();
  } finally {
    tagging.destroy();
  }
}
