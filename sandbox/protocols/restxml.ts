import { XmlShapeDeserializer, XmlShapeSerializer } from '@aws-sdk/core/protocols';
import { XmlNode } from '@aws-sdk/xml-builder';
import { AwsError } from '../core/errors.ts';
import type { RawRequest, RawResponse } from '../core/http.ts';
import { modelOperations, type ServiceDef } from '../core/service.ts';
import { fromText, schemasOf, xmlResponse, type NormalizedSchema, type WireProtocol } from './shapes.ts';

/**
 * restXml (S3, and any service whose SDK model says `aws.protocols#restXml`): operations found by method, path
 * template and literal query keys of each operation's `http` trait; members bound to labels, query, headers and
 * payload per the model's traits; other members in an XML body named by the shape's xmlName. A service's
 * `pathLabels` precede every modelled path of an operation whose input has them (S3 path-style: `/{Bucket}/{Key+}`).
 */

interface Route {
  operation: string;
  method: string;
  segments: string[];
  /** Query keys the template names (`?list-type=2`, `?tagging`), with the value when it gives one. */
  literalQuery: [string, string | undefined][];
  leading: string[];
}

/** The SDK adds `x-id=<Operation>` to some templates for its own routing; other clients (botocore) never send it. */
const CLIENT_ONLY_QUERY = new Set(['x-id']);

const routeTables = new WeakMap<ServiceDef, Route[]>();

function routesOf(service: ServiceDef): Route[] {
  let routes = routeTables.get(service);
  if (!routes) {
    routes = modelOperations(service).flatMap((operation) => {
      const { traits, input } = schemasOf(service, operation);
      const http = (traits as { http?: [string, string, number] }).http;
      if (!http) return [];
      const [path, query = ''] = http[1].split('?');
      const members = input.isStructSchema() ? new Set([...input.structIterator()].map(([name]) => name)) : new Set<string>();
      return [
        {
          operation,
          method: http[0],
          segments: path.split('/').filter(Boolean),
          literalQuery: query
            .split('&')
            .filter(Boolean)
            .map((q) => q.split('=') as [string, string | undefined])
            .filter(([key]) => !CLIENT_ONLY_QUERY.has(key)),
          leading: (service.pathLabels ?? []).filter((label) => members.has(label)),
        },
      ];
    });
    // The most specific first: more literal query keys (`?acl` before the plain GET), then more literal segments;
    // among equals, an operation the sandbox serves (S3's PutObject and CopyObject share `PUT /{Key+}`, told apart
    // by CopyObject's x-amz-copy-source header, which the model does not mark as required).
    const served = (r: Route) => (service.operations[r.operation] ? 1 : 0);
    routes.sort(
      (a, b) =>
        b.literalQuery.length - a.literalQuery.length ||
        b.leading.length - a.leading.length ||
        b.segments.filter((s) => !s.startsWith('{')).length - a.segments.filter((s) => !s.startsWith('{')).length ||
        served(b) - served(a),
    );
    routeTables.set(service, routes);
  }
  return routes;
}

/** Matches the raw path (empty segments kept: S3 keys may hold `//`) against the route's leading labels and template. */
function match(route: Route, rawPath: string, query: URLSearchParams): Record<string, string> | undefined {
  if (route.literalQuery.some(([key, value]) => !query.has(key) || (value !== undefined && query.get(key) !== value))) return undefined;
  const labels: Record<string, string> = {};
  let rest = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  for (const label of route.leading) {
    const slash = rest.indexOf('/');
    const segment = slash < 0 ? rest : rest.slice(0, slash);
    if (segment === '') return undefined;
    labels[label] = decodeURIComponent(segment);
    rest = slash < 0 ? '' : rest.slice(slash + 1);
  }
  const parts = rest === '' ? [] : rest.split('/');
  for (let i = 0; i < route.segments.length; i++) {
    const template = route.segments[i];
    if (template.endsWith('+}')) {
      const greedy = parts.slice(i).join('/');
      if (greedy === '') return undefined;
      labels[template.slice(1, -2)] = decodeURIComponent(greedy);
      return labels;
    }
    if (i >= parts.length || parts[i] === '') return undefined;
    if (template.startsWith('{')) labels[template.slice(1, -1)] = decodeURIComponent(parts[i]);
    else if (template !== parts[i]) return undefined;
  }
  return parts.length === route.segments.length ? labels : undefined;
}

function findRoute(service: ServiceDef, request: RawRequest) {
  const query = new URLSearchParams(request.rawQuery);
  for (const route of routesOf(service)) {
    if (route.method !== request.method) continue;
    const labels = match(route, request.rawPath, query);
    if (labels) return { route, labels, query };
  }
  throw new AwsError('MethodNotAllowed', `The snapclone sandbox has no ${service.signingName} operation for ${request.method} ${request.rawPath}`, 405);
}

const xmlSettings = (service: ServiceDef) =>
  ({
    timestampFormat: { useTrait: true, default: 5 },
    httpBindings: true,
    xmlNamespace: service.xmlNamespace,
    serviceNamespace: service.xmlNamespace ?? '',
  }) as ConstructorParameters<typeof XmlShapeSerializer>[0];

function readInput(service: ServiceDef, schema: NormalizedSchema, request: RawRequest, labels: Record<string, string>, query: URLSearchParams) {
  const input: Record<string, unknown> = {};
  const bodyMembers: string[] = [];
  for (const [name, member] of schema.structIterator()) {
    const traits = member.getMergedTraits() as Record<string, unknown>;
    if (traits.httpLabel) {
      if (labels[name] !== undefined) input[name] = fromText(member, labels[name]);
    } else if (typeof traits.httpQuery === 'string') {
      const values = query.getAll(traits.httpQuery);
      if (values.length > 0) {
        input[name] = member.isListSchema() ? values.map((v) => fromText(member.getValueSchema(), v)) : fromText(member, values[0]);
      }
    } else if (typeof traits.httpHeader === 'string') {
      const value = request.headers[traits.httpHeader.toLowerCase()];
      if (value !== undefined) input[name] = fromText(member, value);
    } else if (traits.httpPayload) {
      if (request.body.length === 0) continue;
      input[name] = member.isBlobSchema() || member.isStreaming?.()
        ? request.body
        : new XmlShapeDeserializer(xmlSettings(service)).read(member, request.body.toString('utf8'));
    } else if (!traits.httpPrefixHeaders && !traits.httpResponseCode) {
      bodyMembers.push(name);
    }
  }
  if (bodyMembers.length > 0 && request.body.length > 0) {
    const body = new XmlShapeDeserializer(xmlSettings(service)).read(schema, request.body.toString('utf8')) as Record<string, unknown>;
    for (const name of bodyMembers) if (body[name] !== undefined) input[name] = body[name];
  }
  return input;
}

/** A header value as AWS writes it: HTTP dates for timestamps (Last-Modified), else the value's text. */
const headerText = (member: NormalizedSchema, value: unknown) =>
  member.isTimestampSchema() && value instanceof Date ? value.toUTCString() : String(value);

const XML = 'application/xml';

export const restXml: WireProtocol = {
  parse(request, service) {
    const { route, labels, query } = findRoute(service, request);
    const { input } = schemasOf(service, route.operation);
    return { operation: route.operation, input: readInput(service, input, request, labels, query) };
  },

  serialize(service, operation, output): RawResponse {
    const { output: schema, traits } = schemasOf(service, operation);
    let status = (traits as { http?: [string, string, number] }).http?.[2] ?? 200;
    const headers: Record<string, string> = {};
    const value = (output ?? {}) as Record<string, unknown>;
    const body: Record<string, unknown> = {};
    let payload: Buffer | string | undefined;
    if (schema.isStructSchema()) {
      for (const [name, member] of schema.structIterator()) {
        if (value[name] === undefined) continue;
        const t = member.getMergedTraits() as Record<string, unknown>;
        if (typeof t.httpHeader === 'string') headers[t.httpHeader.toLowerCase()] = headerText(member, value[name]);
        else if (typeof t.httpPrefixHeaders === 'string') {
          for (const [k, v] of Object.entries(value[name] as Record<string, string>)) headers[`${t.httpPrefixHeaders}${k}`.toLowerCase()] = v;
        } else if (t.httpResponseCode) status = Number(value[name]);
        else if (t.httpPayload) {
          if (member.isStructSchema()) {
            const serializer = new XmlShapeSerializer(xmlSettings(service));
            serializer.write(member, value[name]);
            payload = String(serializer.flush());
            headers['content-type'] ??= XML;
          } else payload = Buffer.isBuffer(value[name]) ? value[name] : Buffer.from(value[name] as Uint8Array | string);
        } else body[name] = value[name];
      }
    }
    if (payload === undefined && Object.keys(body).length > 0) {
      const serializer = new XmlShapeSerializer(xmlSettings(service));
      serializer.write(schema, body);
      payload = `<?xml version="1.0" encoding="UTF-8"?>\n${String(serializer.flush())}`;
      headers['content-type'] = XML;
    }
    return { status, headers, body: payload ?? '' };
  },

  /** S3's error body: `<Error><Code/><Message/><RequestId/></Error>` at the root (no ErrorResponse wrapper). */
  serializeError(_service, error, requestId): RawResponse {
    const node = XmlNode.of('Error')
      .addChildNode(XmlNode.of('Code', error.code))
      .addChildNode(XmlNode.of('Message', error.message))
      .addChildNode(XmlNode.of('RequestId', requestId));
    for (const [key, value] of Object.entries((error as AwsError & { details?: Record<string, string> }).details ?? {})) {
      node.addChildNode(XmlNode.of(key, value));
    }
    return xmlResponse(error.status, XML, node);
  },
};
