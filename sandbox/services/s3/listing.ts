import { AwsError } from '../../core/errors.ts';
import type { S3Object } from './state.ts';

/**
 * ListObjectsV2's selection over a bucket's objects in key order: keys after StartAfter or the continuation
 * token, under Prefix; with a Delimiter, keys holding it after the prefix rolled up into CommonPrefixes (each
 * counted once against MaxKeys, as S3 counts them); at most MaxKeys (1..1000, default 1000) entries a page.
 */

export interface ListingInput {
  Prefix?: string;
  Delimiter?: string;
  MaxKeys?: number;
  ContinuationToken?: string;
  StartAfter?: string;
}

export interface Listing {
  contents: S3Object[];
  commonPrefixes: string[];
  truncated: boolean;
  nextToken?: string;
}

/** Tokens are opaque to clients: the key the next page starts after, base64-encoded. */
const encodeToken = (after: string) => Buffer.from(after, 'utf8').toString('base64');
function decodeToken(token: string): string {
  const after = Buffer.from(token, 'base64').toString('utf8');
  if (after === '' || encodeToken(after) !== token) {
    throw new AwsError('InvalidArgument', 'The continuation token provided is incorrect', 400);
  }
  return after;
}

const after = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b)) > 0;

export function listObjects(objects: S3Object[], input: ListingInput): Listing {
  const maxKeys = input.MaxKeys ?? 1000;
  if (!Number.isInteger(maxKeys) || maxKeys < 0) throw new AwsError('InvalidArgument', 'Provided max-keys not an integer or within integer range', 400);
  const limit = Math.min(maxKeys, 1000);
  const prefix = input.Prefix ?? '';
  const start = input.ContinuationToken !== undefined ? decodeToken(input.ContinuationToken) : input.StartAfter;
  const contents: S3Object[] = [];
  const commonPrefixes: string[] = [];
  let last: string | undefined;
  for (const object of objects) {
    if (!object.key.startsWith(prefix) || (start !== undefined && !after(object.key, start))) continue;
    const rest = object.key.slice(prefix.length);
    const cut = input.Delimiter ? rest.indexOf(input.Delimiter) : -1;
    const rolled = cut >= 0 ? prefix + rest.slice(0, cut + input.Delimiter!.length) : undefined;
    if (rolled !== undefined && rolled === commonPrefixes.at(-1)) continue;
    if (contents.length + commonPrefixes.length >= limit) {
      return { contents, commonPrefixes, truncated: true, nextToken: last === undefined ? undefined : encodeToken(last) };
    }
    if (rolled !== undefined) {
      commonPrefixes.push(rolled);
      // The next page starts after every key under this common prefix.
      last = `${rolled}\uffff`;
    } else {
      contents.push(object);
      last = object.key;
    }
  }
  return { contents, commonPrefixes, truncated: false };
}
