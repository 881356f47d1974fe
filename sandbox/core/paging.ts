import type { AwsError } from './errors.ts';

/** Code-unit order of the keys `key` gives: the order key-based page tokens compare in. */
export const byKey =
  <T>(key: (item: T) => string) =>
  (a: T, b: T): number => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };

/**
 * One page of `items` (sorted with `byKey(key)`, keys unique) after `token`, at most `max` long. The token is
 * opaque: the last key of the previous page behind `format.prefix`, base64url-encoded, so items added or
 * removed between pages never make others repeat, and the last page has none (a paginator always ends).
 * Services keep their own parameter names, limits and errors (RDS Marker/MaxRecords, Backup NextToken/MaxResults).
 */
export function keyedPage<T>(
  items: T[],
  key: (item: T) => string,
  token: string | undefined,
  max: number,
  format: { prefix: string; invalid: () => AwsError },
): { items: T[]; next?: string } {
  let start = 0;
  if (token) {
    const text = Buffer.from(token, 'base64url').toString('utf8');
    if (!text.startsWith(format.prefix)) throw format.invalid();
    start = firstAfter(items, key, text.slice(format.prefix.length));
  }
  const slice = items.slice(start, start + max);
  const more = start + max < items.length;
  const next = more ? Buffer.from(`${format.prefix}${key(slice[slice.length - 1])}`, 'utf8').toString('base64url') : undefined;
  return { items: slice, next };
}

/** The index of the first item whose key is above `after` in items sorted by key: a binary search, O(log n). */
function firstAfter<T>(items: T[], key: (item: T) => string, after: string): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (key(items[mid]) > after) high = mid;
    else low = mid + 1;
  }
  return low;
}
