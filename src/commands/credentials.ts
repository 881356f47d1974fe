import type { Context } from '../core/context.ts';
import type { CommandResult } from '../output/render.ts';
import { claimFor, findClone } from './common.ts';

export interface CredentialsOptions {
  clone: string;
  target?: string;
  /** Read another person's clone's credentials (recorded on the clone). */
  force?: boolean;
}

/** snapclone credentials <clone>: connection details including the password (the only command that shows it). */
export async function run(options: CredentialsOptions, ctx: Context): Promise<CommandResult> {
  const found = await findClone(ctx, options.clone, options.target);
  const clone = await claimFor(ctx, found, 'read the credentials of', options.force);
  const c = await found.engine.credentials(clone, ctx);
  return {
    json: {
      clone: clone.clone,
      target: clone.target,
      engine: c.engine,
      host: c.host,
      port: c.port,
      username: c.username,
      password: c.password,
      database: c.database ?? null,
      tls: c.tls ?? null,
      ...(c.auth ? { auth: c.auth } : {}),
    },
    lines: [
      `host:     ${c.host}`,
      `port:     ${c.port}`,
      `user:     ${c.username}`,
      `password: ${c.password}`,
      ...(c.auth ? [`auth:     ${c.auth}`] : []),
      ...(c.database ? [`database: ${c.database}`] : []),
      ...(c.tls !== undefined ? [`tls:      ${c.tls ? 'on' : 'off'}`] : []),
      `engine:   ${c.engine}`,
    ],
  };
}
