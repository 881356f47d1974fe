/** What the Action may run: everything but `credentials` (its output would be readable by everyone). */
export const COMMANDS = ['create', 'delete', 'extend', 'list', 'show', 'points', 'janitor'] as const;

export interface ActionInputs {
  command: (typeof COMMANDS)[number];
  sources: string[];
  date: string;
  at: string;
  latest: boolean;
  name: string;
  set: string;
  ttl: string;
  target: string;
  config: string;
  region: string;
  force: boolean;
  dryRun: boolean;
  /** list: only the clones of the person who ran the workflow. */
  mine?: boolean;
}

/** An input that reached the Action in a form it refuses (nothing was run). */
export class InputError extends Error {}

/**
 * Refuses inputs that would read as options: a word of `sources`, or the value of `name`, `ttl`, … starting
 * with `-` (`name: "my-clone --force"` must not act with --force), and whitespace or control characters inside
 * one value. The operands then follow `--`, so that even a word that got through could not be an option.
 */
export function checkInputs(i: ActionInputs): void {
  const values: [string, string][] = [
    ...i.sources.map((word): [string, string] => ['sources', word]),
    ...(['date', 'at', 'name', 'set', 'ttl', 'target', 'config', 'region'] as const).map((key): [string, string] => [key, i[key]]),
  ];
  for (const [input, value] of values) {
    if (value.startsWith('-')) throw new InputError(`input ${input}: '${value}' starts with '-'; names and values never do (options are inputs of their own, such as force)`);
    // eslint-disable-next-line no-control-regex
    if (/[\s\u0000-\u001f\u007f]/.test(value)) throw new InputError(`input ${input}: '${value.trim()}' holds a space or a control character`);
  }
}

/** The snapclone command line the inputs stand for (always JSON output, never a question); operands after `--`. */
export function argvFor(i: ActionInputs): string[] {
  checkInputs(i);
  const opt = (flag: string, value: string) => (value ? [flag, value] : []);
  const globals = ['--config', i.config, '--output', 'json', ...opt('--region', i.region)];
  const target = opt('--target', i.target);
  const force = i.force ? ['--force'] : [];
  const operands = ['--', ...i.sources];
  switch (i.command) {
    case 'create':
      return [
        'create',
        ...opt('--date', i.date),
        ...opt('--at', i.at),
        ...(i.latest ? ['--latest'] : []),
        ...opt('--name', i.name),
        ...opt('--set', i.set),
        ...opt('--ttl', i.ttl),
        ...target,
        ...globals,
        ...operands,
      ];
    case 'delete':
      return ['delete', '--yes', ...force, ...target, ...globals, ...operands];
    case 'extend':
      return ['extend', ...opt('--ttl', i.ttl), ...force, ...target, ...globals, ...operands];
    case 'show':
      return ['show', ...target, ...globals, ...operands];
    case 'list':
      return ['list', ...(i.mine ? ['--mine'] : []), ...target, ...globals];
    case 'points':
      return ['points', ...target, ...globals, ...operands];
    case 'janitor':
      return ['janitor', ...(i.dryRun ? ['--dry-run'] : []), ...target, ...globals];
  }
}
