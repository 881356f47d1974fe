import { Argument, type CommandUnknownOpts } from '@commander-js/extra-typings';
import type { GlobalOptions, Io } from './context.ts';

export const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;
export type Shell = (typeof SHELLS)[number];

/** The hidden command the completion scripts call for names from the config. */
export const NAMES_COMMAND = '__complete';

/** The completion script of a shell for the program as it is defined (commands, options, their values). */
export async function completionScript(shell: Shell, program: CommandUnknownOpts): Promise<string> {
  const { completionSpec } = await import('./completion/spec.ts');
  const spec = completionSpec(program);
  switch (shell) {
    case 'bash':
      return (await import('./completion/bash.ts')).bashScript(spec);
    case 'zsh':
      return (await import('./completion/zsh.ts')).zshScript(spec);
    case 'fish':
      return (await import('./completion/fish.ts')).fishScript(spec);
    case 'powershell':
      return (await import('./completion/powershell.ts')).powershellScript(spec);
  }
}

/**
 * `completion <shell>` prints a script generated from the program's tree; `__complete KIND…` (hidden) prints the
 * config's sources, sets or targets, one a line, for the script to offer: it reads the config file, never AWS.
 */
export function addCompletion(root: CommandUnknownOpts, io: Io): void {
  root
    .command('completion')
    .description('print the shell completion script (commands, options, and names from the config)')
    .addArgument(new Argument('<shell>', 'the shell to complete in').choices(SHELLS))
    .action(async (shell) => {
      io.stdout.write(await completionScript(shell, root));
    });

  root
    .command(NAMES_COMMAND, { hidden: true })
    .description('names from the config for shell completion: sources, sets, targets')
    .argument('<kind...>', 'sources, sets or targets')
    .action(async (kinds) => {
      const { completionNames } = await import('./completion/names.ts');
      const names = completionNames(kinds, (root.opts() as Partial<GlobalOptions>).config, io.env, io.cwd);
      if (names.length > 0) io.stdout.write(`${names.join('\n')}\n`);
    });
}
