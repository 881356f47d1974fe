import { rdsErrors } from './errors.ts';

export interface Filter {
  Name?: string;
  Values?: string[];
}

/**
 * One page of `items` (already in a stable order, keyed uniquely by `key`) after `Marker`, with RDS's
 * MaxRecords rules: default 100, outside 20–100 is InvalidParameterValue. The marker is opaque: the
 * last key of the previous page, so items added or removed between pages never repeat others.
 */
export function page<T>(
  items: T[],
  key: (item: T) => string,
  input: { Marker?: string; MaxRecords?: number },
): { items: T[]; marker?: string } {
  const max = input.MaxRecords ?? 100;
  if (!Number.isInteger(max) || max < 20 || max > 100) {
    throw rdsErrors.invalidParameterValue(
      `Invalid value ${input.MaxRecords} for MaxRecords. Must be between 20 and 100`,
    );
  }
  let start = 0;
  if (input.Marker !== undefined && input.Marker !== '') {
    const after = decodeMarker(input.Marker);
    start = items.findIndex((item) => key(item) > after);
    if (start < 0) start = items.length;
  }
  const slice = items.slice(start, start + max);
  const more = start + max < items.length;
  return { items: slice, marker: more ? encodeMarker(key(slice[slice.length - 1])) : undefined };
}

const encodeMarker = (key: string) => Buffer.from(`v1:${key}`, 'utf8').toString('base64url');

function decodeMarker(marker: string): string {
  const text = Buffer.from(marker, 'base64url').toString('utf8');
  if (!text.startsWith('v1:')) throw rdsErrors.invalidParameterValue(`The marker ${marker} is not valid.`);
  return text.slice(3);
}

/**
 * Applies RDS Filters: each named filter must be supported (else InvalidParameterValue) and match one
 * of its values; `fields` maps a filter name to the values of an item it compares against.
 */
export function applyFilters<T>(
  items: T[],
  filters: Filter[] | undefined,
  fields: Record<string, (item: T) => (string | undefined)[]>,
): T[] {
  if (!filters || filters.length === 0) return items;
  for (const filter of filters) {
    if (!filter.Name || !(filter.Name in fields)) {
      throw rdsErrors.invalidParameterValue(`Unrecognized filter name: ${filter.Name ?? ''}`);
    }
    if (!filter.Values || filter.Values.length === 0) {
      throw rdsErrors.invalidParameterValue(`Filter ${filter.Name} must have at least one value.`);
    }
  }
  return items.filter((item) =>
    filters.every((filter) => {
      const have = fields[filter.Name!](item);
      return filter.Values!.some((v) => have.includes(v) || have.includes(v.toLowerCase()));
    }),
  );
}
