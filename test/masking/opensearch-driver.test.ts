import { DescribeDomainCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import { whereClone } from '../../src/engines/shared/aws.ts';
import { flattenMapping } from '../../src/masking/drivers/os-mapping.ts';
import { openOpenSearch } from '../../src/masking/drivers/opensearch.ts';
import { DEFAULT_SENSITIVE } from '../../src/masking/config.ts';
import type { Collection, MaskingRules, MaskingSession } from '../../src/masking/model.ts';
import { documentsAt, type SearchDocument } from '../../sandbox/data/search-documents.ts';
import { COMPANY_REGION, PROD_SEARCH } from '../../sandbox/scenario/index.ts';
import { createdClones, startCli, type TestCli } from '../cli/support.ts';
import { deleteClone, historyOfSource } from '../e2e/data-support.ts';

/**
 * The OpenSearch masking driver on a search clone made with `snapclone create` under the generated policy,
 * signed as the operator role (the clone's master user) as snapclone signs: indices grouped under the first
 * index pattern they match (others a collection each), flattened mapping fields and their types, count,
 * sample, read and scan, and a rewrite that changes exactly the ruled fields of every document (paged with
 * search_after, written with _bulk) and nothing else. The documents are checked with a client of the test's own.
 */

const SOURCE = 'catalog-search';
const PROD = PROD_SEARCH[0];
/** Small pages, so that search_after and the held-back last _bulk are exercised on a few hundred documents. */
const PAGE = 7;

let cli: TestCli;
let clone: string;
let snapshotName: string;
let session: MaskingSession;
let reader: Client;

const RULES: MaskingRules = {
  kind: 'indices',
  onFailure: 'delete',
  sensitive: DEFAULT_SENSITIVE,
  collections: [
    { name: 'cust*', rules: { email: { transform: 'fake-email' }, phone: { transform: 'null' } }, keep: ['name', 'address', 'created_at', 'updated_at'] },
    { name: 'customers', rules: {}, keep: [] },
    { name: 'orders-*', rules: {}, keep: [] },
  ],
};

beforeAll(async () => {
  cli = await startCli();
  const { ctx } = cli.context();
  const entry = createdClones((await create.run({ sources: [SOURCE], date: cli.day(6), wait: true }, ctx)).json)[0];
  expect(entry).toMatchObject({ engine: 'opensearch', ready: true });
  clone = entry.name;
  snapshotName = entry.point.id;
  const status = (await new OpenSearchClient(cli.sb.config()).send(new DescribeDomainCommand({ DomainName: clone }))).DomainStatus!;
  const [host, port] = (status.Endpoints?.vpc ?? status.Endpoint!).split(':');
  const details = { host, port: Number(port), username: '', password: '', engine: 'opensearch', tls: false };
  session = await openOpenSearch(details, { host, port: Number(port) }, whereClone(ctx, { target: 'dev' }), { pageSize: PAGE });
  const clients = ctx.clients('dev');
  reader = new Client({ ...AwsSigv4Signer({ region: COMPANY_REGION, service: 'es', getCredentials: () => clients.credentials() }), node: `http://${host}:${port}`, maxRetries: 0 });
}, 240_000);
afterAll(async () => {
  await session?.close();
  await reader?.close();
  if (clone) await deleteClone(cli, clone);
  await cli?.close();
}, 120_000);

/** The documents the clone holds, per index, as its snapshot's time in the source's history says. */
async function expectedDocuments(): Promise<Map<string, SearchDocument[]>> {
  const body = (await reader.snapshot.get({ repository: PROD.repository, snapshot: snapshotName })).body as { snapshots: { start_time_in_millis: number }[] };
  return documentsAt(historyOfSource(cli, PROD.id), body.snapshots[0].start_time_in_millis);
}

/** Every document of an index, read with GET _search (the test's own client). */
async function documentsOf(index: string): Promise<Map<string, Record<string, unknown>>> {
  const out = (await reader.transport.request({ method: 'GET', path: `/${index}/_search`, body: { size: 10_000, query: { match_all: {} } } })).body as {
    hits: { hits: { _id: string; _source: Record<string, unknown> }[] };
  };
  return new Map(out.hits.hits.map((h) => [h._id, h._source]));
}

const collection = async (name: string): Promise<Collection> => (await session.inventory(RULES)).collections.find((c) => c.name === name)!;

describe('the OpenSearch masking driver', () => {
  it('says what it is, and is not transactional', () => {
    expect(session.label).toMatch(/^OpenSearch \d+\.\d+/);
    expect(session.transactional).toBe(false);
    expect(session.lock).toBeUndefined();
  });

  it('groups indices under the first pattern they match, the others each a collection, with their flattened fields and types', async () => {
    const inventory = await session.inventory(RULES);
    // customers matches cust* first (the later `customers` pattern gets nothing); the order indices (the sandbox
    // models only their counts, so no fields) match orders-*; products matches nothing and is a collection of
    // its own; no system index.
    expect(inventory.collections.map((c) => c.name).sort()).toEqual(['cust*', 'orders-*', 'products']);
    expect(inventory.collections.every((c) => !c.name.startsWith('.') && c.unmaskable === undefined)).toBe(true);
    const customers = inventory.collections.find((c) => c.name === 'cust*')!;
    expect(customers.fields.map((f) => [f.name, f.type, f.typeName])).toEqual([
      ['address', 'text', 'text'],
      ['created_at', 'timestamp', 'date'],
      ['email', 'text', 'text'],
      ['name', 'text', 'text'],
      ['phone', 'text', 'text'],
      ['updated_at', 'timestamp', 'date'],
    ]);
    const products = inventory.collections.find((c) => c.name === 'products')!;
    expect(Object.fromEntries(products.fields.map((f) => [f.name, f.type]))).toEqual({ category: 'text', name: 'text', price_yen: 'bigint', sku: 'text', stock: 'bigint', updated_at: 'timestamp' });
  });

  it('counts, samples, reads and scans the documents of a collection', async () => {
    const expected = (await expectedDocuments()).get('customers')!;
    const byId = new Map(expected.map((d) => [d._id, d._source]));
    const customers = await collection('cust*');
    await session.transaction(async (tx) => {
      expect(await tx.count(customers)).toBe(expected.length);
      const sample = await tx.sample(customers, ['email', 'name'], 5);
      expect(sample).toHaveLength(5);
      expect(new Set(sample.map((s) => s.key)).size).toBe(5);
      for (const row of sample) {
        const id = row.key.replace(/^customers\//, '');
        expect(row.values).toEqual({ email: byId.get(id)!.email, name: byId.get(id)!.name });
      }
      const some = expected.slice(0, PAGE + 3);
      const read = await tx.read(customers, [...some.map((d) => `customers/${d._id}`), 'customers/no-such-id', `products/${some[0]._id}`], ['phone', 'created_at']);
      expect([...read.keys()].sort()).toEqual(some.map((d) => `customers/${d._id}`).sort());
      for (const d of some) expect(read.get(`customers/${d._id}`)).toEqual({ phone: d._source.phone, created_at: d._source.created_at });

      const scanned: unknown[] = [];
      await tx.scan(customers, ['email'], (v) => scanned.push(v.email));
      expect(scanned.sort()).toEqual(expected.map((d) => d._source.email).sort());
      const prices: unknown[] = [];
      await tx.scan(await collection('products'), ['price_yen'], (v) => prices.push(v.price_yen));
      // A long is handed over as text (bigint).
      expect(prices.sort()).toEqual((await expectedDocuments()).get('products')!.map((d) => String(d._source.price_yen)).sort());
    });
  });

  it('rewrites exactly the ruled fields of every document with _bulk, searchable at once, and nothing else', async () => {
    const beforeCustomers = await documentsOf('customers');
    const beforeProducts = await documentsOf('products');
    expect(beforeCustomers.size).toBeGreaterThan(PAGE * 3);
    const customers = await collection('cust*');
    const seen: unknown[] = [];
    const rewritten = await session.transaction((tx) =>
      tx.rewrite(customers, ['email', 'phone'], (v) => {
        seen.push(v.email);
        return { email: `masked-${String(v.email).length}@example.invalid`, phone: null };
      }),
    );
    expect(rewritten).toBe(beforeCustomers.size);
    expect(seen.sort()).toEqual([...beforeCustomers.values()].map((s) => s.email).sort());
    const after = await documentsOf('customers');
    expect([...after.keys()].sort()).toEqual([...beforeCustomers.keys()].sort());
    for (const [id, source] of beforeCustomers) {
      expect(after.get(id)).toEqual({ ...source, email: `masked-${String(source.email).length}@example.invalid`, phone: null });
    }
    expect(await documentsOf('products')).toEqual(beforeProducts);
    await session.transaction(async (tx) => {
      expect(await tx.count(customers)).toBe(beforeCustomers.size);
      const phones: unknown[] = [];
      await tx.scan(customers, ['phone'], (v) => phones.push(v.phone));
      expect(phones).toEqual([...beforeCustomers.keys()].map(() => null));
    });
  });
});

describe('mapping paths', () => {
  it('are leaf fields joined by dots, without multi-fields; fields under a nested field are not rewritable', () => {
    const fields = flattenMapping({
      name: { type: 'text', fields: { keyword: { type: 'keyword' } } },
      contact: { properties: { email: { type: 'keyword' }, geo: { properties: { lat: { type: 'scaled_float' } } } } },
      visits: { type: 'nested', properties: { at: { type: 'date' }, ip: { type: 'ip' } } },
      age: { type: 'short' },
      active: { type: 'boolean' },
    });
    expect(fields.map((f) => [f.name, f.type, f.typeName])).toEqual([
      ['name', 'text', 'text'],
      ['contact.email', 'text', 'keyword'],
      ['contact.geo.lat', 'number', 'scaled_float'],
      ['visits.at', 'other', 'date in nested'],
      ['visits.ip', 'other', 'ip in nested'],
      ['age', 'integer', 'short'],
      ['active', 'boolean', 'boolean'],
    ]);
  });
});
