import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { seedScenario, COMPANY_REGION, type Scenario } from '../../sandbox/scenario/index.ts';
import type { AccessKey } from '../../sandbox/scenario/iam.ts';
import type { WorldOptions } from '../../sandbox/core/world.ts';

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
    scenario,
    config: (key = scenario.admin) => ({
      endpoint: sandbox.url,
      region: COMPANY_REGION,
      credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
      maxAttempts: 1,
    }),
  };
}
