// Issue 22, the sandbox's data plane: an OpenSearch clone made with `snapclone create --date` under the generated
// policy answers _count, _search and _cat/indices over exactly the documents its source held when the snapshot
// was taken, read with the official client signed as the operator role (the clone's master user); the production
// domain refuses the same search to that role.
import { DescribeDomainCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import { changesBetween } from '../../sandbox/data/history.ts';
import { documentsAt, SEARCH_INDICES, type SearchDocument } from '../../sandbox/data/search-documents.ts';
import { COMPANY_REGION, PROD_SEARCH } from '../../sandbox/scenario/index.ts';
import { createdClones, startCli, type TestCli } from '../cli/support.ts';
import { deleteClone, historyOfSource } from './data-support.ts';

const SOURCE = 'catalog-search';
const PROD = PROD_SEARCH[0];

let cli: TestCli;
let clone: string;
let snapshotName: string;

beforeAll(async () => {
  cli = await startCli();
  const { ctx } = cli.context();
  const entry = createdClones((await create.run({ sources: [SOURCE], date: cli.day(6), wait: true }, ctx)).json)[0];
  expect(entry).toMatchObject({ engine: 'opensearch', ready: true });
  clone = entry.name;
  snapshotName = entry.point.id;
}, 240_000);
afterAll(async () => {
  if (clone) await deleteClone(cli, clone);
  await cli?.close();
}, 120_000);

async function endpointOf(name: string): Promise<string> {
  const status = (await new OpenSearchClient(cli.sb.config()).send(new DescribeDomainCommand({ DomainName: name }))).DomainStatus!;
  return status.Endpoints?.vpc ?? status.Endpoint!;
}

/** The official client, SigV4-signed (service es) with the operator role's session, as snapclone signs. */
async function asRole(domain: string): Promise<Client> {
  const clients = cli.context().ctx.clients('dev');
  return new Client({ ...AwsSigv4Signer({ region: COMPANY_REGION, service: 'es', getCredentials: () => clients.credentials() }), node: `http://${await endpointOf(domain)}`, maxRetries: 0 });
}

/** The production domain's administrator (mapped to all_access there). */
async function asAdmin(domain: string): Promise<Client> {
  return new Client({ ...AwsSigv4Signer({ region: COMPANY_REGION, service: 'es', getCredentials: async () => cli.sb.scenario.admin }), node: `http://${await endpointOf(domain)}`, maxRetries: 0 });
}

const history = () => historyOfSource(cli, PROD.id);

/** When the clone's snapshot was taken, as the repository says (the documents are those of its start). */
async function snapshotTime(client: Client): Promise<number> {
  const body = (await client.snapshot.get({ repository: PROD.repository, snapshot: snapshotName })).body as { snapshots: { start_time_in_millis: number }[] };
  return body.snapshots[0].start_time_in_millis;
}

/**
 * GET <index>/_search with a body, through the official client's transport: the generated policy lets people
 * read a clone with GET (es:ESHttpGet), and client.search would POST.
 */
async function search(client: Client, index: string, body: Record<string, unknown>): Promise<Hits> {
  return (await client.transport.request({ method: 'GET', path: `/${index}/_search`, body })).body as Hits;
}

interface Hits {
  hits: { total: { value: number; relation: string }; hits: { _index: string; _id: string; _source: SearchDocument['_source'] }[] };
}

describe('an OpenSearch clone holds the documents of its snapshot', () => {
  it('_count and _cat/indices give, per index, the history\'s document count at the snapshot\'s time', async () => {
    const client = await asRole(clone);
    const at = await snapshotTime(client);
    const expected = documentsAt(history(), at);
    const now = documentsAt(history(), cli.sb.world.clock.nowMs());
    const rows = (await client.cat.indices({ format: 'json' })).body as unknown as { index: string; 'docs.count': string }[];
    for (const index of SEARCH_INDICES) {
      const count = (await client.count({ index })).body as { count: number; _shards: { failed: number } };
      expect(count).toMatchObject({ count: expected.get(index)!.length, _shards: { failed: 0 } });
      expect(rows.find((r) => r.index === index)?.['docs.count']).toBe(String(expected.get(index)!.length));
    }
    // Six days on, the source holds other documents: the clone is of its date, not of today.
    expect(SEARCH_INDICES.map((i) => now.get(i)!.map((d) => d._id))).not.toEqual(SEARCH_INDICES.map((i) => expected.get(i)!.map((d) => d._id)));
  }, 60_000);

  it('_search finds a known customer by a term on its e-mail address and pages match_all with from and size', async () => {
    const client = await asRole(clone);
    const expected = documentsAt(history(), await snapshotTime(client));
    const customers = expected.get('customers')!;
    const known = customers[customers.length - 1];
    const found = await search(client, 'customers', { query: { term: { 'email.keyword': String(known._source.email) } } });
    expect(found.hits.total).toEqual({ value: 1, relation: 'eq' });
    expect(found.hits.hits).toEqual([expect.objectContaining({ _index: 'customers', _id: known._id, _source: known._source })]);

    const products = expected.get('products')!;
    const page = await search(client, 'products', { query: { match_all: {} }, from: 10, size: 5 });
    expect(page.hits.total).toEqual({ value: products.length, relation: 'eq' });
    expect(page.hits.hits.map((h) => h._id)).toEqual(products.slice(10, 15).map((d) => d._id));

    const word = String(products[0]._source.name).split(' ')[1].toLowerCase();
    const named = await search(client, 'products', { query: { match: { name: word } }, size: 1000 });
    const withWord = products.filter((d) => String(d._source.name).toLowerCase().split(/\s+/).includes(word));
    expect(named.hits.hits.map((h) => h._id).sort()).toEqual(withWord.map((d) => d._id).sort());
  }, 60_000);

  it('a document indexed after the snapshot is in production but not in the clone; production refuses the operator role', async () => {
    const client = await asRole(clone);
    const at = await snapshotTime(client);
    const now = cli.sb.world.clock.nowMs();
    const held = new Set(documentsAt(history(), now).get('customers')!.map((d) => d._id));
    // A customer indexed after the snapshot and not deleted since.
    const id = changesBetween(history(), at, now)
      .flatMap(({ change }) => (change.op === 'insert' && change.table === 'customers' ? [String(change.row.id)] : []))
      .find((i) => held.has(i));
    expect(id).toBeDefined();
    const query = { query: { ids: { values: [id!] } } };
    const inClone = await search(client, 'customers', query);
    expect(inClone.hits.total.value).toBe(0);
    const inProd = await search(await asAdmin(PROD.id), 'customers', query);
    expect(inProd.hits.hits.map((h) => h._id)).toEqual([id]);

    const refused = await search(await asRole(PROD.id), 'customers', query).then(
      () => undefined,
      (error: { meta?: { statusCode?: number; body?: unknown } }) => error.meta,
    );
    // IAM refuses first (the generated policy grants no HTTP on sources); past it, the role's only mapping on
    // production, the snapshot reader, would refuse the search (security_exception).
    expect(refused).toMatchObject({ statusCode: 403 });
    expect(JSON.stringify(refused?.body)).toMatch(/es:ESHttpGet|security_exception/);
    // A caller IAM lets in but the clone's fine-grained access control does not map (only its master user is).
    const unmapped = await search(await asAdmin(clone), 'customers', query).then(
      () => undefined,
      (error: { meta?: { statusCode?: number; body?: unknown } }) => error.meta,
    );
    expect(unmapped).toMatchObject({ statusCode: 403, body: { error: { type: 'security_exception', reason: expect.stringContaining('indices:data/read/search') } } });
  }, 60_000);
});
