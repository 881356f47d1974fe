import { createColors } from 'picocolors';

/** The colours a table cell may take. */
export type Tone = 'green' | 'yellow' | 'red';

/**
 * Whether to colour what goes to `stream`: never with NO_COLOR (no-color.org), always with FORCE_COLOR (other than
 * 0 or false), else on a terminal that is not "dumb".
 */
export function colourEnabled(env: NodeJS.ProcessEnv, stream: { isTTY?: boolean }): boolean {
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

/** `text` in a tone, or as it is when colour is off. */
export function paint(text: string, tone: Tone | undefined, enabled: boolean): string {
  return tone ? createColors(enabled)[tone](text) : text;
}
