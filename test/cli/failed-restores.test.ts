// Restores that AWS ends in failure (sandbox fail-restore faults): create stops with exit 1 saying so and what
// to do, instead of waiting for ever, and the failed clone can be deleted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as deleteCommand from '../../src/commands/delete.ts';
import { ExitCode, SnapcloneError } from '../../src/core/errors.ts';
import { taggedAs } from '../support/sandbox.ts';
import { createOne, rejection, startCli, type TestCli } from './support.ts';

let cli: TestCli;
beforeAll(async () => {
  cli = await startCli();
});
afterAll(async () => {
  await cli?.close();
});

const CASES: [engine: string, source: string, service: string, operation: string, says: RegExp][] = [
  ['RDS', 'orders-db', 'rds', 'RestoreDBInstanceFromDBSnapshot', /ended up 'incompatible-restore' instead of available/],
  ['Aurora', 'catalog-db', 'rds', 'RestoreDBClusterFromSnapshot', /ended up 'failed' instead of available/],
  ['ElastiCache', 'sessions-cache', 'elasticache', 'CreateReplicationGroup', /ended up 'create-failed' instead of available/],
  ['OpenSearch', 'catalog-search', 'es', 'ESHttpPost', /The restore of .+ failed: red, with no recovery under way/],
];

describe('a restore that AWS ends in failure', () => {
  it.each(CASES)('%s: create exits 1 saying so, and the clone can be deleted', async (_engine, source, service, operation, says) => {
    cli.sb.world.faults.add({ service, operation, kind: 'fail-restore', count: 1 });
    const name = `snapclone-fail-${source.split('-')[0]}`;
    try {
      const error = await rejection(createOne(cli, source, { date: cli.day(2), name }), SnapcloneError);
      expect(error.exitCode, error.message).toBe(ExitCode.failed);
      expect(error.message).toMatch(says);
      expect(error.hint).toMatch(/snapclone (show|delete) snapclone-fail-/);
    } finally {
      cli.sb.world.faults.clear();
    }
    await deleteCommand.run({ clones: [name], yes: true, wait: true }, cli.context().ctx);
    expect(await taggedAs(cli.sb, name)).toEqual([]);
  });
});
