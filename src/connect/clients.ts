import type { ConnectionDetails } from '../engines/types.ts';

/** The wire protocol a clone speaks, from the engine the service reports (postgres, aurora-mysql, valkey, OpenSearch_2.11…). */
export type Protocol = 'postgresql' | 'mysql' | 'redis' | 'opensearch';

export function protocolOf(engine: string): Protocol | undefined {
  const e = engine.toLowerCase();
  if (e.includes('postgres')) return 'postgresql';
  if (e.includes('mysql') || e.includes('mariadb')) return 'mysql';
  if (e.includes('redis') || e.includes('valkey')) return 'redis';
  if (e.includes('opensearch') || e.includes('elasticsearch')) return 'opensearch';
  return undefined;
}

/** Where a client connects: the clone's endpoint, or the local end of a tunnel to it. */
export interface Address {
  host: string;
  port: number;
}

const DEFAULT_DATABASE: Partial<Record<Protocol, string>> = { postgresql: 'postgres' };

const databaseOf = (c: ConnectionDetails, protocol: Protocol | undefined) => c.database ?? (protocol ? DEFAULT_DATABASE[protocol] : undefined);

/** URLs hold IPv6 literals in brackets. */
const hostInUrl = (host: string) => (host.includes(':') ? `[${host}]` : host);

/**
 * The connection URL of a clone at `at`: `postgresql://user:password@host:port/db`, `mysql://…`, `rediss://…`
 * (TLS) or `https://host:port` (OpenSearch signs requests instead). Without `password` the URL carries the
 * user only, for output that must not show secrets.
 */
export function connectionUrl(c: ConnectionDetails, at: Address, password?: string): string {
  const protocol = protocolOf(c.engine);
  const where = `${hostInUrl(at.host)}:${at.port}`;
  if (protocol === 'opensearch') return `https://${where}`;
  const scheme = protocol === 'redis' ? (c.tls ? 'rediss' : 'redis') : (protocol ?? 'tcp');
  const user = encodeURIComponent(c.username);
  const credentials = password === undefined ? (user ? `${user}@` : '') : `${user}:${encodeURIComponent(password)}@`;
  const database = databaseOf(c, protocol);
  return `${scheme}://${credentials}${where}${database && protocol !== 'redis' ? `/${encodeURIComponent(database)}` : ''}`;
}

/**
 * The environment a client program finds the clone in, the password included (libpq's PG*, the mysql
 * client's MYSQL_HOST/MYSQL_TCP_PORT/MYSQL_PWD and USER, redis-cli's REDISCLI_AUTH); plus SNAPCLONE_HOST and
 * SNAPCLONE_PORT whatever the engine. Handed to a child process or written as a .env file, never printed.
 */
export function connectionEnv(c: ConnectionDetails, at: Address): Record<string, string> {
  const protocol = protocolOf(c.engine);
  const common = { SNAPCLONE_HOST: at.host, SNAPCLONE_PORT: String(at.port) };
  switch (protocol) {
    case 'postgresql':
      return {
        ...common,
        PGHOST: at.host,
        PGPORT: String(at.port),
        PGUSER: c.username,
        PGPASSWORD: c.password,
        PGDATABASE: databaseOf(c, protocol)!,
        DATABASE_URL: connectionUrl(c, at, c.password),
      };
    case 'mysql':
      return {
        ...common,
        MYSQL_HOST: at.host,
        MYSQL_TCP_PORT: String(at.port),
        MYSQL_PWD: c.password,
        // The mysql client's default user name on Unix.
        USER: c.username,
        ...(c.database ? { MYSQL_DATABASE: c.database } : {}),
        DATABASE_URL: connectionUrl(c, at, c.password),
      };
    case 'redis':
      return {
        ...common,
        REDIS_HOST: at.host,
        REDIS_PORT: String(at.port),
        ...(c.password ? { REDISCLI_AUTH: c.password } : {}),
        REDIS_URL: connectionUrl(c, at, c.password || undefined),
      };
    case 'opensearch':
      return { ...common, OPENSEARCH_URL: connectionUrl(c, at) };
    default:
      return common;
  }
}

/** A word as a POSIX shell reads it: quoted unless it is plainly safe. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command line of the engine's own client for a clone at `at`, with no password on it: psql and mysql take
 * theirs from PGPASSWORD / MYSQL_PWD, redis-cli from REDISCLI_AUTH (what `--format env` writes). Undefined for
 * engines without such a client (OpenSearch: requests are SigV4-signed).
 */
export function clientCommand(c: ConnectionDetails, at: Address): string | undefined {
  const protocol = protocolOf(c.engine);
  const host = shellWord(at.host);
  switch (protocol) {
    case 'postgresql':
      return `psql -h ${host} -p ${at.port} -U ${shellWord(c.username)} -d ${shellWord(databaseOf(c, protocol)!)}`;
    case 'mysql':
      return `mysql -h ${host} -P ${at.port} -u ${shellWord(c.username)}${c.database ? ` ${shellWord(c.database)}` : ''}`;
    case 'redis':
      return `redis-cli${c.tls ? ' --tls' : ''} -h ${host} -p ${at.port}`;
    default:
      return undefined;
  }
}

/** The engine's own client program, as `snapclone connect NAME -- <it>` runs it. */
const CLIENT_PROGRAM: Partial<Record<Protocol, string>> = { postgresql: 'psql', mysql: 'mysql', redis: 'redis-cli' };

/**
 * `snapclone connect <clone> -- <client>` for a clone of `engine` (`redis-cli --tls` for a clone that requires
 * TLS; no command for OpenSearch): what `credentials` and the Action's summary say where a relay is configured.
 */
export function connectCommand(clone: string, engine: string, tls?: boolean): string {
  const client = CLIENT_PROGRAM[protocolOf(engine) ?? 'opensearch'];
  return `snapclone connect ${shellWord(clone)}${client ? ` -- ${client}${client === 'redis-cli' && tls ? ' --tls' : ''}` : ''}`;
}

/** The variable a client command takes the password from. */
export function passwordVariable(engine: string): string | undefined {
  const protocol = protocolOf(engine);
  return protocol === 'postgresql' ? 'PGPASSWORD' : protocol === 'mysql' ? 'MYSQL_PWD' : protocol === 'redis' ? 'REDISCLI_AUTH' : undefined;
}

/** Lines of a .env file: KEY=value, values quoted where a shell or dotenv would split them. */
export function envFileLines(env: Record<string, string>): string[] {
  return Object.entries(env).map(([key, value]) => `${key}=${shellWord(value)}`);
}

/** Whether `program` (a path or a name) is redis-cli, or valkey-cli (the same client under Valkey's name). */
const isRedisCli = (program: string) => /(^|\/)(redis|valkey)-cli$/.test(program);

/**
 * The command `snapclone connect` runs: as given, except redis-cli, which reads no host, port or TLS setting from
 * its environment (only the password, REDISCLI_AUTH): it gets `-h`, `-p` and, for a clone that requires TLS,
 * `--tls` right after its name, each unless the user already passed it (or a `-u` URI). Verifying the server's
 * certificate stays the user's: AWS's is trusted by the system's store; the sandbox's is self-signed
 * (`--insecure`, or `--cacert FILE`).
 */
export function commandFor(c: ConnectionDetails, at: Address, argv: string[]): string[] {
  if (protocolOf(c.engine) !== 'redis' || !isRedisCli(argv[0] ?? '')) return argv;
  const given = new Set(argv.slice(1));
  if (given.has('-u')) return argv;
  const added = [
    ...(given.has('-h') ? [] : ['-h', at.host]),
    ...(given.has('-p') ? [] : ['-p', String(at.port)]),
    ...(c.tls && !given.has('--tls') ? ['--tls'] : []),
  ];
  return [argv[0], ...added, ...argv.slice(1)];
}
