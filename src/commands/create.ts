import type { Context } from '../core/context.ts';
import { choosePoint, describePoint, parseRequest, restorePointLabel, type Choice } from '../core/choose.ts';
import { dayOf, formatTime } from '../core/dates.ts';
import { UsageError } from '../core/errors.ts';
import { defaultCloneName, validateCloneName } from '../core/naming.ts';
import { assertOwnClone, cloneTags, type CloneTags } from '../core/tags.ts';
import { resolveTtl, type Ttl } from '../core/ttl.ts';
import type { Clone, Engine, RestorePlan, SourceRef, TargetRef } from '../engines/types.ts';
import type { CommandResult } from '../output/render.ts';
import {
  allOrReport,
  chooseTarget,
  cloneJson,
  engineOf,
  expiryText,
  resolveSource,
  type CloneJson,
  zoneOf,
} from './common.ts';

export interface CreateOptions {
  sources: string[];
  date?: string;
  at?: string;
  latest?: boolean;
  name?: string;
  ttl?: string;
  target?: string;
  wait: boolean;
  /** Take over an untagged restore of snapclone's AWS Backup role whose owner is unknown (recorded on it). */
  force?: boolean;
}

/** One entry of `create --output json` (docs/json-output.md). */
export interface CreatedJson extends CloneJson {
  /** True when the run attached to a restore already under way or done (resume, concurrent create). */
  resumed: boolean;
  /** False with --no-wait: the clone is still being restored and keeps its source's password until a waiting run. */
  ready: boolean;
  point: { kind: string; id: string; time: string; at: string | null };
  connect: { host: string; port: number; username: string | null; passwordCommand: string } | null;
}

interface Prepared {
  source: SourceRef;
  target: TargetRef;
  engine: Engine;
  ttl: Ttl;
}

interface Planned extends Prepared {
  plan: RestorePlan;
  choice: Choice;
}

/** Everything that can be checked without the cloud: sources, target, placement, TTL, name. */
function prepare(options: CreateOptions, ctx: Context): Prepared[] {
  if (options.sources.length === 0) throw new UsageError('Name at least one source to clone');
  const dupes = options.sources.filter((s, i) => options.sources.indexOf(s) !== i);
  if (dupes.length > 0) throw new UsageError(`Source ${dupes[0]} is named twice`);
  if (options.name !== undefined && options.sources.length > 1) {
    throw new UsageError('--name works with one source only', 'Several sources get their default names <prefix>-<source>-<date>-<owner>.');
  }
  return options.sources.map((name) => {
    const source = resolveSource(ctx, name);
    const engine = engineOf(source);
    const target = chooseTarget(ctx, options.target, source);
    if (target.config[engine.name] === undefined) {
      throw new UsageError(
        `Target ${target.name} has no ${engine.name} placement, which cloning ${source.name} needs`,
        `Add targets.${target.name}.${engine.name} to the config.`,
      );
    }
    if (source.config.account !== target.config.account || source.config.region !== target.config.region) {
      throw new UsageError(
        `Source ${source.name} (${source.config.account}, ${source.config.region}) is not in target ${target.name}'s account and region (${target.config.account}, ${target.config.region})`,
        'Cross-account and cross-region clones are not supported yet.',
      );
    }
    const ttl = resolveTtl(options.ttl, { name: target.name, ...target.config });
    if (options.name !== undefined) validateCloneName(options.name, ctx.config.prefix, engine.identifierRules);
    return { source, target, engine, ttl };
  });
}

function connectLines(clone: Clone, username: string | undefined): string[] {
  if (!clone.endpoint) return [];
  return [
    `  host:     ${clone.endpoint.host}`,
    `  port:     ${clone.endpoint.port}`,
    `  user:     ${username ?? '-'}`,
    `  password: snapclone credentials ${clone.clone}`,
  ];
}

/**
 * snapclone create <source>... (--date D | --at T | --latest) [--name N] [--ttl 8h] [--target T] [--no-wait]:
 * every input is checked and every restore point chosen before anything is written; then the sources are
 * restored in parallel, each resuming a clone of the same name already under way.
 */
export async function run(options: CreateOptions, ctx: Context): Promise<CommandResult> {
  const zone = zoneOf(ctx);
  const now = ctx.now();
  const request = parseRequest(options, zone, now);
  const prepared = prepare(options, ctx);

  // Choose the points and names (reads only); any bad input stops everything here.
  const planned = await allOrReport(
    ctx,
    prepared.map((p) => p.source.name),
    prepared.map(async (p): Promise<Planned> => {
      const points = await p.engine.points(p.source, p.target, ctx);
      const choice = choosePoint(points, request, {
        preferred: p.engine.preferredKinds(p.source.config),
        zone,
        source: p.source.name,
        reporter: ctx.reporter,
      });
      const name =
        options.name ??
        defaultCloneName(
          { prefix: ctx.config.prefix, source: p.source.name, day: dayOf(choice.time, zone), owner: ctx.person },
          p.engine.identifierRules,
        );
      const tags: CloneTags = {
        clone: name,
        owner: ctx.person,
        source: p.source.name,
        sourceArn: p.engine.sourceArn(p.source.config),
        restorePoint: restorePointLabel(choice),
        restoreTime: choice.time,
        target: p.target.name,
        createdAt: now,
        expiresAt: new Date(now.getTime() + p.ttl.ms),
      };
      const existing = await p.engine.describe(name, p.target, ctx);
      if (existing?.tagged) assertOwnClone(cloneTags(existing), name, ctx.person);
      if (existing && existing.tagged && (existing.source !== tags.source || existing.restorePoint !== tags.restorePoint)) {
        throw new UsageError(
          `A clone named ${name} already exists from ${existing.source} (restore point ${existing.restorePoint}, data of ${formatTime(existing.restoreTime, zone)}, owner ${existing.owner}), not from the point asked for. Nothing was changed.`,
          'Choose another --name, or delete the existing clone first (snapclone delete).',
        );
      }
      return { ...p, choice, plan: { source: p.source, target: p.target, point: choice.point, at: choice.at, tags, force: options.force } };
    }),
    { writes: false },
  );

  const results = await allOrReport(
    ctx,
    planned.map((p) => p.plan.tags.clone),
    planned.map(async (p) => {
      const name = p.plan.tags.clone;
      ctx.reporter.info(`${p.source.name} → ${name}: ${p.choice.reason}`);
      const restored = await p.engine.restore(p.plan, ctx);
      const resumed = restored.resumed;
      let clone = restored.clone;
      if (options.wait) {
        clone = await p.engine.wait(clone, ctx, (progress) => ctx.reporter.progress(progress));
        ctx.reporter.done(`${name} is ready`);
      }
      return { p, clone, resumed };
    }),
  );

  const after = ctx.now();
  const entries: CreatedJson[] = results.map(({ p, clone, resumed }) => {
    const ready = clone.status === 'available' && clone.credentials !== 'pending';
    return {
      ...cloneJson(clone, after),
      resumed,
      ready,
      point: {
        kind: p.choice.point.kind,
        id: p.choice.point.id,
        time: p.choice.point.time.toISOString(),
        at: p.choice.at?.toISOString() ?? null,
      },
      connect:
        ready && clone.endpoint
          ? {
              host: clone.endpoint.host,
              port: clone.endpoint.port,
              username: clone.details.masterUsername ?? null,
              passwordCommand: `snapclone credentials ${clone.clone}`,
            }
          : null,
    };
  });

  const lines: string[] = [];
  for (const [i, { p, clone }] of results.entries()) {
    const entry = entries[i];
    const from = p.choice.at
      ? `point-in-time restore to ${formatTime(p.choice.at, zone, { seconds: true })}`
      : describePoint(p.choice.point, zone, { id: false });
    lines.push(`${clone.clone} ← ${p.source.name}, ${from}`);
    lines.push(`  status:   ${clone.status}${entry.resumed ? ' (resumed)' : ''}`);
    lines.push(`  expires:  ${expiryText(clone, after, zone)}, TTL ${p.ttl.text}`);
    if (entry.ready) {
      lines.push(...connectLines(clone, clone.details.masterUsername));
    } else {
      const again = options.date ? `--date ${options.date}` : options.at ? `--at ${options.at}` : '--latest';
      lines.push(
        `  The restore is under way; the clone keeps its source's password until a waiting run finishes it:`,
        `    snapclone create ${p.source.name} --name ${clone.clone} ${again}`,
        `  snapclone show ${clone.clone} follows it meanwhile.`,
      );
    }
  }

  return {
    json: { clones: entries },
    table: {
      columns: ['clone', 'source', 'status', 'data from', 'expires'],
      rows: results.map(({ p, clone }) => [
        clone.clone,
        p.source.name,
        clone.status,
        formatTime(p.choice.time, zone),
        expiryText(clone, after, zone),
      ]),
    },
    lines,
  };
}
