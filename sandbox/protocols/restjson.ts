import { AwsError } from '../core/errors.ts';
import { modelOperations, type ServiceDef } from '../core/service.ts';
import type { RawRequest } from '../core/http.ts';
import { jsonError, readJson, writeJson } from './json.ts';
import { fromText, schemasOf, type NormalizedSchema, type WireProtocol } from './shapes.ts';

interface Route {
  operation: string;
  method: string;
  /** Path segments; `{Label}` or `{Label+}` (greedy) capture. */
  segments: string[];
  /** Query literals of the template (`/x?tagging`): must be present. */
  literalQuery: string[];
  status: number;
}

const routeTables = new WeakMap<ServiceDef, Route[]>();

/** The routes of every operation in the SDK model, from each operation's `http` trait. */
function routesOf(service: ServiceDef): Route[] {
  let routes = routeTables.get(service);
  if (!routes) {
    routes = modelOperations(service).flatMap((operation) => {
      const http = (schemasOf(service, operation).traits as { http?: [string, string, number] }).http;
      if (!http) return [];
      const [path, query = ''] = http[1].split('?');
      return [
        {
          operation,
          method: http[0],
          segments: path.split('/').filter(Boolean),
          literalQuery: query.split('&').filter(Boolean).map((q) => q.split('=')[0]),
          status: http[2] ?? 200,
        },
      ];
    });
    // Literal segments before labels, so `/restore-jobs/{Id}` never shadows a more specific literal route.
    routes.sort((a, b) => literalCount(b) - literalCount(a));
    routeTables.set(service, routes);
  }
  return routes;
}

const literalCount = (route: Route) => route.segments.filter((s) => !s.startsWith('{')).length;

function match(route: Route, segments: string[], query: URLSearchParams): Record<string, string> | undefined {
  if (route.literalQuery.some((q) => !query.has(q))) return undefined;
  const labels: Record<string, string> = {};
  for (let i = 0; i < route.segments.length; i++) {
    const template = route.segments[i];
    if (template.endsWith('+}')) {
      if (i >= segments.length) return undefined;
      labels[template.slice(1, -2)] = segments.slice(i).map(decodeURIComponent).join('/');
      return labels;
    }
    if (i >= segments.length) return undefined;
    if (template.startsWith('{')) labels[template.slice(1, -1)] = decodeURIComponent(segments[i]);
    else if (template !== segments[i]) return undefined;
  }
  return route.segments.length === segments.length ? labels : undefined;
}

function routeOf(service: ServiceDef, request: RawRequest) {
  const segments = request.rawPath.split('/').filter(Boolean);
  const query = new URLSearchParams(request.rawQuery);
  for (const route of routesOf(service)) {
    if (route.method !== request.method) continue;
    const labels = match(route, segments, query);
    if (labels) return { route, labels, query };
  }
  return undefined;
}

/** Whether the request's method and path are one of the service's operations (which service an unsigned call is for). */
export const hasRoute = (service: ServiceDef, request: RawRequest): boolean => routeOf(service, request) !== undefined;

function findRoute(service: ServiceDef, request: RawRequest) {
  const found = routeOf(service, request);
  if (found) return found;
  throw new AwsError(
    'UnknownOperationException',
    `The snapclone sandbox has no ${service.signingName} operation for ${request.method} ${request.rawPath}`,
    404,
  );
}

/** Fills members bound to the path, query string and headers, and the rest from the JSON body. */
function readInput(schema: NormalizedSchema, request: RawRequest, labels: Record<string, string>, query: URLSearchParams) {
  const members = [...schema.structIterator()];
  const payload = members.find(([, m]) => m.getMergedTraits().httpPayload);
  const body = payload ? {} : readJson('rest', schema, request.body);
  const input: Record<string, unknown> = {};
  for (const [name, member] of members) {
    const traits = member.getMergedTraits() as Record<string, unknown>;
    if (traits.httpLabel) {
      if (labels[name] !== undefined) input[name] = fromText(member, labels[name]);
    } else if (typeof traits.httpQuery === 'string') {
      const values = query.getAll(traits.httpQuery);
      if (values.length > 0) {
        input[name] = member.isListSchema()
          ? values.map((v) => fromText(member.getValueSchema(), v))
          : fromText(member, values[0]);
      }
    } else if (typeof traits.httpHeader === 'string') {
      const value = request.headers[traits.httpHeader.toLowerCase()];
      if (value !== undefined) input[name] = fromText(member, value);
    } else if (traits.httpPayload) {
      if (request.body.length > 0) input[name] = readJson('rest', member, request.body);
    } else if (body[name] !== undefined) {
      input[name] = body[name];
    }
  }
  return input;
}

const JSON_REST = 'application/json';

/** restJson1: operations found by method and path template; bindings and body per the model's traits. */
export const restJson1: WireProtocol = {
  parse(request, service) {
    const { route, labels, query } = findRoute(service, request);
    const { input } = schemasOf(service, route.operation);
    return { operation: route.operation, input: readInput(input, request, labels, query) };
  },
  serialize(service, operation, output) {
    const { output: schema, traits } = schemasOf(service, operation);
    let status = (traits as { http?: [string, string, number] }).http?.[2] ?? 200;
    const headers: Record<string, string> = { 'content-type': JSON_REST };
    const body: Record<string, unknown> = {};
    const value = (output ?? {}) as Record<string, unknown>;
    if (schema.isStructSchema()) {
      for (const [name, member] of schema.structIterator()) {
        if (value[name] === undefined) continue;
        const t = member.getMergedTraits() as Record<string, unknown>;
        if (typeof t.httpHeader === 'string') headers[t.httpHeader.toLowerCase()] = String(value[name]);
        else if (t.httpResponseCode) status = Number(value[name]);
        else body[name] = value[name];
      }
    }
    return { status, headers, body: writeJson('rest', schema, body) };
  },
  serializeError(_service, error, requestId) {
    return jsonError(error, requestId, JSON_REST);
  },
};
