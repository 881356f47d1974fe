import { ConfigSchema, type Config } from '../../src/config/schema.ts';
import { policiesFor } from '../../src/iam/split.ts';
import type { PolicyDocument } from '../../sandbox/core/iam.ts';
import { scenarioConfig, SCENARIO_TARGET } from '../../sandbox/scenario/config.ts';

/** The relay instance of the tests that reach clones through Session Manager (the scenario itself has none). */
export const RELAY = 'i-0123456789abcdef0';

/** A config whose target `dev` reaches clones through the relay (connect.relay). */
export function withRelay(config: Config): Config {
  return ConfigSchema.parse({ ...config, targets: { ...config.targets, [SCENARIO_TARGET]: { ...config.targets[SCENARIO_TARGET], connect: { relay: RELAY } } } });
}

/** The operator policies generated for the scenario's config with the relay: what the connect tests run under. */
export function relayOperatorPolicies(): PolicyDocument[] {
  return policiesFor(withRelay(ConfigSchema.parse(scenarioConfig())), SCENARIO_TARGET).map((p) => p.document as PolicyDocument);
}
