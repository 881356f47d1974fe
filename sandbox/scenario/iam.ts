import type { World } from '../core/world.ts';

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface IamSeed {
  /** Full rights, for sandbox-level tests only. */
  admin: AccessKey;
  /** The CI user: may only assume the operator role with the external id. */
  ci: AccessKey;
}

// TO BE WRITTEN (helper B): users, roles, trust policies, OIDC key.
export function seedIam(world: World): IamSeed {
  void world;
  throw new Error('seedIam not written yet');
}
