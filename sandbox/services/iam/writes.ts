import { createRole, roleArn } from '../../core/iam-state.ts';
import type { PolicyDocument } from '../../core/iam.ts';
import { upperId } from '../../core/ids.ts';
import { createOidcIssuer } from '../../core/oidc.ts';
import { oidcProviders } from '../../core/iam-state.ts';
import type { RequestContext } from '../../core/service.ts';
import { findRole, roleNotFound } from './entities.ts';
import { iamErrors } from './errors.ts';
import { checkAttachmentCount, checkInlineTotal, checkManagedPolicySize, checkTrustPolicySize, parsedDocument } from './quotas.ts';
import { attachmentCount, iamApiState, rolePolicies, syncRolePolicies, type ManagedPolicy } from './state.ts';
import { roleView } from './roles.ts';

/** IAM's write API for roles, customer-managed policies and OIDC providers, with IAM's quotas (quotas.ts). */

const required = (value: string | undefined, field: string): string => {
  if (!value) throw iamErrors.validation(`1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  return value;
};
const wholeSeconds = (d: Date) => new Date(d.getTime() - (d.getTime() % 1000));
const roleOrThrow = (ctx: RequestContext, name: string | undefined) => {
  const role = findRole(ctx.world, ctx.accountId, required(name, 'roleName'));
  if (!role) throw roleNotFound(name!);
  return role;
};
export const policyArnOf = (accountId: string, name: string, path = '/') => `arn:aws:iam::${accountId}:policy${path}${name}`;

export function createRoleHandler(
  input: { RoleName?: string; AssumeRolePolicyDocument?: string; MaxSessionDuration?: number; Path?: string },
  ctx: RequestContext,
) {
  const name = required(input.RoleName, 'roleName');
  const trust = input.AssumeRolePolicyDocument ?? '';
  parsedDocument(trust, 'assumeRolePolicyDocument');
  checkTrustPolicySize(trust);
  if (findRole(ctx.world, ctx.accountId, name)) throw iamErrors.alreadyExists(`Role with name ${name} already exists.`);
  const role = createRole(ctx.world, ctx.accountId, name, JSON.parse(trust) as PolicyDocument, [], input.MaxSessionDuration ?? 3600);
  rolePolicies(ctx.world, role);
  return { Role: roleView(role, ctx) };
}

export function deleteRoleHandler(input: { RoleName?: string }, ctx: RequestContext) {
  const role = roleOrThrow(ctx, input.RoleName);
  const entry = rolePolicies(ctx.world, role);
  if (entry.inline.size > 0) throw iamErrors.deleteConflict('Cannot delete entity, must delete policies first.');
  if (entry.attached.length > 0) throw iamErrors.deleteConflict('Cannot delete entity, must detach all policies first.');
  ctx.world.roles.delete(role.arn);
  iamApiState(ctx.world, ctx.accountId).roles.delete(role.arn);
  return {};
}

export function putRolePolicy(input: { RoleName?: string; PolicyName?: string; PolicyDocument?: string }, ctx: RequestContext) {
  const role = roleOrThrow(ctx, input.RoleName);
  const name = required(input.PolicyName, 'policyName');
  const text = input.PolicyDocument ?? '';
  parsedDocument(text, 'policyDocument');
  const entry = rolePolicies(ctx.world, role);
  const others = [...entry.inline].filter(([n]) => n !== name).map(([, d]) => d);
  checkInlineTotal(role.name, [...others, text]);
  entry.inline.set(name, text);
  syncRolePolicies(ctx.world, role);
  return {};
}

export function getRolePolicy(input: { RoleName?: string; PolicyName?: string }, ctx: RequestContext) {
  const role = roleOrThrow(ctx, input.RoleName);
  const text = rolePolicies(ctx.world, role).inline.get(required(input.PolicyName, 'policyName'));
  if (text === undefined) throw iamErrors.noSuchEntity(`The role policy with name ${input.PolicyName} cannot be found.`);
  return { RoleName: role.name, PolicyName: input.PolicyName, PolicyDocument: encodeURIComponent(text) };
}

export function listRolePolicies(input: { RoleName?: string }, ctx: RequestContext) {
  const role = roleOrThrow(ctx, input.RoleName);
  return { PolicyNames: [...rolePolicies(ctx.world, role).inline.keys()].sort(), IsTruncated: false };
}

export function deleteRolePolicy(input: { RoleName?: string; PolicyName?: string }, ctx: RequestContext) {
  const role = roleOrThrow(ctx, input.RoleName);
  const entry = rolePolicies(ctx.world, role);
  if (!entry.inline.delete(required(input.PolicyName, 'policyName'))) {
    throw iamErrors.noSuchEntity(`The role policy with name ${input.PolicyName} cannot be found.`);
  }
  syncRolePolicies(ctx.world, role);
  return {};
}

function policyView(policy: ManagedPolicy, ctx: RequestContext) {
  return {
    PolicyName: policy.name,
    PolicyId: policy.policyId,
    Arn: policy.arn,
    Path: policy.path,
    DefaultVersionId: 'v1',
    AttachmentCount: attachmentCount(ctx.world, ctx.accountId, policy.arn),
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    Description: policy.description,
    CreateDate: wholeSeconds(policy.createdAt),
    UpdateDate: wholeSeconds(policy.createdAt),
  };
}

const policyOrThrow = (ctx: RequestContext, arn: string | undefined) => {
  const policy = iamApiState(ctx.world, ctx.accountId).policies.get(required(arn, 'policyArn'));
  if (!policy) throw iamErrors.noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
  return policy;
};

export function createPolicy(input: { PolicyName?: string; PolicyDocument?: string; Path?: string; Description?: string }, ctx: RequestContext) {
  const name = required(input.PolicyName, 'policyName');
  const text = input.PolicyDocument ?? '';
  parsedDocument(text, 'policyDocument');
  checkManagedPolicySize(text);
  const path = input.Path ?? '/';
  const arn = policyArnOf(ctx.accountId, name, path);
  const policies = iamApiState(ctx.world, ctx.accountId).policies;
  if (policies.has(arn)) throw iamErrors.alreadyExists(`A policy called ${name} already exists. Duplicate names are not allowed.`);
  const policy: ManagedPolicy = { name, arn, path, policyId: `ANPA${upperId(17)}`, description: input.Description, document: text, createdAt: ctx.world.clock.now() };
  policies.set(arn, policy);
  return { Policy: policyView(policy, ctx) };
}

export function getPolicy(input: { PolicyArn?: string }, ctx: RequestContext) {
  return { Policy: policyView(policyOrThrow(ctx, input.PolicyArn), ctx) };
}

export function getPolicyVersion(input: { PolicyArn?: string; VersionId?: string }, ctx: RequestContext) {
  const policy = policyOrThrow(ctx, input.PolicyArn);
  if (input.VersionId !== 'v1') throw iamErrors.noSuchEntity(`Policy ${policy.arn} version ${input.VersionId} does not exist.`);
  return { PolicyVersion: { Document: encodeURIComponent(policy.document), VersionId: 'v1', IsDefaultVersion: true, CreateDate: wholeSeconds(policy.createdAt) } };
}

export function deletePolicy(input: { PolicyArn?: string }, ctx: RequestContext) {
  const policy = policyOrThrow(ctx, input.PolicyArn);
  if (attachmentCount(ctx.world, ctx.accountId, policy.arn) > 0) throw iamErrors.deleteConflict('Cannot delete a policy attached to entities.');
  iamApiState(ctx.world, ctx.accountId).policies.delete(policy.arn);
  return {};
}

export function attachRolePolicy(input: { RoleName?: string; PolicyArn?: string }, ctx: RequestContext) {
  const role = roleOrThrow(ctx, input.RoleName);
  const policy = policyOrThrow(ctx, input.PolicyArn);
  const entry = rolePolicies(ctx.world, role);
  if (entry.attached.includes(policy.arn)) return {};
  checkAttachmentCount(entry.attached.length + 1);
  entry.attached.push(policy.arn);
  syncRolePolicies(ctx.world, role);
  return {};
}

export function detachRolePolicy(input: { RoleName?: string; PolicyArn?: string }, ctx: RequestContext) {
  const role = roleOrThrow(ctx, input.RoleName);
  const entry = rolePolicies(ctx.world, role);
  const at = entry.attached.indexOf(required(input.PolicyArn, 'policyArn'));
  if (at < 0) throw iamErrors.noSuchEntity(`Policy ${input.PolicyArn} was not found.`);
  entry.attached.splice(at, 1);
  syncRolePolicies(ctx.world, role);
  return {};
}

export function listAttachedRolePolicies(input: { RoleName?: string }, ctx: RequestContext) {
  const role = roleOrThrow(ctx, input.RoleName);
  const policies = iamApiState(ctx.world, ctx.accountId).policies;
  return {
    AttachedPolicies: rolePolicies(ctx.world, role).attached.map((arn) => ({ PolicyArn: arn, PolicyName: policies.get(arn)?.name })),
    IsTruncated: false,
  };
}

/** The OIDC provider's ARN for a URL: arn:aws:iam::ACCOUNT:oidc-provider/HOST[/PATH]. */
export const oidcProviderArnOf = (accountId: string, url: string) => `arn:aws:iam::${accountId}:oidc-provider/${url.replace(/^https:\/\//, '')}`;

export function createOpenIDConnectProvider(input: { Url?: string; ClientIDList?: string[] }, ctx: RequestContext) {
  const url = required(input.Url, 'url');
  if (!url.startsWith('https://')) throw iamErrors.invalidInput('The URL must begin with https://.');
  const arn = oidcProviderArnOf(ctx.accountId, url);
  if (oidcProviders(ctx.world, ctx.accountId).has(arn)) throw iamErrors.alreadyExists(`Provider with url ${url} already exists.`);
  const provider = createOidcIssuer(ctx.world, ctx.accountId, url, input.ClientIDList ?? []);
  return { OpenIDConnectProviderArn: provider.arn };
}

export const roleArnFor = (ctx: RequestContext, name: string) => findRole(ctx.world, ctx.accountId, name)?.arn ?? roleArn(ctx.accountId, name);
