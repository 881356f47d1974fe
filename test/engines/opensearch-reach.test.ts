// F7: a domain snapclone cannot reach (a VPC domain seen from outside its VPC) is said plainly, naming the
// endpoint and what to do, with the official client's own error on a port where nothing listens.
import { Client } from '@opensearch-project/opensearch';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SnapcloneError } from '../../src/core/errors.ts';
import { refusedExplained } from '../../src/engines/opensearch/data.ts';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('an OpenSearch domain that cannot be reached', () => {
  it('fails with the endpoint, the cause and the fix, not a bare client error', async () => {
    const endpoint = `127.0.0.1:${await closedPort()}`;
    const client = new Client({ node: `http://${endpoint}`, maxRetries: 0, requestTimeout: 2_000 });
    try {
      const error = await refusedExplained('clone snapclone-search-x', () => client.cat.indices({ format: 'json' }), endpoint).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SnapcloneError);
      expect((error as Error).message).toMatch(new RegExp(`^Could not reach the REST API of clone snapclone-search-x at ${endpoint}: `));
      expect((error as SnapcloneError).hint).toContain('answers only from inside that VPC');
    } finally {
      await client.close();
    }
  });

  it('other errors pass through unchanged', async () => {
    const boom = new Error('boom');
    await expect(refusedExplained('x', () => Promise.reject(boom))).rejects.toBe(boom);
  });
});
