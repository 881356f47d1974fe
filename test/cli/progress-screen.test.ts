import { stripVTControlCharacters } from 'node:util';
import xterm from '@xterm/headless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import { TtyReporter } from '../../src/output/reporter.ts';
import { render } from '../../src/output/render.ts';
import { saveOutput } from '../support/hygiene.ts';
import { createdClones, startCli, type TestCli } from './support.ts';

// A multi-member create, its progress written by the terminal reporter exactly as `snapclone create` writes it to
// stderr, replayed into a real terminal emulator (xterm.js, headless): what a person sees, row by row.

let cli: TestCli;
beforeAll(async () => {
  cli = await startCli({ speed: 60 });
});
afterAll(() => cli?.close());

const SOURCES = ['catalog-db', 'catalog-search', 'sessions-cache'];

interface Recorded {
  chunks: string[];
  /** The chunk before which the terminal was narrowed (as a window resized mid-run), if it was. */
  resizedAt?: number;
  names: string[];
  result: string;
}

/** Runs the create with a TTY reporter at `columns` (changing to `narrowTo` after `narrowAfter` writes). */
async function record(day: string, columns: number, narrow?: { after: number; to: number }): Promise<Recorded> {
  const chunks: string[] = [];
  let width = columns;
  let resizedAt: number | undefined;
  const stream = {
    write(chunk: string | Uint8Array) {
      chunks.push(String(chunk));
      if (narrow && resizedAt === undefined && chunks.length === narrow.after) {
        resizedAt = chunks.length;
        width = narrow.to;
      }
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  const { ctx } = cli.context();
  ctx.reporter = new TtyReporter({ stream, columns: () => width });
  const result = await create.run({ sources: SOURCES, date: day, wait: true }, ctx);
  saveOutput(['(in-process, tty)'], chunks.join(''));
  return { chunks, resizedAt, names: createdClones(result.json).map((c) => c.name), result: render(result, 'table') };
}

/** The logical lines of the whole buffer (scrollback included), rows a line wrapped onto joined to it. */
function screen(term: xterm.Terminal): { lines: string[]; progressRows: { text: string; wrapped: boolean }[] } {
  const buffer = term.buffer.active;
  const lines: string[] = [];
  const progressRows: { text: string; wrapped: boolean }[] = [];
  for (let i = 0; i < buffer.length; i++) {
    const row = buffer.getLine(i)!;
    const text = row.translateToString(true);
    if (row.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
    else lines.push(text);
    if (text.startsWith('› ')) progressRows.push({ text, wrapped: Boolean(buffer.getLine(i + 1)?.isWrapped) });
  }
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return { lines, progressRows };
}

const write = (term: xterm.Terminal, data: string) => new Promise<void>((resolve) => term.write(data, resolve));

/**
 * Feeds the recorded bytes one write at a time; after each, the live block must hold at most one line per
 * member, none wider than the terminal. Returns the final screen and the most members shown at once.
 */
async function replay(recorded: Recorded, columns: number, narrowTo?: number) {
  // convertEol: the terminal driver turns "\n" into "\r\n" (ONLCR) on the way to a real terminal.
  const term = new xterm.Terminal({ cols: columns, rows: 40, scrollback: 5000, allowProposedApi: true, convertEol: true });
  let most = 0;
  for (const [i, chunk] of recorded.chunks.entries()) {
    if (i === recorded.resizedAt && narrowTo) term.resize(narrowTo, 40);
    await write(term, chunk);
    const { progressRows } = screen(term);
    const subjects = progressRows.map((r) => r.text.slice(2, r.text.indexOf(':')));
    expect(new Set(subjects).size, `after write ${i}: ${JSON.stringify(progressRows)}`).toBe(subjects.length);
    for (const row of progressRows) expect(row.wrapped, `after write ${i}: ${row.text}`).toBe(false);
    for (const subject of subjects) expect(recorded.names).toContain(subject);
    most = Math.max(most, progressRows.length);
  }
  await write(term, `${recorded.result}\n`);
  const final = screen(term);
  term.dispose();
  return { ...final, most };
}

function expectClean(lines: string[], names: string[]) {
  expect(lines.filter((l) => l.startsWith('›'))).toEqual([]);
  for (const name of names) {
    expect(lines.filter((l) => l === `✓ ${name} is ready`)).toHaveLength(1);
    expect(lines.filter((l) => l.includes(`${name}: restore started`) || l.includes(`→ ${name}:`)).length).toBeGreaterThan(0);
  }
}

describe('progress on a terminal, replayed into xterm.js', () => {
  it.each([60, 200])('at %i columns: one live line per member at once, none wraps, none is left behind', async (columns) => {
    const recorded = await record(cli.day(columns === 60 ? 3 : 4), columns);
    expect(recorded.names).toHaveLength(3);
    const { lines, progressRows, most } = await replay(recorded, columns);
    expect(progressRows).toEqual([]);
    // Several members were in progress together, each on its own line.
    expect(most).toBeGreaterThanOrEqual(2);
    expectClean(lines, recorded.names);
    // The progress text was cut to fit, not dropped: at 60 columns the lines end in "…" where they were longer.
    // Colour codes stripped: CI may set FORCE_COLOR, and the reporter then colours the "›".
    const live = stripVTControlCharacters(recorded.chunks.join(''));
    if (columns === 60) expect(live).toMatch(/› [^\n]{40,57}…\n/);
  });

  it('a window narrowed mid-run (SIGWINCH): the lines drawn wide are erased whole, the next ones fit', async () => {
    const recorded = await record(cli.day(5), 200, { after: 12, to: 60 });
    expect(recorded.resizedAt).toBe(12);
    const { lines, most } = await replay(recorded, 200, 60);
    expect(most).toBeGreaterThanOrEqual(2);
    expectClean(lines, recorded.names);
  });
});
