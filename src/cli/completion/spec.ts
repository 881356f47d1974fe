import type { CommandUnknownOpts, Option } from '@commander-js/extra-typings';

/** Names read from the config by `snapclone __complete KIND…` (no AWS call). */
export type NameKind = 'sources' | 'sets' | 'targets';

export const NAME_KINDS: readonly NameKind[] = ['sources', 'sets', 'targets'];

/** What a value (of an option or a positional argument) completes to. */
export interface ValueSpec {
  /** Fixed words (an option's or argument's choices). */
  words?: string[];
  /** Names from the config, asked of the CLI when the user presses Tab. */
  names?: NameKind[];
  /** A path. */
  files?: boolean;
}

export interface OptionSpec {
  /** `-o`, `--output`: every spelling. */
  flags: string[];
  description: string;
  /** Whether a value follows (`--output json`); `value` says what it completes to. */
  takesValue: boolean;
  value: ValueSpec;
}

export interface ArgumentSpec {
  name: string;
  variadic: boolean;
  value: ValueSpec;
}

export interface CommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
  arguments: ArgumentSpec[];
}

/** The command tree as the completion scripts need it: read from the program, so new commands appear by themselves. */
export interface CompletionSpec {
  program: string;
  /** Options of the program itself, before a command. */
  globals: OptionSpec[];
  /** The program's options accepted after a command too (all but --version). */
  inherited: OptionSpec[];
  commands: CommandSpec[];
}

/** Options and arguments whose values are names from the config, keyed `--option` or `command <argument>`. */
const CONFIG_NAMES: Record<string, NameKind[]> = {
  '--target': ['targets'],
  'points <source>': ['sources'],
  'create <source>': ['sources', 'sets'],
};

const PATH_OPTIONS = new Set(['--config']);

function optionSpec(option: Option): OptionSpec {
  const flags = [option.short, option.long].filter((f): f is string => Boolean(f));
  const takesValue = option.required || option.optional;
  const long = option.long ?? '';
  const value: ValueSpec = option.argChoices
    ? { words: [...option.argChoices] }
    : CONFIG_NAMES[long]
      ? { names: CONFIG_NAMES[long] }
      : PATH_OPTIONS.has(long)
        ? { files: true }
        : {};
  return { flags, description: option.description ?? '', takesValue, value };
}

function commandSpec(command: CommandUnknownOpts, help: ReturnType<CommandUnknownOpts['createHelp']>, commandNames: string[]): CommandSpec {
  // commander's own `help [command]` takes a command's name.
  const fixed = (name: string): string[] | undefined => (command.name() === 'help' && name === 'command' ? commandNames : undefined);
  return {
    name: command.name(),
    description: command.description() || help.subcommandDescription(command),
    options: help.visibleOptions(command).map(optionSpec),
    arguments: command.registeredArguments.map((argument) => ({
      name: argument.name(),
      variadic: argument.variadic,
      value: argument.argChoices
        ? { words: [...argument.argChoices] }
        : fixed(argument.name())
          ? { words: fixed(argument.name()) }
          : { names: CONFIG_NAMES[`${command.name()} <${argument.name()}>`] },
    })),
  };
}

/** Reads the tree from the program: visible commands (commander's `help` included) and options, choices and names. */
export function completionSpec(program: CommandUnknownOpts): CompletionSpec {
  const help = program.createHelp();
  const commands = help.visibleCommands(program);
  const names = commands.map((command) => command.name()).filter((name) => name !== 'help');
  return {
    program: program.name(),
    globals: help.visibleOptions(program).map(optionSpec),
    inherited: help
      .visibleOptions(program)
      .filter((option) => option.long !== '--version')
      .map(optionSpec),
    commands: commands.map((command) => commandSpec(command, help, names)),
  };
}
