import * as schemas from '@aws-sdk/client-sts';
import type { RequestContext, ServiceDef } from '../../core/service.ts';
import { assumeRole, sessionTagsOf, type AssumeRoleInput } from './assume-role.ts';
import { assumeRoleWithWebIdentity } from './web-identity.ts';

export const sts: ServiceDef = {
  signingName: 'sts',
  iamPrefix: 'sts',
  protocol: 'awsQuery',
  schemas,
  xmlNamespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
  // STS still refuses with "(… - 15 min.)" (aws/aws-cli#6676), where the other services allow 5.
  signatureMinutes: 15,
  operations: {
    GetCallerIdentity: {
      handler: (_input: unknown, ctx: RequestContext) => ({
        Account: ctx.principal.accountId,
        Arn: ctx.principal.arn,
        UserId: ctx.principal.userId,
      }),
    },
    AssumeRole: {
      handler: assumeRole,
      resources: (input: AssumeRoleInput) => [input.RoleArn],
      requestTags: (input: AssumeRoleInput) => sessionTagsOf(input.Tags) ?? {},
    },
    // Unsigned: the server routes it here by the form's Action; the trust policy is all that is checked.
    AssumeRoleWithWebIdentity: { handler: assumeRoleWithWebIdentity },
    GetAccessKeyInfo: {
      handler: (input: { AccessKeyId: string }, ctx: RequestContext) => ({
        Account: ctx.world.credentials.get(input.AccessKeyId)?.principal.accountId ?? ctx.principal.accountId,
      }),
    },
  },
};
