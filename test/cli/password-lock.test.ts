// Issue 23, the masking lock: a clone whose master password masking changed in the database (ALTER ROLE over the
// wire, to one nobody is told) and marked locked (Engine.markLocked: snapclone:password=locked) describes as
// pending, so `credentials` refuses it; the next create run applies its own password again — the secret's for
// 'generated', a rotation of RDS's managed secret for 'managed' — and the password handed out opens it again.
// Real SDK clients against the sandbox, under the policy snapclone generates.
import mysql2 from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as create from '../../src/commands/create.ts';
import * as credentials from '../../src/commands/credentials.ts';
import * as del from '../../src/commands/delete.ts';
import type { Config } from '../../src/config/schema.ts';
import { SnapcloneError } from '../../src/core/errors.ts';
import { PASSWORD_NOT_REPLACED } from '../../src/core/finish.ts';
import { TAG } from '../../src/core/tags.ts';
import { engineFor } from '../../src/engines/index.ts';
import { policyFor } from '../../src/iam/policy.ts';
import type { PolicyDocument } from '../../sandbox/core/iam.ts';
import { mysqlAvailable } from '../../sandbox/data/mysql.ts';
import { createdClones, rejection, startCli, type TestCli } from './support.ts';

interface Credentials {
  host: string;
  port: number;
  username: string;
  password: string;
  database: string;
}

const MINUTE = 60_000;
const SLOW = 240_000;
let cli: TestCli;
beforeAll(async () => {
  cli = await startCli();
});
afterAll(() => cli?.close());

type Mode = 'generated' | 'managed';
const withMode = (mode: Mode) => (c: Config) => {
  c.targets.dev.rds!.password = mode;
  c.targets.dev.aurora!.password = mode;
  return c;
};
/** The operator role's policy as snapclone generates it for the config in that password mode. */
const usePolicy = (mode: Mode) => {
  cli.sb.world.roles.get(cli.sb.scenario.roles.operator)!.policies = [policyFor(withMode(mode)(structuredClone(cli.config)), 'dev') as PolicyDocument];
};

async function connect(c: Credentials): Promise<pg.Client> {
  const client = new pg.Client({ host: c.host, port: c.port, user: c.username, password: c.password, database: c.database });
  // A refused client closes its connection: the sandbox's PostgreSQL serves one session at a time.
  await client.connect().catch(async (error: unknown) => {
    await client.end().catch(() => undefined);
    throw error;
  });
  return client;
}

async function query(c: Credentials, sql: string): Promise<unknown[]> {
  const client = await connect(c);
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

async function mysqlQuery(c: Credentials, sql: string, values?: unknown[]): Promise<unknown[]> {
  const connection = await mysql2.createConnection({ host: c.host, port: c.port, user: c.username, password: c.password, database: c.database });
  try {
    return (await connection.query(sql, values))[0] as unknown[];
  } finally {
    await connection.end();
  }
}

/** How the masking lock changes the master password over the wire, per engine; and whether a password opens the clone. */
const SQL = {
  postgres: {
    lock: (c: Credentials, password: string) => query(c, `ALTER ROLE CURRENT_USER PASSWORD '${password}'`),
    opens: (c: Credentials) => query(c, 'SELECT current_user AS u').then((rows) => rows.length === 1, () => false),
  },
  // MariaDB ignores ALTER USER CURRENT_USER() (see test/sandbox/database-passwords.test.ts): name the account.
  mysql: {
    lock: async (c: Credentials, password: string) => {
      const [{ account }] = (await mysqlQuery(c, 'SELECT CURRENT_USER() AS account')) as { account: string }[];
      const at = account.lastIndexOf('@');
      await mysqlQuery(c, 'ALTER USER ?@? IDENTIFIED BY ?', [account.slice(0, at), account.slice(at + 1), password]);
    },
    opens: (c: Credentials) => mysqlQuery(c, 'SELECT CURRENT_USER() AS u').then((rows) => rows.length === 1, () => false),
  },
};

const CASES = [
  ['rds', 'billing-db', 'generated', 'postgres'],
  ['rds', 'billing-db', 'managed', 'postgres'],
  ['aurora', 'catalog-db', 'generated', 'postgres'],
  ['aurora', 'catalog-db', 'managed', 'postgres'],
  ...(mysqlAvailable() ? ([['rds', 'orders-db', 'generated', 'mysql']] as const) : []),
] as const;

for (const [engine, source, mode, dialect] of CASES) {
  const { lock, opens } = SQL[dialect];
  describe(`${engine} (${source}, ${dialect}), password '${mode}'`, () => {
    it('locked over the wire and marked locked: credentials refuses it; create again re-applies its password, which opens it', async () => {
      usePolicy(mode);
      const config = withMode(mode);
      const at = new Date(cli.sb.world.clock.nowMs() - 10 * MINUTE).toISOString();
      const name = `snapclone-lock-${engine}-${dialect}-${mode}`;
      const first = await create.run({ sources: [source], at, name, wait: true }, cli.context({ config }).ctx);
      expect(createdClones(first.json)[0]).toMatchObject({ ready: true, credentials: mode });
      const before = (await credentials.run({ clone: name }, cli.context({ config }).ctx)).json as Credentials;
      expect(await opens(before)).toBe(true);

      // The masking lock: the master user changes its own password to one nobody is told, then the clone is marked.
      const nobodyKnows = `Locked-${Math.random().toString(36).slice(2)}-x9`;
      await lock(before, nobodyKnows);
      expect(await opens(before)).toBe(false);
      const { ctx } = cli.context({ config });
      const target = { name: 'dev', config: ctx.config.targets.dev };
      const clone = (await engineFor(engine).describe(name, target, ctx))!;
      await engineFor(engine).markLocked!(clone, ctx);
      const locked = (await engineFor(engine).describe(name, target, ctx))!;
      expect(locked.credentials).toBe('pending');
      const refused = await rejection(credentials.run({ clone: name }, cli.context({ config }).ctx), SnapcloneError);
      expect(refused.message).toContain(PASSWORD_NOT_REPLACED);
      expect(refused.hint).toContain(`snapclone create ${source} --name ${name}`);
      expect(refused.message).not.toContain(before.password);

      // The next create run gives the clone its own password again and records the mode.
      const again = await create.run({ sources: [source], at, name, wait: true }, cli.context({ config }).ctx);
      expect(createdClones(again.json)[0]).toMatchObject({ resumed: true, ready: true, credentials: mode });
      const after = (await credentials.run({ clone: name }, cli.context({ config }).ctx)).json as Credentials;
      // 'generated': the secret's password again; 'managed': a rotated one, the previous one no longer opens it.
      if (mode === 'generated') expect(after.password).toBe(before.password);
      else {
        expect(after.password).not.toBe(before.password);
        expect(await opens(before)).toBe(false);
      }
      expect(await opens(after)).toBe(true);
      expect(await opens({ ...after, password: nobodyKnows })).toBe(false);
      const tags = (await engineFor(engine).lookup(name, target, cli.context({ config }).ctx))!.tags;
      expect(tags[TAG.password]).toBe(mode);
      await del.run({ clones: [name], yes: true, wait: true }, cli.context({ config }).ctx);
    }, SLOW);
  });
}
