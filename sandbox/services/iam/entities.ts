import type { IamRole, IamUser } from '../../core/iam.ts';
import { roleArn } from '../../core/iam-state.ts';
import type { World } from '../../core/world.ts';
import { iamErrors } from './errors.ts';

/** The name part of an IAM resource ARN's `role/path/NAME`: IAM names never contain '/'. */
const lastSegment = (resource: string) => resource.slice(resource.lastIndexOf('/') + 1);

/** A role of `accountId` by name; IAM role names are unique regardless of case. */
export function findRole(world: World, accountId: string, name: string): IamRole | undefined {
  const exact = world.roles.get(roleArn(accountId, name));
  if (exact) return exact;
  const lower = name.toLowerCase();
  return [...world.roles.values()].find((r) => r.accountId === accountId && r.name.toLowerCase() === lower);
}

function findUser(world: World, accountId: string, name: string): IamUser | undefined {
  const lower = name.toLowerCase();
  return [...world.users.values()].find((u) => u.accountId === accountId && u.name.toLowerCase() === lower);
}

export const roleNotFound = (name: string) => iamErrors.noSuchEntity(`The role with name ${name} cannot be found.`);

/** What a PolicySourceArn names, before looking it up: a role (also for an assumed-role session), a user, or else. */
export function parseSourceArn(arn: string): {
  kind: 'role' | 'user' | 'group' | 'other';
  accountId: string;
  name: string;
} {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || !parts[5]) {
    throw iamErrors.invalidInput(`ARN ${arn} is not valid.`);
  }
  const [, , service, , accountId] = parts;
  const resource = parts.slice(5).join(':');
  if (service === 'sts' && resource.startsWith('assumed-role/')) {
    // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION: the session's permissions are its role's.
    const [, role = ''] = resource.split('/');
    return { kind: 'role', accountId, name: role };
  }
  if (service === 'iam') {
    const type = resource.slice(0, resource.indexOf('/'));
    if (type === 'role' || type === 'user' || type === 'group')
      return { kind: type, accountId, name: lastSegment(resource) };
  }
  return { kind: 'other', accountId, name: resource };
}

/**
 * The user or role a PolicySourceArn names, in the caller's account (IAM answers for its own account only):
 * NoSuchEntity when there is none. Groups are valid sources on AWS; the sandbox has none.
 */
export function policySource(world: World, callerAccount: string, arn: string): IamRole | IamUser {
  const source = parseSourceArn(arn);
  const sameAccount = source.accountId === callerAccount;
  if (source.kind === 'role') {
    const role = sameAccount ? findRole(world, callerAccount, source.name) : undefined;
    if (role) return role;
    throw roleNotFound(source.name);
  }
  if (source.kind === 'user') {
    const user = sameAccount ? findUser(world, callerAccount, source.name) : undefined;
    if (user) return user;
    throw iamErrors.noSuchEntity(`The user with name ${source.name} cannot be found.`);
  }
  if (source.kind === 'group') throw iamErrors.noSuchEntity(`The group with name ${source.name} cannot be found.`);
  throw iamErrors.noSuchEntity(`The entity ${arn} cannot be found.`);
}

/** The ARN IAM authorises a SimulatePrincipalPolicy call on: the source entity (a session's role). */
export function sourceResource(world: World, arn: string | undefined): string {
  if (!arn) return '*';
  try {
    const source = parseSourceArn(arn);
    if (source.kind === 'role') {
      return findRole(world, source.accountId, source.name)?.arn ?? roleArn(source.accountId, source.name);
    }
  } catch {
    // A malformed ARN is refused by the handler, after authorisation, as on AWS.
  }
  return arn;
}
