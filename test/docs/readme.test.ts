// README.ja.md is README.md written in Japanese: the prose and the code blocks' comments are Japanese, but the
// commands, options, configuration keys, exit codes, set-up commands and the code itself stay exactly those of
// the English README. And each README's command sections say what the CLI really defines.
import { readFileSync } from 'node:fs';
import type { Command, Option } from '@commander-js/extra-typings';
import { describe, expect, it } from 'vitest';
import { program } from '../../src/cli/main.ts';
import type { Io } from '../../src/cli/context.ts';
import { parseConfig } from '../../src/config/load.ts';

const EN = 'README.md';
const JA = 'README.ja.md';
const read = (name: string): string =>
  readFileSync(new URL(`../../${name}`, import.meta.url), 'utf8').replace(/\r\n/g, '\n');
const readmes: Record<string, string> = { [EN]: read(EN), [JA]: read(JA) };
const en = readmes[EN];
const ja = readmes[JA];

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

/**
 * A line of a code block without its `#` comment: a `#` that starts the line or follows a blank, outside
 * quotes (so `'*:*=error503#3'` and `${{ … }}` stay), up to the end of the line. Trailing blanks go too.
 */
function withoutComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      return line.slice(0, i).trimEnd();
    }
  }
  return line.trimEnd();
}

/** A block as compared across the READMEs: its language and its lines without comments or blank lines. */
const codeOf = (b: CodeBlock): string =>
  [
    `\`\`\`${b.info}`,
    ...b.body
      .split('\n')
      .map(withoutComment)
      .filter((line) => line.trim() !== ''),
  ].join('\n');

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

/** The command a heading names: `snapclone iam (policy|trust|template) …` → `iam`. */
const commandOf = (heading: string): string => heading.split(' ')[1];

/** The long options a text names (`--no-wait`, `--format`), without the `--` that ends a command's options. */
const longOptions = (text: string): string[] => [...new Set(text.match(/--[a-z][a-z-]*/g) ?? [])];

/**
 * Each command section: its heading, and its text up to the next heading (in the prose; code blocks included,
 * since an example shows an option as well as a sentence does).
 */
function commandSections(text: string): Map<string, { heading: string; body: string }> {
  const sections = new Map<string, { heading: string; body: string }>();
  let current: { heading: string; lines: string[] } | undefined;
  const close = () =>
    current && sections.set(commandOf(current.heading), { heading: current.heading, body: current.lines.join('\n') });
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const marker = /^ *(`{3,})/.exec(line)?.[1];
    if (fence) {
      if (marker && marker.length >= fence.length && /^ *`+\s*$/.test(line)) fence = undefined;
    } else if (marker) {
      fence = marker;
    } else if (/^#{1,3} /.test(line)) {
      close();
      const m = /^### `(snapclone[^`]*)`/.exec(line);
      current = m ? { heading: m[1], lines: [] } : undefined;
    }
    current?.lines.push(line);
  }
  close();
  return sections;
}

/** The "## Commands" / "## コマンド" intro: from that heading to the first command section. */
function commandsIntro(text: string): string {
  const start = text.search(/^## (Commands|コマンド)$/m);
  const end = text.indexOf('\n### `snapclone', start);
  expect(start, 'no "## Commands" (コマンド) section').toBeGreaterThanOrEqual(0);
  return text.slice(start, end);
}

/** The CLI as its program builder defines it: the global options, and each command with its options. */
function cli(): { globals: Option[]; commands: Map<string, Option[]> } {
  const io = {
    env: {},
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
  } as unknown as Io;
  const root = program(io, () => undefined) as unknown as Command;
  const visible = (options: readonly Option[]) => options.filter((o) => !o.hidden && o.long !== '--help');
  return {
    globals: visible(root.options),
    // Hidden commands (`__complete`, which the completion scripts call) are no part of the documented CLI.
    commands: new Map(
      root.commands
        .filter((c) => !(c as unknown as { _hidden?: boolean })._hidden)
        .map((c) => [c.name(), visible(c.options)] as const),
    ),
  };
}

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
    expect(en.split('\n').slice(0, 3), `${EN} lacks its link to ${JA} under the first heading`).toContain(
      `日本語: [${JA}](${JA})`,
    );
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

  it('has the code blocks of README.md in the same order, the same but for their # comments', () => {
    const enBlocks = codeBlocks(en).map(codeOf);
    const jaBlocks = codeBlocks(ja).map(codeOf);
    expect(enBlocks.length, `no code blocks found in ${EN}`).toBeGreaterThan(0);
    expect(
      enBlocks.filter((b) => !jaBlocks.includes(b)),
      `code blocks in ${EN} missing (or changed beyond their comments) in ${JA}`,
    ).toEqual([]);
    expect(
      jaBlocks.filter((b) => !enBlocks.includes(b)),
      `code blocks in ${JA} missing from ${EN} (changed or removed in the English?)`,
    ).toEqual([]);
    expect(jaBlocks, `code blocks of ${JA} are not in the order of ${EN}`).toEqual(enBlocks);
  });

  it('compares code without its comments, and only without them', () => {
    expect(withoutComment('npm install && npm run demo    # the whole flow')).toBe('npm install && npm run demo');
    expect(withoutComment('  externalId: my-external-id      # 外部 ID')).toBe('  externalId: my-external-id');
    expect(withoutComment("npm run sandbox -- --fault '*:*=error503#3'")).toBe(
      "npm run sandbox -- --fault '*:*=error503#3'",
    );
    expect(withoutComment('    role-to-assume: ${{ vars.SNAPCLONE_ROLE_ARN }}')).toBe(
      '    role-to-assume: ${{ vars.SNAPCLONE_ROLE_ARN }}',
    );
    expect(withoutComment('# a whole-line comment')).toBe('');
  });

  it("writes Japanese prose with Japanese punctuation: no English dashes, no ': ' after a clause", () => {
    const japanese = /[\u3040-\u30ff\u3400-\u9fff]/;
    const withoutCode = (line: string) => line.replace(/`[^`]*`/g, '``').replace(/\]\([^)]*\)/g, ']()');
    const offending = proseLines(ja)
      .filter((line) => japanese.test(line) && !line.startsWith('|'))
      .filter((line) => /[—–]|: /.test(withoutCode(line)));
    expect(offending, `${JA}: use 。、（）「」： instead of — – and ": " in these lines`).toEqual([]);
  });

  it.each([EN, JA])('%s links only to headings it has', (name) => {
    // GitHub's anchors: the heading in lower case, without punctuation but hyphens, blanks as hyphens.
    const slug = (heading: string) =>
      heading
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s-]/gu, '')
        .replace(/\s/g, '-');
    const anchors = new Set(
      proseLines(readmes[name])
        .filter((line) => /^#{1,6} /.test(line))
        .map((line) => slug(line.replace(/^#+ /, ''))),
    );
    const links = [...readmes[name].matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(0);
    expect(
      links.filter((link) => !anchors.has(link)),
      `${name}: links to headings it does not have`,
    ).toEqual([]);
  });

  it('uses one Japanese term per concept in README.ja.md', () => {
    // 復元 (restore) and 復旧ポイント (AWS Backup's recovery points), as AWS's Japanese documentation writes them.
    const avoided: Record<string, string> = {
      リストア: '復元',
      ジャニター: '`janitor`（期限切れクローンの自動削除）',
      アクター: 'ワークフローを実行した GitHub ユーザー',
      ワイヤ: '実際の AWS と同じ通信プロトコル',
      シード: 'あらかじめ用意された',
      あなたの: '（主語を省く）',
    };
    const found = Object.keys(avoided).filter((word) => proseLines(ja).some((line) => line.includes(word)));
    expect(
      found.map((word) => `${word} → ${avoided[word]}`),
      `${JA}: words to write as the rest of the README does`,
    ).toEqual([]);
  });
});

describe("the READMEs' command sections say what the CLI defines", () => {
  const { globals, commands } = cli();

  it.each([EN, JA])('%s has a section for every command, and no section for a command that does not exist', (name) => {
    const headed = commandHeadings(readmes[name]).map(commandOf);
    expect(
      headed.filter((c) => !commands.has(c)),
      `${name}: sections for commands the CLI does not define`,
    ).toEqual([]);
    expect(
      [...commands.keys()].filter((c) => !headed.includes(c)),
      `${name}: commands without a section`,
    ).toEqual([]);
  });

  it.each([EN, JA])(
    "%s names each command's options in its heading or its section, and no option it lacks in the heading",
    (name) => {
      const sections = commandSections(readmes[name]);
      const missing: string[] = [];
      const unknown: string[] = [];
      const choicesMissing: string[] = [];
      for (const [command, options] of commands) {
        const section = sections.get(command);
        if (!section) continue; // reported by the test above
        const named = new Set(longOptions(section.body));
        for (const o of options) {
          if (o.long && !named.has(o.long)) missing.push(`${command} ${o.long}`);
          for (const choice of o.argChoices ?? [])
            if (!section.body.includes(choice)) choicesMissing.push(`${command} ${o.long} ${choice}`);
        }
        const defined = new Set(options.map((o) => o.long));
        for (const flag of longOptions(section.heading)) if (!defined.has(flag)) unknown.push(`${command} ${flag}`);
      }
      expect(missing, `${name}: options the CLI defines that the command's section never names`).toEqual([]);
      expect(choicesMissing, `${name}: choices of an option that the command's section never names`).toEqual([]);
      expect(unknown, `${name}: options in a heading that the command does not define`).toEqual([]);
    },
  );

  it.each([EN, JA])('%s lists every global option once, in the Commands intro', (name) => {
    const intro = new Set(longOptions(commandsIntro(readmes[name])));
    expect(globals.length).toBeGreaterThan(5);
    expect(
      globals.filter((o) => o.long && !intro.has(o.long)).map((o) => o.long),
      `${name}: global options missing from the Commands intro`,
    ).toEqual([]);
  });
});

describe("the READMEs' configuration example", () => {
  it('is a valid snapclone.yaml', () => {
    const example = codeBlocks(en).find(
      (b) => b.info === 'yaml' && /^timezone:/m.test(b.body) && /^sources:/m.test(b.body),
    );
    expect(example, `${EN} has no snapclone.yaml example (a yaml block with timezone: and sources:)`).toBeDefined();
    const config = parseConfig(example!.body, `${EN} example`);
    expect(Object.keys(config.sources)).toContain('orders-db');
    expect(config.targets.dev.access.trust?.github?.environments).toEqual(['snapclone', 'snapclone-manage']);
  });
});
