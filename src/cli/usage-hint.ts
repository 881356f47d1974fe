import type { CommandUnknownOpts } from '@commander-js/extra-typings';

/** `snapclone create`: the command's name with its parents'. */
function fullName(command: CommandUnknownOpts): string {
  const names: string[] = [];
  for (let c: CommandUnknownOpts | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * After a usage error (an unknown command or option, with commander's "(Did you mean …?)", a missing argument, a
 * wrong choice) each command prints its usage line and where the full help is, not the whole help (as gh does).
 */
export function shortUsageAfterErrors(command: CommandUnknownOpts): void {
  const name = fullName(command);
  const more = command.commands.length > 0 ? 'the commands' : 'the options';
  command.showHelpAfterError(`Usage: ${name} ${command.usage()}\nRun '${name} --help' for ${more}.`);
  for (const sub of command.commands) shortUsageAfterErrors(sub);
}
