import { oidcProviders } from '../../core/iam-state.ts';
import type { RequestContext } from '../../core/service.ts';

/** ListOpenIDConnectProviders: the ARNs of the account's OIDC providers (IAM answers ARNs only, unpaginated). */
export function listOpenIDConnectProviders(_input: unknown, ctx: RequestContext) {
  return { OpenIDConnectProviderList: [...oidcProviders(ctx.world, ctx.accountId).keys()].sort().map((Arn) => ({ Arn })) };
}
