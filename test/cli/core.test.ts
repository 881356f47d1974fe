import { describe, expect, it } from 'vitest';
import { choosePoint, parseRequest, restorePointLabel } from '../../src/core/choose.ts';
import { dayOf, endOfDay, formatTime, normalDay, parseInstant, startOfDay } from '../../src/core/dates.ts';
import { RefusedError, UsageError } from '../../src/core/errors.ts';
import { assertManaged, guardProblem } from '../../src/core/guard.ts';
import { defaultCloneName, RDS_INSTANCE_IDENTIFIER, validateCloneName } from '../../src/core/naming.ts';
import { TAG } from '../../src/core/tags.ts';
import { parseDuration, resolveTtl } from '../../src/core/ttl.ts';
import type { RestorePoint } from '../../src/engines/types.ts';
import { TestReporter } from '../../src/output/reporter.ts';

const thrown = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('did not throw');
};

describe('dates (Intl only)', () => {
  it('finds the end of a day in a zone as a UTC instant', () => {
    expect(endOfDay('2026-11-15', 'Asia/Tokyo').toISOString()).toBe('2026-11-15T14:59:59.999Z');
    expect(startOfDay('2026-11-15', 'Asia/Tokyo').toISOString()).toBe('2026-11-14T15:00:00.000Z');
    expect(endOfDay('2026-11-15', 'UTC').toISOString()).toBe('2026-11-15T23:59:59.999Z');
    // Across a daylight-saving change: New York's 2026-03-08 has 23 hours.
    expect(startOfDay('2026-03-08', 'America/New_York').toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(endOfDay('2026-03-08', 'America/New_York').toISOString()).toBe('2026-03-09T03:59:59.999Z');
  });

  it('tells the day of an instant and formats it in the zone', () => {
    const t = new Date('2026-11-14T18:00:00Z');
    expect(dayOf(t, 'Asia/Tokyo')).toBe('2026-11-15');
    expect(dayOf(t, 'UTC')).toBe('2026-11-14');
    expect(formatTime(t, 'Asia/Tokyo')).toBe('2026-11-15 03:00 +09:00');
    expect(formatTime(t, 'UTC', { seconds: true })).toBe('2026-11-14 18:00:00 UTC');
  });

  it('reads a day as 2026-11-15, 2026/11/15 or 20261115, and nothing else', () => {
    for (const text of ['2026-11-15', '2026/11/15', '20261115', ' 2026/11/15 ']) expect(normalDay(text)).toBe('2026-11-15');
    expect(endOfDay('2026/11/15', 'Asia/Tokyo').toISOString()).toBe('2026-11-15T14:59:59.999Z');
    expect(startOfDay('20261115', 'Asia/Tokyo').toISOString()).toBe('2026-11-14T15:00:00.000Z');
    for (const bad of ['2026-11/15', '2026/1115', '202611155', '2026-02-30', '20260230', '15/11/2026', '2026.11.15']) {
      const error = thrown(() => normalDay(bad));
      expect(error, bad).toBeInstanceOf(UsageError);
      expect((error as UsageError).hint).toContain('2026/11/15 and 20261115 work too');
    }
  });

  it('reads --at with an offset as that instant and without one in the configured zone', () => {
    expect(parseInstant('2026-11-15T14:30', 'Asia/Tokyo').toISOString()).toBe('2026-11-15T05:30:00.000Z');
    expect(parseInstant('2026-11-15 14:30:15', 'Asia/Tokyo').toISOString()).toBe('2026-11-15T05:30:15.000Z');
    expect(parseInstant('2026-11-15T05:30:00Z', 'Asia/Tokyo').toISOString()).toBe('2026-11-15T05:30:00.000Z');
    expect(parseInstant('2026-11-15T14:30+09:00', 'UTC').toISOString()).toBe('2026-11-15T05:30:00.000Z');
    expect(thrown(() => parseInstant('yesterday', 'UTC'))).toBeInstanceOf(UsageError);
    expect(thrown(() => parseInstant('2026-02-30T10:00', 'UTC'))).toBeInstanceOf(UsageError);
  });
});

describe('TTL', () => {
  const target = { name: 'dev', defaultTtl: '8h', maxTtl: '3d' };
  it('parses 30m, 8h, 1d, 3d and defaults to the target\'s', () => {
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(resolveTtl(undefined, target)).toEqual({ ms: 8 * 3_600_000, text: '8h' });
    expect(resolveTtl('3d', target).ms).toBe(3 * 86_400_000);
  });
  it('refuses malformed, zero and over-max TTLs, naming the maximum', () => {
    for (const bad of ['forever', '8', '0h', '-1h', '1w']) expect(thrown(() => resolveTtl(bad, target))).toBeInstanceOf(UsageError);
    const over = thrown(() => resolveTtl('4d', target)) as UsageError;
    expect(over).toBeInstanceOf(UsageError);
    expect(over.message).toContain('maximum TTL of target dev (3d)');
  });
});

describe('clone names', () => {
  it('builds <prefix>-<source>-<yyyymmdd>-<owner>, valid for RDS', () => {
    expect(
      defaultCloneName({ prefix: 'snapclone', source: 'orders-db', day: '2026-11-15', owner: 'alice' }, RDS_INSTANCE_IDENTIFIER),
    ).toBe('snapclone-orders-db-20261115-alice');
    const long = defaultCloneName(
      { prefix: 'snapclone', source: 'a-very-long-source-name-for-orders', day: '2026-11-15', owner: 'Some.Very_Long--User.Name@example.com' },
      RDS_INSTANCE_IDENTIFIER,
    );
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^snapclone-a-very-long-source-name-for-orders-20261115-[a-z0-9-]*[a-z0-9]$/);
    expect(long).not.toContain('--');
  });
  it('validates --name with a reason, and enforces the prefix', () => {
    expect(validateCloneName('snapclone-orders-test', 'snapclone', RDS_INSTANCE_IDENTIFIER)).toBe('snapclone-orders-test');
    const cases: [string, RegExp][] = [
      ['snapclone-Orders', /upper-case/],
      ['snapclone--orders', /consecutive hyphens/],
      ['snapclone-orders-', /ends with a hyphen/],
      ['snapclone_orders', /'_'/],
      ['1snapclone-orders', /start with a letter/],
      [`snapclone-${'x'.repeat(60)}`, /at most 63/],
      ['orders-copy', /does not start with the configured prefix 'snapclone-'/],
      ['snapclone', /prefix/],
    ];
    for (const [name, reason] of cases) {
      const error = thrown(() => validateCloneName(name, 'snapclone', RDS_INSTANCE_IDENTIFIER));
      expect(error, name).toBeInstanceOf(UsageError);
      expect(error.message, name).toMatch(reason);
    }
  });
});

describe('choosing the restore point', () => {
  const zone = 'Asia/Tokyo';
  const now = new Date('2026-11-20T03:00:00Z');
  const backup = (iso: string): RestorePoint => ({ kind: 'backup', id: `rp-${iso}`, time: new Date(iso) });
  const points: RestorePoint[] = [
    { kind: 'point-in-time', id: 'orders-prod', time: new Date('2026-11-20T02:55:00Z'), earliest: new Date('2026-11-10T00:00:00Z') },
    backup('2026-11-19T18:00:00Z'),
    backup('2026-11-14T18:00:00Z'),
    backup('2026-11-13T18:00:00Z'),
    backup('2026-11-01T18:00:00Z'),
    { kind: 'automated-snapshot', id: 'rds:x', time: new Date('2026-11-15T16:05:00Z') },
  ];
  const options = { preferred: ['backup' as const], zone, source: 'orders-db' };

  it('--date D: the latest preferred point created on or before the end of D in the zone', () => {
    // 2026-11-15 in Tokyo ends at 14:59:59Z; the backup of 2026-11-14T18:00Z is 03:00 JST on the 15th.
    const choice = choosePoint(points, parseRequest({ date: '2026-11-15' }, zone, now), options);
    expect(choice.point.id).toBe('rp-2026-11-14T18:00:00Z');
    // A day without a backup of its own takes the one before.
    expect(choosePoint(points, parseRequest({ date: '2026-11-10' }, zone, now), options).point.id).toBe('rp-2026-11-01T18:00:00Z');
  });

  it('--latest: the newest preferred point; --at: point-in-time inside the window', () => {
    expect(choosePoint(points, parseRequest({ latest: true }, zone, now), options).point.id).toBe('rp-2026-11-19T18:00:00Z');
    const at = choosePoint(points, parseRequest({ at: '2026-11-12T10:00' }, zone, now), options);
    expect(at.point.kind).toBe('point-in-time');
    expect(at.at?.toISOString()).toBe('2026-11-12T01:00:00.000Z');
    expect(restorePointLabel(at)).toBe('orders-prod@2026-11-12T01:00:00.000Z');
  });

  it('--at outside the window: the latest point before it, said plainly', () => {
    const reporter = new TestReporter();
    const choice = choosePoint(points, parseRequest({ at: '2026-11-05T12:00' }, zone, now), { ...options, reporter });
    expect(choice.point.id).toBe('rp-2026-11-01T18:00:00Z');
    // Said as the choice's reason, which create prints, and not through the reporter too (audit m7).
    expect(choice.reason).toContain('does not cover 2026-11-05 12:00:00 +09:00');
    expect(reporter.text).toBe('');
  });

  it('refuses a missing, doubled, future, malformed or too old request', () => {
    expect(thrown(() => parseRequest({}, zone, now)).message).toContain('Say which data');
    expect(thrown(() => parseRequest({ date: '2026-11-15', latest: true }, zone, now)).message).toContain('only one');
    expect(thrown(() => parseRequest({ date: '2026-11-21' }, zone, now)).message).toContain('in the future');
    expect(thrown(() => parseRequest({ date: '15/11/2026' }, zone, now))).toBeInstanceOf(UsageError);
    // Every accepted form stands for the same day, said as YYYY-MM-DD.
    for (const date of ['2026/11/15', '20261115']) expect(parseRequest({ date }, zone, now)).toEqual(parseRequest({ date: '2026-11-15' }, zone, now));
    expect(thrown(() => parseRequest({ date: '20261121' }, zone, now)).message).toContain('--date 2026-11-21 is in the future');
    const old = thrown(() => choosePoint(points, parseRequest({ date: '2026-10-01' }, zone, now), options));
    expect(old).toBeInstanceOf(UsageError);
    expect(old.message).toContain('Oldest restorable point: 2026-11-02 03:00 +09:00');
    expect(old.message).toContain('newest: 2026-11-20 03:00 +09:00');
  });
});

describe('the guard', () => {
  const managed = { [TAG.managed]: 'true', [TAG.clone]: 'snapclone-orders-x' };
  const subject = { kind: 'RDS DB instance', name: 'snapclone-orders-x', arn: 'arn:aws:rds:r:1:db:snapclone-orders-x' };
  it('allows only managed, prefixed resources', () => {
    expect(guardProblem(subject, managed, { prefix: 'snapclone' })).toBeUndefined();
    expect(guardProblem(subject, {}, { prefix: 'snapclone' })).toContain('does not carry the tag snapclone:managed=true');
    expect(guardProblem(subject, { ...managed, [TAG.managed]: 'false' }, { prefix: 'snapclone' })).toBeDefined();
    expect(guardProblem({ ...subject, name: 'orders-x' }, { ...managed, [TAG.clone]: 'orders-x' }, { prefix: 'snapclone' })).toContain(
      'does not start with the configured prefix',
    );
    expect(guardProblem(subject, managed, { prefix: 'snapclone', clone: 'snapclone-other' })).toContain('belongs to clone');
    expect(guardProblem(subject, undefined, { prefix: 'snapclone' })).toContain('could not be read');
  });
  it('refuses with exit code 3, naming the resource and why', () => {
    const error = thrown(() => assertManaged(subject, {}, { prefix: 'snapclone', action: 'delete' })) as RefusedError;
    expect(error).toBeInstanceOf(RefusedError);
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain('Refused to delete RDS DB instance snapclone-orders-x (arn:aws:rds:r:1:db:snapclone-orders-x)');
  });
});
