import * as schemas from '@aws-sdk/client-sts';
import type { RequestContext, ServiceDef } from '../../core/service.ts';

export const sts: ServiceDef = {
  signingName: 'sts',
  iamPrefix: 'sts',
  protocol: 'awsQuery',
  schemas,
  xmlNamespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
  operations: {
    GetCallerIdentity: {
      handler: (_input: unknown, ctx: RequestContext) => ({
        Account: ctx.principal.accountId,
        Arn: ctx.principal.arn,
        UserId: ctx.principal.userId,
      }),
    },
  },
};
