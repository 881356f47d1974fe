import type { Context } from '../core/context.ts';
import { ExitCode, SnapcloneError, UsageError } from '../core/errors.ts';
import { finishCommand } from '../core/finish.ts';
import { checkInventory, type Problem } from '../masking/check.ts';
import { reach } from '../masking/clone.ts';
import { maskingRules } from '../masking/config.ts';
import { maskingState } from '../masking/gate.ts';
import { VALUE_FIELD, type MaskingRules, type Rule } from '../masking/model.ts';
import { openSession } from '../masking/open.ts';
import type { CommandResult } from '../output/render.ts';
import { claimFor, findClone, resolveSource } from './common.ts';

export interface MaskingPlanOptions {
  source: string;
  /** A clone of the source whose schema the rules are checked against (read only). */
  clone?: string;
  target?: string;
  force?: boolean;
}

/** A rule as the config spells it. */
function ruleText(rule: Rule): string {
  if (rule.transform === 'fixed') return `fixed ${JSON.stringify(rule.value)}`;
  if (rule.transform === 'date-shift') return `date-shift up to ${rule.days} days`;
  if (rule.transform === 'sql') return `sql: ${rule.sql}`;
  return rule.transform;
}

const fieldText = (field: string) => (field === VALUE_FIELD ? '(value)' : field);

function planRows(masking: MaskingRules): string[][] {
  return masking.collections.flatMap((c) => [
    ...Object.entries(c.rules).map(([field, rule]) => [c.name, fieldText(field), ruleText(rule)]),
    ...c.keep.map((field) => [c.name, fieldText(field), 'keep']),
  ]);
}

/** The clone's schema checked against the rules, reading only. */
async function problemsOn(
  ctx: Context,
  options: MaskingPlanOptions,
  source: string,
  masking: MaskingRules,
): Promise<{ clone: string; store: string; problems: Problem[] }> {
  const found = await findClone(ctx, options.clone!, options.target);
  if (found.clone.source !== source) {
    throw new UsageError(
      `${found.clone.clone} is a clone of ${found.clone.source}, not of ${source}`,
      `Name a clone of ${source}, or run: snapclone masking plan ${found.clone.source} --clone ${found.clone.clone}`,
    );
  }
  const clone = await claimFor(ctx, found, 'read the schema of', options.force);
  if (maskingState(clone, ctx.config).state === 'failed' && clone.credentials === 'pending') {
    throw new SnapcloneError(
      `${clone.clone} is locked (its masking failed; the problems were listed then), so its schema cannot be read.`,
      ExitCode.failed,
      `Fix the rules, then run the create again (it unlocks the clone and checks again): ${finishCommand(clone, Object.keys(ctx.config.targets).length)}`,
    );
  }
  const details = await found.engine.credentials(clone, ctx);
  const tunnel = await reach(ctx, details, {
    clone,
    engine: found.engine,
    source: { name: source, config: ctx.config.sources[source] },
    target: found.target,
  });
  try {
    const session = await openSession(details, tunnel.local, ctx, found.target);
    try {
      return {
        clone: clone.clone,
        store: session.label,
        problems: checkInventory(masking, await session.inventory(masking)),
      };
    } finally {
      await session.close();
    }
  } finally {
    await tunnel.close();
  }
}

/**
 * snapclone masking plan <source> [--clone C]: the source's masking rules, field by field, and with --clone what
 * the fail-closed check would refuse on that clone's schema (read only: nothing is changed). Exit 1 when it
 * would refuse something.
 */
export async function run(options: MaskingPlanOptions, ctx: Context): Promise<CommandResult> {
  const source = resolveSource(ctx, options.source);
  const masking = maskingRules(source.config);
  if (!masking) {
    if (options.clone)
      throw new UsageError(
        `${source.name} has no masking rules, so there is nothing to check against ${options.clone}`,
        'Add masking: to the source in the config (docs/masking.md).',
      );
    return {
      json: { source: source.name, masking: null, checked: null },
      lines: [
        `${source.name} has no masking rules: its clones are handed out as restored ("not masked" in snapclone show). docs/masking.md`,
      ],
    };
  }
  const rows = planRows(masking);
  const lines = [
    `${source.name}: ${masking.collections.length} ${masking.kind === 'tables' ? 'tables' : masking.kind === 'keys' ? 'key patterns' : 'index patterns'} with rules; on failure the clone is ${masking.onFailure === 'lock' ? 'locked' : 'deleted'}.`,
    `sensitive (no collection without rules may hold these): ${masking.sensitive.join(' ')}`,
  ];
  const json = {
    source: source.name,
    masking: {
      kind: masking.kind,
      onFailure: masking.onFailure,
      sensitive: masking.sensitive,
      rules: rows.map(([collection, field, rule]) => ({ collection, field, rule })),
    },
    checked: null as null | { clone: string; store: string; problems: string[] },
  };
  if (!options.clone) {
    return { json, lines, table: { columns: ['collection', 'field', 'rule'], rows } };
  }
  const checked = await problemsOn(ctx, options, source.name, masking);
  json.checked = { clone: checked.clone, store: checked.store, problems: checked.problems.map((p) => p.message) };
  const verdict =
    checked.problems.length === 0
      ? [`${checked.clone} (${checked.store}): every field is ruled or kept; nothing would be refused.`]
      : [
          `${checked.clone} (${checked.store}): masking would refuse to run:`,
          ...checked.problems.map((p) => `  - ${p.message}`),
        ];
  return {
    json,
    lines: [...lines, ...verdict],
    table: { columns: ['collection', 'field', 'rule'], rows },
    ...(checked.problems.length > 0 ? { exitCode: ExitCode.failed } : {}),
  };
}
