import { keyedPage } from '../../core/paging.ts';
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
  const result = keyedPage(items, key, input.Marker, max, {
    prefix: 'v1:',
    invalid: () => rdsErrors.invalidParameterValue(`The marker ${input.Marker} is not valid.`),
  });
  return { items: result.items, marker: result.next };
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
