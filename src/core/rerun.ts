
/** Options whose value must never be printed back (the MFA code is a secret while it is valid). */
const SECRET_OPTIONS = new Set(['--mfa-code']);

const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/**
 * The command that carries on where this run stopped: the arguments it was run with (less any MFA code),
 * or `fallback` when it was not run from a command line, with `pins` added (e.g. the --name it chose).
 */
export function rerunCommand(invocation: string[] | undefined, fallback: string[], pins: string[] = []): string {
  const args: string[] = [];
  const given = invocation ?? fallback;
  for (let i = 0; i < given.length; i++) {
    const arg = given[i];
    if (SECRET_OPTIONS.has(arg)) {
      i++;
      continue;
    }
    if ([...SECRET_OPTIONS].some((o) => arg.startsWith(`${o}=`))) continue;
    args.push(arg);
  }
  for (let i = 0; i < pins.length; i += 2) if (!args.includes(pins[i])) args.push(pins[i], pins[i + 1]);
  return ['snapclone', ...args].map(quote).join(' ');
}
