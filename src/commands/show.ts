import type { Context } from '../core/context.ts';
import { finishCommand, PASSWORD_NOT_REPLACED } from '../core/finish.ts';
import type { CommandResult } from '../output/render.ts';
import { statusLabel } from '../output/status.ts';
import { costText } from '../cost/estimate.ts';
import { maskingState, maskingText } from '../masking/gate.ts';
import { membersOfConfigSet } from './config-sets.ts';
import {
  ageText,
  cloneCost,
  cloneJson,
  expiryText,
  lookupClone,
  setMembers,
  unknownClone,
  when,
  zoneOf,
} from './common.ts';

export interface ShowOptions {
  /** A clone name, or a set name (every member). */
  clone: string;
  target?: string;
}

/** snapclone show <clone>: endpoint, status, restore point, expiry (never a password). */
export async function run(options: ShowOptions, ctx: Context): Promise<CommandResult> {
  const zone = zoneOf(ctx);
  const found = await lookupClone(ctx, options.clone, options.target);
  if (!found) return showSet(ctx, options);
  const { clone } = found;
  const now = ctx.now();
  const rows: [string, string][] = [
    ['name', clone.clone],
    ['status', clone.tagged ? statusLabel(clone.status) : `${statusLabel(clone.status)} (not tagged yet)`],
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
      clone.credentials === 'pending' && maskingState(clone, ctx.config).state === 'failed'
        ? `locked: replaced by one nobody is told when its masking failed; ${finishCommand(clone, Object.keys(ctx.config.targets).length)} applies its own again and masks it`
        : clone.credentials === 'pending'
          ? `${PASSWORD_NOT_REPLACED}; finish it: ${finishCommand(clone, Object.keys(ctx.config.targets).length)}`
          : `${clone.credentials} (run snapclone credentials ${clone.clone})`,
    ],
    ['masking', maskingText(maskingState(clone, ctx.config))],
    ['cost', costText(cloneCost(clone, now))],
    ['arn', clone.arn],
    ...Object.entries(clone.details).map(([k, v]): [string, string] => [k, v]),
  ];
  return {
    json: { clone: cloneJson(clone, now) },
    table: { columns: ['field', 'value'], rows },
  };
}

/** snapclone show <set>: every member, one row each. */
async function showSet(ctx: Context, options: ShowOptions): Promise<CommandResult> {
  const zone = zoneOf(ctx);
  const made = await setMembers(ctx, options.clone, options.target);
  const members =
    made.length > 0 ? made : ((await membersOfConfigSet(ctx, options.clone, 'show', options.target)) ?? []);
  if (members.length === 0) throw unknownClone(ctx, options.clone, options.target);
  const now = ctx.now();
  return {
    json: { set: members[0].clone.set ?? options.clone, clones: members.map((m) => cloneJson(m.clone, now)) },
    table: {
      columns: ['name', 'source', 'owner', 'status', 'endpoint', 'data from', 'expires', 'cost'],
      rows: members.map(({ clone }) => [
        clone.clone,
        clone.source,
        clone.owner,
        statusLabel(clone.status),
        clone.endpoint ? `${clone.endpoint.host}:${clone.endpoint.port}` : '-',
        when(clone.restoreTime, zone),
        expiryText(clone, now, zone),
        costText(cloneCost(clone, now)),
      ]),
    },
  };
}
