import type { Socket } from 'node:net';
import type { DataSet } from './dataset.ts';

/**
 * A database engine that serves clones' data (postgres.ts, mysql.ts; a Redis engine follows the same shape).
 * `start` runs one engine holding `data`, opened by `username` with `password`; the lazy endpoint (lazy.ts) hands
 * it each client connection.
 */
export interface Engine {
  /** The engine's name, in messages. */
  readonly name: string;
  /** Why this machine cannot run the engine (a missing program), or undefined when it can. */
  unavailable(): string | undefined;
  start(spec: EngineSpec): Promise<RunningEngine>;
  /** Tells a client, in the engine's own protocol, that it cannot be served, then closes its connection. */
  refuse(socket: Socket, message: string): void;
}

export interface EngineSpec {
  data: DataSet;
  /** The database the data lives in (RDS DBName, Aurora DatabaseName). */
  database: string;
  username: string;
  password: string;
}

export interface RunningEngine {
  /** Serves one client connection. */
  serve(socket: Socket): void;
  /** Changes the user's password: new connections need the new one; open sessions stay, as on a real server. */
  setPassword(password: string): Promise<void>;
  /** Stops the engine and removes whatever it kept on disk. */
  stop(): Promise<void>;
}
