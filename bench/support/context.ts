// An in-process snapclone context against a sandbox, on the sandbox's clock: a wait moves the clock instead of
// waiting, so AWS's real durations (sandbox speed 1) pass in milliseconds. Every call is counted by the
// sandbox (countCalls); the context's clients are the real SDK clients over HTTP.
import { subscribe } from 'node:diagnostics_channel';
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

let inFlight = 0;
subscribe('http.client.request.start', () => inFlight++);
subscribe('http.client.response.finish', () => inFlight--);
subscribe('http.client.request.error', () => inFlight--);

const sleepers: { at: number; wake: () => void }[] = [];
let driving = false;

/** Real time passes until nothing is in flight (every task is asleep): then the clock moves to the first wake-up. */
async function drive(world: BenchSandbox['sandbox']['world']): Promise<void> {
  if (driving) return;
  driving = true;
  try {
    while (sleepers.length > 0) {
      let quiet = 0;
      while (quiet < 3) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        quiet = inFlight === 0 ? quiet + 1 : 0;
      }
      sleepers.sort((a, b) => a.at - b.at);
      const first = sleepers[0].at;
      const now = world.clock.nowMs();
      if (first > now) world.clock.advance(first - now);
      const due = sleepers.filter((x) => x.at <= first).length;
      for (const s of sleepers.splice(0, due)) s.wake();
    }
  } finally {
    driving = false;
  }
}

/**
 * A context for work that waits side by side (a set's members) on one sandbox clock: a sleep ends when every
 * task sleeps and the clock reaches its time, so concurrent waits overlap as they do in real time.
 */
export function concurrentContext(b: BenchSandbox, person = 'bench'): ClockedContext {
  const clocked = clockedContext(b, person);
  const { world } = b.sandbox;
  clocked.ctx.sleep = (ms) =>
    new Promise<void>((wake) => {
      sleepers.push({ at: world.clock.nowMs() + ms, wake });
      void drive(world);
    });
  return clocked;
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
