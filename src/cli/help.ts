import { Help, type CommandUnknownOpts, type Option } from '@commander-js/extra-typings';

/** Where the manual is: the README and the docs beside it. */
export const DOCS_URL = 'https://github.com/example-co/snapclone#readme';

export interface Example {
  /** What it does, printed as a comment above it. */
  what: string;
  /** The command line, as typed in a shell. */
  line: string;
}

/** Each command's examples, real invocations (the names are the sandbox's: npm run sandbox). A test parses every one. */
export const EXAMPLES: Record<string, Example[]> = {
  snapclone: [
    { what: 'What a source can be restored from', line: 'snapclone points orders-db' },
    { what: 'Clone it as it was at the end of a day (in the configured time zone)', line: 'snapclone create orders-db --date 2026-11-20' },
    { what: 'Your clones', line: 'snapclone list --mine' },
    { what: 'Delete one when you are done', line: 'snapclone delete snapclone-orders-db-20261120-alice' },
  ],
  points: [
    { what: 'Every restorable point of a source, newest first', line: 'snapclone points orders-db' },
    { what: 'Only the first half of November', line: 'snapclone points orders-db --from 2026-11-01 --to 2026-11-15' },
    { what: 'As JSON, for a script', line: 'snapclone points catalog-search --output json' },
  ],
  create: [
    { what: 'A source as it was at the end of a day', line: 'snapclone create orders-db --date 2026-11-20' },
    { what: 'At an exact time (point-in-time where the source has it), for four hours', line: 'snapclone create orders-db --at 2026-11-20T14:30:00+09:00 --ttl 4h' },
    { what: 'Several sources from the same day, as one set', line: 'snapclone create orders-db billing-db sessions-cache --date 2026-11-25' },
    { what: 'The newest point, with your own name; return once the restore has started', line: 'snapclone create billing-db --latest --name snapclone-billing-test --no-wait' },
  ],
  list: [
    { what: 'Every clone, with owner, expiry and status', line: 'snapclone list' },
    { what: 'Only yours', line: 'snapclone list --mine' },
    { what: 'The names of the expired ones', line: "snapclone list --expired --query 'clones[].name'" },
  ],
  show: [
    { what: 'One clone: endpoint, status, restore point, expiry', line: 'snapclone show snapclone-orders-db-20261120-alice' },
    { what: 'Every member of a set', line: 'snapclone show orders-db-billing-db-20261125-alice' },
  ],
  credentials: [
    { what: 'Host, port, user and password of your clone', line: 'snapclone credentials snapclone-orders-db-20261120-alice' },
    { what: 'As JSON, for a script', line: 'snapclone credentials snapclone-orders-db-20261120-alice --output json' },
  ],
  delete: [
    { what: 'Delete a clone (asks first)', line: 'snapclone delete snapclone-orders-db-20261120-alice' },
    { what: 'A whole set, without asking, and without waiting', line: 'snapclone delete orders-db-billing-db-20261125-alice --yes --no-wait' },
  ],
  extend: [
    { what: 'Keep a clone one more day from now', line: 'snapclone extend snapclone-orders-db-20261120-alice --ttl 1d' },
    { what: 'Every member of a set, for 8 hours', line: 'snapclone extend orders-db-billing-db-20261125-alice --ttl 8h' },
  ],
  janitor: [
    { what: 'What would be deleted (expired clones, leftovers); nothing changes', line: 'snapclone janitor --dry-run' },
    { what: 'Clean one target, leftovers older than 2 hours', line: 'snapclone janitor --target dev --grace 2h' },
  ],
  masking: [
    { what: "The masking rules of a source's clones, field by field", line: 'snapclone masking plan billing-db' },
    { what: 'What masking would refuse on one clone (reads its schema, changes nothing)', line: 'snapclone masking plan billing-db --clone snapclone-billing-db-20261120-alice' },
  ],
  doctor: [
    { what: 'Check the config, the role, its permissions and the placement', line: 'snapclone doctor' },
    { what: 'One target, as a Markdown table for an issue', line: 'snapclone doctor --target dev --output markdown' },
  ],
  iam: [
    { what: 'The permissions policy of the role', line: 'snapclone iam policy' },
    { what: 'Its trust policy, in YAML', line: 'snapclone iam trust --format yaml' },
    { what: 'A CloudFormation template of the role, to deploy', line: 'snapclone iam template > snapclone-role.yaml' },
  ],
  connect: [
    { what: 'Open a local port to your clone and print how to connect (Ctrl-C closes it)', line: 'snapclone connect snapclone-billing-db-20261120-alice' },
    { what: 'Run psql with the connection in its environment (no password on the command line)', line: "snapclone connect snapclone-billing-db-20261120-alice -- psql -c 'select count(*) from orders'" },
    { what: 'On a fixed local port', line: 'snapclone connect snapclone-orders-db-20261120-alice --port 13306' },
  ],
  init: [
    { what: 'Discover the account and answer the questions (read-only calls only)', line: 'snapclone init' },
    {
      what: 'Without questions, for a script',
      line: 'snapclone init --yes --source orders-db=orders-prod --subnet-group snapclone-dev --security-group sg-0d0e0f1011121314a',
    },
    { what: 'The read-only policy init needs, calling nothing', line: 'snapclone init --print-policy' },
  ],
  completion: [
    { what: 'Tab completion in this bash session', line: 'source <(snapclone completion bash)' },
    { what: 'For every zsh session (a folder of your $fpath)', line: 'snapclone completion zsh > ~/.zsh/completions/_snapclone' },
    { what: 'fish', line: 'snapclone completion fish > ~/.config/fish/completions/snapclone.fish' },
    { what: 'PowerShell (add it to your $PROFILE)', line: 'snapclone completion powershell | Out-String | Invoke-Expression' },
  ],
};

/** Arguments a person forgets: the message says where the names are. */
const MISSING_ARGUMENT_HINTS: Record<string, string> = {
  show: 'snapclone list shows your clones.',
  credentials: 'snapclone list shows your clones.',
  delete: 'snapclone list shows your clones.',
  extend: 'snapclone list shows your clones.',
  points: 'The sources are in your snapclone.yaml (snapclone doctor lists the config it reads).',
};

/**
 * commander's help, less a default of `[]` (a repeatable option's empty start, which says nothing), and less
 * --version among a command's global options (it belongs to the program alone).
 */
class SnapcloneHelp extends Help {
  override visibleGlobalOptions(command: CommandUnknownOpts): Option[] {
    return super.visibleGlobalOptions(command).filter((option) => option.long !== '--version');
  }

  override optionDescription(option: Option): string {
    if (Array.isArray(option.defaultValue) && option.defaultValue.length === 0) {
      return super.optionDescription(Object.assign(Object.create(Object.getPrototypeOf(option) as object) as Option, option, { defaultValue: undefined }));
    }
    return super.optionDescription(option);
  }
}

function examplesText(examples: Example[]): string {
  return ['Examples:', ...examples.flatMap((e) => [`  # ${e.what}`, `  $ ${e.line}`])].join('\n');
}

function learnMore(command: CommandUnknownOpts): string {
  const program = command.parent ? command.parent.name() : command.name();
  return [
    'Learn more:',
    `  Use '${program} <command> --help' for more about a command.`,
    `  Read the manual (README.md and docs/) at ${DOCS_URL}`,
  ].join('\n');
}

/**
 * Help as gh prints it: each command's options, then the program's global options (read from the program, so
 * new ones appear), its examples and where to learn more. Call once every command is defined.
 */
export function describeHelp(root: CommandUnknownOpts): void {
  for (const command of [root, ...root.commands]) {
    command.createHelp = () => Object.assign(new SnapcloneHelp(), command.configureHelp());
    command.configureHelp({ ...command.configureHelp(), showGlobalOptions: true });
    const examples = EXAMPLES[command === root ? root.name() : command.name()];
    command.addHelpText('after', `\n${[...(examples ? [examplesText(examples)] : []), learnMore(command)].join('\n\n')}`);
    const hint = MISSING_ARGUMENT_HINTS[command.name()];
    if (hint && command !== root) hintOnMissingArgument(command, hint);
  }
}

/** The missing-argument error, with a next step. */
function hintOnMissingArgument(command: CommandUnknownOpts, hint: string): void {
  (command as unknown as { missingArgument(name: string): void }).missingArgument = (name: string) => {
    command.error(`error: missing required argument '${name}'\n${hint}`, { code: 'commander.missingArgument' });
  };
}
