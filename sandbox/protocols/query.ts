import { XmlNode, XmlText } from '@aws-sdk/xml-builder';
import { XmlShapeSerializer } from '@aws-sdk/core/protocols';
import { AwsError } from '../core/errors.ts';
import type { ServiceDef } from '../core/service.ts';
import type { RawRequest, RawResponse } from '../core/http.ts';
import { fromText, NormalizedSchema, schemasOf, xmlResponse, type WireProtocol } from './shapes.ts';

/**
 * Reads the value of `schema` stored under `key` in awsQuery form fields — the inverse of the SDK's
 * QueryShapeSerializer: `Key.Member`, lists as `Key.member.N` (or the member's xmlName), maps as
 * `Key.entry.N.key`. Undefined when nothing is there.
 */
function readQuery(schema: NormalizedSchema, fields: Map<string, string>, key: string): unknown {
  const child = (name: string) => (key === '' ? name : `${key}.${name}`);
  if (schema.isStructSchema()) {
    const out: Record<string, unknown> = {};
    for (const [name, member] of schema.structIterator()) {
      const value = readQuery(member, fields, child(member.getMergedTraits().xmlName ?? name));
      if (value !== undefined) out[name] = value;
    }
    return Object.keys(out).length > 0 || key === '' ? out : undefined;
  }
  if (schema.isListSchema()) {
    if (fields.get(key) === '') return [];
    const item = schema.getValueSchema();
    const itemPrefix = schema.getMergedTraits().xmlFlattened ? key : child(item.getMergedTraits().xmlName ?? 'member');
    const items: unknown[] = [];
    for (let i = 1; ; i++) {
      const value = readQuery(item, fields, `${itemPrefix}.${i}`);
      if (value === undefined) break;
      items.push(value);
    }
    return items.length > 0 ? items : undefined;
  }
  if (schema.isMapSchema()) {
    const keyName = schema.getKeySchema().getMergedTraits().xmlName ?? 'key';
    const valueName = schema.getValueSchema().getMergedTraits().xmlName ?? 'value';
    const entryPrefix = schema.getMergedTraits().xmlFlattened ? key : child('entry');
    const out: Record<string, unknown> = {};
    for (let i = 1; ; i++) {
      const mapKey = fields.get(`${entryPrefix}.${i}.${keyName}`);
      if (mapKey === undefined) break;
      out[mapKey] = readQuery(schema.getValueSchema(), fields, `${entryPrefix}.${i}.${valueName}`);
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  const text = fields.get(key);
  return text === undefined ? undefined : fromText(schema, text);
}

export const awsQuery: WireProtocol = {
  parse(request: RawRequest, service: ServiceDef) {
    const form = new URLSearchParams(
      request.method === 'GET' ? request.rawQuery : request.body.toString('utf8'),
    );
    const fields = new Map(form.entries());
    const operation = fields.get('Action');
    if (!operation) throw new AwsError('MissingAction', 'The request must contain the parameter Action.');
    const { input } = schemasOf(service, operation);
    return { operation, input: readQuery(input, fields, '') as Record<string, unknown> };
  },

  serialize(service, operation, output, requestId): RawResponse {
    const { output: schema } = schemasOf(service, operation);
    const response = XmlNode.of(`${operation}Response`).addAttribute('xmlns', service.xmlNamespace ?? '');
    if (schema.isStructSchema() && output && Object.keys(output).length > 0) {
      const serializer = new XmlShapeSerializer({
        timestampFormat: { useTrait: true, default: 5 },
        httpBindings: false,
        xmlNamespace: service.xmlNamespace,
        serviceNamespace: service.xmlNamespace ?? '',
        serializeEmptyLists: true,
      } as ConstructorParameters<typeof XmlShapeSerializer>[0]);
      // writeStruct is the serializer's own recursive writer; the awsQuery wrapper element is ours.
      const writer = serializer as unknown as { writeStruct(ns: NormalizedSchema, value: unknown): XmlNode };
      response.addChildNode(writer.writeStruct(schema, output).withName(`${operation}Result`));
    }
    response.addChildNode(
      XmlNode.of('ResponseMetadata').addChildNode(XmlNode.of('RequestId').addChildNode(new XmlText(requestId))),
    );
    return xmlResponse(200, 'text/xml', response);
  },

  serializeError(_service, error, requestId): RawResponse {
    const node = XmlNode.of('ErrorResponse')
      .addChildNode(
        XmlNode.of('Error')
          .addChildNode(XmlNode.of('Type', error.type))
          .addChildNode(XmlNode.of('Code', error.code))
          .addChildNode(XmlNode.of('Message', error.message)),
      )
      .addChildNode(XmlNode.of('RequestId', requestId));
    return xmlResponse(error.status, 'text/xml', node);
  },
};
