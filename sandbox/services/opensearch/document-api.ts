import type { SearchDocument } from '../../data/search-documents.ts';
import { awsRefusal, indexNotFound, namesMatching, osException, type DataRequest, type DataResponse } from './rest-api.ts';
import { indicesOf, type IndexRecord } from './state.ts';

/**
 * What masking reads and writes of a clone's documents, with OpenSearch's answers: `GET [<index>/]_mapping`
 * (the dynamic mapping OpenSearch gives the documents' JSON values: strings as text with a `keyword`
 * sub-field, ISO 8601 strings as date, whole numbers as long, others as float, booleans, objects as
 * properties), and `POST [<index>/]_bulk` with `update` actions (a partial document merged into `_source`;
 * the answer's `errors` and per-item status; `refresh` is accepted: documents are searchable at once).
 */

type Mapping = Record<string, unknown>;

const ISO_DATE = /^\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?)?$/;

function typeOf(value: unknown): Mapping | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) return value.map(typeOf).find(Boolean);
  if (typeof value === 'boolean') return { type: 'boolean' };
  if (typeof value === 'number') return { type: Number.isInteger(value) ? 'long' : 'float' };
  if (typeof value === 'object') return { properties: propertiesOf([value as Record<string, unknown>]) };
  if (ISO_DATE.test(String(value))) return { type: 'date' };
  return { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } };
}

/** The dynamic mapping of documents' sources: each field as its first non-null value maps it. */
function propertiesOf(sources: readonly Record<string, unknown>[]): Record<string, Mapping> {
  const out: Record<string, Mapping> = {};
  for (const source of sources) {
    for (const [field, value] of Object.entries(source)) {
      const mapped = typeOf(value);
      if (!mapped) continue;
      const known = out[field];
      if (known?.properties && mapped.properties) out[field] = { properties: propertiesOf([unnest(known), value as Record<string, unknown>]) };
      else out[field] ??= mapped;
    }
  }
  return out;
}

/** A stand-in source holding one value of each mapped field, so that merging mappings keeps what was mapped. */
function unnest(mapping: Mapping): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, m] of Object.entries((mapping.properties ?? {}) as Record<string, Mapping>)) {
    out[field] = m.properties ? unnest(m) : m.type === 'boolean' ? true : m.type === 'long' ? 1 : m.type === 'float' ? 1.5 : m.type === 'date' ? '2000-01-01' : 'x';
  }
  return out;
}

function selected(req: DataRequest, expression: string | undefined): IndexRecord[] {
  const all = indicesOf(req.domain, req.world.clock.nowMs());
  for (const part of (expression ?? '').split(',').filter(Boolean)) {
    if (!part.includes('*') && part !== '_all' && !all.some((i) => i.name === part)) throw indexNotFound(part);
  }
  const names = namesMatching(all.map((i) => i.name), expression);
  return all.filter((i) => names.includes(i.name));
}

/** An index's mapping: as its documents were mapped before any update, with the fields updates added. */
const mappingOf = (index: IndexRecord): Record<string, Mapping> =>
  (index.mapping as Record<string, Mapping> | undefined) ?? propertiesOf((index.documents ?? []).map((d) => d._source));

function mapping(req: DataRequest, expression: string | undefined): DataResponse {
  const body = Object.fromEntries(selected(req, expression).map((i) => [i.name, { mappings: { properties: mappingOf(i) } }]));
  return { status: 200, body };
}

/**
 * A mapping after updates: OpenSearch never removes or retypes a mapped field (a field updated to null, or to a
 * string OpenSearch coerces into a long, stays as it was mapped); dynamic mapping adds the fields it had not seen.
 */
const extended = (known: Record<string, Mapping>, patches: readonly Record<string, unknown>[]): Record<string, Mapping> =>
  propertiesOf([unnest({ properties: known }), ...patches]);

function merged(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object' && !Array.isArray(current)
        ? merged(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}

function bulk(req: DataRequest, pathIndex: string | undefined): DataResponse {
  if (req.domain.dataAt) throw awsRefusal(403, 'The snapclone sandbox does not write documents of a source domain.');
  const lines = (req.text ?? '').split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) throw osException('action_request_validation_exception', 'Validation Failed: 1: no requests added;', 400);
  const parse = (line: string) => {
    try {
      return JSON.parse(line) as Record<string, Record<string, unknown>>;
    } catch {
      throw osException('illegal_argument_exception', 'Malformed action/metadata line [1], expected START_OBJECT', 400);
    }
  };
  const now = req.world.clock.nowMs();
  const changed = new Map<IndexRecord, SearchDocument[]>();
  const patches = new Map<IndexRecord, Record<string, unknown>[]>();
  const items: Record<string, unknown>[] = [];
  for (let n = 0; n < lines.length; n += 2) {
    const action = parse(lines[n]);
    const [kind, meta] = Object.entries(action)[0] ?? [];
    if (kind !== 'update') throw osException('sandbox_not_implemented', `The snapclone sandbox's _bulk takes update actions only, not [${kind}]`, 501);
    const name = String(meta._index ?? pathIndex ?? '');
    const id = String(meta._id ?? '');
    const patch = (parse(lines[n + 1] ?? '{}') as { doc?: Record<string, unknown> }).doc;
    if (!patch) throw osException('action_request_validation_exception', 'Validation Failed: 1: script or doc is missing;', 400);
    const index = indicesOf(req.domain, now).find((i) => i.name === name);
    const documents = index ? (changed.get(index) ?? [...(index.documents ?? [])]) : undefined;
    const at = documents?.findIndex((d) => d._id === id) ?? -1;
    if (!index || !documents || at < 0) {
      const cause = index ? { type: 'document_missing_exception', reason: `[${id}]: document missing`, index: name, shard: '0' } : { type: 'index_not_found_exception', reason: `no such index [${name}]`, index: name };
      items.push({ update: { _index: name, _id: id, status: 404, error: cause } });
      continue;
    }
    documents[at] = { _id: id, _source: merged(documents[at]._source, patch) as SearchDocument['_source'] };
    changed.set(index, documents);
    patches.set(index, patches.get(index) ?? []).get(index)!.push(patch);
    items.push({ update: { _index: name, _id: id, _version: 2, result: 'updated', _shards: { total: 2, successful: 2, failed: 0 }, status: 200 } });
  }
  for (const [index, documents] of changed) {
    index.mapping = extended(mappingOf(index), patches.get(index) ?? []);
    index.documents = documents;
  }
  return { status: 200, body: { took: 1, errors: items.some((i) => (i.update as { status: number }).status >= 300), items } };
}

/** `[<index>/]_mapping` (GET) and `[<index>/]_bulk` (POST, PUT), else undefined. */
export function documentRoute(req: DataRequest): DataResponse | undefined {
  const s = req.segments;
  const api = s[s.length - 1];
  const index = s.length === 2 ? s[0] : undefined;
  if (s.length > 2 || (s.length === 2 && s[0].startsWith('_'))) return undefined;
  if (api === '_mapping' && req.method === 'GET') return mapping(req, index);
  if (api === '_bulk' && (req.method === 'POST' || req.method === 'PUT')) return bulk(req, index);
  return undefined;
}
