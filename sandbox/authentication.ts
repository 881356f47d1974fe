import { AUTH_MESSAGES, AuthError } from './core/auth-errors.ts';
import { AwsError } from './core/errors.ts';
import type { RawRequest, RawResponse } from './core/http.ts';
import type { Principal } from './core/iam.ts';
import { operationSchema, type ProtocolName, type ServiceDef } from './core/service.ts';
import { parseAuthorization, verifySignature, type CredentialScope } from './core/sigv4.ts';
import type { World } from './core/world.ts';
import { jsonError } from './protocols/json.ts';
import { awsQuery } from './protocols/query.ts';
import { hasRoute } from './protocols/restjson.ts';

/** Calls AWS accepts without a signature; routed by the form body's Action. */
const UNSIGNED_STS_ACTIONS = new Set(['AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML']);

const ANONYMOUS: Principal = { kind: 'user', accountId: '', arn: 'anonymous', userId: 'anonymous' };

const signingNameOf = (authorization: string | undefined) =>
  /Credential=[^/\s,]+\/\d{8}\/[^/\s,]+\/([^/\s,]+)\/aws4_request/.exec(authorization ?? '')?.[1];

function formAction(request: RawRequest): string | undefined {
  const form = request.method === 'GET' ? request.rawQuery : request.body.toString('utf8');
  return new URLSearchParams(form).get('Action') ?? undefined;
}

/**
 * The service a request is for: the signing name of its credential scope; for an unsigned (or unreadably
 * signed) request, the service it looks like — an X-Amz-Target prefix, a form Action of a service's model, a
 * REST route — so that even its refusal comes in that service's protocol.
 */
export function addressedService(request: RawRequest, registry: Record<string, ServiceDef>): ServiceDef | undefined {
  const name = signingNameOf(request.headers.authorization);
  if (name !== undefined) return registry[name];
  const all = Object.values(registry);
  const target = request.headers['x-amz-target'];
  if (target) return all.find((s) => s.targetPrefix !== undefined && target.startsWith(`${s.targetPrefix}.`));
  const action = formAction(request);
  if (action) return all.find((s) => (s.protocol === 'awsQuery' || s.protocol === 'ec2Query') && operationSchema(s, action) !== undefined);
  return all.find((s) => s.protocol === 'restJson1' && hasRoute(s, request));
}

/**
 * The answer to a request for no service the sandbox serves: UnknownService for a signing name it does not
 * know, else the refusal of an unsigned call — as XML, or as JSON when the request was JSON.
 */
export function unaddressed(request: RawRequest, requestId: string, registry: Record<string, ServiceDef>): RawResponse {
  const name = signingNameOf(request.headers.authorization);
  const contentType = request.headers['content-type'] ?? '';
  const protocol: ProtocolName = contentType.includes('x-amz-json')
    ? 'awsJson1_1'
    : contentType.includes('json')
      ? 'restJson1'
      : 'awsQuery';
  const error =
    name !== undefined
      ? new AwsError('UnknownService', `The snapclone sandbox does not serve the service '${name}'.`, 400)
      : new AuthError('missing-token', AUTH_MESSAGES.missingToken).as(protocol);
  if (protocol === 'awsQuery') return awsQuery.serializeError(registry.sts, error, requestId);
  return jsonError(error, requestId, contentType);
}

/**
 * Who signed the request, verified as AWS does (core/sigv4.ts), or the anonymous caller of the few calls AWS
 * accepts unsigned. A refusal carries the names the service's protocol uses (core/auth-errors.ts).
 */
export async function authenticate(
  world: World,
  request: RawRequest,
  service: ServiceDef,
): Promise<{ principal: Principal; scope?: CredentialScope }> {
  try {
    const scope = parseAuthorization(request.headers.authorization);
    if (!scope) {
      if (service.signingName === 'sts' && UNSIGNED_STS_ACTIONS.has(formAction(request) ?? '')) {
        return { principal: ANONYMOUS };
      }
      throw new AuthError('missing-token', AUTH_MESSAGES.missingToken);
    }
    const issued = world.credentials.get(scope.accessKeyId);
    await verifySignature(request, scope, issued, world, service.signatureMinutes);
    return { principal: issued!.principal, scope };
  } catch (error) {
    throw error instanceof AuthError ? error.as(service.protocol) : error;
  }
}
