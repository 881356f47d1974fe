import type { IamRole, PolicyDocument } from '../../core/iam.ts';
import type { World } from '../../core/world.ts';

/** A customer-managed policy (one version: the sandbox keeps no version history). */
export interface ManagedPolicy {
  name: string;
  arn: string;
  path: string;
  policyId: string;
  description?: string;
  document: string;
  createdAt: Date;
}

/** What IAM's write API adds to a role: inline policies by name, attached managed policies by ARN. */
export interface RolePolicies {
  /** The role's policies before the API touched it (seeded roles). */
  base: PolicyDocument[];
  inline: Map<string, string>;
  attached: string[];
}

export interface IamApiState {
  policies: Map<string, ManagedPolicy>;
  roles: Map<string, RolePolicies>;
}

export const iamApiState = (world: World, accountId: string) =>
  world.state<IamApiState>('iam-api', accountId, 'global', () => ({ policies: new Map(), roles: new Map() }));

export function rolePolicies(world: World, role: IamRole): RolePolicies {
  const state = iamApiState(world, role.accountId);
  let entry = state.roles.get(role.arn);
  if (!entry) {
    entry = { base: role.policies, inline: new Map(), attached: [] };
    state.roles.set(role.arn, entry);
  }
  return entry;
}

/** Recomputes what the evaluator reads (role.policies): the base, the inline documents, the attached ones. */
export function syncRolePolicies(world: World, role: IamRole): void {
  const entry = rolePolicies(world, role);
  const state = iamApiState(world, role.accountId);
  const docs = [...entry.inline.values(), ...entry.attached.map((arn) => state.policies.get(arn)?.document ?? '{"Statement":[]}')];
  role.policies = [...entry.base, ...docs.map((text) => JSON.parse(text) as PolicyDocument)];
}

export const attachmentCount = (world: World, accountId: string, policyArn: string): number =>
  [...iamApiState(world, accountId).roles.values()].filter((r) => r.attached.includes(policyArn)).length;
