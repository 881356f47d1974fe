import { XmlNode, XmlText } from '@aws-sdk/xml-builder';
import { XmlShapeSerializer } from '@aws-sdk/core/protocols';
import { AwsError } from '../core/errors.ts';
import type { ServiceDef } from '../core/service.ts';
import type { RawRequest, RawResponse } from '../core/http.ts';
import { fromText, NormalizedSchema, schemasOf, xmlResponse, type WireProtocol } from './shapes.ts';

/**
 * The `ec2Query` protocol (EC2 only), as the SDK's AwsEc2QueryProtocol writes and reads it — not awsQuery:
 * - request keys are a member's ec2QueryName, else its xmlName or name with a capital first letter, and every
 *   list is flattened (`GroupId.1`, `Filter.1.Name`, `Filter.1.Value.1`: no `.member.`);
 * - the response is `<OpResponse xmlns=…><requestId>…</requestId>` and the output's members directly, with no
 *   `<OpResult>` wrapper; lists are `<xmlName><item>…</item></xmlName>`;
 * - errors are `<Response><Errors><Error><Code>…</Code><Message>…</Message></Error></Errors><RequestID>…`.
 */

/** The form key of a struct member, as QueryShapeSerializer.getKey with the ec2 settings names it. */
function memberKey(name: string, member: NormalizedSchema): string {
  const traits = member.getMergedTraits();
  if (traits.ec2QueryName) return traits.ec2QueryName as string;
  const key = (traits.xmlName as string | undefined) ?? name;
  return key[0].toUpperCase() + key.slice(1);
}

/** Reads the value of `schema` stored under `key` in ec2Query form fields; undefined when nothing is there. */
function readEc2(schema: NormalizedSchema, fields: Map<string, string>, key: string): unknown {
  const child = (name: string) => (key === '' ? name : `${key}.${name}`);
  if (schema.isStructSchema()) {
    const out: Record<string, unknown> = {};
    for (const [name, member] of schema.structIterator()) {
      const value = readEc2(member, fields, child(memberKey(name, member)));
      if (value !== undefined) out[name] = value;
    }
    return Object.keys(out).length > 0 || key === '' ? out : undefined;
  }
  if (schema.isListSchema()) {
    const items: unknown[] = [];
    for (let i = 1; ; i++) {
      const value = readEc2(schema.getValueSchema(), fields, `${key}.${i}`);
      if (value === undefined) break;
      items.push(value);
    }
    return items.length > 0 ? items : undefined;
  }
  if (schema.isMapSchema()) throw new AwsError('InvalidParameterValue', `The snapclone sandbox reads no map parameter (${key}) in ec2Query`);
  const text = fields.get(key);
  return text === undefined ? undefined : fromText(schema, text);
}

export const ec2Query: WireProtocol = {
  parse(request: RawRequest, service: ServiceDef) {
    const form = new URLSearchParams(request.method === 'GET' ? request.rawQuery : request.body.toString('utf8'));
    const fields = new Map(form.entries());
    const operation = fields.get('Action');
    if (!operation) throw new AwsError('MissingAction', 'The request must contain the parameter Action.');
    const { input } = schemasOf(service, operation);
    return { operation, input: readEc2(input, fields, '') as Record<string, unknown> };
  },

  serialize(service, operation, output, requestId): RawResponse {
    const { output: schema } = schemasOf(service, operation);
    const serializer = new XmlShapeSerializer({
      timestampFormat: { useTrait: true, default: 5 },
      httpBindings: false,
      xmlNamespace: service.xmlNamespace,
      serviceNamespace: service.xmlNamespace ?? '',
      serializeEmptyLists: true,
    } as ConstructorParameters<typeof XmlShapeSerializer>[0]);
    // writeStruct is the serializer's own recursive writer; the output's members go straight under the response element.
    const writer = serializer as unknown as { writeStruct(ns: NormalizedSchema, value: unknown): XmlNode };
    const response = (schema.isStructSchema() ? writer.writeStruct(schema, output ?? {}) : XmlNode.of('response'))
      .withName(`${operation}Response`)
      .addAttribute('xmlns', service.xmlNamespace ?? '');
    response.addChildNode(XmlNode.of('requestId').addChildNode(new XmlText(requestId)));
    return xmlResponse(200, 'text/xml;charset=UTF-8', response);
  },

  serializeError(_service, error, requestId): RawResponse {
    const node = XmlNode.of('Response')
      .addChildNode(
        XmlNode.of('Errors').addChildNode(
          XmlNode.of('Error').addChildNode(XmlNode.of('Code', error.code)).addChildNode(XmlNode.of('Message', error.message)),
        ),
      )
      .addChildNode(XmlNode.of('RequestID', requestId));
    return xmlResponse(error.status, 'text/xml;charset=UTF-8', node);
  },
};
