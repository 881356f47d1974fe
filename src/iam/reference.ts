import { AWS_REFERENCE } from './aws-reference.ts';

/**
 * AWS's Service Authorization Reference for one action (generated into aws-reference.ts): its action-level
 * condition keys, and each resource type it is authorized on, with its ARN format, whether it is required,
 * the keys of the action's row for that type and the keys of the type itself.
 */
export interface ActionReference {
  keys: string[];
  resources: { type: string; arn: string; required: boolean; keys: string[]; typeKeys: string[] }[];
}

export function referenceOf(action: string): ActionReference | undefined {
  return AWS_REFERENCE[action];
}

const escape = (s: string) => s.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');

/** An ARN format as a pattern: partition, region and account never hold a colon; names may (og:default:mysql-8-0). */
function formatPattern(format: string): RegExp {
  const parts = format.split(/(\$\{[^}]+\})/);
  const body = parts
    .map((p) => (/^\$\{(Partition|Region|Account)\}$/.test(p) ? '[^:]*' : p.startsWith('${') ? '.+' : escape(p)))
    .join('');
  return new RegExp(`^${body}$`);
}

/** The resource type of the action an ARN (or ARN pattern) names; undefined for `*` or a type the action is not authorized on. */
export function resourceTypeOf(action: string, arn: string): string | undefined {
  if (arn === '*') return undefined;
  return referenceOf(action)?.resources.find((r) => r.arn && formatPattern(r.arn).test(arn))?.type;
}

const TAG_REQUEST_KEY = /^aws:(RequestTag\/|TagKeys$)/;

/** A declared key pattern (`aws:RequestTag/${TagKey}`) matches a used key (`aws:RequestTag/snapclone:managed`). */
const keyMatches = (declared: string, used: string) =>
  new RegExp(`^${declared.split(/\$\{[^}]+\}/).map(escape).join('.+')}$`, 'i').test(used);

/**
 * Whether AWS supplies a condition key when it authorizes an action on a resource of a type: the action's own
 * keys, those of the action's row for the type, and the type's own keys (its attributes: RDS's own examples
 * bind rds:DatabaseClass, a `db` key, on CreateDBInstance). Request tags (`aws:RequestTag/…`, `aws:TagKeys`)
 * count only from the action or its row: a type lists them for the calls that create it, and e.g.
 * ElastiCache's CreateReplicationGroup supplies them for the replication group only, not for the parameter
 * group, subnet group or snapshot it also authorizes. Global keys (aws:SourceIdentity…) are always there.
 */
export function supplies(action: string, type: string | undefined, key: string): boolean {
  if (/^aws:/.test(key) && !/^aws:(RequestTag\/|TagKeys$|ResourceTag\/)/.test(key)) return true;
  const ref = referenceOf(action);
  if (!ref) return false;
  const row = type === undefined ? undefined : ref.resources.find((r) => r.type === type);
  const typeKeys = (row?.typeKeys ?? []).filter((k) => !TAG_REQUEST_KEY.test(k));
  return [...ref.keys, ...(row?.keys ?? []), ...typeKeys].some((declared) => keyMatches(declared, key));
}

/** The resource types AWS always authorizes an action on (required in the reference). */
export function requiredTypes(action: string): string[] {
  return (referenceOf(action)?.resources ?? []).filter((r) => r.required).map((r) => r.type);
}
