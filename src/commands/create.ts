import { explain } from '../cli/errors.ts';
import type { Context } from '../core/context.ts';
import { describePoint, findPoint, parseRequest, restorePointLabel, type Choice } from '../core/choose.ts';
import { dayOf, formatTime } from '../core/dates.ts';
import { rerunCommand } from '../core/rerun.ts';
import { finishCommand, PASSWORD_NOT_REPLACED, requestTag } from '../core/finish.ts';
import { ExitCode, Interrupted, RefusedError, UsageError } from '../core/errors.ts';
import { defaultCloneName, validateCloneName } from '../core/naming.ts';
import { assertOwnClone, cloneTags, type CloneTags } from '../core/tags.ts';
import { resolveTtl, type Ttl } from '../core/ttl.ts';
import type { Clone, Engine, RestorePlan, SourceRef, TargetRef } from '../engines/types.ts';
import type { CommandResult } from '../output/render.ts';
import type { Progress } from '../output/reporter.ts';
import { statusLabel } from '../output/status.ts';
import { maskClone } from '../masking/clone.ts';
import { maskingRules } from '../masking/config.ts';
import { maskingState } from '../masking/gate.ts';
import { openSession } from '../masking/open.ts';
import {
  allOrReport,
  carriedOnBy,
  chooseTarget,
  cloneJson,
  engineOf,
  expiryText,
  rerunOf,
  resolveSource,
  setMembers,
  type CloneJson,
  zoneOf,
} from './common.ts';

export interface CreateOptions {
  /** Source names and set names from the config (a set stands for its sources). */
  sources: string[];
  /** The set the clones form (default: a config set's name, or the sources', with the day, for several). */
  set?: string;
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
  /** Why the default name is shorter than <prefix>-<source>-<date>-<owner>, when it is. */
  shortened?: string;
}

/** The option that names the point asked for, as typed. */
const pointArgs = (options: CreateOptions): string[] =>
  options.date ? ['--date', options.date] : options.at ? ['--at', options.at] : ['--latest'];

/** The create command as it would be typed for these options (when not run from a command line). */
function createArgs(options: CreateOptions): string[] {
  const optional = (flag: string, value: string | undefined) => (value === undefined ? [] : [flag, value]);
  return [
    'create',
    ...options.sources,
    ...pointArgs(options),
    ...optional('--name', options.name),
    ...optional('--set', options.set),
    ...optional('--ttl', options.ttl),
    ...optional('--target', options.target),
  ];
}

/** The sources named, with config sets expanded to their members (each source once). */
export function expandSources(ctx: Context, names: string[]): { sources: string[]; sets: string[] } {
  if (names.length === 0) throw new UsageError('Name at least one source (or set) to clone');
  const dupes = names.filter((s, i) => names.indexOf(s) !== i);
  if (dupes.length > 0) throw new UsageError(`${dupes[0]} is named twice`);
  const own = (record: object, key: string) => Object.hasOwn(record, key);
  const sets = names.filter((n) => !own(ctx.config.sources, n) && own(ctx.config.sets, n));
  const sources = [...new Set(names.flatMap((n) => (sets.includes(n) ? ctx.config.sets[n] : [n])))];
  return { sources, sets };
}

/**
 * The one command that finishes every clone of a create run with --no-wait: the command as typed (less
 * --no-wait); pinned to the set's name where it would not come out the same (--latest: the set's day is today's).
 */
function finishAll(ctx: Context, options: CreateOptions, set: string | undefined): string {
  const typed = ctx.invocation?.filter((arg) => arg !== '--no-wait');
  const pins = set && options.latest ? ['--set', set] : [];
  return rerunCommand(typed, createArgs(options), pins);
}

/** The set name: --set, else a config set's name, else (several sources) the sources', with the day and the owner. */
function setName(
  options: CreateOptions,
  named: { sources: string[]; sets: string[] },
  day: string,
  owner: string,
): string | undefined {
  const check = (name: string) => {
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(name)) {
      throw new UsageError(
        `--set '${name}' is not a valid set name`,
        'Use lower-case letters, digits and hyphens, starting with a letter (at most 63).',
      );
    }
    return name;
  };
  if (options.set !== undefined) return check(options.set);
  const compact = day.replace(/-/g, '');
  if (options.sources.length === 1 && named.sets.length === 1)
    return `${named.sets[0]}-${compact}-${owner}`.slice(0, 63).replace(/-+$/, '');
  if (named.sources.length < 2) return undefined;
  return `${options.sources.join('-').slice(0, 40).replace(/-+$/, '')}-${compact}-${owner}`
    .slice(0, 63)
    .replace(/-+$/, '');
}

/** Everything that can be checked without the cloud: sources, target, placement, TTL, name. */
function prepare(options: CreateOptions, ctx: Context, sourceNames: string[]): Prepared[] {
  if (options.name !== undefined && sourceNames.length > 1) {
    throw new UsageError(
      '--name works with one source only',
      'Several sources get their default names <prefix>-<source>-<date>-<owner>.',
    );
  }
  return sourceNames.map((name) => {
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
    `  password: (run snapclone credentials ${clone.clone})`,
  ];
}

/** Usable: available, with its own password. */
const isReady = (clone: Clone) => clone.status === 'available' && clone.credentials !== 'pending';

/** Waits once more at most this often when another run of the same clone is still at it (re-applying its password). */
const EXTRA_WAITS = 3;

/**
 * Why the default name of a clone is shorter than `<prefix>-<source>-<date>-<owner>`, or undefined when it is
 * not: the engine's identifiers are shorter (OpenSearch domain names: 28 characters).
 */
function shortening(
  name: string,
  parts: Parameters<typeof defaultCloneName>[0],
  rules: Engine['identifierRules'],
): string | undefined {
  let full: string;
  try {
    full = defaultCloneName(parts, { ...rules, maxLength: Number.MAX_SAFE_INTEGER });
  } catch {
    return undefined;
  }
  if (full === name) return undefined;
  return `named ${name}, not ${full}: ${rules.label} are at most ${rules.maxLength} characters.`;
}

/**
 * snapclone create <source>... (--date D | --at T | --latest) [--name N] [--ttl 8h] [--target T] [--no-wait]:
 * every input is checked and every restore point chosen before anything is written; then the sources are
 * restored in parallel, each resuming a clone of the same name already under way.
 */
/**
 * A set belongs to the person whose clones it holds: joining someone else's set with --set would make their
 * `delete <set>` and `extend <set>` refuse until forced. Refused (exit 3) before anything is created.
 */
async function assertOwnSet(ctx: Context, set: string): Promise<void> {
  const others = [
    ...new Set((await setMembers(ctx, set)).map((m) => m.clone.owner).filter((owner) => owner !== ctx.person)),
  ];
  if (others.length > 0) {
    throw new RefusedError(
      `Refused to add clones to set ${set}: it holds clones of ${others.join(', ')}. Nothing was changed.`,
      'Choose another --set name; a set holds the clones of one person.',
    );
  }
}

export async function run(options: CreateOptions, ctx: Context): Promise<CommandResult> {
  const zone = zoneOf(ctx);
  const now = ctx.now();
  const request = parseRequest(options, zone, now);
  const named = expandSources(ctx, options.sources);
  const prepared = prepare(options, ctx, named.sources);
  const set = setName(
    options,
    named,
    request.kind === 'date' ? request.day : dayOf(request.kind === 'at' ? request.at : now, zone),
    ctx.person,
  );
  if (options.set !== undefined && set) await assertOwnSet(ctx, set);

  // Choose the points and names (reads only); any bad input stops everything here.
  const planned = await allOrReport(
    ctx,
    prepared.map((p) => p.source.name),
    prepared.map(async (p): Promise<Planned> => {
      // A few filtered listings, whatever the size of the history (findPoint in core/choose.ts).
      const choice = await findPoint((query) => p.engine.points(p.source, p.target, ctx, query), request, {
        preferred: p.engine.preferredKinds(p.source.config),
        zone,
        source: p.source.name,
        reporter: ctx.reporter,
        latestFromWindow: p.engine.latestFromWindow,
        now,
      });
      const parts = {
        prefix: ctx.config.prefix,
        source: p.source.name,
        day: dayOf(choice.time, zone),
        owner: ctx.person,
      };
      const name = options.name ?? defaultCloneName(parts, p.engine.identifierRules);
      const shortened = options.name === undefined ? shortening(name, parts, p.engine.identifierRules) : undefined;
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
        set,
        engine: p.engine.name,
        request: requestTag(request),
        // Nothing of the clone is handed out until its masking is verified (src/masking/gate.ts).
        masking: maskingRules(p.source.config) ? 'required' : undefined,
      };
      const existing = await p.engine.describe(name, p.target, ctx);
      if (existing?.tagged) assertOwnClone(cloneTags(existing), name, ctx.person);
      if (
        existing &&
        existing.tagged &&
        (existing.source !== tags.source || existing.restorePoint !== tags.restorePoint)
      ) {
        throw new UsageError(
          `A clone named ${name} already exists from ${existing.source} (restore point ${existing.restorePoint}, data of ${formatTime(existing.restoreTime, zone)}, owner ${existing.owner}), not from the point asked for. Nothing was changed.`,
          'Choose another --name, or delete the existing clone first (snapclone delete).',
        );
      }
      return {
        ...p,
        choice,
        shortened,
        plan: { source: p.source, target: p.target, point: choice.point, at: choice.at, tags, force: options.force },
      };
    }),
    { writes: false },
  );

  // Every member runs to its end; when some fail, the others are still reported (and listed, deletable).
  const settled = await Promise.allSettled(
    planned.map(async (p) => {
      const name = p.plan.tags.clone;
      if (p.shortened) ctx.reporter.info(`${p.source.name}: ${p.shortened}`);
      ctx.reporter.info(`${p.source.name} → ${name}: ${p.choice.reason}`);
      const restored = await p.engine.restore(p.plan, ctx);
      const resumed = restored.resumed;
      let clone = restored.clone;
      let finishing = false;
      if (options.wait) {
        const onProgress = (progress: Progress) => ctx.reporter.progress({ ...progress, subject: name });
        try {
          clone = await p.engine.wait(clone, ctx, onProgress);
          // Another run of the same clone (the same person's concurrent create) may be applying the same password
          // again just as this one finished: wait for it too, so that "ready" is only said of a usable clone.
          for (let extra = 0; !isReady(clone) && extra < EXTRA_WAITS; extra++)
            clone = await p.engine.wait(clone, ctx, onProgress);
        } catch (error) {
          // A member that fails leaves no progress line behind (its failure is in the result).
          ctx.reporter.done(undefined, name);
          throw error;
        }
        if (isReady(clone) && maskingRules(p.source.config)) {
          const startedAt = ctx.now().getTime();
          try {
            clone = await maskClone(
              { clone, engine: p.engine, source: p.source, target: p.target },
              ctx,
              openSession,
              (phase) => onProgress({ phase: `${name}: ${phase}`, elapsedMs: ctx.now().getTime() - startedAt }),
            );
          } catch (error) {
            ctx.reporter.done(undefined, name);
            throw error;
          }
        }
        finishing = !isReady(clone) && resumed;
        ctx.reporter.done(
          isReady(clone)
            ? `${name} is ready`
            : finishing
              ? `${name}: another run is finishing it; snapclone show ${name} follows it`
              : `${name} is not ready yet (${clone.status})`,
          name,
        );
      }
      return { p, clone, resumed, finishing };
    }),
  );
  const results = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failures = settled.flatMap((r, i) =>
    r.status === 'rejected' ? [{ p: planned[i], reason: r.reason as unknown }] : [],
  );
  const again = rerunOf(ctx, createArgs(options), planned.length === 1 ? ['--name', planned[0].plan.tags.clone] : []);
  const stopped = failures.find((f) => f.reason instanceof Interrupted);
  if (stopped) throw carriedOnBy(stopped.reason, again);
  // Nothing made: the error itself (its exit code says what kind), as for a single source.
  if (results.length === 0) {
    if (failures.length === 1) throw carriedOnBy(failures[0].reason, again);
    await allOrReport(
      ctx,
      failures.map((f) => f.p.plan.tags.clone),
      failures.map((f) => Promise.reject(f.reason)),
    ).catch((error: unknown) => {
      throw carriedOnBy(error, again);
    });
  }

  const after = ctx.now();
  const entries: CreatedJson[] = results.map(({ p, clone, resumed }) => {
    // Ready: usable, and nothing of it withheld by masking (a --no-wait run of a clone whose masking failed is not).
    const masked = maskingState(clone, ctx.config).state;
    const ready = isReady(clone) && (masked === 'verified' || masked === 'not-masked');
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
  for (const [i, { p, clone, finishing }] of results.entries()) {
    const entry = entries[i];
    const from = p.choice.at
      ? `point-in-time restore to ${formatTime(p.choice.at, zone, { seconds: true })}`
      : describePoint(p.choice.point, zone, { id: false });
    lines.push(`${clone.clone} ← ${p.source.name}, ${from}`);
    lines.push(`  status:   ${statusLabel(clone.status)}${entry.resumed ? ' (resumed)' : ''}`);
    lines.push(`  expires:  ${expiryText(clone, after, zone)}, TTL ${p.ttl.text}`);
    if (entry.ready) {
      lines.push(...connectLines(clone, clone.details.masterUsername));
    } else if (finishing) {
      lines.push(`  Another run is finishing it; snapclone show ${clone.clone} follows it.`);
    } else if (results.length === 1) {
      lines.push(
        `  The restore is under way; ${PASSWORD_NOT_REPLACED}. Finish it (this resumes the create and waits):`,
        `    ${finishCommand(clone, Object.keys(ctx.config.targets).length)}`,
        `  snapclone show ${clone.clone} follows it meanwhile.`,
      );
    } else {
      lines.push(`  The restore is under way; ${PASSWORD_NOT_REPLACED}.`);
    }
  }
  // Several clones under way: one command finishes them all (the set's, as typed, waiting this time).
  const waiting = results.filter(({ clone, finishing }) => !isReady(clone) && !finishing);
  if (!options.wait && results.length > 1 && waiting.length > 0) {
    lines.push('Finish them all (this resumes the create and waits):', `    ${finishAll(ctx, options, set)}`);
  }
  if (set) lines.push(`set: ${set} (delete it with snapclone delete ${set})`);

  const failed = failures.map((f) => ({
    source: f.p.source.name,
    name: f.p.plan.tags.clone,
    error: explain(f.reason).message,
  }));
  for (const f of failed) lines.push(`${f.name} ← ${f.source}: FAILED: ${f.error}`);
  if (failed.length > 0) {
    lines.push(
      `Not all of ${set ? `set ${set}` : 'the clones'} was made: ${failed.length} of ${planned.length} failed. The others are listed and deletable as usual.`,
      `Running the same command again carries on: ${again}`,
    );
  }

  return {
    json: { set: set ?? null, clones: entries, failed },
    ...(failed.length > 0 ? { exitCode: ExitCode.failed } : {}),
    // On a terminal the block of each clone says everything; the table is for markdown (pasted in a PR or chat).
    tableIn: ['markdown'],
    table: {
      columns: ['clone', 'source', 'status', 'data from', 'expires'],
      rows: [
        ...results.map(({ p, clone }) => [
          clone.clone,
          p.source.name,
          statusLabel(clone.status),
          formatTime(p.choice.time, zone),
          expiryText(clone, after, zone),
        ]),
        ...failed.map((f) => [f.name, f.source, 'FAILED', '-', '-']),
      ],
    },
    lines,
  };
}
