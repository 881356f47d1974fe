import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { World } from '../../sandbox/core/world.ts';
import { arn, GITHUB_ROLE, OPERATOR_ROLE } from '../../sandbox/scenario/constants.ts';

/**
 * The end-to-end suite's record of IAM actions: each sandbox a CLI test starts writes the actions its
 * operator (and GitHub) role sessions called into ACTIONS_DIR; the summary reporter checks, after the run,
 * that each is declared and each declared action was called (vitest.config.ts makes the folder).
 */
export const ACTIONS_DIR_ENV = 'SNAPCLONE_ACTIONS_DIR';
const ROLES = [arn.role(OPERATOR_ROLE), arn.role(GITHUB_ROLE)];

/** Writes the actions snapclone's roles called in this sandbox (no-op outside the suite). */
export function saveCalledActions(world: World): void {
  const dir = process.env[ACTIONS_DIR_ENV];
  if (!dir || !existsSync(dir)) return;
  const actions = [...world.calledActions].filter((a) => ROLES.includes(a.split(' ')[0])).map((a) => a.split(' ')[1]);
  writeFileSync(join(dir, `${randomUUID()}.actions.json`), JSON.stringify([...new Set(actions)]));
}

/** Every action saved in `dir`. */
export function savedActions(dir: string): Set<string> {
  const all = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.actions.json'))) {
    for (const action of JSON.parse(readFileSync(join(dir, file), 'utf8')) as string[]) all.add(action);
  }
  return all;
}
