import type { Context } from '../core/context.ts';
import type { CommandResult } from '../output/render.ts';
import { ageText, cloneJson, expiryText, findClone, when, zoneOf } from './common.ts';

export interface ShowOptions {
  clone: string;
  target?: string;
}

/** snapclone show <clone>: endpoint, status, restore point, expiry (never a password). */
export async function run(options: ShowOptions, ctx: Context): Promise<CommandResult> {
  const zone = zoneOf(ctx);
  const { clone } = await findClone(ctx, options.clone, options.target);
  const now = ctx.now();
  const rows: [string, string][] = [
    ['name', clone.clone],
    ['status', clone.tagged ? clone.status : `${clone.status} (not tagged yet)`],
    ['engine', clone.engine],
    ['target', clone.target],
    ['source', clone.source],
    ['owner', clone.owner],
    ['data from', when(clone.restoreTime, zone)],
    ['restore point', clone.restorePoint || '-'],
    ['created', when(clone.createdAt, zone)],
    ['age', ageText(clone, now)],
    ['expires', expiryText(clone, now, zone)],
    ['endpoint', clone.endpoint ? `${clone.endpoint.host}:${clone.endpoint.port}` : '-'],
    [
      'password',
      clone.credentials === 'pending'
        ? "not replaced yet (still the source's): resume with snapclone create … --name " + clone.clone
        : `${clone.credentials}: snapclone credentials ${clone.clone}`,
    ],
    ['arn', clone.arn],
    ...Object.entries(clone.details).map(([k, v]): [string, string] => [k, v]),
  ];
  return {
    json: { clone: cloneJson(clone, now) },
    table: { columns: ['field', 'value'], rows },
  };
}
