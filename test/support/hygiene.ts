import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { World } from '../../sandbox/core/world.ts';
import { ACTIONS_DIR_ENV } from './actions.ts';

/**
 * Secret hygiene across the end-to-end suite: every sandbox saves the secrets that went through it (keys,
 * session tokens, passwords, AUTH tokens), every snapclone run its output; the summary reporter then looks
 * for each secret in each output. Only `credentials` prints a password, by design.
 */
interface SavedOutput {
  args: string[];
  text: string;
}

const dirOf = () => {
  const dir = process.env[ACTIONS_DIR_ENV];
  return dir && existsSync(dir) ? dir : undefined;
};

/** Saves the secrets a sandbox issued or was given (no-op outside the suite). */
export function saveIssuedSecrets(world: World): void {
  const dir = dirOf();
  if (!dir) return;
  const secrets = new Set(world.secretValues);
  for (const issued of world.credentials.values()) {
    secrets.add(issued.secretAccessKey);
    if (issued.sessionToken) secrets.add(issued.sessionToken);
  }
  writeFileSync(join(dir, `${randomUUID()}.secrets.json`), JSON.stringify([...secrets]));
}

/** Saves what one snapclone run printed or reported (no-op outside the suite). */
export function saveOutput(args: string[], text: string): void {
  const dir = dirOf();
  if (!dir) return;
  writeFileSync(join(dir, `${randomUUID()}.output.json`), JSON.stringify({ args, text } satisfies SavedOutput));
}

/** Outputs whose job is to show a secret: `credentials` (the password) — never any other. */
const showsSecrets = (args: string[]) => args.includes('credentials');

/** The outputs in `dir` that contain a saved secret, described without the secret; and how much was checked. */
export function hygieneProblems(dir: string): { problems: string[]; outputs: number; secrets: number } {
  const files = readdirSync(dir);
  const secrets = new Set(files.filter((f) => f.endsWith('.secrets.json')).flatMap((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as string[]));
  const outputs = files.filter((f) => f.endsWith('.output.json')).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as SavedOutput);
  const problems: string[] = [];
  for (const output of outputs) {
    if (showsSecrets(output.args)) continue;
    const found = [...secrets].filter((s) => output.text.includes(s));
    if (found.length > 0) problems.push(`a secret (${found.map((s) => `${s.length} characters`).join(', ')}) in the output of: snapclone ${output.args.join(' ')}`);
  }
  return { problems, outputs: outputs.length, secrets: secrets.size };
}
