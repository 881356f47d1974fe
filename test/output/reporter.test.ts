import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { JsonReporter, PlainReporter, TestReporter, TtyReporter, describeProgress } from '../../src/output/reporter.ts';
import { render } from '../../src/output/render.ts';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

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
    expect(out.text()).toContain('\r\x1b[2K');
    expect(out.text()).toContain('restoring · 50%');
    expect(out.text()).toContain('available\n');
    const answer = r.confirm('Delete?');
    input.write('y\n');
    await expect(answer).resolves.toBe(true);
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
