import type { HandlerExecutionContext, MetadataBearer, Pluggable, ResponseMetadata } from '@smithy/types';

/**
 * One AWS call as `--debug` shows it: what was called and how AWS answered, nothing of what was sent or
 * received (no headers, no bodies, no credentials), so nothing secret can pass through it.
 */
export interface AwsCall {
  /** The SDK's service id: RDS, STS, Secrets Manager… */
  service: string;
  operation: string;
  /** HTTP status of the last attempt; undefined when no answer came (a refused connection, a timeout). */
  status?: number;
  durationMs: number;
  requestId?: string;
  /** Attempts beyond the first (the SDK's retries). */
  retries: number;
  /** The error's name when the call failed (AccessDenied, ThrottlingException, ECONNREFUSED…). */
  error?: string;
}

export type CallLogger = (call: AwsCall) => void;

/** `aws: RDS DescribeDBInstances → 200 in 35 ms (request id …, 0 retries)`: one line per call. */
export function formatCall(call: AwsCall): string {
  const answer = call.status === undefined ? 'no answer' : String(call.status);
  const failed = call.error ? ` ${call.error}` : '';
  const id = call.requestId ? `request id ${call.requestId}` : 'no request id';
  const retries = `${call.retries} ${call.retries === 1 ? 'retry' : 'retries'}`;
  return `aws: ${call.service} ${call.operation} → ${answer}${failed} in ${call.durationMs} ms (${id}, ${retries})`;
}

interface Stack {
  add(middleware: unknown, options: { step: 'initialize'; name: string; priority: 'high' }): void;
}

const NAME = 'snapcloneCallLog';

/** Safe names only: an error's name, or a Node system error code; never its message (it may echo input). */
function errorName(error: unknown): string {
  const e = error as { name?: string; code?: string; Code?: string };
  const name = e?.Code ?? (e?.name && e.name !== 'Error' ? e.name : undefined) ?? e?.code ?? 'Error';
  return /^[\w.:-]{1,64}$/.test(name) ? name : 'Error';
}

/** Adds the call log to a client's middleware stack, outermost, so one line covers all of a call's attempts. */
export function addCallLog(client: object, log: CallLogger, serviceId?: string): void {
  const stack = (client as { middlewareStack: Stack }).middlewareStack;
  stack.add(
    (next: (args: unknown) => Promise<{ output: MetadataBearer }>, context: HandlerExecutionContext) => async (args: unknown) => {
      const started = performance.now();
      const operation = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
      const report = (metadata: ResponseMetadata | undefined, error?: unknown) =>
        log({
          service: serviceId ?? String(context.clientName ?? 'AWS').replace(/Client$/, ''),
          operation,
          status: metadata?.httpStatusCode,
          durationMs: Math.round(performance.now() - started),
          requestId: metadata?.requestId ?? metadata?.extendedRequestId,
          retries: Math.max(0, (metadata?.attempts ?? 1) - 1),
          ...(error === undefined ? {} : { error: errorName(error) }),
        });
      try {
        const result = await next(args);
        report(result.output?.$metadata);
        return result;
      } catch (error) {
        report((error as MetadataBearer)?.$metadata, error);
        throw error;
      }
    },
    { step: 'initialize', name: NAME, priority: 'high' },
  );
}

/**
 * The same log as a client plugin, for the clients the SDK's credential providers make themselves (STS for a
 * profile's role_arn, SSO, web identity): they take plugins, not a finished client.
 */
export function callLogPlugin(log: CallLogger): Pluggable<object, MetadataBearer> {
  return {
    applyToStack(stack) {
      // The plugin sees only the stack: the service is named after the client (STSClient → STS, SSOClient → SSO).
      addCallLog({ middlewareStack: stack }, log);
    },
  };
}
