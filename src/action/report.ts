import type { ActionInputs } from './argv.ts';

/** One clone in the Action's `clones` output: never a secret. */
export interface CloneOutput {
  name: string;
  status: string;
  endpoint: string | null;
  expiresAt: string | null;
}

type Json = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : null);

function fromClone(c: Json): CloneOutput {
  const endpoint = c.endpoint as { host: string; port: number } | null | undefined;
  return {
    name: String(c.name ?? ''),
    status: String(c.status ?? c.result ?? ''),
    endpoint: endpoint ? `${endpoint.host}:${endpoint.port}` : null,
    expiresAt: str(c.expiresAt),
  };
}

/** The clones a command's JSON document names. */
export function outputsOf(command: ActionInputs['command'], result: Json): { clones: CloneOutput[] } {
  const list = (key: string) => ((result[key] as Json[] | undefined) ?? []).map(fromClone);
  switch (command) {
    case 'create':
    case 'list':
      return { clones: list('clones') };
    case 'show':
      return { clones: result.clone ? [fromClone(result.clone as Json)] : list('clones') };
    case 'delete':
      return { clones: list('deleted') };
    case 'extend':
      return { clones: list('extended') };
    case 'janitor':
      return { clones: list('resources') };
  }
}

const cell = (v: unknown) => String(v ?? '-').replace(/\|/g, '\\|');

/**
 * The job summary (Markdown): what was done, from which restore point, where, until when, how to connect,
 * and the exact `gh workflow run` lines to extend and delete. Never a password.
 */
export function summaryOf(i: ActionInputs, result: Json, who: { person: string; repository: string }): string {
  const clones = outputsOf(i.command, result).clones;
  const lines = [`## snapclone ${i.command}`, ''];
  if (clones.length === 0) {
    lines.push('Nothing to report.');
    return lines.join('\n');
  }
  if (i.command === 'create') {
    const made = (result.clones as Json[]) ?? [];
    lines.push(`Requested by **${who.person}**${result.set ? ` as set \`${String(result.set)}\`` : ''}.`, '');
    lines.push('| clone | source | data from | status | endpoint | user | expires |', '|---|---|---|---|---|---|---|');
    for (const c of made) {
      const point = c.point as { kind: string; time: string } | undefined;
      const connect = c.connect as { host: string; port: number; username: string | null } | null;
      lines.push(
        `| \`${cell(c.name)}\` | ${cell(c.source)} | ${cell(point ? `${point.time} (${point.kind})` : '-')} | ${cell(c.status)} | ${cell(connect ? `${connect.host}:${connect.port}` : '-')} | ${cell(connect?.username)} | ${cell(c.expiresAt)} |`,
      );
    }
    const failed = (result.failed as Json[] | undefined) ?? [];
    for (const f of failed) lines.push('', `**Failed**: \`${cell(f.name)}\` (${cell(f.source)}): ${cell(f.error)}`);
    lines.push(
      '',
      'The password is in the clone\'s own Secrets Manager secret (named like the clone); it is never written to this log, the summary or the outputs.',
      '',
      'Extend or delete it:',
      '',
      '```sh',
      ...made.flatMap((c) => [
        `gh workflow run extend.yml --repo ${who.repository} -f name=${String(c.name)} -f ttl=1d`,
        `gh workflow run delete.yml --repo ${who.repository} -f name=${String(c.name)}`,
      ]),
      '```',
    );
    return lines.join('\n');
  }
  lines.push('| clone | status | endpoint | expires |', '|---|---|---|---|');
  for (const c of clones) lines.push(`| \`${cell(c.name)}\` | ${cell(c.status)} | ${cell(c.endpoint)} | ${cell(c.expiresAt)} |`);
  return lines.join('\n');
}
