// The polling schedule of every wait: few looks over a long restore, readiness seen within seconds when the
// expectation holds, within LATE_CAP_MS when it does not, and quickly when the work is fast (a sped-up sandbox).
import { describe, expect, it } from 'vitest';
import type { Context } from '../../src/core/context.ts';
import { LATE_CAP_MS, NEAR_MS, Polling } from '../../src/engines/shared/poll.ts';

const MINUTE = 60_000;

/** Waits with a Polling until `doneAt` (ms after the start); the looks it took and how late it saw the end. */
async function waitFor(
  doneAt: number,
  expectedMs: number | undefined,
  percentAt?: (t: number) => number,
  timeScale?: number,
): Promise<{ looks: number; lateMs: number }> {
  let now = 0;
  const ctx = { now: () => new Date(now), sleep: async (ms: number) => void (now += ms), timeScale } as unknown as Context;
  const poll = new Polling(ctx, expectedMs);
  let looks = 1; // the first look is made before any wait
  while (now < doneAt) {
    if (percentAt) poll.progress(percentAt(now));
    await poll.wait();
    looks++;
  }
  return { looks, lateMs: now - doneAt };
}

describe('Polling', () => {
  it('a 15-minute restore expected to take 15: about twenty looks, seen within seconds', async () => {
    for (let run = 0; run < 20; run++) {
      const { looks, lateMs } = await waitFor(15 * MINUTE, 15 * MINUTE);
      expect(looks).toBeLessThanOrEqual(25);
      expect(lateMs).toBeLessThanOrEqual(NEAR_MS * 1.2 * 1.5 ** 2);
    }
  });

  it('a restore taking twice as long as expected: seen within LATE_CAP_MS, with fewer looks than a 3 s poll', async () => {
    for (let run = 0; run < 20; run++) {
      const { looks, lateMs } = await waitFor(20 * MINUTE, 10 * MINUTE);
      expect(lateMs).toBeLessThanOrEqual(LATE_CAP_MS * 1.2);
      expect(looks).toBeLessThan(45);
    }
  });

  it('work that ends early (or a sandbox 200 times faster than AWS) is seen early: never waits more than twice what it has waited', async () => {
    for (let run = 0; run < 20; run++) {
      const { lateMs } = await waitFor(4_500, 15 * MINUTE);
      expect(lateMs).toBeLessThanOrEqual(2 * 1.2 * 4_500);
    }
  });

  it('percent done from AWS moves the expected end: a 20-minute job expected at 10 is followed by its progress', async () => {
    const linear = (t: number) => (t / (20 * MINUTE)) * 100;
    const withProgress = await waitFor(20 * MINUTE, 10 * MINUTE, linear);
    expect(withProgress.lateMs).toBeLessThanOrEqual(NEAR_MS * 1.2 * 1.5 ** 2);
  });

  it('against a sandbox 200 times faster than AWS (timeScale), the same schedule runs 200 times faster', async () => {
    for (let run = 0; run < 20; run++) {
      const { looks, lateMs } = await waitFor((15 * MINUTE) / 200, 15 * MINUTE, undefined, 200);
      expect(looks).toBeLessThanOrEqual(25);
      expect(lateMs).toBeLessThanOrEqual((NEAR_MS * 1.2 * 1.5 ** 2) / 200 + 20);
    }
  });

  it('with no expectation: 3 s first, then 1.5 times longer each look, up to LATE_CAP_MS', () => {
    const ctx = { now: () => new Date(0) } as unknown as Context;
    const poll = new Polling(ctx);
    const delays = Array.from({ length: 12 }, () => poll.next());
    expect(delays.slice(0, 3)).toEqual([NEAR_MS, NEAR_MS * 1.5, NEAR_MS * 2.25]);
    expect(Math.max(...delays)).toBe(LATE_CAP_MS);
  });
});
