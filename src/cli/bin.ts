import { ExitCode } from '../core/errors.ts';
import { rerunCommand } from '../core/rerun.ts';
import { version } from './version.ts';

// The SDK warns that future releases will need Node 22; the versions snapclone pins support Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// CI systems often pass every variable, empty when unused: an empty SNAPCLONE_* variable is not set.
for (const key of Object.keys(process.env)) if (key.startsWith('SNAPCLONE_') && process.env[key] === '') delete process.env[key];

const argv = process.argv.slice(2);
/** The command running, as commander parsed it (none yet while the command line is read). */
let command: string | undefined;
/** Commands that start work in AWS: stopped, they say how to carry on. Others just end. */
const STARTS_WORK = new Set(['create', 'delete', 'janitor', 'extend']);
/** How long a run stopped by Ctrl-C may take to say where it stopped (a call in flight) before it just ends. */
const STOP_GRACE_MS = 5_000;

// Ctrl-C: waits stop at once and the command says how to carry on; a second Ctrl-C ends at once.
const stop = new AbortController();
// connect: Ctrl-C closes the tunnel (and ends its session) when nothing runs through it; a command running
// through it gets the Ctrl-C itself (psql cancels its query), and snapclone stays until the command ends.
const onInterrupt = () => {
  if (command === 'connect') {
    stop.abort();
    process.once('SIGINT', onInterrupt);
    return;
  }
  if (!STARTS_WORK.has(command ?? '')) process.exit(ExitCode.interrupted);
  stop.abort();
  const quit = () => {
    process.stderr.write(`\nStopped. What was started goes on in AWS. Run the same command again to carry on:\n    ${rerunCommand(argv, [])}\n`);
    process.exit(ExitCode.interrupted);
  };
  process.once('SIGINT', quit);
  setTimeout(quit, STOP_GRACE_MS).unref();
};
process.once('SIGINT', onInterrupt);

// `snapclone --version` answers before commander and the command definitions load.
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${version}\n`);
} else {
  const { main } = await import('./main.ts');
  process.exitCode = await main(argv, {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    signal: stop.signal,
    onCommand: (name) => (command = name),
  });
}
