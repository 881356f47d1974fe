/**
 * The sandbox's clock: real time plus an offset that tests move by hand, so asynchronous resources
 * advance without anyone waiting on wall time.
 */
export class Clock {
  private offsetMs = 0;
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
