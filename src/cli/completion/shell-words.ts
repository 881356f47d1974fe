/** A word for a POSIX shell (bash, zsh) in single quotes. */
export const sq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** A string literal for fish (single quotes; backslash and quote escaped). */
export const fishQuote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** A string literal for PowerShell (single quotes; a quote is doubled). */
export const psQuote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** One line of a description: commander's text without its line breaks, cut to a readable length. */
export function shortDescription(text: string, max = 80): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}
