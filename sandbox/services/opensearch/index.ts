import * as schemas from '@aws-sdk/client-opensearch';
import { ANY_TYPE } from '../../core/authorize.ts';
import type { RequestContext, ServiceDef } from '../../core/service.ts';
import { createDomain, deleteDomain, describeDomain, describeDomainConfig, describeDomains, listDomainNames } from './domains.ts';
import { domainArn } from './state.ts';
import { addTags, listTags, removeTags, tagRecord } from './tags.ts';

/** The ARN IAM evaluates a call naming a domain against (arn:aws:es:REGION:ACCOUNT:domain/NAME). */
const arnOf = (ctx: RequestContext, name: string | undefined) => domainArn(ctx.region, ctx.accountId, name ?? '*');

/**
 * Amazon OpenSearch Service (restJson1, signing name `es`, /2021-01-01/…): domains and their tags. Each Active
 * domain also serves its own REST API on a loopback listener (data-plane.ts).
 */
export const opensearch: ServiceDef = {
  signingName: 'es',
  iamPrefix: 'es',
  protocol: 'restJson1',
  schemas,
  // Tagging calls name one resource by ARN, a domain or another OpenSearch resource type.
  resourceNaming: { fields: { ARN: ANY_TYPE }, arns: {} },
  operations: {
    CreateDomain: {
      handler: createDomain,
      resources: (input, ctx) => [arnOf(ctx, input.DomainName ?? '')],
      requestTags: (input) => tagRecord(input.TagList),
    },
    DescribeDomain: { handler: describeDomain, resources: (input, ctx) => [arnOf(ctx, input.DomainName ?? '')] },
    DescribeDomainConfig: { handler: describeDomainConfig, resources: (input, ctx) => [arnOf(ctx, input.DomainName ?? '')] },
    // Evaluated on each domain named (the Service Authorization Reference lists domain* for it).
    DescribeDomains: {
      handler: describeDomains,
      resources: (input, ctx) => ((input.DomainNames ?? []) as string[]).map((name) => arnOf(ctx, name)),
    },
    // No resource type: evaluated on '*'.
    ListDomainNames: { handler: listDomainNames },
    DeleteDomain: { handler: deleteDomain, resources: (input, ctx) => [arnOf(ctx, input.DomainName ?? '')] },
    AddTags: { handler: addTags, resources: (input) => [input.ARN ?? '*'], requestTags: (input) => tagRecord(input.TagList) },
    ListTags: { handler: listTags, resources: (input) => [input.ARN ?? '*'] },
    RemoveTags: { handler: removeTags, resources: (input) => [input.ARN ?? '*'] },
  },
};
