// An in-process snapclone context against a sandbox, on the sandbox's clock: a wait moves the clock instead of
// waiting, so AWS's real durations (sandbox speed 1) pass in milliseconds. Every call is counted by the
// sandbox (countCalls); the context's clients are the real SDK clients over HTTP.
import { readFileSync } from 'node:fs';
import { createClients, type AwsClients } from '../../src/aws/session.ts';
import { parseConfig } from '../../src/config/load.ts';
import { resolveTarget, type Context } from '../../src/core/context.ts';
import { TestReporter } from '../../src/output/reporter.ts';
import type { BenchSandbox } from './cli.ts';

export interface ClockedContext {
  ctx: Context;
  /** The sandbox clock's time, ms. */
  now(): number;
}

/**
 * A context whose sleep advances the sandbox clock by what was asked, or by at most `capMs` per sleep (an
 * oracle that looks every `capMs`: it sees readiness within capMs, so its time is AWS's own to within that).
 */
export function clockedContext(b: BenchSandbox, person = 'bench', capMs = Number.POSITIVE_INFINITY): ClockedContext {
  const { world } = b.sandbox;
  const config = parseConfig(readFileSync(b.config, 'utf8'), b.config);
  const cache = new Map<string, AwsClients>();
  const ctx: Context = {
    config,
    configPath: b.config,
    reporter: new TestReporter(),
    now: () => world.clock.now(),
    person,
    clients(name) {
      let clients = cache.get(name);
      if (!clients) {
        clients = createClients(resolveTarget(config, name).config, { person, endpoint: b.sandbox.url, credentials: b.scenario.ci });
        cache.set(name, clients);
      }
      return clients;
    },
    sleep: async (ms) => {
      world.clock.advance(Math.min(ms, capMs));
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
  return { ctx, now: () => world.clock.nowMs() };
}
