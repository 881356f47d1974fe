import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import * as list from '../../src/commands/list.ts';
import { render } from '../../src/output/render.ts';
import { displayWidth } from '../../src/output/width.ts';
import { startCli, type TestCli } from './support.ts';

let cli: TestCli;
beforeAll(async () => {
  cli = await startCli({ speed: 60 });
});
afterAll(() => cli?.close());

// The widest rows a real listing holds: a 63-character clone name (RDS's longest identifier), in a set whose
// name is 63 characters too, owned by a 39-character GitHub login (GitHub's longest), expiring within the hour,
// next to a clone still restoring, whose password is not replaced yet (the longest status snapclone shows).
const OWNER = 'a-very-long-github-login-of-39-chars-xy';
const LONG_NAME = `snapclone-${'orders-database-for-the-load-test-of-the-'.padEnd(53, 'x')}`;
const LONG_SET = `s${'-the-checkout-flow-load-test-with-every-database'.padEnd(62, 'y')}`;

describe('list', () => {
  it('fits 80 columns by default with the widest realistic rows; --wide shows every column; the JSON is the same', async () => {
    expect(OWNER).toHaveLength(39);
    expect(LONG_NAME).toHaveLength(63);
    expect(LONG_SET).toHaveLength(63);
    const ctx = () => cli.context({ person: OWNER }).ctx;
    await create.run({ sources: ['orders-db'], latest: true, name: LONG_NAME, set: LONG_SET, ttl: '50m', wait: true }, ctx());
    await create.run({ sources: ['billing-db'], latest: true, set: LONG_SET, ttl: '50m', wait: false }, ctx());
    await create.run({ sources: ['sessions-cache'], latest: true, wait: true }, ctx());

    // The restore left running is done by then (its password still pending: no run waited for it).
    cli.sb.world.clock.advance(5 * 60_000);
    const compact = await list.run({}, ctx());
    const text = render(compact, 'table');
    const lines = text.split('\n');
    for (const line of lines) expect(displayWidth(line), line).toBeLessThanOrEqual(80);
    // The set heads its members; the long name keeps its start and its end; the status and expiry are whole.
    expect(lines).toContain(`set ${LONG_SET}`);
    const long = lines.find((l) => l.startsWith('  snapclone-orders-'))!;
    expect(long, text).toMatch(/^ {2}snapclone-orders-[a-z-]*…[a-z-]*x+ +available +a-very-\S+ +in \d+m\d\ds \(soon\)$/);
    expect(lines.find((l) => l.startsWith('  snapclone-b')), text).toMatch(/ [a-z-]+\* /);
    expect(text).toContain('* password not replaced yet;');
    // A clone in no set comes first, at the left.
    expect(lines[1], text).toMatch(/^snapclone-sessions-\S+ +available /);
    expect(text).toContain('snapclone list --wide');

    const wide = await list.run({ wide: true }, ctx());
    expect(wide.table!.columns).toEqual(['set', 'name', 'target', 'source', 'owner', 'status', 'age', 'expires', 'data from', 'cost']);
    const wideText = render(wide, 'table');
    for (const full of [LONG_NAME, LONG_SET, OWNER, 'orders-db', '(est.)']) expect(wideText).toContain(full);
    // The same document, but for what moves with the clock between the two reads.
    const steady = (json: unknown) => JSON.parse(JSON.stringify(json), (key, value: unknown) => (['expiresInSeconds', 'cost', 'total'].includes(key) ? undefined : value));
    expect(steady(wide.json)).toEqual(steady(compact.json));
    expect(Object.keys(wide.json as object)).toEqual(Object.keys(compact.json as object));
    // Markdown keeps the set heading as a row of its own.
    expect(render(compact, 'markdown')).toContain(`| **set ${LONG_SET}** | | | |`);
  });
});
