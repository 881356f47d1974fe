import { Argument, Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { ExitCode, UsageError } from '../core/errors.ts';
import type { Context } from '../core/context.ts';
import { render, type CommandResult, type OutputFormat } from '../output/render.ts';
import { colourEnabled } from '../output/colour.ts';
import { DOCUMENTS, FORMATS } from '../iam/documents.ts';
import type { GlobalOptions, Io } from './context.ts';
import { explain, formatError } from './errors.ts';
import { redact } from '../core/redact.ts';
import { shortUsageAfterErrors } from './usage-hint.ts';
import { defineInit } from '../commands/init-command.ts';
import { addCompletion } from './completion.ts';
import { describeHelp } from './help.ts';
import { version } from './version.ts';

// Only the definitions of the commands are loaded at start-up (enough for --help and --version): a command's
// module, with its engines and AWS clients, and the context (config, clients) are imported when it runs.

type Runner = (ctx: Context) => Promise<CommandResult>;
/** A command that runs before there is a config (init). */
type RunnerWithoutConfig = { withoutConfig: (globals: GlobalOptions, io: Io) => Promise<CommandResult> };

/**
 * The format results are printed in: --query filters the JSON document, so it makes the output JSON (as with
 * the aws CLI) unless --output on the command line asks for another format, which is a usage error.
 */
function outputFormat(root: Command): OutputFormat {
  const { output, query } = root.opts() as GlobalOptions;
  if (query === undefined) return output;
  if (output !== 'json' && root.getOptionValueSource('output') === 'cli') {
    throw new UsageError(`--query filters the JSON output; it does not apply to --output ${output}`, 'Drop --output (--query implies --output json), or drop --query.');
  }
  return 'json';
}

/** Builds the program; `execute` runs one command with the global options and prints its result. */
export function program(io: Io, onExit: (code: number) => void, argv?: string[]): Command {
  /** Whether errors are JSON objects: with --output json, and with --query unless --output asks otherwise. */
  const wantsJson = (): boolean => {
    const { output, query } = root.opts() as GlobalOptions;
    return output === 'json' || (query !== undefined && root.getOptionValueSource('output') !== 'cli');
  };
  let jsonErrorWritten = false;
  const root = new Command('snapclone')
    .description('Clone production data from AWS backups into owned, expiring development copies — and delete them again.')
    .version(version)
    .addOption(new Option('-c, --config <path>', 'config file (default: ./snapclone.yaml or $SNAPCLONE_CONFIG)'))
    .addOption(new Option('--profile <name>', 'AWS profile to start the credential chain from'))
    .addOption(new Option('--region <region>', 'AWS region (overrides the target\'s)'))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json', 'markdown'] as const).default('table' as const).env('SNAPCLONE_OUTPUT'))
    .addOption(new Option('--query <expression>', 'JMESPath expression applied to the JSON output, as the aws CLI\'s --query (implies --output json)'))
    .addOption(new Option('-v, --verbose', 'more detail (never secrets)'))
    .addOption(new Option('--debug', 'log every AWS call to stderr: service, operation, HTTP status, duration, request id (never secrets); implies --verbose'))
    .addOption(new Option('--endpoint-url <url>', 'send every AWS call to this endpoint, as the aws CLI\'s --endpoint-url (over AWS_ENDPOINT_URL)'))
    .addOption(new Option('--no-session-cache', 'assume the role afresh: neither read nor write the cached role session'))
    .addOption(new Option('-q, --quiet', 'only results and errors'))
    .addOption(new Option('--mfa-code <code>', 'MFA code, when the target\'s role requires one and there is no terminal (- reads it from standard input)'))
    .exitOverride()
    .hook('preAction', (_root, command) => io.onCommand?.(command.name()))
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      // After a JSON error object, the help commander adds would break the JSON lines on stderr.
      writeErr: (s) => void (jsonErrorWritten || io.stderr.write(s)),
      outputError: (message, write) => {
        if (!wantsJson()) return write(message);
        const text = message.replace(/^error: /, '').trimEnd();
        io.stderr.write(formatError({ message: text, hint: 'snapclone --help lists the commands and their options.', exitCode: ExitCode.usage }, true));
        jsonErrorWritten = true;
      },
    });

  const execute = async (runner: Runner | RunnerWithoutConfig) => {
    const globals = root.opts() as GlobalOptions;
    let code: number;
    try {
      const format = outputFormat(root);
      // Checked before the context exists: a mistyped expression costs no call to AWS.
      const query = globals.query === undefined ? undefined : (await import('../output/query.ts')).parseQuery(globals.query);
      const { buildContext } = await import('./context.ts');
      const result = typeof runner === 'function' ? await runner(buildContext({ ...globals, output: format }, io, argv)) : await runner.withoutConfig({ ...globals, output: format }, io);
      const text = query ? JSON.stringify(query.apply(result.json), null, 2) : render(result, format, { colour: colourEnabled(io.env, io.stdout) });
      if (text) io.stdout.write(`${text}\n`);
      code = result.exitCode ?? ExitCode.ok;
    } catch (error) {
      const explained = explain(error);
      const stack = globals.verbose && error instanceof Error && error.stack && explained.exitCode === ExitCode.failed ? redact(error.stack) : undefined;
      io.stderr.write(formatError(explained, wantsJson(), stack));
      code = explained.exitCode;
    }
    onExit(code);
  };

  root
    .command('points')
    .description('list the restorable points of a source, newest first')
    .argument('<source>', 'source name from the config')
    .option('--from <date>', 'only points on or after this day (YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD)')
    .option('--to <date>', 'only points on or before this day (YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD)')
    .addOption(new Option('--target <name>', 'target whose access is used to read them').env('SNAPCLONE_TARGET'))
    .action((source, opts) => execute(async (ctx) => (await import('../commands/points.ts')).run({ source, ...opts }, ctx)));

  root
    .command('create')
    .description('clone one or more sources as they were on a date, at a time, or from the latest point')
    .argument('<source...>', 'source or set names from the config (several are cloned in parallel, as one set)')
    .addOption(new Option('--date <date>', 'the day (YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD, in the configured time zone): its latest restore point').env('SNAPCLONE_DATE'))
    .addOption(new Option('--at <time>', 'an exact time (ISO 8601): point-in-time where possible').env('SNAPCLONE_AT'))
    .addOption(new Option('--latest', 'the newest restore point').env('SNAPCLONE_LATEST'))
    .addOption(new Option('--name <name>', 'clone name (with one source); the configured prefix is enforced').env('SNAPCLONE_NAME'))
    .addOption(new Option('--set <name>', 'name of the set the clones form (default: from the sources, the day and you)').env('SNAPCLONE_SET'))
    .addOption(new Option('--ttl <duration>', "time to live, e.g. 8h or 1d (bounded by the target's maxTtl)").env('SNAPCLONE_TTL'))
    .addOption(new Option('--target <name>', 'target from the config').env('SNAPCLONE_TARGET'))
    .option('--no-wait', 'return once the restore has started')
    .option('--force', 'take over an untagged AWS Backup restore of this name whose owner is unknown (recorded on it)')
    .action((sources, opts) => execute(async (ctx) => (await import('../commands/create.ts')).run({ sources, ...opts }, ctx)));

  root
    .command('list')
    .description('list clones with owner, age, expiry and status')
    .option('--mine', 'only clones you own')
    .option('--expired', 'only expired clones')
    .option('--wide', 'every column (set, target, source, age, data from, cost); default: what fits 80 columns')
    .addOption(new Option('--target <name>', 'target from the config (default: all)').env('SNAPCLONE_TARGET'))
    .action((opts) => execute(async (ctx) => (await import('../commands/list.ts')).run(opts, ctx)));

  root
    .command('show')
    .description('show one clone (endpoint, status, restore point, expiry), or every member of a set')
    .argument('<clone>', 'clone or set name')
    .addOption(new Option('--target <name>', 'target from the config').env('SNAPCLONE_TARGET'))
    .action((clone, opts) => execute(async (ctx) => (await import('../commands/show.ts')).run({ clone, ...opts }, ctx)));

  root
    .command('credentials')
    .description('print connection details of a clone, including its password')
    .argument('<clone>', 'clone name')
    .addOption(new Option('--target <name>', 'target from the config').env('SNAPCLONE_TARGET'))
    .option('--force', "read another person's clone's credentials (recorded on the clone)")
    .addOption(new Option('--format <format>', 'env: the lines of a .env file (PGHOST=…, PGPASSWORD=…, DATABASE_URL=…)').choices(['env'] as const))
    .action((clone, opts) => execute(async (ctx) => (await import('../commands/credentials.ts')).run({ clone, ...opts }, ctx)));

  root
    .command('connect')
    .description('open a local port to a clone (through the relay on AWS), or run a command with the connection in its environment')
    .argument('<clone>', 'clone name')
    .argument('[command...]', 'after --: a command to run with the connection in its environment (PGHOST…, MYSQL_*, REDISCLI_AUTH); snapclone ends with its exit code')
    .option('--port <port>', 'local port (default: any free port through the relay; the endpoint itself directly)', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port from 1 to 65535 (0: any free port)');
      return n;
    })
    .addOption(new Option('--target <name>', 'target from the config').env('SNAPCLONE_TARGET'))
    .option('--force', "connect to another person's clone (recorded on the clone)")
    .action((clone, command, opts) =>
      execute(async (ctx) =>
        (await import('../commands/connect.ts')).run(
          { clone, command, ...opts, env: io.env, onReady: (lines) => io.stdout.write(`${lines.join('\n')}\n`) },
          ctx,
        ),
      ),
    );

  root
    .command('delete')
    .description('delete clones (only resources snapclone created); waits until gone')
    .argument('<clone...>', 'clone or set names')
    .option('-y, --yes', 'do not ask for confirmation')
    .addOption(new Option('--target <name>', 'target from the config').env('SNAPCLONE_TARGET'))
    .option('--no-wait', 'return once deletion has started')
    .option('--force', "delete other people's clones, or untagged restores whose owner is unknown (recorded on each)")
    .action((clones, opts) => execute(async (ctx) => (await import('../commands/delete.ts')).run({ clones, ...opts }, ctx)));

  root
    .command('extend')
    .description("move clones' expiry to now + TTL (bounded by the target's maxTtl)")
    .argument('<clone...>', 'clone or set names')
    .addOption(new Option('--ttl <duration>', 'new time to live from now, e.g. 4h or 1d').env('SNAPCLONE_TTL').makeOptionMandatory())
    .addOption(new Option('--target <name>', 'target from the config').env('SNAPCLONE_TARGET'))
    .option('--force', "extend another person's clone (recorded on the clone)")
    .action((clones, opts) => execute(async (ctx) => (await import('../commands/extend.ts')).run({ clones, ...opts }, ctx)));

  root
    .command('janitor')
    .description('delete expired clones of everyone, and what snapclone left behind (orphans); one line per resource')
    .option('--dry-run', 'say what would be deleted; change nothing')
    .option('--target <name>', 'target to clean (repeatable; default: all)', (value: string, all: string[]) => [...all, value], [] as string[])
    .option('--grace <duration>', 'how old an orphan must be before it is deleted', '1h')
    .option('--concurrency <n>', 'deletions under way at once', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 32) throw new InvalidArgumentError('a whole number from 1 to 32');
      return n;
    }, 4)
    .action((opts) => execute(async (ctx) => (await import('../commands/janitor.ts')).run(opts, ctx)));

  root
    .command('doctor')
    .description('check the config, the role, its permissions (by IAM policy simulation) and the placement')
    .addOption(new Option('--target <name>', 'target from the config (default: all)').env('SNAPCLONE_TARGET'))
    .action((opts) => execute(async (ctx) => (await import('../commands/doctor.ts')).run(opts, ctx)));

  root
    .command('iam')
    .description('print the IAM kit of a target: permissions policy, trust policy, or a CloudFormation template')
    .addArgument(new Argument('<document>', 'which document').choices(DOCUMENTS))
    .addOption(new Option('--format <format>', 'json or yaml (policy, trust); cloudformation (YAML) or json (template)').choices(FORMATS))
    .addOption(new Option('--target <name>', 'target from the config').env('SNAPCLONE_TARGET'))
    .action((document, opts) => execute(async (ctx) => (await import('../commands/iam.ts')).run({ document, ...opts }, ctx)));

  root
    .command('masking')
    .description("what masking would run on a source's clones, and (with --clone) what it would refuse on a clone's schema")
    .addArgument(new Argument('<action>', 'plan: the rules field by field; with --clone, the fail-closed check on that clone (read only)').choices(['plan'] as const))
    .argument('<source>', 'source name from the config')
    .option('--clone <clone>', "a clone of the source whose schema the rules are checked against (nothing is changed); exit 1 when masking would refuse it")
    .addOption(new Option('--target <name>', 'target from the config').env('SNAPCLONE_TARGET'))
    .option('--force', "check another person's clone (recorded on the clone)")
    .action((_action, source, opts) => execute(async (ctx) => (await import('../commands/masking.ts')).run({ source, ...opts }, ctx)));

  defineInit(root, (run) => execute({ withoutConfig: run }));

  addCompletion(root, io);
  describeHelp(root);
  shortUsageAfterErrors(root);
  return root;
}

export async function main(argv: string[], io: Io): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const root = program(
    io,
    (code) => {
      exitCode = code;
    },
    argv,
  );
  try {
    await root.parseAsync(argv, { from: 'user' });
  } catch (error) {
    const e = error as { code?: string; exitCode?: number };
    // --help and --version end through exitOverride with code 0.
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') {
      return ExitCode.ok;
    }
    if (e.code?.startsWith('commander.')) return ExitCode.usage;
    throw error;
  }
  return exitCode;
}
