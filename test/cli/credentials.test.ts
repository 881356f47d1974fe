// snapclone credentials: the connection URL, a ready client line (password from the environment), `--format env`
// (read back by a real shell), `-o markdown` as a table, and how to connect on the configured path (direct, or
// `snapclone connect` through the relay). Against the sandbox under the generated policy.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as credentials from '../../src/commands/credentials.ts';
import { clientCommand, connectionUrl } from '../../src/connect/clients.ts';
import { render } from '../../src/output/render.ts';
import { RELAY, withRelay } from '../support/relay.ts';
import { createOne, startCli, type TestCli } from './support.ts';

let cli: TestCli;
let mysql: { name: string; host: string; port: number };
let postgres: { name: string; host: string; port: number };

beforeAll(async () => {
  cli = await startCli();
  const made = await Promise.all([createOne(cli, 'orders-db', { latest: true }), createOne(cli, 'billing-db', { latest: true })]);
  [mysql, postgres] = made.map(({ entry }) => ({ name: entry.name, host: entry.endpoint!.host, port: entry.endpoint!.port }));
}, 120_000);

afterAll(() => cli?.close());

/** What a POSIX shell reads from .env lines: the value of `variable`. */
function shellValue(lines: string[], variable: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'snapclone-env-'));
  try {
    writeFileSync(join(dir, '.env'), `${lines.join('\n')}\n`, { mode: 0o600 });
    return execFileSync('/bin/sh', ['-c', `. ./.env; printf %s "$${variable}"`], { cwd: dir, encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('credentials', () => {
  it('adds the URL, the mysql line without the password, and says the clone is reached directly', async () => {
    const result = await credentials.run({ clone: mysql.name }, cli.context().ctx);
    const password = cli.masterPassword(mysql.name)!;
    const fields = Object.fromEntries(result.fields!);
    expect(fields.url).toBe(`mysql://admin:${encodeURIComponent(password)}@${mysql.host}:${mysql.port}/orders`);
    expect(new URL(fields.url).password).toBe(encodeURIComponent(password));
    expect(fields.client).toMatch(new RegExp(`^mysql -h ${mysql.host.replace(/\./g, '\\.')} -P ${mysql.port} -u admin orders   \\(password from MYSQL_PWD: `));
    expect(fields.client).not.toContain(password);
    expect(fields.connect).toMatch(/^direct: reachable from inside its VPC/);
    expect(result.json).toMatchObject({ url: fields.url, client: `mysql -h ${mysql.host} -P ${mysql.port} -u admin orders`, connect: { via: 'direct' } });
  });

  it('gives a PostgreSQL clone a postgresql:// URL and a psql line that takes PGPASSWORD', async () => {
    const result = await credentials.run({ clone: postgres.name }, cli.context().ctx);
    const json = result.json as { url: string; client: string; username: string; database: string };
    expect(json.url).toMatch(new RegExp(`^postgresql://${json.username}:[^@]+@${postgres.host.replace(/\./g, '\\.')}:${postgres.port}/${json.database}$`));
    expect(json.client).toBe(`psql -h ${postgres.host} -p ${postgres.port} -U ${json.username} -d ${json.database}`);
    expect(Object.fromEntries(result.fields!).client).toContain('password from PGPASSWORD');
  });

  it('--format env: the lines of a .env file that a shell reads back exactly, password included', async () => {
    const result = await credentials.run({ clone: mysql.name, format: 'env' }, cli.context().ctx);
    const lines = result.lines!;
    expect(lines[0]).toBe(`# snapclone credentials ${mysql.name} (mysql)`);
    expect(shellValue(lines, 'MYSQL_PWD')).toBe(cli.masterPassword(mysql.name));
    expect(shellValue(lines, 'MYSQL_HOST')).toBe(mysql.host);
    expect(shellValue(lines, 'MYSQL_TCP_PORT')).toBe(String(mysql.port));
    expect(shellValue(lines, 'USER')).toBe('admin');
    expect(shellValue(lines, 'DATABASE_URL')).toBe((result.json as { url: string }).url);
    expect(render(result, 'table').split('\n')).toEqual(lines);
  });

  it('-o markdown: a real markdown table of the fields', async () => {
    const result = await credentials.run({ clone: mysql.name }, cli.context().ctx);
    const text = render(result, 'markdown').split('\n');
    expect(text.slice(0, 2)).toEqual(['| field | value |', '| --- | --- |']);
    expect(text).toContain(`| password | ${cli.masterPassword(mysql.name)!.replace(/\|/g, '\\|')} |`);
    expect(text).toContain(`| port | ${mysql.port} |`);
    expect(text.every((line) => /^\|.*\|$/.test(line))).toBe(true);
    // The table format keeps the aligned `name: value` lines.
    expect(render(result, 'table')).toContain(`\npassword: ${cli.masterPassword(mysql.name)}\n`);
  });

  it('with a relay configured: says to run snapclone connect, and the .env file says why its host is private', async () => {
    const ctx = () => cli.context({ config: withRelay }).ctx;
    const result = await credentials.run({ clone: mysql.name }, ctx());
    expect(Object.fromEntries(result.fields!).connect).toBe(`snapclone connect ${mysql.name} -- mysql   (through the relay ${RELAY}; the endpoint is private)`);
    expect(result.json).toMatchObject({ connect: { via: 'relay', relay: RELAY, command: `snapclone connect ${mysql.name} -- mysql` } });
    const env = await credentials.run({ clone: mysql.name, format: 'env' }, ctx());
    expect(env.lines![1]).toBe(`# The endpoint is private: snapclone connect ${mysql.name} -- mysql sets these for the command, pointing at the tunnel.`);
  });
});

describe('connection URLs and client lines of the other engines', () => {
  const cache = { host: 'master.snapclone-s.abc123.apne1.cache.amazonaws.com', port: 6379, username: 'default', password: 'p@ss/word:1', engine: 'valkey', tls: true };
  it('Redis OSS / Valkey with TLS: rediss:// with the password encoded, and redis-cli --tls (AUTH from REDISCLI_AUTH)', () => {
    expect(connectionUrl(cache, cache, cache.password)).toBe('rediss://default:p%40ss%2Fword%3A1@master.snapclone-s.abc123.apne1.cache.amazonaws.com:6379');
    expect(connectionUrl(cache, cache)).toBe('rediss://default@master.snapclone-s.abc123.apne1.cache.amazonaws.com:6379');
    expect(clientCommand(cache, cache)).toBe('redis-cli --tls -h master.snapclone-s.abc123.apne1.cache.amazonaws.com -p 6379');
  });
  it('OpenSearch: an https URL and no client line (requests are SigV4-signed)', () => {
    const search = { host: 'vpc-snapclone-x-abc.ap-northeast-1.es.amazonaws.com', port: 443, username: '', password: '', engine: 'OpenSearch_2.17', tls: true };
    expect(connectionUrl(search, search)).toBe('https://vpc-snapclone-x-abc.ap-northeast-1.es.amazonaws.com:443');
    expect(clientCommand(search, search)).toBeUndefined();
  });
});
