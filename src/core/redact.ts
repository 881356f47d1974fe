/**
 * Secrets this run knows (generated passwords and tokens, secrets read, its session's keys), so that nothing it
 * prints carries one — AWS error messages sometimes echo request parameters, a password among them.
 */
const known = new Set<string>();

/** Shorter values could match ordinary words or ids by chance. */
const MIN_LENGTH = 8;

export function rememberSecret(value: string | undefined): void {
  if (value && value.length >= MIN_LENGTH) known.add(value);
}

/** Parameters whose value AWS may echo in an error message: their value is never shown. */
const ECHOED = /\b((?:Master)?(?:User)?Password|AuthToken|SecretString|SecretAccessKey|SessionToken|TokenCode)(["']?\s*[:=]\s*["']?)([^\s"',;)}\]]+)/gi;

/** The text with every known secret, and the value of any password-like parameter it quotes, replaced by ***. */
export function redact(text: string): string {
  let out = text.replace(ECHOED, (_m, name: string, sep: string) => `${name}${sep}***`);
  for (const secret of known) if (out.includes(secret)) out = out.split(secret).join('***');
  return out;
}
