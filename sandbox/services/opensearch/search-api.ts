import { createHash } from 'node:crypto';
import type { SearchDocument } from '../../data/search-documents.ts';
import { indexNotFound, namesMatching, osException, type DataRequest, type DataResponse } from './rest-api.ts';
import { indicesOf, restoreFailed, type IndexRecord } from './state.ts';

/**
 * `<index>/_count` and `<index>/_search` (GET or POST) over the documents an index holds, with OpenSearch's
 * answers: `{count, _shards}`; `{took, timed_out, _shards, hits: {total: {value, relation}, max_score, hits}}`,
 * each hit with `_index`, `_id`, `_score`, `_source`. Queries: none or `match_all`, `term` (the exact value,
 * `.keyword` sub-fields included), `match` (any of the query's lower-cased words, scored by how many match)
 * `ids` and `function_score` with `random_score`; `size` and `from` from the body or the query string; `_source`
 * as a list of fields (dotted paths); `sort` on `_id` with `search_after`. Other queries are a 501 that names them.
 */

/** The shard a document lives on (OpenSearch hashes its routing, the _id, with murmur3; any stable hash splits alike). */
export const shardOf = (id: string, primaries: number): number => createHash('sha256').update(id).digest().readUInt32LE(0) % primaries;

/** The documents of a restored index that survive the loss of `failedShards` (a PARTIAL snapshot). */
export const documentsKept = (documents: readonly SearchDocument[], primaries: number, failedShards: number[] = []) =>
  documents.filter((d) => !failedShards.includes(shardOf(d._id, primaries)));

const DEFAULT_SIZE = 10;
/** index.max_result_window's default. */
const MAX_WINDOW = 10_000;
/** track_total_hits' default: totals beyond it are `gte`. */
const TRACK_TOTAL = 10_000;

type Matcher = (doc: SearchDocument) => number;

const words = (text: unknown) => String(text).toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);

function fieldValue(doc: SearchDocument, field: string): unknown {
  if (field === '_id') return doc._id;
  return doc._source[field.endsWith('.keyword') ? field.slice(0, -'.keyword'.length) : field];
}

/** `{ field: value }` or `{ field: { <key>: value } }`, as term and match take them. */
function fieldAndValue(kind: string, spec: unknown, key: string): [string, unknown] {
  const entries = spec && typeof spec === 'object' ? Object.entries(spec) : [];
  if (entries.length !== 1) throw osException('parsing_exception', `[${kind}] query doesn't support multiple fields, found [${entries.map(([f]) => f).join('] and [')}]`, 400);
  const [field, value] = entries[0];
  return [field, value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : value];
}

function matcherOf(query: unknown): Matcher {
  if (query === undefined) return () => 1;
  const entries = query && typeof query === 'object' ? Object.entries(query) : [];
  if (entries.length !== 1) throw osException('parsing_exception', 'query malformed, must start with start_object', 400);
  const [kind, spec] = entries[0];
  if (kind === 'match_all') return () => 1;
  if (kind === 'term') {
    const [field, value] = fieldAndValue(kind, spec, 'value');
    return (doc) => (String(fieldValue(doc, field)) === String(value) ? 1 : 0);
  }
  if (kind === 'match') {
    const [field, text] = fieldAndValue(kind, spec, 'query');
    const wanted = new Set(words(text));
    return (doc) => {
      const value = fieldValue(doc, field);
      return value === undefined || value === null ? 0 : new Set(words(value).filter((w) => wanted.has(w))).size;
    };
  }
  if (kind === 'function_score') {
    // random_score only: every match scores at random (a different order on every search).
    const spec_ = (spec ?? {}) as { query?: unknown; random_score?: unknown; functions?: unknown };
    if (spec_.random_score === undefined || spec_.functions !== undefined) {
      throw osException('sandbox_not_implemented', 'The snapclone sandbox implements function_score with random_score only', 501);
    }
    const inner = matcherOf(spec_.query);
    return (doc) => (inner(doc) > 0 ? Math.random() + Number.EPSILON : 0);
  }
  if (kind === 'ids') {
    const values = ((spec as { values?: unknown[] } | undefined)?.values ?? []).map(String);
    return (doc) => (values.includes(doc._id) ? 1 : 0);
  }
  throw osException('sandbox_not_implemented', `The snapclone sandbox does not implement the [${kind}] query (match_all, term, match and ids only)`, 501);
}

function selectIndices(req: DataRequest, expression: string): IndexRecord[] {
  const now = req.world.clock.nowMs();
  const all = indicesOf(req.domain, now);
  for (const part of expression.split(',')) {
    if (!part.includes('*') && !all.some((i) => i.name === part)) throw indexNotFound(part);
  }
  const names = namesMatching(all.map((i) => i.name), expression);
  const selected = all.filter((i) => names.includes(i.name));
  // Primaries still restoring, or whose restore failed, answer no search: every shard of the index fails.
  if (selected.some((i) => restoreFailed(i, now) || (i.recovery && now < i.recovery.primariesDoneAt))) {
    throw osException('search_phase_execution_exception', 'all shards failed', 503, { phase: 'query', grouped: true, failed_shards: [] });
  }
  return selected;
}

function documentsOf(index: IndexRecord, why: string): readonly SearchDocument[] {
  if (index.documents) return index.documents;
  if (index.docs === 0) return [];
  throw osException('sandbox_not_implemented', `The snapclone sandbox holds only the count of [${index.name}]'s documents, not the documents, so it cannot ${why}`, 501);
}

const shards = (indices: IndexRecord[]) => {
  const total = indices.reduce((sum, i) => sum + i.primaries, 0);
  return { total, successful: total, skipped: 0, failed: 0 };
};

function count(req: DataRequest, expression: string): DataResponse {
  const indices = selectIndices(req, expression);
  const query = req.body?.query;
  const matcher = matcherOf(query);
  const total = indices.reduce(
    (sum, i) => sum + (query === undefined || (query as Record<string, unknown>).match_all ? i.docs : documentsOf(i, 'count by a query').filter((d) => matcher(d) > 0).length),
    0,
  );
  return { status: 200, body: { count: total, _shards: shards(indices) } };
}

function whole(name: string, value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw osException('illegal_argument_exception', `[${name}] parameter cannot be negative, found [${String(value)}]`, 400);
  return n;
}

function search(req: DataRequest, expression: string): DataResponse {
  const indices = selectIndices(req, expression);
  const matcher = matcherOf(req.body?.query);
  const size = whole('size', req.body?.size ?? req.query.get('size'), DEFAULT_SIZE);
  const from = whole('from', req.body?.from ?? req.query.get('from'), 0);
  if (from + size > MAX_WINDOW) {
    throw osException(
      'illegal_argument_exception',
      `Result window is too large, from + size must be less than or equal to: [${MAX_WINDOW}] but was [${from + size}]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.`,
      400,
    );
  }
  const byId = sortById(req.body?.sort);
  const after = req.body?.search_after as unknown[] | undefined;
  if (after !== undefined && byId === undefined) throw osException('illegal_argument_exception', 'Sort must contain at least one field.', 400);
  const pick = sourceFilter(req.body?._source);
  const matched: { _index: string; _id: string; _score: number | null; _source: unknown; sort?: string[] }[] = indices.flatMap((index) =>
    documentsOf(index, 'search it')
      .map((doc) => ({ doc, score: matcher(doc) }))
      .filter((m) => m.score > 0)
      .map((m) => ({ _index: index.name, _id: m.doc._id, _score: m.score, _source: pick(m.doc._source) })),
  );
  if (byId) {
    matched.sort((a, b) => (a._id < b._id ? -byId : a._id > b._id ? byId : 0));
    for (const m of matched) Object.assign(m, { _score: null, sort: [m._id] });
  } else {
    // Best score first; ties keep the index order (a stable sort).
    matched.sort((a, b) => b._score! - a._score!);
  }
  const remaining = after === undefined ? matched : matched.filter((m) => (byId! > 0 ? m._id > String(after[0]) : m._id < String(after[0])));
  const hits = remaining.slice(from, from + size);
  return {
    status: 200,
    body: {
      took: 1,
      timed_out: false,
      _shards: shards(indices),
      hits: {
        total: matched.length > TRACK_TOTAL ? { value: TRACK_TOTAL, relation: 'gte' } : { value: matched.length, relation: 'eq' },
        max_score: matched.length === 0 || byId ? null : matched[0]._score,
        hits,
      },
    },
  };
}

/** 1 (ascending) or -1 for a sort on `_id` alone; undefined without a sort; a 501 for any other sort. */
function sortById(sort: unknown): 1 | -1 | undefined {
  if (sort === undefined) return undefined;
  const only = Array.isArray(sort) && sort.length === 1 ? sort[0] : sort;
  const order = only === '_id' ? 'asc' : only && typeof only === 'object' && '_id' in only ? (only as { _id: unknown })._id : undefined;
  const direction = typeof order === 'object' && order !== null ? (order as { order?: string }).order : order;
  if (direction === 'asc' || direction === 'desc') return direction === 'asc' ? 1 : -1;
  throw osException('sandbox_not_implemented', 'The snapclone sandbox sorts on _id only', 501);
}

/** `_source`: true or absent (all of it), false (none), or the fields (dotted paths) to keep. */
function sourceFilter(spec: unknown): (source: Record<string, unknown>) => unknown {
  if (spec === undefined || spec === true) return (source) => source;
  if (spec === false) return () => undefined;
  const fields = (Array.isArray(spec) ? spec : [spec]).map(String);
  const keep = (source: Record<string, unknown>, prefix: string): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(source)) {
      const path = prefix + key;
      if (fields.some((f) => f === path)) out[key] = value;
      else if (value && typeof value === 'object' && !Array.isArray(value) && fields.some((f) => f.startsWith(`${path}.`))) {
        const inner = keep(value as Record<string, unknown>, `${path}.`);
        if (Object.keys(inner).length > 0) out[key] = inner;
      }
    }
    return out;
  };
  return (source) => keep(source, '');
}

/** `/<index>/_count` or `/<index>/_search`, else undefined. */
export function searchRoute(req: DataRequest): DataResponse | undefined {
  const [index, api] = req.segments;
  if (req.segments.length !== 2 || (req.method !== 'GET' && req.method !== 'POST') || index.startsWith('_')) return undefined;
  if (api === '_count') return count(req, index);
  if (api === '_search') return search(req, index);
  return undefined;
}
