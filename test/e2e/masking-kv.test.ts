// Issue 23, masking before hand-over, on the sandbox's key-value and search engines: an ElastiCache clone of
// sessions-cache (a real Redis over TLS with the sandbox's own certificate) and an OpenSearch clone of
// catalog-search. A create of a source with masking rules masks and verifies the clone before `credentials`
// hands anything out; what the clone then holds is masked as the rules say (read with the engines' own clients,
// compared with the source's history at the clone's time); a field nobody decided about, or an index without
// rules holding a sensitive-looking field, stops the run by name, and the clone is deleted (onFailure's default
// for these engines), nothing handed out.
import { readFile } from 'node:fs/promises';
import { DescribeDomainCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import * as credentials from '../../src/commands/credentials.ts';
import * as maskingPlan from '../../src/commands/masking.ts';
import * as show from '../../src/commands/show.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Context } from '../../src/core/context.ts';
import { SnapcloneError } from '../../src/core/errors.ts';
import { MaskingSchema, type MaskingConfig } from '../../src/masking/config.ts';
import { FAKE_EMAIL_DOMAIN } from '../../src/masking/transforms.ts';
import { nextDailyUtc } from '../../sandbox/core/clock.ts';
import { opensslPath } from '../../sandbox/data/certificate.ts';
import { keyspaceHistoryOf, restoredKeyspace, type Keyspace } from '../../sandbox/data/keyspace-history.ts';
import { documentsAt, type SearchDocument } from '../../sandbox/data/search-documents.ts';
import { certificateFile } from '../../sandbox/services/elasticache/data-plane.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION, PROD_SEARCH } from '../../sandbox/scenario/index.ts';
import { createdClones, everything, startCli, type TestCli } from '../cli/support.ts';
import { historyOfSource } from './data-support.ts';

const SLOW = 300_000;
const DAY = 86_400_000;
const MASKED_EMAIL = new RegExp(`^[0-9a-f]{4,16}@${FAKE_EMAIL_DOMAIN.replace('.', '\\.')}$`);

/**
 * The sandbox's clock starts at 19:00 UTC, two hours after sessions-prod's daily snapshot (its window starts at
 * 17:00 UTC): the newest snapshot still holds cached profiles (6-hour TTL) that have not expired when its clone
 * starts. At the suites' default 03:00 UTC every profile of every snapshot has expired, and the string keys'
 * masking would go untested.
 */
const START_UTC = { hour: 19, minute: 0 };

let cli: TestCli;
beforeAll(async () => {
  const pinned = process.env.SNAPCLONE_TEST_NOW;
  process.env.SNAPCLONE_TEST_NOW = new Date(nextDailyUtc(Date.now(), START_UTC.hour, START_UTC.minute)).toISOString();
  let started: Promise<TestCli>;
  try {
    // The clock is read as the sandbox starts, before startCli's first await (test/support/clock.ts).
    started = startCli();
  } finally {
    if (pinned === undefined) delete process.env.SNAPCLONE_TEST_NOW;
    else process.env.SNAPCLONE_TEST_NOW = pinned;
  }
  cli = await started;
});
afterAll(() => cli?.close());

/** The keys or documents a verified run masked, as its tag records them. */
const rowsOf = (tag: string | null | undefined) => Number(/ rows=(\d+) /.exec(String(tag))?.[1]);

/** The scenario's config with `masking` on one source. */
const withMasking = (source: string, masking: MaskingConfig) => (config: Config) => {
  config.sources[source].masking = masking;
  return config;
};

/**
 * `snapclone create <source> (--date D | --latest) [--name N]` with the rules, AWS_CA_BUNDLE naming the sandbox's
 * certificate (the CLI's context carries it as caBundle); the error when it fails.
 */
async function createMasked(
  source: string,
  masking: MaskingConfig,
  point: { date: string } | { latest: true },
  name?: string,
) {
  const { ctx, reporter } = cli.context({ config: withMasking(source, masking) });
  ctx.caBundle = await certificateFile(cli.sb.world);
  const result = await create
    .run({ sources: [source], ...point, wait: true, ...(name ? { name } : {}) }, ctx)
    .catch((error: unknown) => error as Error);
  return { result, reporter, ctx };
}

/** A refused run: exit 1, nothing changed, the clone deleted; returns the clone's name, the message and the hint. */
function refusedRun(result: unknown): { name: string; message: string; hint?: string } {
  expect(result).toBeInstanceOf(SnapcloneError);
  const failure = result as SnapcloneError;
  expect(failure.exitCode).toBe(1);
  expect(failure.message).toMatch(
    /: Masking refused to start \(nothing in the clone was changed\); the clone is being deleted \(onFailure: delete\)\. No credentials are handed out\./,
  );
  return { name: /^(\S+): Masking refused/.exec(failure.message)![1], message: failure.message, hint: failure.hint };
}

/**
 * Being deleted (delete does not wait; the sandbox's clock stands still meanwhile), tagged as failed, and refused
 * by credentials.
 */
async function expectDeleting(name: string, ctx: Context, problems = 1): Promise<void> {
  const shown = (await show.run({ clone: name }, ctx)).json as { clone: { status: string; masking: string } };
  expect(shown.clone).toMatchObject({ status: 'deleting', masking: `failed problems=${problems} deleted` });
  await expect(credentials.run({ clone: name }, ctx)).rejects.toThrow(
    `${name}: its masking failed (problems=${problems} deleted), so snapclone does not hand out its credentials.`,
  );
}

/** Once a deleted clone is gone (sandbox time moved on), the command a refusal printed makes it again, masked. */
async function rerun(source: string, masking: MaskingConfig, name: string, date: string, hint: string | undefined) {
  expect(hint).toContain(`then run: snapclone create ${source} --name ${name} --date ${date}`);
  cli.sb.world.clock.advance(60 * 60_000);
  const again = await createMasked(source, masking, { date }, name);
  if (again.result instanceof Error) throw again.result;
  const [entry] = createdClones(again.result.json);
  expect(entry).toMatchObject({ name, ready: true, resumed: false, masking: expect.stringMatching(/^verified /) });
  await credentials.run({ clone: name }, again.ctx);
}

describe.skipIf(!opensslPath())('masking sessions-cache (ElastiCache, over TLS)', () => {
  const SOURCE = 'sessions-cache';
  const PROD = 'sessions-prod';
  const sessionRules = {
    fields: { name: 'fake-name', email: 'fake-email', ip: 'keep-format', user_id: 'hash' },
    keep: ['user_agent', 'created_at', 'last_seen', 'ttl'],
  };
  const rules = (session: object = sessionRules) =>
    MaskingSchema.parse({ keys: { 'session:*': session, 'profile:*': { value: 'hash' } } });

  interface CacheCredentials {
    host: string;
    port: number;
    username: string;
    password: string;
    tls: boolean;
  }

  /** node-redis over TLS, the sandbox's certificate as the CA, the token `credentials` handed out. */
  async function redisOf(creds: CacheCredentials) {
    const client = createClient({
      socket: {
        host: creds.host,
        port: creds.port,
        tls: true,
        ca: await readFile(await certificateFile(cli.sb.world), 'utf8'),
        reconnectStrategy: false,
      },
      username: creds.username,
      password: creds.password,
      RESP: 2,
    });
    await client.connect();
    return client;
  }

  /** The keys the clone started with: its snapshot's, less those expired by its start (the sandbox's now). */
  const sourceKeys = (takenAt: number): Keyspace =>
    restoredKeyspace(
      keyspaceHistoryOf(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION, PROD)!,
      takenAt,
      cli.sb.world.clock.nowMs(),
    );

  it(
    'masks session hashes and profile strings, verifies, then hands out the token; kept fields and TTLs stay',
    async () => {
      const { result, reporter, ctx } = await createMasked(SOURCE, rules(), { latest: true });
      if (result instanceof Error) throw result;
      const [entry] = createdClones(result.json);
      expect(entry).toMatchObject({ engine: 'elasticache', ready: true });
      expect(entry.masking).toMatch(/^verified tables=2 rows=\d+ rules=5 checks=\d+$/);
      expect(reporter.text).toContain(`${entry.name}: masked and verified: tables=2`);
      const creds = (await credentials.run({ clone: entry.name }, ctx)).json as CacheCredentials;
      expect(creds).toMatchObject({ host: '127.0.0.1', tls: true });
      expect(everything(result, reporter)).not.toContain(creds.password);

      const original = sourceKeys(Date.parse(entry.point.time));
      const was = (field: string) =>
        new Set(
          [...original]
            .filter(([k]) => k.startsWith('session:'))
            .map(([, e]) => (e.value.value as Record<string, string>)[field]),
        );
      const client = await redisOf(creds);
      try {
        const keys = (await client.keys('*')).sort();
        // Masking rewrites values, never keys: the clone holds the snapshot's keys (none expire in a test's time).
        expect(keys).toEqual([...original.keys()].sort());
        const sessions = keys.filter((k) => k.startsWith('session:'));
        const profiles = keys.filter((k) => k.startsWith('profile:'));
        expect(sessions.length).toBeGreaterThan(10);
        expect(profiles.length).toBeGreaterThan(0);
        expect(rowsOf(entry.masking)).toBe(sessions.length + profiles.length);
        for (const key of sessions) {
          const masked = await client.hGetAll(key);
          const source = original.get(key)!.value.value as Record<string, string>;
          expect(Object.keys(masked).sort()).toEqual(Object.keys(source).sort());
          expect(masked.email, key).toMatch(MASKED_EMAIL);
          expect(was('name').has(masked.name), key).toBe(false);
          expect(was('ip').has(masked.ip), key).toBe(false);
          // keep-format: digits for digits, the dots kept.
          expect(masked.ip.replace(/\d/g, '9')).toBe(source.ip.replace(/\d/g, '9'));
          expect(masked.user_id).not.toBe(source.user_id);
          for (const kept of ['user_agent', 'created_at', 'last_seen', 'ttl']) expect(masked[kept]).toBe(source[kept]);
          expect(await client.ttl(key), key).toBeGreaterThan(0);
        }
        // The same user's sessions keep one masked user_id (a consistent hash), distinct users distinct ones.
        const userOf = new Map<string, Set<string>>();
        for (const key of sessions) {
          const source = (original.get(key)!.value.value as Record<string, string>).user_id;
          userOf.set(source, (userOf.get(source) ?? new Set()).add((await client.hGet(key, 'user_id')) ?? ''));
        }
        expect([...userOf.values()].every((ids) => ids.size === 1)).toBe(true);
        expect(new Set([...userOf.values()].map((ids) => [...ids][0])).size).toBe(userOf.size);
        for (const key of profiles) {
          const value = await client.get(key);
          const source = original.get(key)!.value.value as string;
          expect(value, key).not.toBe(source);
          expect(value).toMatch(/^[0-9a-f]{32}$/);
          expect(value).not.toContain('@');
          expect(await client.ttl(key), key).toBeGreaterThan(0);
        }
        // Unclaimed keys (carts, viewed sets, counters, config) are as they were.
        const config = await client.hGetAll('config:feature-flags');
        expect(config).toEqual(original.get('config:feature-flags')!.value.value);
      } finally {
        await client.close();
      }
    },
    SLOW,
  );

  it(
    'a session field nobody decided about (ip) stops the run by name; the clone is deleted, credentials refuses; the fixed rules make it again',
    async () => {
      const { ip: _ip, ...fields } = sessionRules.fields;
      const date = cli.day(7);
      const { result, ctx } = await createMasked(SOURCE, rules({ ...sessionRules, fields }), { date });
      const { name, message, hint } = refusedRun(result);
      expect(message).toContain('  - session:*.ip (');
      expect(message).toContain('has neither a rule nor keep');
      await expectDeleting(name, ctx);
      await rerun(SOURCE, rules(), name, date, hint);
    },
    SLOW,
  );

  it(
    'session keys no pattern claims, whose fields look sensitive, stop the run: named once by their shape, with what looks sensitive',
    async () => {
      const masking = MaskingSchema.parse({ keys: { 'profile:*': { value: 'hash' } } });
      const { result, ctx } = await createMasked(SOURCE, masking, { date: cli.day(9) });
      const { name, message } = refusedRun(result);
      // An ElastiCache clone's restore time is its snapshot's.
      const shown = (await show.run({ clone: name }, ctx)).json as { clone: { restoreTime: string } };
      const takenAt = Date.parse(shown.clone.restoreTime);
      const sessions = [...sourceKeys(takenAt).keys()].filter((k) => k.startsWith('session:'));
      expect(sessions.length).toBeGreaterThan(10);
      const named = message.split('\n').filter((l) => l.startsWith('  - '));
      // One line for all of them, by the keys' shape, with the count and what looks sensitive.
      expect(named).toHaveLength(1);
      // Key names can hold personal data: only the shape and the count are said, never a key.
      expect(named[0]).toMatch(
        new RegExp(
          `^ {2}- ${sessions.length} keys like session:\\* match no rule's pattern and look sensitive \\(.*email matches '\\*email\\*'.*\\): add a key pattern with rules for them$`,
        ),
      );
      for (const key of sessions) expect(message).not.toContain(key);
      expect(named[0]).toContain("name matches '*name*'");
      await expectDeleting(name, ctx, 1);
    },
    SLOW,
  );
});

describe('masking catalog-search (OpenSearch)', () => {
  const SOURCE = 'catalog-search';
  const PROD = PROD_SEARCH[0];
  // The documents' fields as the index mapping has them (the id is the document's _id, not a field).
  const customerRules = {
    fields: { name: 'fake-name', email: 'fake-email', phone: 'fake-phone', address: 'keep-format' },
    keep: ['created_at', 'updated_at'],
  };
  const productRules = { keep: ['sku', 'name', 'category', 'price_yen', 'stock', 'updated_at'] };
  const rules = (products: boolean) =>
    MaskingSchema.parse({
      indices: { 'customers*': customerRules, ...(products ? { 'products*': productRules } : {}) },
    });

  async function endpointOf(name: string): Promise<string> {
    const status = (await new OpenSearchClient(cli.sb.config()).send(new DescribeDomainCommand({ DomainName: name })))
      .DomainStatus!;
    return status.Endpoints?.vpc ?? status.Endpoint!;
  }

  /** The official client, SigV4-signed (service es) with the operator role's session, as snapclone signs. */
  async function asRole(domain: string): Promise<Client> {
    const clients = cli.context().ctx.clients('dev');
    return new Client({
      ...AwsSigv4Signer({ region: COMPANY_REGION, service: 'es', getCredentials: () => clients.credentials() }),
      node: `http://${await endpointOf(domain)}`,
      maxRetries: 0,
    });
  }

  /** When the clone's snapshot was taken, as the repository says (the documents are those of its start). */
  async function snapshotStart(client: Client, snapshot: string): Promise<number> {
    const body = (await client.snapshot.get({ repository: PROD.repository, snapshot })).body as {
      snapshots: { start_time_in_millis: number }[];
    };
    return body.snapshots[0].start_time_in_millis;
  }

  /** Every document of an index, by _id (GET _search, as the generated policy lets people read a clone). */
  async function documents(client: Client, index: string): Promise<Map<string, SearchDocument['_source']>> {
    const body = { query: { match_all: {} }, size: 10_000 };
    const found = (await client.transport.request({ method: 'GET', path: `/${index}/_search`, body })).body as {
      hits: { hits: { _id: string; _source: SearchDocument['_source'] }[] };
    };
    return new Map(found.hits.hits.map((h) => [h._id, h._source]));
  }

  it(
    'masks customers as the rules say, leaves products as they were, and verifies',
    async () => {
      const { result, reporter, ctx } = await createMasked(SOURCE, rules(true), { date: cli.day(6) });
      if (result instanceof Error) throw result;
      const [entry] = createdClones(result.json);
      expect(entry).toMatchObject({ engine: 'opensearch', ready: true });
      expect(entry.masking).toMatch(/^verified tables=1 rows=\d+ rules=4 checks=\d+$/);
      expect(reporter.text).toContain(`${entry.name}: masked and verified: tables=1`);
      await credentials.run({ clone: entry.name }, ctx);

      const client = await asRole(entry.name);
      try {
        const original = documentsAt(historyOfSource(cli, PROD.id), await snapshotStart(client, entry.point.id));
        const customers = await documents(client, 'customers');
        const sourceCustomers = original.get('customers')!;
        expect([...customers.keys()].sort()).toEqual(sourceCustomers.map((d) => d._id).sort());
        expect(rowsOf(entry.masking)).toBe(sourceCustomers.length);
        const was = (field: string) => new Set(sourceCustomers.map((d) => d._source[field]));
        for (const { _id, _source: source } of sourceCustomers) {
          const masked = customers.get(_id)!;
          expect(masked.email, _id).toMatch(MASKED_EMAIL);
          expect(was('name').has(masked.name), _id).toBe(false);
          expect(was('phone').has(masked.phone), _id).toBe(false);
          expect(String(masked.phone).replace(/\d/g, '9')).toBe(String(source.phone).replace(/\d/g, '9'));
          expect(masked.address).not.toBe(source.address);
          expect(String(masked.address).replace(/[a-z]/g, 'a').replace(/[A-Z]/g, 'A').replace(/\d/g, '9')).toBe(
            String(source.address).replace(/[a-z]/g, 'a').replace(/[A-Z]/g, 'A').replace(/\d/g, '9'),
          );
          expect(masked.created_at).toBe(source.created_at);
          expect(masked.updated_at).toBe(source.updated_at);
        }
        const products = await documents(client, 'products');
        expect(Object.fromEntries(products)).toEqual(
          Object.fromEntries(original.get('products')!.map((d) => [d._id, d._source])),
        );
      } finally {
        await client.close();
      }
    },
    SLOW,
  );

  it(
    'every transform on documents: numbers stay numbers, dates ISO dates; the mapping keeps every field, so the plan refuses nothing on the masked clone',
    async () => {
      const masking = MaskingSchema.parse({
        indices: {
          'customers*': {
            fields: { ...customerRules.fields, address: 'null', created_at: { transform: 'date-shift', days: 10 } },
            keep: ['updated_at'],
          },
          'products*': {
            fields: {
              sku: 'keep-format',
              name: 'hash',
              category: { transform: 'fixed', value: 'masked' },
              price_yen: 'hash',
              stock: 'null',
              updated_at: { transform: 'date-shift', days: 5 },
            },
          },
        },
      });
      const { result, ctx } = await createMasked(SOURCE, masking, { date: cli.day(10) });
      if (result instanceof Error) throw result;
      const [entry] = createdClones(result.json);
      expect(entry.masking).toMatch(/^verified tables=2 rows=\d+ rules=11 checks=\d+$/);

      const client = await asRole(entry.name);
      try {
        const original = documentsAt(historyOfSource(cli, PROD.id), await snapshotStart(client, entry.point.id));
        const shiftDays = (masked: unknown, source: unknown) => {
          expect(masked).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
          const days = (Date.parse(String(masked)) - Date.parse(String(source))) / DAY;
          expect(Number.isInteger(days) && days !== 0).toBe(true);
          return Math.abs(days);
        };
        const customers = await documents(client, 'customers');
        for (const { _id, _source: source } of original.get('customers')!) {
          const masked = customers.get(_id)!;
          expect(masked.address, _id).toBeNull();
          expect(shiftDays(masked.created_at, source.created_at)).toBeLessThanOrEqual(10);
          expect(masked.updated_at).toBe(source.updated_at);
        }
        const products = await documents(client, 'products');
        const priceOf = new Map<unknown, Set<unknown>>();
        for (const { _id, _source: source } of original.get('products')!) {
          const masked = products.get(_id)!;
          expect(masked.sku).toMatch(/^[A-Z]{3}-\d{6}$/);
          expect(masked.sku).not.toBe(source.sku);
          expect(masked.name).toMatch(/^[0-9a-f]{32}$/);
          expect(masked.category).toBe('masked');
          expect(masked.stock).toBeNull();
          expect(shiftDays(masked.updated_at, source.updated_at)).toBeLessThanOrEqual(5);
          // A long's hash is a long again (a keyed permutation: equal prices stay equal, distinct ones distinct).
          expect(Number.isSafeInteger(masked.price_yen), _id).toBe(true);
          expect(masked.price_yen).not.toBe(source.price_yen);
          priceOf.set(source.price_yen, (priceOf.get(source.price_yen) ?? new Set()).add(masked.price_yen));
        }
        expect([...priceOf.values()].every((masked) => masked.size === 1)).toBe(true);
        expect(new Set([...priceOf.values()].flatMap((masked) => [...masked])).size).toBe(priceOf.size);
      } finally {
        await client.close();
      }

      // Every field is still mapped as it was (OpenSearch never unmaps a field set to null or retypes a long).
      const plan = await maskingPlan.run({ source: SOURCE, clone: entry.name }, ctx);
      expect(plan.exitCode).toBeUndefined();
      expect((plan.json as { checked: { problems: string[] } }).checked.problems).toEqual([]);
    },
    SLOW,
  );

  it(
    'an index without rules holding a sensitive-looking field (products.name) stops the run; the domain is deleted; the fixed rules make it again',
    async () => {
      const date = cli.day(8);
      const { result, ctx } = await createMasked(SOURCE, rules(false), { date });
      const { name, message, hint } = refusedRun(result);
      expect(message).toContain("  - products.name looks sensitive (matches '*name*') and products has no rules");
      await expectDeleting(name, ctx);
      await rerun(SOURCE, rules(true), name, date, hint);
    },
    SLOW,
  );
});
