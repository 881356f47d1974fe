import * as schemas from '@aws-sdk/client-iam';
import type { RequestContext, ServiceDef } from '../../core/service.ts';
import { sourceResource } from './entities.ts';
import { listOpenIDConnectProviders } from './oidc-providers.ts';
import { getRole } from './roles.ts';
import { simulatePrincipalPolicy, type SimulatePrincipalPolicyInput } from './simulate.ts';
import {
  attachRolePolicy,
  createOpenIDConnectProvider,
  createPolicy,
  createRoleHandler,
  deletePolicy,
  deleteRoleHandler,
  deleteRolePolicy,
  detachRolePolicy,
  getPolicy,
  getPolicyVersion,
  getRolePolicy,
  listAttachedRolePolicies,
  listRolePolicies,
  oidcProviderArnOf,
  policyArnOf,
  putRolePolicy,
  roleArnFor,
} from './writes.ts';

/**
 * AWS IAM (awsQuery, API version 2010-05-08): the policy simulator, roles, inline and customer-managed policies
 * and OIDC providers, with IAM's quotas (quotas.ts). IAM is global: clients sign for us-east-1.
 */
export const iam: ServiceDef = {
  signingName: 'iam',
  iamPrefix: 'iam',
  protocol: 'awsQuery',
  schemas,
  xmlNamespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
  resourceNaming: {
    fields: { RoleName: 'role', PolicyArn: 'policy' },
    arns: { role: (name: string, ctx: RequestContext) => roleArnFor(ctx, name) },
  },
  operations: {
    SimulatePrincipalPolicy: {
      handler: simulatePrincipalPolicy,
      resources: (input: SimulatePrincipalPolicyInput, ctx: RequestContext) => [sourceResource(ctx.world, input.PolicySourceArn)],
    },
    GetRole: { handler: getRole },
    CreateRole: { handler: createRoleHandler },
    DeleteRole: { handler: deleteRoleHandler },
    PutRolePolicy: { handler: putRolePolicy },
    GetRolePolicy: { handler: getRolePolicy },
    ListRolePolicies: { handler: listRolePolicies },
    DeleteRolePolicy: { handler: deleteRolePolicy },
    CreatePolicy: {
      handler: createPolicy,
      resources: (input: { PolicyName?: string; Path?: string }, ctx: RequestContext) => [policyArnOf(ctx.accountId, input.PolicyName ?? '', input.Path)],
    },
    GetPolicy: { handler: getPolicy },
    GetPolicyVersion: { handler: getPolicyVersion },
    DeletePolicy: { handler: deletePolicy },
    AttachRolePolicy: { handler: attachRolePolicy, conditionContext: (input: { PolicyArn?: string }) => ({ 'iam:PolicyARN': input.PolicyArn }) },
    DetachRolePolicy: { handler: detachRolePolicy },
    ListAttachedRolePolicies: { handler: listAttachedRolePolicies },
    ListOpenIDConnectProviders: { handler: listOpenIDConnectProviders },
    CreateOpenIDConnectProvider: {
      handler: createOpenIDConnectProvider,
      resources: (input: { Url?: string }, ctx: RequestContext) => [oidcProviderArnOf(ctx.accountId, input.Url ?? '')],
    },
  },
};
