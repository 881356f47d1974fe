import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { checkPermission } from '../../core/authorize.ts';
import { AwsError } from '../../core/errors.ts';
import { readRequest, type RawRequest } from '../../core/http.ts';
import { requestId as newRequestId } from '../../core/ids.ts';
import type { RequestContext } from '../../core/service.ts';
import { parseAuthorization, verifySignature } from '../../core/sigv4.ts';
import type { World } from '../../core/world.ts';
import { dataPlaneFaultError, failIndexRestore, restoreOf } from './fail-restore.ts';
import { awsRefusal, OpenSearchHttpError, route, type DataRequest, type DataResponse } from './rest-api.ts';
import { reachOf } from './reach.ts';
import { authorizeRequest, iamUser, masterUser, securityApi, type SecurityUser } from './security.ts';
import { listenerOf, processingStatus, setListener, type DomainListener, type DomainRecord } from './state.ts';

/**
 * Each Active domain's REST API on its own loopback listener (127.0.0.1, a random port), started the first time
 * its endpoint is shown and closed when the domain is deleted or the sandbox closes (world.onClose). Every
 * request is authenticated like the domain's AWS front end does: SigV4 for service `es` in the domain's region
 * by a key the sandbox issued (core/sigv4.ts), then IAM `es:ESHttp<Method>` on
 * `arn:aws:es:REGION:ACCOUNT:domain/NAME/<path>`; with fine-grained access control, HTTP basic auth of the
 * internal master user is accepted instead, and the security plugin then refuses what the caller's OpenSearch
 * roles do not permit (security.ts).
 */

const ACTIONS: Record<string, string> = {
  GET: 'ESHttpGet',
  HEAD: 'ESHttpHead',
  PUT: 'ESHttpPut',
  POST: 'ESHttpPost',
  DELETE: 'ESHttpDelete',
  PATCH: 'ESHttpPatch',
};

/** The domain's endpoint as DescribeDomain shows it (host:port, no scheme), its listener started if needed. */
export async function ensureEndpoint(world: World, domain: DomainRecord): Promise<string> {
  let listener = listenerOf(domain);
  if (!listener) {
    listener = startListener(world, domain);
    setListener(domain, listener);
  }
  return `127.0.0.1:${(await listener).port}`;
}

/** Stops a domain's listener (deletion); nothing when it has none. */
export async function closeEndpoint(domain: DomainRecord): Promise<void> {
  const listener = listenerOf(domain);
  if (!listener) return;
  setListener(domain, undefined);
  await (await listener).close();
}

async function startListener(world: World, domain: DomainRecord): Promise<DomainListener> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const reach = reachOf(world, domain);
    if (reach === 'refuse') return void req.socket.destroy();
    if (reach === 'blackhole') return; // never answered; the socket goes when the client gives up or the sandbox closes
    readRequest(req)
      .then((request) => world.faults.respond(request, res, () => serve(world, domain, request)))
      .then((response) => {
        if (!response) return; // a fault dropped the connection
        const requestId = newRequestId();
        const text = response.text ?? (response.body === undefined ? '' : JSON.stringify(response.body));
        res.writeHead(response.status, {
          'content-type': response.text !== undefined ? 'text/plain; charset=UTF-8' : 'application/json; charset=UTF-8',
          'x-amzn-requestid': requestId,
          date: new Date(world.wallClock()).toUTCString(),
          ...response.headers,
          'content-length': Buffer.byteLength(text),
        });
        res.end(req.method === 'HEAD' ? undefined : text);
      })
      .catch((error: unknown) => {
        console.error('[sandbox opensearch]', error);
        res.writeHead(500).end();
      });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  server.unref();
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      unregister();
      server.closeAllConnections();
      server.close(() => resolve());
    });
    return closed;
  };
  const unregister = world.onClose(close);
  return { server, port, close };
}

/** The AWS front end's authentication refusals answer `{"message": …}` (lower case), 403. */
const authFailure = (message: string): DataResponse => ({ status: 403, body: { message } });

function basicUser(header: string | undefined): { user: string; password: string } | undefined {
  const m = header && /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

function readBody(request: RawRequest): Record<string, unknown> | undefined {
  if (request.body.length === 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(request.body.toString('utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch (error) {
    throw new OpenSearchHttpError(400, {
      error: { root_cause: [{ type: 'parse_exception', reason: 'request body is required' }], type: 'parse_exception', reason: `Failed to parse content: ${(error as Error).message}` },
      status: 400,
    });
  }
}

/** Authenticates, authorises and answers one request to a domain. */
export async function serve(world: World, domain: DomainRecord, request: RawRequest): Promise<DataResponse> {
  const action = `es:${ACTIONS[request.method] ?? `ESHttp${request.method}`}`;
  try {
    if (processingStatus(domain, world.clock.nowMs()) !== 'Active') {
      return { status: 503, body: { message: 'The domain is not available.' } };
    }
    const path = request.rawPath.split('/').filter(Boolean).map(decodeURIComponent);
    const query = new URLSearchParams(request.rawQuery);
    const header = request.headers.authorization;
    let ctx: RequestContext | undefined;
    let user: SecurityUser;
    const basic = basicUser(header);
    if (basic) {
      const security = domain.advancedSecurity;
      if (!security.Enabled || !security.InternalUserDatabaseEnabled) {
        return awsAnswer(awsRefusal(403, `User: anonymous is not authorized to perform: ${action}`));
      }
      if (!sameText(basic.user, security.masterUserName ?? '') || !sameText(basic.password, security.masterUserPassword ?? '')) {
        return { status: 401, body: undefined, text: 'Unauthorized', headers: { 'www-authenticate': 'Basic realm="Authorization Required"' } };
      }
      user = masterUser(basic.user);
    } else {
      if (!header) return awsAnswer(awsRefusal(403, `User: anonymous is not authorized to perform: ${action}`));
      const scope = parseAuthorization(header)!;
      if (scope.service !== 'es') return authFailure(`Credential should be scoped to correct service: 'es'. `);
      if (scope.region !== domain.region) return authFailure('Credential should be scoped to a valid region. ');
      const issued = world.credentials.get(scope.accessKeyId);
      await verifySignature(request, scope, issued, world);
      const principal = issued!.principal;
      if (principal.accountId !== domain.accountId) {
        return awsAnswer(awsRefusal(403, `User: ${principal.arn} is not authorized to perform: ${action}`));
      }
      ctx = {
        world,
        accountId: principal.accountId,
        region: domain.region,
        principal,
        requestId: newRequestId(),
        service: 'es',
        protocol: 'restJson1',
        operation: action.slice(3),
      };
      const resource = `${domain.arn}/${path.join('/')}`;
      // Tag-based authorization of HTTP methods (AWS, June 2022): the domain's tags are the path's aws:ResourceTag.
      const domainTags = Object.fromEntries([...domain.tags].map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
      checkPermission(ctx, action, [resource], domainTags);
      world.observer?.({ action, resources: [resource], principalArn: principal.arn });
      user = iamUser(domain, principal);
    }
    authorizeRequest(domain, user, request.method, path);
    // _bulk's body is lines of JSON (NDJSON), not one object.
    const lines = path[path.length - 1] === '_bulk';
    const body = lines ? undefined : readBody(request);
    if ((path[0] === '_plugins' || path[0] === '_opendistro') && path[1] === '_security') {
      if (!domain.advancedSecurity.Enabled) return awsAnswer(awsRefusal(400, 'Fine-grained access control is not enabled on this domain.'));
      return securityApi(domain, user, request.method, path, body);
    }
    const req: DataRequest = { world, domain, method: request.method, segments: path, query, body, ctx, ...(lines ? { text: request.body.toString('utf8') } : {}) };
    const call = { service: 'es', operation: action.slice(3), faultError: dataPlaneFaultError };
    return await world.faults.run(call, () => route(req), restoreOf(req) && (() => failIndexRestore(req)));
  } catch (error) {
    if (error instanceof OpenSearchHttpError) return awsAnswer(error);
    if (error instanceof AwsError) {
      if (error.code === 'AccessDeniedException') return awsAnswer(awsRefusal(403, error.message));
      if (error.status === 403) return authFailure(error.message);
      return { status: error.status, body: { message: error.message } };
    }
    throw error;
  }
}

const awsAnswer = (error: OpenSearchHttpError): DataResponse => ({ status: error.status, body: error.body });
