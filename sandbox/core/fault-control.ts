import { checkRule, FaultRuleError, type FaultRuleInput } from './fault-rules.ts';
import { parseFaultSpec } from './fault-spec.ts';
import type { RawRequest, RawResponse } from './http.ts';
import type { World } from './world.ts';

/**
 * The fault control endpoint on the sandbox's own port: GET lists the rules and the counts, POST adds rules (a
 * rule object, a `--fault` spec string, or an array of them), DELETE removes them all (or `/_sandbox/faults/ID`
 * one). AWS never serves a path under `/_sandbox/`, and every request an AWS SDK or the aws CLI sends is signed
 * or goes to `/`; so only unsigned requests under that path come here, and only from loopback.
 */
export const FAULTS_PATH = '/_sandbox/faults';

export const isControlRequest = (request: RawRequest): boolean =>
  (request.rawPath === '/_sandbox' || request.rawPath.startsWith('/_sandbox/')) && request.headers.authorization === undefined;

const LOOPBACK_ADDRESSES = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const LOOPBACK_HOSTS = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;

const json = (status: number, body: unknown): RawResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

const refusal = (status: number, message: string) => json(status, { message });

function rulesFrom(body: Buffer): FaultRuleInput[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new FaultRuleError('the body is not JSON');
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  if (items.length === 0) throw new FaultRuleError('no rule given');
  return items.map((item) => (typeof item === 'string' ? parseFaultSpec(item) : checkRule(item)));
}

/** Answers a control request from `remoteAddress`. */
export function answerControl(world: World, request: RawRequest, remoteAddress: string | undefined): RawResponse {
  // The listener is on loopback already; the Host check also turns away a web page reaching it by DNS rebinding.
  if (!LOOPBACK_ADDRESSES.has(remoteAddress ?? '') || !LOOPBACK_HOSTS.test(request.headers.host ?? '')) {
    return refusal(403, 'The fault control endpoint answers loopback only.');
  }
  const faults = world.faults;
  const one = /^\/_sandbox\/faults\/(\d+)$/.exec(request.rawPath);
  if (one) {
    if (request.method !== 'DELETE') return refusal(405, `${request.method} is not allowed on a fault rule.`);
    return faults.remove(Number(one[1])) ? json(200, { removed: Number(one[1]) }) : refusal(404, `No fault rule ${one[1]}.`);
  }
  if (request.rawPath !== FAULTS_PATH) return refusal(404, `Nothing at ${request.rawPath}; the fault control endpoint is ${FAULTS_PATH}.`);
  switch (request.method) {
    case 'GET':
      return json(200, { seed: faults.seed, rules: faults.list(), stats: faults.stats() });
    case 'POST': {
      // A JSON content type cannot be sent cross-site without a CORS preflight, which the sandbox never allows.
      if (!/^application\/json\b/.test(request.headers['content-type'] ?? '')) {
        return refusal(415, 'Send the rules as application/json.');
      }
      try {
        const rules = rulesFrom(request.body);
        return json(201, { rules: rules.map((rule) => faults.add(rule)) });
      } catch (error) {
        if (!(error instanceof FaultRuleError)) throw error;
        return refusal(400, error.message);
      }
    }
    case 'DELETE':
      return json(200, { removed: faults.clear() });
    default:
      return refusal(405, `${request.method} is not allowed on ${FAULTS_PATH}: use GET, POST or DELETE.`);
  }
}
