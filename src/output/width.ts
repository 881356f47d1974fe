/** Escape sequences (colour, cursor movement): they take no room on the screen. */
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]/g;

/** Characters a terminal draws two columns wide: CJK, Hangul, full-width forms, most emoji. */
function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0x303e) ||
    (code >= 0x3041 && code <= 0x33ff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0xa000 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1f64f) ||
    (code >= 0x1f900 && code <= 0x1f9ff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

/** Combining marks and zero-width characters: drawn over the character before them. */
const isZeroWidth = (code: number): boolean =>
  (code >= 0x0300 && code <= 0x036f) || (code >= 0x200b && code <= 0x200f) || code === 0xfe0f || (code >= 0x3099 && code <= 0x309a);

function charWidth(char: string): number {
  const code = char.codePointAt(0)!;
  if (code < 0x20 || (code >= 0x7f && code < 0xa0) || isZeroWidth(code)) return 0;
  return isWide(code) ? 2 : 1;
}

/** How many terminal columns `text` takes, escape sequences left out. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text.replace(ESCAPES, '')) width += charWidth(char);
  return width;
}

/**
 * `text` (plain, without escape sequences) cut to at most `max` columns, ending in "…" when cut. Line
 * breaks and tabs become spaces: the result is always one row.
 */
export function fitWidth(text: string, max: number): string {
  const flat = text.replace(/[\t\r\n]+/g, ' ');
  if (displayWidth(flat) <= max) return flat;
  if (max <= 0) return '';
  let out = '';
  let width = 0;
  for (const char of flat) {
    const w = charWidth(char);
    if (width + w > max - 1) break;
    out += char;
    width += w;
  }
  return `${out}…`;
}
