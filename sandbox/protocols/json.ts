import { JsonCodec } from '@smithy/core/protocols';
import type { DocumentType } from '@smithy/types';
import { AwsError } from '../core/errors.ts';
import type { RawResponse } from '../core/http.ts';
import { schemasOf, type NormalizedSchema, type WireProtocol } from './shapes.ts';

// Timestamps travel as epoch seconds in both JSON protocols; restJson1 honours jsonName, awsJson1_1 does not.
const codecs = {
  rest: new JsonCodec({ timestampFormat: { useTrait: true, default: 7 }, jsonName: true }),
  rpc: new JsonCodec({ timestampFormat: { useTrait: true, default: 7 }, jsonName: false }),
};
type CodecKind = keyof typeof codecs;

export function readJson(kind: CodecKind, schema: NormalizedSchema, body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: DocumentType;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new AwsError('SerializationException', 'The request body is not valid JSON.');
  }
  const deserializer = codecs[kind].createDeserializer();
  return (deserializer.readObject(schema, parsed) ?? {}) as Record<string, unknown>;
}

export function writeJson(kind: CodecKind, schema: NormalizedSchema, value: unknown): string {
  const serializer = codecs[kind].createSerializer();
  serializer.write(schema, value ?? {});
  const out: unknown = serializer.flush();
  // A `unit` output schema flushes the value itself rather than its JSON text.
  return typeof out === 'string' ? out : JSON.stringify(out ?? {});
}

export function jsonError(error: AwsError, requestId: string, contentType: string): RawResponse {
  return {
    status: error.status,
    headers: { 'content-type': contentType, 'x-amzn-errortype': error.code, 'x-amzn-requestid': requestId },
    body: JSON.stringify({ __type: error.code, message: error.message, Message: error.message }),
  };
}

const JSON_11 = 'application/x-amz-json-1.1';

/** awsJson1_1: POST /, the operation named by `X-Amz-Target: Prefix.Operation`, input and output as JSON. */
export const awsJson1_1: WireProtocol = {
  parse(request, service) {
    const target = request.headers['x-amz-target'] ?? '';
    const dot = target.lastIndexOf('.');
    if (dot < 0 || target.slice(0, dot) !== service.targetPrefix) {
      throw new AwsError('UnknownOperationException', `Unknown X-Amz-Target: ${target || '(none)'}`);
    }
    const operation = target.slice(dot + 1);
    const { input } = schemasOf(service, operation);
    return { operation, input: readJson('rpc', input, request.body) };
  },
  serialize(service, operation, output) {
    const { output: schema } = schemasOf(service, operation);
    return { status: 200, headers: { 'content-type': JSON_11 }, body: writeJson('rpc', schema, output) };
  },
  serializeError(_service, error, requestId) {
    return jsonError(error, requestId, JSON_11);
  },
};
