import type { IamRole } from '../../core/iam.ts';
import type { RequestContext } from '../../core/service.ts';
import { findRole, roleNotFound } from './entities.ts';
import { iamErrors } from './errors.ts';

/** A role as IAM answers it: its trust policy URL-encoded, dates in whole seconds. */
export function roleView(role: IamRole, ctx: RequestContext) {
  const created = (role.createdAt ?? ctx.world.clock.now()).getTime();
  return {
    Path: '/',
    RoleName: role.name,
    RoleId: role.roleId,
    Arn: role.arn,
    CreateDate: new Date(created - (created % 1000)), // IAM dates have whole seconds
    AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(role.trustPolicy)),
    MaxSessionDuration: role.maxSessionDuration,
    RoleLastUsed: {},
  };
}

/** IAM GetRole. */
export function getRole(input: { RoleName?: string }, ctx: RequestContext) {
  if (!input.RoleName) throw iamErrors.invalidInput('The request must contain the parameter RoleName.');
  const role = findRole(ctx.world, ctx.accountId, input.RoleName);
  if (!role) throw roleNotFound(input.RoleName);
  return { Role: roleView(role, ctx) };
}
