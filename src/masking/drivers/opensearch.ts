import type { Client } from '@opensearch-project/opensearch';
import { SnapcloneError } from '../../core/errors.ts';
import { dataPlane, refusedExplained } from '../../engines/opensearch/data.ts';
import type { Where } from '../../engines/shared/aws.ts';
import type { ConnectionDetails, Endpoint } from '../../engines/types.ts';
import type {
  Collection,
  Field,
  Inventory,
  MaskingRules,
  MaskingSession,
  MaskingTx,
  RowKey,
  SampledRow,
} from '../model.ts';
import { firstMatch, globRegExp } from '../glob.ts';
import { expandPaths, flattenMapping, unionFields, valueAt, type Properties } from './os-mapping.ts';

/**
 * Masking a search clone's documents through its REST API, with the official client SigV4-signed as snapclone's
 * other calls to a domain are (engines/opensearch/rest-client.ts: the role the session runs as, the clone's
 * master user). Reads are GETs with a body (es:ESHttpGet, as people read a clone); the only write is
 * POST _bulk of partial-document updates (es:ESHttpPost on the clone's `_bulk`).
 *
 * OpenSearch has no transaction: the session is not transactional and `transaction` runs the work directly.
 * Documents are paged with search_after sorted on `_id` (unique per index; the clone's documents change only by
 * masking, which keeps every `_id`), one index at a time.
 */

/** Documents read, and updated in one _bulk, per page (by default). */
const PAGE = 500;

interface Hit {
  _index: string;
  _id: string;
  _source?: Record<string, unknown>;
  sort?: unknown[];
}

const rowKey = (hit: Hit): RowKey => `${hit._index}/${hit._id}`;

/** OpenSearch's and the service's own indices. */
const SYSTEM_INDEX =
  /^\.(kibana|opendistro|opensearch|plugins|security|tasks|ql-|async-search|replication|notifications|ml-|geospatial|transform|scheduler)/;

export async function openOpenSearch(
  details: ConnectionDetails,
  at: Endpoint,
  w: Where,
  options: { pageSize?: number } = {},
): Promise<MaskingSession> {
  const endpoint = `${at.host}:${at.port}`;
  const client = await dataPlane(w, endpoint);
  const what = `the search clone at ${details.host}`;
  const rest: Rest = <T>(
    method: 'GET' | 'POST',
    path: string,
    body?: Record<string, unknown> | { bulk: unknown[] },
    querystring?: Record<string, string>,
  ): Promise<T> =>
    refusedExplained(
      what,
      async () => {
        const payload =
          body && 'bulk' in body && Array.isArray(body.bulk)
            ? { bulkBody: body.bulk as Record<string, unknown>[] }
            : { body };
        return (await client.transport.request({ method, path, querystring, ...payload })).body as T;
      },
      endpoint,
    );
  try {
    const info = await rest<{ version?: { number?: string; distribution?: string } }>('GET', '/');
    const label = `${info.version?.distribution === 'opensearch' ? 'OpenSearch' : 'Elasticsearch'} ${info.version?.number ?? '?'}`;
    return new OpenSearchSession(client, rest, label, options.pageSize ?? PAGE);
  } catch (error) {
    await client.close();
    throw error;
  }
}

/** A REST call; `{bulk: [...]}` is sent as _bulk's lines (NDJSON). */
type Rest = <T>(
  method: 'GET' | 'POST',
  path: string,
  body?: Record<string, unknown> | { bulk: unknown[] },
  querystring?: Record<string, string>,
) => Promise<T>;

/** Values read for `fields` from a hit, the types masking expects (a long as a string: bigint). */
function valuesOf(hit: Hit, fields: readonly Field[]): Record<string, unknown> {
  return Object.fromEntries(
    fields.map((f) => {
      const value = valueAt(hit._source, f.name);
      return [
        f.name,
        value === undefined ? null : f.type === 'bigint' && typeof value === 'number' ? String(value) : value,
      ];
    }),
  );
}

/**
 * A value as the document gets it back: a date as ISO 8601; a long handed to masking as text (bigint) as a JSON
 * number again when it is exact in one (every hash of a long is), so the document's readers still get a number.
 */
function written(value: unknown, field: Field): unknown {
  if (value instanceof Date) return value.toISOString();
  if (
    field.type === 'bigint' &&
    typeof value === 'string' &&
    /^-?\d+$/.test(value) &&
    Number.isSafeInteger(Number(value))
  )
    return Number(value);
  return value;
}

class OpenSearchSession implements MaskingSession, MaskingTx {
  readonly transactional = false;
  /** The indices of each collection, as the inventory grouped them, and the collections' fields. */
  private indices = new Map<string, string[]>();
  private fields = new Map<string, Map<string, Field>>();

  constructor(
    private readonly client: Client,
    private readonly rest: Rest,
    readonly label: string,
    private readonly page: number,
  ) {}

  async inventory(rules: MaskingRules): Promise<Inventory> {
    const mappings = await this.rest<Record<string, { mappings?: { properties?: Properties } }>>('GET', '/_mapping');
    const patterns = rules.collections.map((c) => globRegExp(c.name));
    const grouped = new Map<string, { indices: string[]; fields: Field[][]; ruled: boolean }>();
    // System indices (.kibana, .opendistro_security, .plugins-…) hold no copied data; data streams' backing
    // indices (.ds-…) and any other hidden index do, and are masked or checked like the rest.
    for (const index of Object.keys(mappings)
      .filter((i) => !SYSTEM_INDEX.test(i))
      .sort()) {
      const at = firstMatch(index, patterns);
      const name = at < 0 ? index : rules.collections[at].name;
      const group = grouped.get(name) ?? {
        indices: [],
        fields: [],
        ruled: at >= 0 && Object.keys(rules.collections[at].rules).length > 0,
      };
      group.indices.push(index);
      group.fields.push(flattenMapping(mappings[index].mappings?.properties ?? {}));
      grouped.set(name, group);
    }
    const collections: Collection[] = [];
    this.indices.clear();
    this.fields.clear();
    for (const [name, group] of grouped) {
      const fields = unionFields(group.fields);
      const nested = fields.filter((f) => f.typeName.includes('in nested')).map((f) => f.name);
      this.indices.set(name, group.indices);
      this.fields.set(name, new Map(fields.map((f) => [f.name, f])));
      collections.push({
        name,
        fields,
        ...(nested.length > 0 && group.ruled
          ? { unmaskable: `holds nested fields (${nested.join(', ')}): masking updates plain and object fields` }
          : {}),
      });
    }
    return { collections };
  }

  async transaction<T>(work: (tx: MaskingTx) => Promise<T>): Promise<T> {
    return work(this);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private indicesOf(c: Collection): string[] {
    const indices = this.indices.get(c.name);
    if (!indices) throw new Error(`${c.name}: not a collection of this clone's inventory`);
    return indices;
  }

  private fieldsOf(c: Collection, names: readonly string[]): Field[] {
    const known = this.fields.get(c.name);
    return names.map((name) => known?.get(name) ?? { name, type: 'other', typeName: 'unmapped', nullable: true });
  }

  private search(indices: readonly string[], body: Record<string, unknown>): Promise<{ hits: { hits: Hit[] } }> {
    return this.rest('GET', `/${indices.map(encodeURIComponent).join(',')}/_search`, body);
  }

  async count(c: Collection): Promise<number> {
    return (await this.rest<{ count: number }>('GET', `/${this.indicesOf(c).map(encodeURIComponent).join(',')}/_count`))
      .count;
  }

  async sample(c: Collection, fields: string[], n: number): Promise<SampledRow[]> {
    const typed = this.fieldsOf(c, fields);
    const found = await this.search(this.indicesOf(c), {
      size: n,
      _source: fields,
      query: { function_score: { query: { match_all: {} }, random_score: {} } },
    });
    return found.hits.hits.map((hit) => ({ key: rowKey(hit), values: valuesOf(hit, typed) }));
  }

  async read(c: Collection, keys: RowKey[], fields: string[]): Promise<Map<RowKey, Record<string, unknown>>> {
    const typed = this.fieldsOf(c, fields);
    const byIndex = new Map<string, string[]>();
    for (const key of keys) {
      const slash = key.indexOf('/');
      const index = key.slice(0, slash);
      if (slash > 0 && this.indicesOf(c).includes(index))
        byIndex
          .set(index, byIndex.get(index) ?? [])
          .get(index)!
          .push(key.slice(slash + 1));
    }
    const out = new Map<RowKey, Record<string, unknown>>();
    for (const [index, ids] of byIndex) {
      for (let n = 0; n < ids.length; n += this.page) {
        const page = ids.slice(n, n + this.page);
        const found = await this.search([index], {
          size: page.length,
          _source: fields,
          query: { ids: { values: page } },
        });
        for (const hit of found.hits.hits) out.set(rowKey(hit), valuesOf(hit, typed));
      }
    }
    return out;
  }

  /** Every document of the collection's indices, a page at a time (search_after on `_id`). */
  private async pages(
    c: Collection,
    fields: readonly string[],
    each: (hits: Hit[], index: string, last: boolean) => Promise<void>,
  ): Promise<void> {
    for (const index of this.indicesOf(c)) {
      let after: unknown[] | undefined;
      for (;;) {
        const found = await this.search([index], {
          size: this.page,
          _source: fields,
          sort: [{ _id: 'asc' }],
          ...(after ? { search_after: after } : {}),
        });
        const hits = found.hits.hits;
        await each(hits, index, hits.length < this.page);
        if (hits.length < this.page) break;
        after = hits[hits.length - 1].sort;
      }
    }
  }

  async scan(c: Collection, fields: string[], each: (values: Record<string, unknown>) => void): Promise<void> {
    const typed = this.fieldsOf(c, fields);
    await this.pages(c, fields, async (hits) => hits.forEach((hit) => each(valuesOf(hit, typed))));
  }

  async rewrite(
    c: Collection,
    fields: string[],
    change: (values: Record<string, unknown>) => Record<string, unknown>,
  ): Promise<number> {
    const typed = this.fieldsOf(c, fields);
    let rewritten = 0;
    // Each page's updates go once the next page is read: the last _bulk of an index refreshes it (what masking
    // wrote is then what the checks search), even when its last page came back empty.
    let held: unknown[] = [];
    await this.pages(c, fields, async (hits, index, last) => {
      const lines = hits.flatMap((hit) => {
        const changed = change(valuesOf(hit, typed));
        const doc = expandPaths(Object.fromEntries(typed.map((f) => [f.name, written(changed[f.name] ?? null, f)])));
        return [{ update: { _index: hit._index, _id: hit._id } }, { doc }];
      });
      if (lines.length > 0) {
        if (held.length > 0) await this.bulk(index, held, false);
        held = lines;
      }
      if (last && held.length > 0) {
        await this.bulk(index, held, true);
        held = [];
      }
      rewritten += hits.length;
    });
    return rewritten;
  }

  private async bulk(index: string, lines: unknown[], refresh: boolean): Promise<void> {
    const out = await this.rest<{
      errors: boolean;
      items: { update: { _id: string; status: number; error?: { type?: string; reason?: string } } }[];
    }>('POST', `/${encodeURIComponent(index)}/_bulk`, { bulk: lines }, refresh ? { refresh: 'true' } : undefined);
    if (out.errors) {
      const failed = out.items.filter((i) => i.update.status >= 300);
      const first = failed[0].update;
      // Neither the document's id nor the server's reason (both can quote data): the error's type only.
      throw new SnapcloneError(
        `Masking ${index}: ${failed.length} document(s) could not be updated (${first.error?.type ?? first.status}).`,
      );
    }
  }
}
