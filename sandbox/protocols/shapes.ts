import { NormalizedSchema } from '@smithy/core/schema';
import { AwsError } from '../core/errors.ts';
import { operationSchema, type ServiceDef } from '../core/service.ts';
import type { RawRequest, RawResponse } from '../core/http.ts';

export { NormalizedSchema };

/** What a wire protocol does for the server: find the operation and its input; write output and errors. */
export interface WireProtocol {
  parse(request: RawRequest, service: ServiceDef): { operation: string; input: Record<string, unknown> };
  serialize(service: ServiceDef, operation: string, output: unknown, requestId: string): RawResponse;
  serializeError(service: ServiceDef, error: AwsError, requestId: string): RawResponse;
}

export function schemasOf(service: ServiceDef, operation: string) {
  const schema = operationSchema(service, operation);
  if (!schema) {
    throw new AwsError('InvalidAction', `The action ${operation} is not valid for this web service.`, 400);
  }
  return {
    traits: schema[3] || {},
    input: NormalizedSchema.of(schema[4]),
    output: NormalizedSchema.of(schema[5]),
  };
}

/** Converts a textual value (form field, query string, header, path label) to the member's type. */
export function fromText(member: NormalizedSchema, text: string): unknown {
  if (member.isBooleanSchema()) return text === 'true';
  if (member.isNumericSchema()) {
    const n = Number(text);
    if (Number.isNaN(n)) throw new AwsError('ValidationError', `Invalid number for ${member.getMemberName()}: ${text}`);
    return n;
  }
  if (member.isTimestampSchema()) {
    const date = /^\d+(\.\d+)?$/.test(text) ? new Date(Number(text) * 1000) : new Date(text);
    if (Number.isNaN(date.getTime())) {
      throw new AwsError('ValidationError', `Invalid timestamp for ${member.getMemberName()}: ${text}`);
    }
    return date;
  }
  return text;
}

/** An XML document as the XML protocols answer it (awsQuery, ec2Query, restXml): the declaration, then `node`. */
export function xmlResponse(status: number, contentType: string, node: { toString(): string }): RawResponse {
  return {
    status,
    headers: { 'content-type': contentType },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${node.toString()}`,
  };
}
