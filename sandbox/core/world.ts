import { Clock } from './clock.ts';
import { Faults } from './faults.ts';
import type { IamRole, IamUser, IssuedCredentials } from './iam.ts';

export interface TaggedResource {
  arn: string;
  tags: Record<string, string>;
}

/** A service's answer to "which resources do you hold, with which tags" (Tagging API, IAM conditions). */
export type TagSource = (world: World, accountId: string, region: string) => TaggedResource[];

/**
 * A service's answer to "which tags does the resource of this ARN carry" (undefined: it holds none of that ARN),
 * as its TagSource would answer, without listing everything: what IAM conditions ask on every call.
 */
export type TagFinder = (world: World, arn: string) => Record<string, string> | undefined;

interface RegisteredTagSource {
  list: TagSource;
  /** The service part of the ARNs the source lists (rds, es, …); undefined: any. */
  service?: string;
  find?: TagFinder;
}

/** A call about to be served: its IAM action and the resources it names. */
export interface ObservedCall {
  action: string;
  resources: string[];
  principalArn: string;
}

export interface WorldOptions {
  /** How many times faster than AWS asynchronous work completes (1 = real durations). */
  speed?: number;
  /** Evaluate each call against the caller's IAM policies, as AWS does (default: on). */
  enforceIam?: boolean;
  clock?: Clock;
  /** Seeds the generators of rate-based fault rules (default 1). */
  faultSeed?: number;
  /**
   * Serve copies' data on loopback ports (sandbox/data; default: on). Off, copies keep AWS-shaped endpoints, as a
   * test of a path that must name them as AWS does (Session Manager's host pattern) needs.
   */
  dataPlane?: boolean;
}

/** Everything the sandbox knows: IAM, issued keys, and each service's state per account and region. */
export class World {
  readonly clock: Clock;
  /**
   * Wall time (ms), which request signing times are checked against and responses' Date headers carry: clients
   * sign with real time whatever the sandbox clock says. Tests may replace it to stand for a skewed client clock.
   */
  wallClock: () => number = () => Date.now();
  speed: number;
  enforceIam: boolean;
  readonly dataPlane: boolean;
  readonly users = new Map<string, IamUser>();
  readonly roles = new Map<string, IamRole>();
  readonly credentials = new Map<string, IssuedCredentials>();
  /** Every action a role session was allowed (or called with IAM not enforced), as `<role ARN> <action>`: the tests' coverage of the policy. */
  readonly calledActions = new Set<string>();
  /** Every action IAM refused a role session, as `<role ARN> <action>` (kept apart from the coverage above). */
  readonly deniedActions = new Set<string>();
  /** Every secret value that went through the sandbox (passwords, tokens, keys), for tests to look for in output. */
  readonly secretValues = new Set<string>();
  /** Told of every call that passed authentication and IAM, right before its handler runs (tests watch writes). */
  observer?: (call: ObservedCall) => void;
  /** Fault injection: rules, request observers and counts (core/faults.ts). */
  readonly faults: Faults;
  private readonly states = new Map<string, unknown>();
  private readonly tagSources: RegisteredTagSource[] = [];
  private readonly closers = new Set<() => Promise<void>>();

  constructor(options: WorldOptions = {}) {
    this.clock = options.clock ?? new Clock();
    this.speed = options.speed ?? 1;
    this.enforceIam = options.enforceIam ?? true;
    this.dataPlane = options.dataPlane ?? true;
    this.faults = new Faults(this, options.faultSeed);
  }

  /** The state of one service in one account and region, created on first use. */
  state<T>(service: string, accountId: string, region: string, init: () => T): T {
    const key = `${service}/${accountId}/${region}`;
    let state = this.states.get(key) as T | undefined;
    if (state === undefined) {
      state = init();
      this.states.set(key, state);
    }
    return state;
  }

  /** Regions of an account in which a service holds state. */
  regionsOf(service: string, accountId: string): string[] {
    const prefix = `${service}/${accountId}/`;
    return [...this.states.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  }

  /** A real AWS duration, scaled by the speed factor, in sandbox milliseconds. */
  scaled(realMs: number): number {
    return realMs / this.speed;
  }

  /**
   * Registers something to release when the sandbox closes (a listener a service started); returns a function
   * that unregisters it (call it when the thing is released earlier).
   */
  onClose(closer: () => Promise<void>): () => void {
    this.closers.add(closer);
    return () => {
      this.closers.delete(closer);
    };
  }

  /** Releases everything registered with onClose (the sandbox's close() calls it). */
  async close(): Promise<void> {
    this.faults.close();
    const closers = [...this.closers];
    this.closers.clear();
    await Promise.all(closers.map((close) => close()));
  }

  /**
   * Registers a service's tagged resources. With `service` (the service part of its ARNs), tagsOf asks only
   * the sources of an ARN's service, and through `find` when given, so that the cost of an IAM condition on
   * a resource's tags does not grow with everything the account holds.
   */
  addTagSource(list: TagSource, options: { service?: string; find?: TagFinder } = {}): void {
    this.tagSources.push({ list, ...options });
  }

  taggedResources(accountId: string, region: string): TaggedResource[] {
    return this.tagSources.flatMap((source) => source.list(this, accountId, region));
  }

  tagsOf(arn: string): Record<string, string> | undefined {
    const [, , service, region, accountId] = arn.split(':');
    for (const source of this.tagSources) {
      if (source.service !== undefined && source.service !== service) continue;
      const tags = source.find
        ? source.find(this, arn)
        : source.list(this, accountId, region).find((r) => r.arn === arn)?.tags;
      if (tags) return tags;
    }
    return undefined;
  }
}
