import { PassThrough } from 'node:stream';
import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { JsonReporter, PlainReporter, TestReporter, TtyReporter, describeProgress } from '../../src/output/reporter.ts';
import { render } from '../../src/output/render.ts';
import { displayWidth } from '../../src/output/width.ts';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

/** The text without its colours. */
const plain = (text: string) => text.replaceAll(pc.cyan('›'), '›').replaceAll(pc.green('✓'), '✓');

const now = () => new Date('2026-11-23T01:02:03.456Z');

describe('reporters', () => {
  it('plain: timestamped lines, one per change of phase or tenth of progress', () => {
    const out = capture();
    const r = new PlainReporter({ stream: out.stream, now });
    r.info('starting');
    r.progress({ phase: 'restoring', percent: 11, elapsedMs: 61_000, remainingMs: 300_000 });
    r.progress({ phase: 'restoring', percent: 12, elapsedMs: 62_000 });
    r.progress({ phase: 'restoring', percent: 25, elapsedMs: 90_000 });
    r.debug('hidden without --verbose');
    const lines = out.text().trim().split('\n');
    expect(lines).toEqual([
      '2026-11-23T01:02:03Z starting',
      '2026-11-23T01:02:03Z restoring · 11% · elapsed 1m01s · about 5m00s left',
      '2026-11-23T01:02:03Z restoring · 25% · elapsed 1m30s',
    ]);
    expect(r.interactive).toBe(false);
  });

  it('quiet keeps warnings, verbose adds debug lines', () => {
    const out = capture();
    const quiet = new PlainReporter({ stream: out.stream, now, quiet: true });
    quiet.info('not shown');
    quiet.warn('shown');
    const verbose = new PlainReporter({ stream: out.stream, now, verbose: true });
    verbose.debug('detail');
    expect(out.text()).not.toContain('not shown');
    expect(out.text()).toContain('warning: shown');
    expect(out.text()).toContain('debug: detail');
  });

  it('json: every line on stderr is a JSON object', () => {
    const out = capture();
    const r = new JsonReporter({ stream: out.stream, now });
    r.info('hello');
    r.progress({ phase: 'deleting', elapsedMs: 5000 });
    const parsed = out.text().trim().split('\n').map((l) => JSON.parse(l));
    expect(parsed).toEqual([
      { time: '2026-11-23T01:02:03.456Z', message: 'hello' },
      { time: '2026-11-23T01:02:03.456Z', message: 'deleting · elapsed 5s' },
    ]);
  });

  it('tty: progress is redrawn in place and cleared before the next line; prompts read the input', async () => {
    const out = capture();
    const input = new PassThrough();
    const r = new TtyReporter({ stream: out.stream, input });
    r.progress({ phase: 'restoring', percent: 50, elapsedMs: 1000 });
    r.done('available');
    // Up over the live line and erase to the end of the screen, then the message (test/cli/progress-screen.test.ts
    // plays whole runs in a terminal emulator).
    expect(out.text()).toContain('restoring · 50% · elapsed 1s\n\r\x1b[1A\x1b[J');
    expect(out.text()).toContain('available\n');
    const answer = r.confirm('Delete?');
    input.write('y\n');
    await expect(answer).resolves.toBe(true);
  });

  it('tty: one live line per subject, cut to the width less one column; a subject done leaves the others', () => {
    const out = capture();
    let columns = 30;
    const r = new TtyReporter({ stream: out.stream, columns: () => columns });
    r.progress({ subject: 'a', phase: 'a: restoring the first clone of two', elapsedMs: 1000 });
    r.progress({ subject: 'b', phase: 'b: 復元しています（二つ目のクローン）', elapsedMs: 2000 });
    r.progress({ subject: 'a', phase: 'a: still restoring', elapsedMs: 3000 });
    const drawn = out.text().split('\x1b[J').at(-1)!;
    expect(plain(drawn)).toBe('› a: still restoring · elaps…\n› b: 復元しています（二つ目…\n');
    // Wide characters take two columns; one that would end past column 29 is left out whole.
    expect(displayWidth('› b: 復元しています（二つ目…')).toBe(28);
    columns = 200;
    r.done('a is ready', 'a');
    const after = plain(out.text().split('\x1b[2A\x1b[J').at(-1)!);
    expect(after).toBe('✓ a is ready\n› b: 復元しています（二つ目のクローン） · elapsed 2s\n');
  });

  it('plain: progress lines de-duplicated per subject, so two members in turn each say each phase once', () => {
    const out = capture();
    const r = new PlainReporter({ stream: out.stream, now });
    for (let i = 0; i < 3; i++) {
      r.progress({ subject: 'a', phase: 'a: creating', elapsedMs: i * 1000 });
      r.progress({ subject: 'b', phase: 'b: creating', elapsedMs: i * 1000 });
    }
    expect(out.text().trim().split('\n')).toEqual(['2026-11-23T01:02:03Z a: creating · elapsed 0s', '2026-11-23T01:02:03Z b: creating · elapsed 0s']);
  });

  it('test reporter answers prompts from its script and refuses unscripted ones', async () => {
    const r = new TestReporter(true, ['no']);
    await expect(r.confirm('Delete?')).resolves.toBe(false);
    await expect(r.ask('MFA code')).rejects.toThrow('unexpected prompt');
    expect(describeProgress({ phase: 'x', elapsedMs: 3_600_000 })).toBe('x · elapsed 1h00m');
  });
});

describe('render', () => {
  const result = {
    json: { clones: [{ name: 'a|b', status: 'available' }] },
    table: { columns: ['name', 'status'], rows: [['a|b', 'available']] },
    lines: ['connect with snapclone credentials a|b'],
  };
  it('renders table, markdown and json views of the same result', () => {
    expect(render(result, 'table')).toBe('NAME  STATUS\na|b   available\n\nconnect with snapclone credentials a|b');
    expect(render(result, 'markdown')).toContain('| a\\|b | available |');
    expect(JSON.parse(render(result, 'json'))).toEqual(result.json);
    expect(render({ json: [], table: { columns: ['name'], rows: [] } }, 'table')).toBe('(none)');
  });
});
