import { keyedPage } from '../../core/paging.ts';
import { ecErrors } from './errors.ts';

/**
 * One page of `items` (in a stable order, keyed uniquely by `key`) after `Marker`, with ElastiCache's
 * MaxRecords rules: DescribeReplicationGroups, DescribeCacheClusters and DescribeCacheSubnetGroups default to
 * 100 within 20–100, DescribeSnapshots to 50 within 20–50; outside is InvalidParameterValue. The marker is
 * opaque (the last key of the previous page), so items added or removed between pages never repeat others.
 */
export function page<T>(
  items: T[],
  key: (item: T) => string,
  input: { Marker?: string; MaxRecords?: number },
  limits: { max: number } = { max: 100 },
): { items: T[]; marker?: string } {
  const max = input.MaxRecords ?? limits.max;
  if (!Number.isInteger(max) || max < 20 || max > limits.max) {
    throw ecErrors.invalidParameterValue(
      `Invalid value ${input.MaxRecords} for MaxRecords. Must be between 20 and ${limits.max}.`,
    );
  }
  const result = keyedPage(items, key, input.Marker, max, {
    prefix: 'ec1:',
    invalid: () => ecErrors.invalidParameterValue(`The marker ${input.Marker} is not valid.`),
  });
  return { items: result.items, marker: result.next };
}
