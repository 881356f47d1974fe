import type { Schema } from '@smithy/types';
import type { World } from './world.ts';
import type { Principal } from './iam.ts';
import type { DependentCheck } from './kms-grants.ts';

/** What a handler knows about the call it serves. */
export interface RequestContext {
  world: World;
  accountId: string;
  region: string;
  principal: Principal;
  requestId: string;
  service: string;
  /** The service's wire protocol (its error codes differ: AccessDenied in awsQuery, AccessDeniedException in JSON). */
  protocol: ProtocolName;
  operation: string;
}

// Handlers get the input the SDK's schema describes and return the output shape, as plain objects with Dates.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler = (input: any, ctx: RequestContext) => unknown;

export interface OperationDef {
  handler: Handler;
  /** The IAM action, where it is not `<iamPrefix>:<operation>` (S3: ListObjectsV2 is s3:ListBucket). */
  action?: string;
  /** ARNs the IAM check evaluates the call against; '*' when omitted. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  resources?: (input: any, ctx: RequestContext) => string[];
  /** Tags the call puts on what it creates (aws:RequestTag/… condition context). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  requestTags?: (input: any) => Record<string, string>;
  /** The service's own condition keys a call carries (rds:DatabaseEngine, …). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  conditionContext?: (input: any) => Record<string, string | undefined>;
  /** Other actions AWS authorizes the call on with the caller's rights (e.g. kms:CreateGrant on a customer-managed key). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  dependentChecks?: (input: any, ctx: RequestContext) => DependentCheck[];
  /** For an operation that starts a restore: makes that restore end failed (a fail-restore fault fired on the call). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  failRestore?: (input: any, output: any, ctx: RequestContext) => void;
}

/**
 * How a service's requests name its resources, for IAM: input field → the Service Authorization Reference's
 * resource type a name in it is, and type → the ARN of such a name in the caller's account and region. Which
 * types an action is authorized on comes from the SAR (sandbox/core/sar.ts), not from here.
 */
export interface ResourceNaming {
  fields: Record<string, string>;
  arns: Record<string, (name: string, ctx: RequestContext) => string>;
}

export type ProtocolName = 'awsQuery' | 'ec2Query' | 'restJson1' | 'awsJson1_1' | 'restXml';

export interface ServiceDef {
  /** SigV4 credential-scope service name, e.g. 'rds', 'es', 'tagging'. */
  signingName: string;
  /** IAM action prefix, e.g. 'rds', 'tag', 'secretsmanager'. */
  iamPrefix: string;
  protocol: ProtocolName;
  /** The SDK client package's exports: its `Operation$` schemas drive parsing and serialisation. */
  schemas: Record<string, unknown>;
  /** awsQuery: the XML namespace of responses. */
  xmlNamespace?: string;
  /** awsJson1_1: the X-Amz-Target prefix, e.g. 'secretsmanager'. */
  targetPrefix?: string;
  /**
   * restXml: labels that precede every operation's modelled path (S3 path-style addressing: `/{Bucket}/…`,
   * the bucket the endpoint rules would otherwise put in the host name).
   */
  pathLabels?: string[];
  /** How many minutes off the wall clock a request's signing time may be (default 5). */
  signatureMinutes?: number;
  operations: Record<string, OperationDef>;
  /** Which input fields name which resource types (added to each operation's own `resources`). */
  resourceNaming?: ResourceNaming;
}

/** The SDK schema of one operation: [9, namespace, name, traits, input, output]. */
export type OperationSchema = [9, string, string, Record<string, unknown> | 0, () => Schema, () => Schema];

export function operationSchema(service: ServiceDef, name: string): OperationSchema | undefined {
  const schema = service.schemas[`${name}$`];
  return Array.isArray(schema) && schema[0] === 9 ? (schema as OperationSchema) : undefined;
}

/** All operation names the SDK model knows for a service (implemented or not). */
export function modelOperations(service: ServiceDef): string[] {
  return Object.entries(service.schemas)
    .filter(([key, value]) => key.endsWith('$') && Array.isArray(value) && value[0] === 9)
    .map(([key]) => key.slice(0, -1));
}
