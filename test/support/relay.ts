import { ConfigSchema, type Config } from '../../src/config/schema.ts';
import { policiesFor } from '../../src/iam/split.ts';
import type { PolicyDocument } from '../../sandbox/core/iam.ts';
import { scenarioConfig, SCENARIO_TARGET } from '../../sandbox/scenario/config.ts';
import { DEV_RELAY } from '../../sandbox/scenario/constants.ts';

/** The relay instance of the tests that reach clones through Session Manager (seeded in EC2; the scenario's config names none). */
export const RELAY = DEV_RELAY;

/** A config whose target `dev` reaches clones through the relay (connect.relay). */
export function withRelay(config: Config): Config {
  return ConfigSchema.parse({ ...config, targets: { ...config.targets, [SCENARIO_TARGET]: { ...config.targets[SCENARIO_TARGET], connect: { relay: RELAY } } } });
}

/** The operator policies generated for the scenario's config with the relay: what the connect tests run under. */
export function relayOperatorPolicies(): PolicyDocument[] {
  return policiesFor(withRelay(ConfigSchema.parse(scenarioConfig())), SCENARIO_TARGET).map((p) => p.document as PolicyDocument);
}
