import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import type { Address } from './clients.ts';

/** A local end to a clone: where clients connect, until closed. */
export interface Tunnel {
  local: Address;
  /** How the connection is carried: 'direct' (the endpoint itself, or a local port forwarded to it) or 'relay'. */
  via: 'direct' | 'relay';
  /** Settles when the tunnel ends by itself (the plugin exited): why. */
  ended: Promise<string>;
  close(): Promise<void>;
}

/** A local TCP port (0: any free one) on loopback whose every connection is piped to `remote`. */
export async function forwardPort(remote: Address, localPort: number): Promise<Tunnel> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: remote.host, port: remote.port });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(localPort, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let ended: (why: string) => void = () => undefined;
  return {
    local: { host: '127.0.0.1', port },
    via: 'direct',
    ended: new Promise((resolve) => (ended = resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
        ended('closed');
      }),
  };
}

/** The endpoint itself, when no local port is asked for: nothing to open or close. */
export function directly(endpoint: Address): Tunnel {
  return { local: endpoint, via: 'direct', ended: new Promise(() => undefined), close: async () => undefined };
}

/** A free port on loopback (for the plugin, which opens the port itself). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether something accepts connections on a local port. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
