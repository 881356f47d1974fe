import { expect } from 'vitest';
import { masterPasswordOf } from '../../sandbox/services/rds/state.ts';
import type { World } from '../../sandbox/core/world.ts';

/** The `key=value` lines of an opened age hand-off. */
export function handoffFields(opened: string): Record<string, string> {
  return Object.fromEntries(
    opened
      .split('\n')
      .map((line) => /^([a-z]+)=(.*)$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  );
}

/**
 * The requester, with what the hand-off gave them, reaches the clone: today the sandbox's record of the clone is
 * the judge (the host is its endpoint, the password the one its engine now has). Once the sandbox serves clones'
 * data (issue 22), this is where the requester connects with a real client and reads the day's rows instead.
 */
export function requesterReachesClone(world: World, account: string, region: string, clone: { name: string; endpoint: string }, handoff: Record<string, string>): void {
  expect(`${handoff.host}:${handoff.port}`).toBe(clone.endpoint);
  expect(handoff.password).toBe(masterPasswordOf(world, account, region, clone.name));
}
