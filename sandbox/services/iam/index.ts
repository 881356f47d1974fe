import * as schemas from '@aws-sdk/client-iam';
import { roleArn } from '../../core/iam-state.ts';
import type { RequestContext, ServiceDef } from '../../core/service.ts';
import { findRole, sourceResource } from './entities.ts';
import { getRole } from './roles.ts';
import { simulatePrincipalPolicy, type SimulatePrincipalPolicyInput } from './simulate.ts';

/**
 * AWS IAM (awsQuery, API version 2010-05-08), read-only over the World's users and roles: the policy
 * simulator and GetRole. IAM is global: clients sign for us-east-1; it keeps no state of its own.
 */
export const iam: ServiceDef = {
  signingName: 'iam',
  iamPrefix: 'iam',
  protocol: 'awsQuery',
  schemas,
  xmlNamespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
  operations: {
    SimulatePrincipalPolicy: {
      handler: simulatePrincipalPolicy,
      resources: (input: SimulatePrincipalPolicyInput, ctx: RequestContext) => [
        sourceResource(ctx.world, input.PolicySourceArn),
      ],
    },
    GetRole: {
      handler: getRole,
      resources: (input: { RoleName?: string }, ctx: RequestContext) =>
        input.RoleName
          ? [findRole(ctx.world, ctx.accountId, input.RoleName)?.arn ?? roleArn(ctx.accountId, input.RoleName)]
          : ['*'],
    },
  },
};
