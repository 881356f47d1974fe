import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { ColumnType } from './dataset.ts';
import type { Engine, EngineSpec, RunningEngine } from './engine.ts';
import { insertsOf, literal } from './sql.ts';

/**
 * MySQL for clones of RDS for MySQL (and MariaDB): Debian's MariaDB server (package mariadb-server), one
 * `mariadbd` per clone on a private data directory in a temporary folder, listening only on a Unix socket there;
 * clients reach it through the clone's loopback port (lazy.ts), proxied. Where mariadbd is not installed the
 * clone's port answers with an error saying so, and everything else works.
 */

const PROGRAMS = {
  server: ['/usr/sbin/mariadbd', '/usr/bin/mariadbd'],
  installDb: ['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db'],
  client: ['/usr/bin/mariadb', '/usr/bin/mysql'],
};

function executable(candidates: string[]): string | undefined {
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const programs = () => ({ server: executable(PROGRAMS.server), installDb: executable(PROGRAMS.installDb), client: executable(PROGRAMS.client) });

const TYPES: Record<ColumnType, string> = { id: 'INT PRIMARY KEY', int: 'INT', text: 'VARCHAR(255)', money: 'DECIMAL(12,2)', time: 'DATETIME(3)', date: 'DATE' };
const quote = (name: string) => `\`${name.replaceAll('`', '``')}\``;
/** DATETIME in UTC (the session's time zone is set to +00:00). */
const timeLiteral = (ms: number) => `'${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}'`;
/** Quotes are doubled in literals (sql.ts), so backslashes must stay plain characters. */
const SQL_MODE = "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES'); SET time_zone = '+00:00';";
/** Small buffers: a clone holds hundreds of rows, and a test may run several. */
const SERVER_OPTIONS = ['--innodb-buffer-pool-size=8M', '--innodb-log-file-size=4M', '--skip-log-bin', '--performance-schema=OFF', '--skip-name-resolve'];

/**
 * Every folder and server this process started: each is removed when its clone is deleted or its sandbox closes;
 * should the process exit first, they are removed and killed then.
 */
const leftovers = { dirs: new Set<string>(), servers: new Set<ChildProcess>() };
let exitHookInstalled = false;
function track(dir: string): void {
  leftovers.dirs.add(dir);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const server of leftovers.servers) server.kill('SIGKILL');
    for (const d of leftovers.dirs) rmSync(d, { recursive: true, force: true });
  });
}

/**
 * A fresh data directory made by mariadb-install-db (a second or two). One per clone, in the clone's own folder:
 * nothing is shared between clones or left to clean up once the clone's folder is removed.
 */
function installDataDir(data: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const args = ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db', `--user=${userInfo().username}`, '--innodb-log-file-size=4M'];
    const install = spawn(programs().installDb!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    install.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    install.on('error', reject);
    install.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mariadb-install-db failed (${code}): ${stderr.trim().slice(-500)}`))));
  });
}

/** Runs SQL through the mariadb client on the server's socket as root (password in the environment, never in argv). */
function runSql(socketPath: string, rootPassword: string | undefined, sql: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const client = spawn(programs().client!, ['--no-defaults', `--socket=${socketPath}`, '--user=root', '--batch'], {
      stdio: ['pipe', 'ignore', 'pipe'],
      env: { ...process.env, MYSQL_PWD: rootPassword ?? '' },
    });
    let stderr = '';
    client.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    client.on('error', reject);
    client.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mariadb client failed (${code}): ${stderr.trim().slice(0, 500)}`))));
    client.stdin!.end(`${SQL_MODE}\n${sql}\n`);
  });
}

function waitForSocket(path: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (server.exitCode !== null) return reject(new Error(`mariadbd exited (${server.exitCode}): ${log().slice(-500)}`));
      const probe = connect(path);
      probe.once('connect', () => {
        probe.destroy();
        resolve();
      });
      probe.once('error', () => {
        probe.destroy();
        if (Date.now() > deadline) reject(new Error('mariadbd did not start within 30 s'));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

const account = (username: string) => `${literal(username)}@'%'`;

async function startMysql(spec: EngineSpec): Promise<RunningEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'snapclone-mariadb-'));
  track(dir);
  const data = join(dir, 'data');
  try {
    await installDataDir(data);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    leftovers.dirs.delete(dir);
    throw error;
  }
  const socketPath = join(dir, 'mysqld.sock');
  const server = spawn(
    programs().server!,
    ['--no-defaults', `--datadir=${data}`, `--socket=${socketPath}`, `--pid-file=${join(dir, 'mysqld.pid')}`, '--skip-networking', `--user=${userInfo().username}`, `--log-error=${join(dir, 'error.log')}`, ...SERVER_OPTIONS],
    { stdio: 'ignore' },
  );
  leftovers.servers.add(server);
  const remove = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      const timer = setTimeout(() => server.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    leftovers.servers.delete(server);
    rmSync(dir, { recursive: true, force: true });
    leftovers.dirs.delete(dir);
  };
  try {
    await waitForSocket(socketPath, server, () => '');
    const rootPassword = randomBytes(24).toString('base64url');
    await runSql(socketPath, undefined, [
      `CREATE DATABASE ${quote(spec.database)};`,
      `USE ${quote(spec.database)};`,
      ...spec.data.tables.map((t) => `CREATE TABLE ${quote(t.schema.name)} (${t.schema.columns.map((c) => `${quote(c.name)} ${TYPES[c.type]}`).join(', ')});`),
      ...insertsOf(spec.data, quote, timeLiteral),
      // The master user, as RDS makes it; root keeps a password nobody is told, and no other account remains.
      `CREATE USER ${account(spec.username)} IDENTIFIED BY ${literal(spec.password)};`,
      `GRANT ALL PRIVILEGES ON *.* TO ${account(spec.username)} WITH GRANT OPTION;`,
      `DELETE FROM mysql.global_priv WHERE NOT ((User = 'root' AND Host = 'localhost') OR User IN ('mariadb.sys', ${literal(spec.username)}));`,
      `ALTER USER 'root'@'localhost' IDENTIFIED BY ${literal(rootPassword)};`,
      'FLUSH PRIVILEGES;',
    ].join('\n'));
    return {
      serve(socket: Socket) {
        const upstream = connect(socketPath);
        upstream.on('error', () => socket.destroy());
        socket.on('error', () => upstream.destroy());
        socket.on('close', () => upstream.destroy());
        upstream.on('close', () => socket.destroy());
        socket.pipe(upstream);
        upstream.pipe(socket);
      },
      setPassword: (password) => runSql(socketPath, rootPassword, `ALTER USER ${account(spec.username)} IDENTIFIED BY ${literal(password)};`),
      stop: remove,
    };
  } catch (error) {
    await remove();
    throw error;
  }
}

/**
 * The error packet a MySQL server sends instead of its greeting when it will not serve a client (as for "Host
 * is blocked"): the client prints the message.
 */
function refuse(socket: Socket, message: string): void {
  const body = Buffer.concat([Buffer.from([0xff]), Buffer.from([0x6a, 0x04]) /* 1130, ER_HOST_NOT_PRIVILEGED */, Buffer.from(message, 'utf8')]);
  const header = Buffer.alloc(4);
  header.writeUIntLE(body.length, 0, 3);
  header[3] = 0;
  socket.end(Buffer.concat([header, body]));
}

export const mysql: Engine = {
  name: 'MySQL',
  unavailable() {
    const found = programs();
    if (!found.server || !found.installDb || !found.client) {
      return 'MariaDB is not installed on this machine (Debian: apt-get install mariadb-server); the clone exists, its data cannot be served';
    }
    return undefined;
  },
  start: startMysql,
  refuse,
};

/** Whether this machine can serve MySQL clones (tests skip what needs it, saying why). */
export const mysqlAvailable = (): boolean => mysql.unavailable() === undefined;

/** The folders of the MariaDB servers this process runs (tests check that none is left behind). */
export const mysqlFolders = (): string[] => [...leftovers.dirs];

/** Exported for tests that read a clone with the stock client. */
export const mysqlClient = (): string | undefined => programs().client;
