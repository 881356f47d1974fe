import { AsyncLocalStorage } from 'node:async_hooks';
import type { ServerResponse } from 'node:http';
import { AwsError } from './errors.ts';
import { serviceFaultError, type ErrorFaultKind } from './fault-errors.ts';
import {
  checkRule,
  FAULT_KINDS,
  firesOn,
  ruleMatches,
  seededRandom,
  type FaultKind,
  type FaultPhase,
  type FaultRule,
  type FaultRuleInput,
} from './fault-rules.ts';
import { parseFaultSpec } from './fault-spec.ts';
import type { RawRequest } from './http.ts';
import type { IssuedCredentials } from './iam.ts';
import type { OperationDef, RequestContext } from './service.ts';
import { parseAuthorization } from './sigv4.ts';
import type { World } from './world.ts';

export type { FaultKind, FaultPhase, FaultRule, FaultRuleInput };

/** The call a fault may hit: the service's signing name and the operation. */
export interface FaultCall {
  service: string;
  operation: string;
  /** How this surface answers a throttle or server failure; by default the service API's own error. */
  faultError?: (kind: ErrorFaultKind) => Error;
}

/** What request observers are told: every call before its operation runs, and after it ran (before the answer). */
export interface RequestEvent {
  seq: number;
  service: string;
  operation: string;
  phase: FaultPhase;
}

export type RequestObserver = (event: RequestEvent) => void | Promise<void>;

export interface FaultStats {
  /** Calls that reached an operation. */
  requests: number;
  /** Faults injected, by kind. */
  injected: Record<FaultKind, number>;
}

/**
 * One HTTP exchange in progress: the request; whether a fault decided that it gets no answer, or that it is to be
 * answered again from the start (its session expired under it: authentication now refuses it).
 */
interface Exchange {
  request: RawRequest;
  dropped: boolean;
  answerAgain: boolean;
}

/** The placeholder error of a call whose answer a fault replaces: it is never written. */
class AnswerReplaced extends AwsError {
  constructor() {
    super('AnswerReplaced', 'The snapclone sandbox replaced this answer (fault injection).', 500);
  }
}

/**
 * Fault injection (`world.faults`): rules that make matching calls fail the way AWS fails — throttling, 500/503,
 * dropped connections, slow or hanging answers, early session expiry, failed restores — by rate or count, before
 * or after the operation runs; and request observers that tests use to act at an exact call (e.g. kill a process).
 */
export class Faults {
  private readonly rules: FaultRule[] = [];
  private readonly randoms = new Map<number, () => number>();
  private readonly observers = new Set<RequestObserver>();
  private readonly injected = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
  // The transport decides whether an answer is written; the decision is made deep inside the call.
  private readonly exchanges = new AsyncLocalStorage<Exchange>();
  private nextId = 1;
  private seq = 0;
  private closed = false;
  private readonly released: Promise<void>;
  private release!: () => void;

  constructor(
    private readonly world: World,
    /** Seeds each rule's generator (with the rule's id), so rates fire on the same calls every run. */
    readonly seed = 1,
  ) {
    this.released = new Promise((resolve) => (this.release = resolve));
  }

  /** Adds a rule (an object or a `--fault` spec string); returns it as held, with its id. */
  add(input: FaultRuleInput | string): FaultRule {
    const checked = typeof input === 'string' ? parseFaultSpec(input) : checkRule(input);
    const rule: FaultRule = { ...checked, id: this.nextId++, seen: 0, fired: 0 };
    this.rules.push(rule);
    this.randoms.set(rule.id, seededRandom(Math.imul(this.seed, 0x9e3779b1) ^ rule.id));
    return { ...rule };
  }

  /** Removes one rule; false when there is none with that id. */
  remove(id: number): boolean {
    const at = this.rules.findIndex((rule) => rule.id === id);
    if (at >= 0) this.rules.splice(at, 1);
    this.randoms.delete(id);
    return at >= 0;
  }

  /** Removes every rule; how many there were. */
  clear(): number {
    this.randoms.clear();
    return this.rules.splice(0).length;
  }

  list(): FaultRule[] {
    return this.rules.map((rule) => ({ ...rule }));
  }

  stats(): FaultStats {
    return { requests: this.seq, injected: { ...this.injected } };
  }

  /** Tells `observer` of every call before and after its operation runs (awaited); returns a function that stops it. */
  onRequest(observer: RequestObserver): () => void {
    this.observers.add(observer);
    return () => {
      this.observers.delete(observer);
    };
  }

  /** Runs one operation of a service under the fault rules. */
  runOperation(op: OperationDef, input: unknown, ctx: RequestContext): Promise<unknown> {
    const failRestore = op.failRestore;
    return this.run(ctx, () => op.handler(input, ctx), failRestore && ((output) => failRestore(input, output, ctx)));
  }

  /**
   * Runs `operation` as `call` under the fault rules: observers are told, a before-fault may answer instead of it,
   * `failRestore` (for operations that start a restore) marks the restore as failing when a fail-restore rule fires,
   * and an after-fault may replace or hold back its answer.
   */
  async run<T>(call: FaultCall, operation: () => T | Promise<T>, failRestore?: (output: T) => void): Promise<T> {
    const seq = ++this.seq;
    const event = { seq, service: call.service, operation: call.operation };
    await this.notify({ ...event, phase: 'before' });
    const onSession = this.sessionOf(this.exchanges.getStore()?.request) !== undefined;
    const applies = (kind: FaultKind) => kind !== 'fail-restore' && (kind !== 'expire-session' || onSession);
    await this.inject(this.pick(call, 'before', applies), call);
    let outcome: { output: T } | { error: unknown };
    try {
      outcome = { output: await operation() };
    } catch (error) {
      outcome = { error };
    }
    await this.notify({ ...event, phase: 'after' });
    if (failRestore && 'output' in outcome && this.pick(call, 'after', (kind) => kind === 'fail-restore')) {
      failRestore(outcome.output);
    }
    await this.inject(this.pick(call, 'after', applies), call);
    if ('error' in outcome) throw outcome.error;
    return outcome.output;
  }

  /**
   * Serves one HTTP exchange: `produce` answers it, unless a fault dropped the connection — then the socket is
   * destroyed without an answer and this resolves to undefined.
   */
  async respond<T>(request: RawRequest, res: ServerResponse, produce: () => Promise<T>): Promise<T | undefined> {
    const exchange: Exchange = { request, dropped: false, answerAgain: false };
    let response = await this.exchanges.run(exchange, produce);
    if (exchange.answerAgain) response = await this.exchanges.run(exchange, produce);
    if (!exchange.dropped) return response;
    res.destroy();
    return undefined;
  }

  /** Releases every held call (hang, slow) without an answer; the sandbox's close() calls it. */
  close(): void {
    this.closed = true;
    this.release();
  }

  private async notify(event: RequestEvent): Promise<void> {
    for (const observer of [...this.observers]) await observer(event);
  }

  /** The first rule of the phase that fires on the call; every applicable matching rule counts the call. */
  private pick(call: FaultCall, phase: FaultPhase, applies: (kind: FaultKind) => boolean): FaultRule | undefined {
    let chosen: FaultRule | undefined;
    for (const rule of this.rules) {
      if (rule.phase !== phase || !applies(rule.kind) || !ruleMatches(rule, call.service, call.operation)) continue;
      if (chosen) rule.seen++;
      else if (firesOn(rule, this.randoms.get(rule.id)!)) chosen = rule;
    }
    if (chosen) this.injected[chosen.kind]++;
    return chosen;
  }

  private async inject(rule: FaultRule | undefined, call: FaultCall): Promise<void> {
    if (!rule) return;
    const exchange = this.exchanges.getStore();
    switch (rule.kind) {
      case 'throttle':
      case 'error500':
      case 'error503':
        throw (call.faultError ?? ((kind) => serviceFaultError(call.service, kind)))(rule.kind);
      case 'slow':
        if (await this.held(rule.delayMs!)) return;
        return this.drop(exchange);
      case 'hang':
        await this.released;
        return this.drop(exchange);
      case 'drop':
        // After the operation the answer is ready and merely not written; before it, nothing may run.
        if (rule.phase === 'after' && exchange) exchange.dropped = true;
        else this.drop(exchange);
        return;
      case 'expire-session':
        return this.expireSession(exchange!, rule.phase);
      case 'fail-restore':
        return;
    }
  }

  /** Marks the exchange as getting no answer and stops the call. */
  private drop(exchange: Exchange | undefined): never {
    if (exchange) exchange.dropped = true;
    throw new AnswerReplaced();
  }

  /** Waits `ms` of wall time; false when the sandbox closed meanwhile. */
  private async held(ms: number): Promise<boolean> {
    if (this.closed) return false;
    let timer: NodeJS.Timeout | undefined;
    const elapsed = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), ms)));
    const outcome = await Promise.race([elapsed, this.released.then(() => false)]);
    clearTimeout(timer);
    return outcome;
  }

  /** The credentials that signed a request, when they are a session's (they carry a token). */
  private sessionOf(request: RawRequest | undefined): IssuedCredentials | undefined {
    let scope;
    try {
      scope = parseAuthorization(request?.headers.authorization);
    } catch {
      return undefined; // HTTP basic auth on a domain endpoint, or no signature at all
    }
    const issued = scope && this.world.credentials.get(scope.accessKeyId);
    return issued?.sessionToken ? issued : undefined;
  }

  /**
   * Expires the session that signed the request now. Before the operation, the request is then answered again
   * from the start, so authentication refuses it exactly as it refuses any call with an expired session.
   */
  private expireSession(exchange: Exchange, phase: FaultPhase): void {
    this.sessionOf(exchange.request)!.expiration = this.world.clock.now();
    if (phase === 'after') return;
    exchange.answerAgain = true;
    throw new AnswerReplaced();
  }
}
