// The scenario's OpenSearch snapshot repository as S3 shows it: laid out as OpenSearch writes it, and agreeing with
// what the production domain's own _snapshot API answers (names, uuids, states, end times), as the clock moves on.
import { GetObjectCommand, ListObjectsV2Command, S3Client, type _Object } from '@aws-sdk/client-s3';
import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../sandbox/core/clock.ts';
import { COMPANY_REGION, PROD_SEARCH } from '../../sandbox/scenario/index.ts';
import { PARTIAL_SEARCH_SNAPSHOT_DAYS_AGO } from '../../sandbox/scenario/search.ts';
import { ensureEndpoint } from '../../sandbox/services/opensearch/data-plane.ts';
import { opensearchState } from '../../sandbox/services/opensearch/state.ts';
import { COMPANY_ACCOUNT } from '../../sandbox/scenario/index.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const SEARCH = PROD_SEARCH[0];
const STATE_BYTE: Record<string, number> = { SUCCESS: 1, FAILED: 2, PARTIAL: 3 };

let sb: TestSandbox;
let s3: S3Client;
let domain: Client;

beforeAll(async () => {
  sb = await startTestSandbox();
  s3 = new S3Client(sb.config());
  const record = opensearchState(sb.world, COMPANY_ACCOUNT, COMPANY_REGION).domains.get(SEARCH.id)!;
  const endpoint = await ensureEndpoint(sb.world, record);
  const { credentials } = sb.config();
  domain = new Client({
    ...AwsSigv4Signer({ region: COMPANY_REGION, service: 'es', getCredentials: () => Promise.resolve(credentials) }),
    node: `http://${endpoint}`,
  });
});
afterAll(async () => {
  s3?.destroy();
  await domain?.close();
  await sb?.close();
});

async function listAll(prefix?: string, delimiter?: string): Promise<{ objects: _Object[]; prefixes: string[] }> {
  const objects: _Object[] = [];
  const prefixes: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: SEARCH.bucket, Prefix: prefix, Delimiter: delimiter, ContinuationToken: token }));
    objects.push(...(page.Contents ?? []));
    prefixes.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix!));
    token = page.NextContinuationToken;
  } while (token);
  return { objects, prefixes };
}

async function read(key: string): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket: SEARCH.bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

interface SnapshotView {
  snapshot: string;
  uuid: string;
  state: string;
  indices: string[];
  end_time_in_millis: number;
}

async function domainSnapshots(): Promise<SnapshotView[]> {
  const out = await domain.snapshot.get({ repository: SEARCH.repository, snapshot: '_all' });
  return (out.body as { snapshots: SnapshotView[] }).snapshots;
}

describe("the production domain's repository bucket", () => {
  it('holds index-N, index.latest, snap-/meta- blobs and indices/ at the root, as OpenSearch lays them out', async () => {
    const { objects, prefixes } = await listAll(undefined, '/');
    const keys = objects.map((o) => o.Key!);
    const generations = keys.filter((k) => /^index-\d+$/.test(k));
    expect(generations).toHaveLength(1);
    expect(keys).toContain('index.latest');
    expect(prefixes).toEqual(['indices/']);
    const latest = await read('index.latest');
    expect(latest).toHaveLength(8);
    expect(`index-${latest.readBigInt64BE()}`).toBe(generations[0]);
    const data = JSON.parse((await read(generations[0])).toString('utf8')) as {
      snapshots: { name: string; uuid: string; state: number; version: string; index_metadata_lookup: Record<string, string> }[];
      indices: Record<string, { id: string; snapshots: string[]; shard_generations: (string | null)[] }>;
      min_version: string;
      index_metadata_identifiers: Record<string, string>;
    };
    expect(Object.keys(data)).toEqual(['snapshots', 'indices', 'min_version', 'index_metadata_identifiers']);
    expect(data.min_version).toBe('7.9.0');
    for (const s of data.snapshots) {
      expect(Object.keys(s)).toEqual(['name', 'uuid', 'state', 'index_metadata_lookup', 'version']);
      expect(s.version).toBe('2.17.0');
      expect(keys).toContain(`snap-${s.uuid}.dat`);
      expect(keys).toContain(`meta-${s.uuid}.dat`);
    }
    // Each index's id is a folder under indices/, with the metadata blob its identifier names and a folder per shard.
    const products = data.indices.products;
    const inside = (await listAll(`indices/${products.id}/`, '/'));
    const identifier = data.snapshots.at(-1)!.index_metadata_lookup[products.id];
    expect(inside.objects.map((o) => o.Key)).toEqual([`indices/${products.id}/meta-${data.index_metadata_identifiers[identifier]}.dat`]);
    expect(inside.prefixes).toEqual(['0/', '1/', '2/'].map((p) => `indices/${products.id}/${p}`));
    const shard = (await listAll(`indices/${products.id}/0/`)).objects.map((o) => o.Key!);
    expect(shard).toContain(`indices/${products.id}/0/index-${products.shard_generations[0]}`);
    expect(shard).toContain(`indices/${products.id}/0/snap-${data.snapshots.at(-1)!.uuid}.dat`);
    // The .dat blobs carry Lucene's codec header (CODEC_MAGIC) and footer.
    const snap = await read(`snap-${data.snapshots[0].uuid}.dat`);
    expect(snap.readUInt32BE(0)).toBe(0x3fd76c17);
    expect(snap.readUInt32BE(snap.length - 16)).toBe(~0x3fd76c17 >>> 0);
  });

  it('agrees with the domain: the same snapshots, uuids and states, each snap-<uuid>.dat written when it ended', async () => {
    const fromDomain = (await domainSnapshots()).filter((s) => s.state !== 'IN_PROGRESS');
    const { objects } = await listAll(undefined, '/');
    const generation = objects.map((o) => o.Key!).find((k) => /^index-\d+$/.test(k))!;
    const data = JSON.parse((await read(generation)).toString('utf8')) as {
      snapshots: { name: string; uuid: string; state: number }[];
      indices: Record<string, { snapshots: string[] }>;
    };
    expect(data.snapshots.map((s) => [s.name, s.uuid, s.state])).toEqual(fromDomain.map((s) => [s.snapshot, s.uuid, STATE_BYTE[s.state]]));
    expect(fromDomain.length).toBeGreaterThanOrEqual(34);
    const modified = new Map(objects.map((o) => [o.Key, o.LastModified!.getTime()]));
    for (const s of fromDomain) {
      // XML times are whole seconds or milliseconds; the sandbox writes milliseconds.
      expect(modified.get(`snap-${s.uuid}.dat`)).toBe(s.end_time_in_millis);
      const held = Object.entries(data.indices).filter(([, e]) => e.snapshots.includes(s.uuid)).map(([name]) => name).sort();
      expect(held).toEqual([...s.indices].sort());
    }
    const partial = fromDomain.filter((s) => s.state === 'PARTIAL');
    expect(partial).toHaveLength(1);
    expect(partial[0].snapshot).toBe(`${SEARCH.snapshotPrefix}${new Date(sb.world.clock.nowMs() - PARTIAL_SEARCH_SNAPSHOT_DAYS_AGO * DAY_MS + 9 * 3_600_000).toISOString().slice(0, 10)}`);
  });

  it('moves on with the clock: a day later one more generation, the new snapshot in it and the oldest gone', async () => {
    const before = (await listAll('index-')).objects.map((o) => o.Key!);
    const n = Number(before[0].slice('index-'.length));
    sb.world.clock.advance(DAY_MS);
    const after = (await listAll('index-')).objects.map((o) => o.Key!);
    expect(after).toEqual([`index-${n + 2}`]);
    const data = JSON.parse((await read(after[0])).toString('utf8')) as { snapshots: { name: string }[] };
    expect(data.snapshots.map((s) => s.name)).toEqual((await domainSnapshots()).filter((s) => s.state !== 'IN_PROGRESS').map((s) => s.snapshot));
  });
});
