/**
 * The sandbox's clock: real time plus an offset that tests move by hand, so asynchronous resources
 * advance without anyone waiting on wall time. Started at `startMs`, it runs on from that instant instead of
 * from the wall clock's (tests pin the time of day their dates depend on).
 */
export class Clock {
  private offsetMs: number;
  constructor(startMs?: number) {
    this.offsetMs = startMs === undefined ? 0 : startMs - Date.now();
  }
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  nowMs(): number {
    return Date.now() + this.offsetMs;
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export const DAY_MS = 86_400_000;

/** The first daily time hour:minute UTC strictly after `after` (minutes past 59 roll over, as in Date.UTC). */
export function nextDailyUtc(after: number, hour: number, minute: number): number {
  const d = new Date(after);
  let t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), hour, minute);
  while (t <= after) t += DAY_MS;
  return t;
}
