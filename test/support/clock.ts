import { Clock, nextDailyUtc } from '../../sandbox/core/clock.ts';

/** The time of day in-process tests run at unless SNAPCLONE_TEST_NOW says otherwise: 12:00 in Tokyo. */
const DEFAULT_UTC = { hour: 3, minute: 0 };

/**
 * When an in-process test's sandbox clock starts. Every date a test asks for is relative to it, so a fixed time
 * of day makes "the day before" and "the end of that day" the same whenever the suite runs:
 * SNAPCLONE_TEST_NOW (an ISO instant) when set — scripts/times-of-day.sh runs the date-dependent suites at
 * several — else the next 03:00 UTC. Never behind the wall clock by default, so the sessions the sandbox issues
 * do not look expired to the SDK, which checks them against the wall clock.
 */
export function testStartMs(wallMs = Date.now()): number {
  const pinned = process.env.SNAPCLONE_TEST_NOW;
  if (pinned) {
    const ms = Date.parse(pinned);
    if (Number.isNaN(ms)) throw new Error(`SNAPCLONE_TEST_NOW is not an ISO instant: ${pinned}`);
    return ms;
  }
  return nextDailyUtc(wallMs, DEFAULT_UTC.hour, DEFAULT_UTC.minute);
}

export const testClock = (): Clock => new Clock(testStartMs());

/**
 * Debian's faketime, where the suites run under it (scripts/times-of-day.sh, or by hand): the processes the tests
 * start with an environment of their own (the CLI, the aws CLI) see the tests' clock too.
 */
export function fakedClock(): Record<string, string> {
  const names = ['LD_PRELOAD', 'FAKETIME', 'FAKETIME_DONT_FAKE_MONOTONIC', 'FAKETIME_NO_CACHE'];
  return Object.fromEntries(names.flatMap((n) => (process.env[n] === undefined ? [] : [[n, process.env[n]!]])));
}
