import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { DataSet } from './dataset.ts';
import type { Engine, RunningEngine } from './engine.ts';

/**
 * A clone's endpoint on loopback: the port listens at once (cheap), and the engine starts, loaded with the clone's
 * data, on the first connection — a sandbox holds hundreds of clones nobody connects to.
 */
export interface LazyEndpoint {
  /** The loopback port; undefined for the moment it takes to bind (a tick), or if binding failed (logged). */
  readonly port: number | undefined;
  /** Whether the engine has been started. */
  readonly started: boolean;
  /** Closes the port (connections are refused from then on) and stops the engine; every call waits for the one stop. */
  stop(): Promise<void>;
}

export interface LazySpec {
  /** The data the engine is loaded with, computed when it starts. */
  data: () => DataSet;
  database: string;
  username: string;
  /**
   * The password that opens the clone now, read on every connection (a rotation takes effect on the running
   * engine before the next client is served); undefined refuses the connection (the clone is not reachable yet).
   */
  password: () => string | undefined;
  /**
   * How many times the password has been set (RDS's ModifyDBInstance…): a password set again is applied again
   * even when it is the one applied last, since a database user may have changed it meanwhile (ALTER ROLE …
   * PASSWORD over the wire, which the sandbox does not see). Without it only a different password is applied.
   */
  passwordSets?: () => number;
}

/**
 * Listens on a free loopback port at once: Node binds on the next tick (it "looks up" even an IP address), so
 * the port is known before any later request is answered; restore handlers need not wait for it.
 */
export function serveLazily(engine: Engine, spec: LazySpec): LazyEndpoint {
  let running: Promise<RunningEngine> | undefined;
  let applied: { password: string; sets: number } | undefined;
  /** Connections are readied one after another: the engine starts once, passwords change in order. */
  let queue: Promise<unknown> = Promise.resolve();
  let stopped = false;
  /** Stopping once: later calls (the sandbox closing after a delete) wait for the same stop. */
  let stopping: Promise<void> | undefined;
  const sockets = new Set<Socket>();

  const ready = async (password: string, sets: number): Promise<RunningEngine> => {
    if (!running) {
      applied = { password, sets };
      const starting = engine.start({ data: spec.data(), database: spec.database, username: spec.username, password });
      running = starting;
      // A start that failed is tried again by the next connection.
      starting.catch(() => {
        if (running === starting) running = undefined;
      });
    }
    const started = await running;
    if (password !== applied?.password || sets !== applied.sets) {
      await started.setPassword(password);
      applied = { password, sets };
    }
    return started;
  };

  const accept = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const why = engine.unavailable();
    if (why) return engine.refuse(socket, `The sandbox's data plane for ${engine.name} is unavailable: ${why}`);
    const password = spec.password();
    if (password === undefined) return socket.destroy();
    const sets = spec.passwordSets?.() ?? 0;
    const turn = queue.then(() => ready(password, sets));
    queue = turn.catch(() => undefined);
    turn.then(
      (started) => (stopped || socket.destroyed ? socket.destroy() : started.serve(socket)),
      (error: unknown) => {
        console.error(`[sandbox] ${engine.name} data plane:`, error);
        engine.refuse(socket, `The sandbox's ${engine.name} engine failed to start: ${(error as Error).message}`);
      },
    );
  };

  const server: Server = createServer(accept);
  server.on('error', (error) => console.error(`[sandbox] ${engine.name} data plane:`, error));
  let port: number | undefined;
  server.once('listening', () => (port = (server.address() as AddressInfo).port));
  server.listen(0, '127.0.0.1');
  return {
    /** Kept after stop: the endpoint still names the port, which refuses connections. */
    get port() {
      return port;
    },
    get started() {
      return running !== undefined;
    },
    stop() {
      stopping ??= (async () => {
        stopped = true;
        await new Promise<void>((resolve) => {
          if (!server.listening) server.once('listening', () => server.close());
          server.close(() => resolve());
          for (const socket of sockets) socket.destroy();
        });
        if (running) await running.then((e) => e.stop(), () => undefined);
      })();
      return stopping;
    },
  };
}
