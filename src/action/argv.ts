/** What the Action may run: everything but `credentials` (its output would be readable by everyone). */
export const COMMANDS = ['create', 'delete', 'extend', 'list', 'show', 'janitor'] as const;

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
}

/** The snapclone command line the inputs stand for (always JSON output, never a question). */
export function argvFor(i: ActionInputs): string[] {
  const opt = (flag: string, value: string) => (value ? [flag, value] : []);
  const globals = ['--config', i.config, '--output', 'json', ...opt('--region', i.region)];
  const target = opt('--target', i.target);
  const force = i.force ? ['--force'] : [];
  switch (i.command) {
    case 'create':
      return [
        'create',
        ...i.sources,
        ...opt('--date', i.date),
        ...opt('--at', i.at),
        ...(i.latest ? ['--latest'] : []),
        ...opt('--name', i.name),
        ...opt('--set', i.set),
        ...opt('--ttl', i.ttl),
        ...target,
        ...globals,
      ];
    case 'delete':
      return ['delete', ...i.sources, '--yes', ...force, ...target, ...globals];
    case 'extend':
      return ['extend', ...i.sources, ...opt('--ttl', i.ttl), ...force, ...target, ...globals];
    case 'show':
      return ['show', ...i.sources, ...target, ...globals];
    case 'list':
      return ['list', ...target, ...globals];
    case 'janitor':
      return ['janitor', ...(i.dryRun ? ['--dry-run'] : []), ...target, ...globals];
  }
}
