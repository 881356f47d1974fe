import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A stand-in for AWS's session-manager-plugin, put first on PATH: it answers `--version` as a current plugin,
 * records the command line and the StartSession response it was handed (as the aws CLI hands them: the name of
 * AWS_SSM_START_SESSION_RESPONSE, region, "StartSession", profile, request JSON, endpoint URL), and like the real
 * plugin opens `localPortNumber` on loopback and carries each connection to the request's host and port (a host
 * the sandbox does not serve goes where STANDIN_ROUTES maps it). It never prints the token.
 */
const SCRIPT = String.raw`#!/usr/bin/env node
const net = require('node:net');
const fs = require('node:fs');
const args = process.argv.slice(2);
if (args[0] === '--version') { process.stdout.write('1.2.764.0\n'); process.exit(0); }
const record = { args, response: process.env[args[0]] ? JSON.parse(process.env[args[0]]) : undefined };
fs.writeFileSync(process.env.STANDIN_RECORD, JSON.stringify(record));
const request = JSON.parse(args[4]);
const host = request.Parameters.host[0];
const port = Number(request.Parameters.portNumber[0]);
const routes = JSON.parse(process.env.STANDIN_ROUTES || '{}');
const [toHost, toPort] = (routes[host + ':' + port] || host + ':' + port).split(':');
const server = net.createServer((client) => {
  const upstream = net.connect(Number(toPort), toHost);
  client.pipe(upstream).pipe(client);
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
});
server.listen(Number(request.Parameters.localPortNumber[0]), '127.0.0.1', () => {
  process.stdout.write('Starting session with SessionId: ' + record.response.SessionId + '\nPort ' + request.Parameters.localPortNumber[0] + ' opened\n');
});
process.on('SIGTERM', () => { fs.writeFileSync(process.env.STANDIN_RECORD + '.ended', 'SIGTERM'); process.exit(0); });
`;

export interface StandIn {
  /** A PATH with the stand-in first. */
  path: string;
  /** Where it writes what it was handed. */
  record: string;
  dir: string;
}

export function standInPlugin(): StandIn {
  const dir = mkdtempSync(join(tmpdir(), 'snapclone-plugin-'));
  const file = join(dir, 'session-manager-plugin');
  writeFileSync(file, SCRIPT);
  chmodSync(file, 0o755);
  return { dir, path: `${dir}:${process.env.PATH ?? '/usr/bin:/bin'}`, record: join(dir, 'record.json') };
}

/**
 * A command run through the tunnel (node, as the stand-in for psql or mysql): connects to the host and port of
 * its environment, sends a line and prints the echo, prints which connection variables it got (their names and
 * lengths, never values) and a digest of the password, and ends with exit code 7.
 */
export const CLIENT_SCRIPT = String.raw`
const net = require('node:net');
const crypto = require('node:crypto');
const host = process.env.MYSQL_HOST || process.env.PGHOST || process.env.SNAPCLONE_HOST;
const port = Number(process.env.MYSQL_TCP_PORT || process.env.PGPORT || process.env.SNAPCLONE_PORT);
const password = process.env.MYSQL_PWD || process.env.PGPASSWORD || '';
const socket = net.connect(port, host, () => socket.write('hello\n'));
socket.once('data', (data) => {
  console.log('echo: ' + data.toString().trim());
  console.log('user: ' + process.env.USER);
  console.log('digest: ' + crypto.createHash('sha256').update(password).digest('hex'));
  console.log('argv: ' + JSON.stringify(process.argv.slice(2)));
  socket.end();
  process.exitCode = 7;
});
socket.on('error', (e) => { console.log('error: ' + e.message); process.exitCode = 9; });
`;
