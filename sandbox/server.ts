import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addressedService, authenticate, unaddressed } from './authentication.ts';
import { authorize } from './core/authorize.ts';
import { AwsError, notImplemented } from './core/errors.ts';
import { answerControl, isControlRequest } from './core/fault-control.ts';
import { readRequest, type RawRequest, type RawResponse } from './core/http.ts';
import { requestId as newRequestId } from './core/ids.ts';
import type { RequestContext, ServiceDef } from './core/service.ts';
import { secretValues } from './core/secret-values.ts';
import { World, type WorldOptions } from './core/world.ts';
import { awsJson1_1 } from './protocols/json.ts';
import { ec2Query } from './protocols/ec2.ts';
import { awsQuery } from './protocols/query.ts';
import { restJson1 } from './protocols/restjson.ts';
import { restXml } from './protocols/restxml.ts';
import type { WireProtocol } from './protocols/shapes.ts';
import { services } from './services/index.ts';

const protocols: Record<ServiceDef['protocol'], WireProtocol> = { awsQuery, ec2Query, restJson1, awsJson1_1, restXml };

/** Answers one request: authenticate, route to service and operation, authorise, run, serialise. */
export async function handle(world: World, request: RawRequest): Promise<RawResponse> {
  const requestId = newRequestId();
  const response = await answer(world, request, requestId);
  response.headers['x-amzn-requestid'] = requestId;
  // Clients correct their clock from it (the SDK's systemClockOffset): wall time, never the sandbox clock.
  response.headers.date = new Date(world.wallClock()).toUTCString();
  return response;
}

async function answer(world: World, request: RawRequest, requestId: string): Promise<RawResponse> {
  const service = addressedService(request, services);
  if (!service) return unaddressed(request, requestId, services);
  const protocol = protocols[service.protocol];
  try {
    const { principal, scope } = await authenticate(world, request, service);
    const { operation, input } = protocol.parse(request, service);
    const op = service.operations[operation];
    if (!op) throw notImplemented(service.signingName, operation);
    const ctx: RequestContext = {
      world,
      accountId: principal.accountId,
      region: scope?.region ?? 'us-east-1',
      principal,
      requestId,
      service: service.signingName,
      protocol: service.protocol,
      operation,
    };
    const resources = authorize(ctx, op, input, service.iamPrefix, service.resourceNaming);
    world.observer?.({ action: op.action ?? `${service.iamPrefix}:${operation}`, resources, principalArn: principal.arn });
    secretValues(input, world.secretValues);
    const output = await world.faults.runOperation(op, input, ctx);
    secretValues(output, world.secretValues);
    return protocol.serialize(service, operation, output, requestId);
  } catch (error) {
    const aws =
      error instanceof AwsError
        ? error
        : new AwsError('InternalFailure', `Sandbox failure: ${(error as Error).message}`, 500);
    if (!(error instanceof AwsError)) console.error('[sandbox]', error);
    return protocol.serializeError(service, aws, requestId);
  }
}

export interface Sandbox {
  url: string;
  port: number;
  world: World;
  close(): Promise<void>;
}

/** Starts the sandbox on loopback (port 0 picks a free one). */
export async function startSandbox(options: WorldOptions & { port?: number; world?: World } = {}): Promise<Sandbox> {
  const world = options.world ?? new World(options);
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    readRequest(req)
      .then((request) =>
        isControlRequest(request)
          ? answerControl(world, request, req.socket.remoteAddress)
          : world.faults.respond(request, res, () => handle(world, request)),
      )
      .then((response) => {
        if (!response) return; // a fault dropped the connection
        res.writeHead(response.status, {
          ...response.headers,
          // A HEAD answer states the length of what a GET would send (S3's HeadObject), with no body.
          'content-length': response.headers['content-length'] ?? Buffer.byteLength(response.body),
        });
        res.end(response.body);
      })
      .catch((error: unknown) => {
        console.error('[sandbox]', error);
        res.writeHead(500).end();
      });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    world,
    close: async () => {
      // Listeners the services started (e.g. each OpenSearch domain's endpoint) close with the sandbox.
      await world.close();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
