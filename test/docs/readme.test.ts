// README.ja.md is the Japanese version of README.md: the prose is translated, but the commands, configuration
// keys, exit codes, set-up commands and code blocks must stay exactly those of the English README.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const EN = 'README.md';
const JA = 'README.ja.md';
const read = (name: string): string => readFileSync(new URL(`../../${name}`, import.meta.url), 'utf8').replace(/\r\n/g, '\n');
const en = read(EN);
const ja = read(JA);

interface CodeBlock {
  info: string;
  body: string;
}

/** The fenced (```) code blocks, each without the indentation of its fence (blocks inside list items). */
function codeBlocks(text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  let open: { indent: number; fence: string; info: string; lines: string[] } | undefined;
  for (const line of text.split('\n')) {
    if (!open) {
      const start = /^( *)(`{3,})(.*)$/.exec(line);
      if (start) open = { indent: start[1].length, fence: start[2], info: start[3].trim(), lines: [] };
      continue;
    }
    const end = /^ *(`{3,})\s*$/.exec(line);
    if (end && end[1].length >= open.fence.length) {
      blocks.push({ info: open.info, body: open.lines.join('\n') });
      open = undefined;
    } else {
      const indent = /^ */.exec(line)?.[0].length ?? 0;
      open.lines.push(line.slice(Math.min(indent, open.indent)));
    }
  }
  return blocks;
}

/** The lines outside code blocks, so that a `#` comment or a `|` in a block is never read as a heading or a row. */
function proseLines(text: string): string[] {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const marker = /^ *(`{3,})/.exec(line)?.[1];
    if (fence) {
      if (marker && marker.length >= fence.length && /^ *`+\s*$/.test(line)) fence = undefined;
    } else if (marker) {
      fence = marker;
    } else {
      lines.push(line);
    }
  }
  return lines;
}

/** `### \`snapclone …\`` headings, as the text inside the backticks. */
const commandHeadings = (text: string): string[] =>
  proseLines(text).flatMap((line) => {
    const m = /^### `(snapclone[^`]*)`/.exec(line);
    return m ? [m[1]] : [];
  });

/** The first cell of each configuration table row (rows starting with "| `"), e.g. "`targets.<name>.account`, `.region`". */
const configKeys = (text: string): string[] =>
  proseLines(text)
    .filter((line) => line.startsWith('| `'))
    .map((line) => line.split('|')[1].trim());

/** The codes of the exit code table (rows whose first cell is a number). */
const exitCodes = (text: string): string[] =>
  proseLines(text).flatMap((line) => {
    const m = /^\|\s*(\d+)\s*\|/.exec(line);
    return m ? [m[1]] : [];
  });

/** Both lists hold the same items in the same order; a failure names the item and the file it is missing from. */
function expectSameList(what: string, inEn: string[], inJa: string[]): void {
  expect(inEn.length, `no ${what} found in ${EN}: has its format changed?`).toBeGreaterThan(0);
  expect(
    inEn.filter((item) => !inJa.includes(item)),
    `${what} in ${EN} but missing from ${JA}`,
  ).toEqual([]);
  expect(
    inJa.filter((item) => !inEn.includes(item)),
    `${what} in ${JA} but missing from ${EN}`,
  ).toEqual([]);
  expect(inJa, `${what} of ${JA} are not in the order (or count) of ${EN}`).toEqual(inEn);
}

describe('README.ja.md stays in step with README.md', () => {
  it('links each README to the other', () => {
    expect(en.split('\n').slice(0, 3), `${EN} lacks its link to ${JA} under the first heading`).toContain(`日本語: [${JA}](${JA})`);
    expect(ja.split('\n').slice(0, 3), `${JA} lacks its link to ${EN} at the top`).toContain(`English: [${EN}](${EN})`);
  });

  it('has the same command sections, in order', () => {
    expectSameList('command headings', commandHeadings(en), commandHeadings(ja));
  });

  it('has the same configuration keys, in order', () => {
    expectSameList('configuration keys', configKeys(en), configKeys(ja));
  });

  it('has the same exit codes, in order', () => {
    expectSameList('exit codes', exitCodes(en), exitCodes(ja));
  });

  it.each(['npm install && npm run demo', 'npm install && npm test'])('gives the set-up command %s', (command) => {
    expect(en.includes(command), `set-up command "${command}" missing from ${EN}`).toBe(true);
    expect(ja.includes(command), `set-up command "${command}" missing from ${JA}`).toBe(true);
  });

  it('has every code block of README.md, unchanged', () => {
    const show = (b: CodeBlock): string => `\`\`\`${b.info}\n${b.body}\n\`\`\``;
    const enBlocks = new Set(codeBlocks(en).map(show));
    const jaBlocks = new Set(codeBlocks(ja).map(show));
    expect(enBlocks.size, `no code blocks found in ${EN}`).toBeGreaterThan(0);
    expect(
      [...enBlocks].filter((b) => !jaBlocks.has(b)),
      `code blocks in ${EN} missing (or changed) in ${JA}`,
    ).toEqual([]);
    expect(
      [...jaBlocks].filter((b) => !enBlocks.has(b)),
      `code blocks in ${JA} missing from ${EN} (changed or removed in the English?)`,
    ).toEqual([]);
  });
});
