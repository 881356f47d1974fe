import type { Context } from '../../core/context.ts';

const MINUTE = 60_000;

/** The shortest wait against a sped-up sandbox, in real time (its answers take a millisecond or two). */
const MIN_SCALED_MS = 20;

/** The first wait: fast work (a small modification, a sandbox running faster than AWS) is seen at once. */
export const FIRST_MS = 1_000;
/** The wait between looks near the expected end, and the first one past it: readiness is seen within seconds. */
export const NEAR_MS = 3_000;
/** The longest wait while the end is far: a dead end (a failed restore) is still noticed within minutes. */
export const FAR_CAP_MS = 4 * MINUTE;
/** Past the expected end, or with no expectation, each wait is 1.5 times the last, up to this. */
export const LATE_CAP_MS = 30_000;

/** About `ms`, ±20 %: waits of many runs do not fall in step. */
export const jittered = (ms: number): number => ms * (0.8 + Math.random() * 0.4);

/** The time left, at the rate so far, of work `percent` done after `elapsedMs`; undefined without a percent. */
export function remainingMs(elapsedMs: number, percent: number | undefined): number | undefined {
  if (percent === undefined || !(percent > 0) || percent >= 100) return undefined;
  return (elapsedMs * (100 - percent)) / percent;
}

/** A full copy of a database (RDS instance or Aurora cluster): about 10 minutes plus 15 s per GB. */
const fullCopy = (storageGb = 20) => 10 * MINUTE + storageGb * 15_000;

/**
 * How long AWS typically takes, where it gives no estimate of its own: the expectation a wait starts from
 * (the sandbox models AWS with the same rough figures). A wrong one costs extra looks (up to one every
 * LATE_CAP_MS past it), never a missed readiness.
 */
export const TYPICAL_MS = {
  /** An RDS instance restored from a snapshot or to a point in time. */
  instanceRestore: fullCopy,
  /** An Aurora cluster restored as a full copy. */
  clusterRestore: fullCopy,
  /** An Aurora copy-on-write clone: a few minutes whatever the size. */
  clusterClone: 4 * MINUTE,
  /** An instance created into a cluster. */
  instanceCreate: 8 * MINUTE,
  /** An ElastiCache replication group created from a snapshot. */
  cacheCreate: 10 * MINUTE,
  /** An OpenSearch domain created. */
  domainCreate: 15 * MINUTE,
  /** A modification applied at once (a new password). */
  modify: MINUTE,
  /** A deletion. */
  deletion: 5 * MINUTE,
};

/**
 * When to look again while AWS works: halfway to the expected end while it is far, but never longer than
 * twice the wait so far, from FIRST_MS (work that ends early, or a sandbox running faster than AWS, is seen
 * early); every few seconds near the end; past it, 1.5 times longer each look up to LATE_CAP_MS. A
 * 15-minute restore costs about twenty looks and is seen within seconds when the expectation holds. The
 * expectation is AWS's own where it gives one (percent done), else TYPICAL_MS. Every wait is jittered
 * ±20 %, so that many runs do not poll in step. Against a sandbox running faster than AWS (Context.timeScale)
 * the whole schedule runs that much faster, as if AWS did.
 */
export class Polling {
  private readonly startedAt: number;
  /** How many times faster than AWS the endpoint works (1 for AWS itself). */
  private readonly scale: number;
  private expectedEnd: number | undefined;
  private late = NEAR_MS;

  constructor(
    private readonly ctx: Context,
    expectedMs?: number,
  ) {
    this.startedAt = ctx.now().getTime();
    this.scale = ctx.timeScale ?? 1;
    if (expectedMs !== undefined) this.expectedEnd = this.startedAt + expectedMs;
  }

  /** How long the work takes in all, once known (e.g. from the size the first look shows). */
  expectTotal(ms: number): void {
    this.expectEnd(this.startedAt + ms);
  }

  /** When the work is expected to end (AWS's time, epoch ms). */
  private expectEnd(at: number | undefined): void {
    if (at !== undefined && Number.isFinite(at)) this.expectedEnd = at;
  }

  /** AWS's progress (percent done of work begun at `since`): the end it implies at this rate. */
  progress(percent: number | undefined, since = this.startedAt): void {
    const remaining = remainingMs((this.ctx.now().getTime() - since) * this.scale, percent);
    if (remaining !== undefined) this.expectEnd(this.awsNow() + remaining);
  }

  /** The time as AWS would see it: from the start, the time passed times the endpoint's speed. */
  private awsNow(): number {
    return this.startedAt + (this.ctx.now().getTime() - this.startedAt) * this.scale;
  }

  /** The next wait in AWS's time, before jitter. */
  next(): number {
    const now = this.awsNow();
    const remaining = this.expectedEnd === undefined ? 0 : this.expectedEnd - now;
    if (remaining > 2 * NEAR_MS)
      return Math.min(remaining / 2, FAR_CAP_MS, Math.max(FIRST_MS, 2 * (now - this.startedAt)));
    const delay = this.late;
    this.late = Math.min(this.late * 1.5, LATE_CAP_MS);
    return delay;
  }

  async wait(): Promise<void> {
    const delay = jittered(this.next()) / this.scale;
    await this.ctx.sleep(Math.round(Math.max(delay, this.scale > 1 ? MIN_SCALED_MS : 0)));
  }
}
