import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from '../core/context.ts';
import { RefusedError, UsageError } from '../core/errors.ts';
import { assertManaged, guardProblem } from '../core/guard.ts';
import { hasPrefix } from '../core/naming.ts';
import { fromTagList, TAG } from '../core/tags.ts';
import { enginesIn } from '../engines/index.ts';
import { where } from '../engines/shared/aws.ts';
import { deleteCloneSecret } from '../engines/shared/secret.ts';
import type { TargetRef } from '../engines/types.ts';
import type { CommandResult } from '../output/render.ts';
import { membersOfConfigSet } from './config-sets.ts';
import { allOrReport, carriedOnBy, claimFor, rerunOf, setMembers, targetsToSearch, unknownClone, type Found } from './common.ts';

export interface DeleteOptions {
  /** Clone names (or ARNs of their resources), or set names (every member). */
  clones: string[];
  yes?: boolean;
  wait: boolean;
  target?: string;
  /** Delete clones of other people, or untagged restores whose owner is unknown (recorded on each). */
  force?: boolean;
}

interface Resolved extends Found {
  ref: string;
}

/** What a name resolves to: a clone (or set member), or only the secret a clone left behind. */
type Resolution = Resolved | { ref: string; leftover: TargetRef; owner: string };

/**
 * Finds what `ref` names and applies the guard to its freshly read tags: a resource snapclone did not
 * create (no snapclone:managed=true, or a name without the prefix) is refused here (exit 3), before any
 * question or write.
 */
async function resolve(ctx: Context, ref: string, explicitTarget?: string): Promise<Resolution[]> {
  for (const target of targetsToSearch(ctx, explicitTarget)) {
    for (const engine of enginesIn(target)) {
      const resource = await engine.lookup(ref, target, ctx);
      if (!resource) continue;
      // An untagged restore that a snapclone AWS Backup job made (AWS's record says so) is a clone whose
      // owner is unknown: the owner rule below decides.
      const untagged = resource.tags[TAG.managed] === undefined ? await engine.describe(resource.id, target, ctx) : undefined;
      if (untagged && !untagged.tagged) return [{ ref, clone: untagged, engine, target }];
      assertManaged({ kind: resource.kind, name: resource.id, arn: resource.arn }, resource.tags, {
        prefix: ctx.config.prefix,
        action: 'delete',
        clone: resource.id,
      });
      const clone = await engine.describe(resource.id, target, ctx);
      if (!clone) throw unknownClone(ctx, ref, explicitTarget);
      return [{ ref, clone, engine, target }];
    }
  }
  // Not a resource: a set deletes every member (each still passes the guard right before its delete).
  const members = await setMembers(ctx, ref, explicitTarget);
  if (members.length > 0) return members.map((m) => ({ ref, ...m }));
  // A set of the config: the one set made from it that is the caller's (said, and listed by the question).
  const fromConfig = await membersOfConfigSet(ctx, ref, 'delete', explicitTarget);
  if (fromConfig) return fromConfig.map((m) => ({ ref, ...m }));
  // A delete interrupted after the clone's resources went leaves its secret: that is the clone now.
  for (const target of targetsToSearch(ctx, explicitTarget)) {
    const owner = await leftoverSecret(ctx, target, ref);
    if (owner !== undefined) return [{ ref, leftover: target, owner }];
  }
  throw unknownClone(ctx, ref, explicitTarget);
}

/** The owner of the secret the clone named `ref` left in a target (tagged as its, guard-checked), or undefined. */
async function leftoverSecret(ctx: Context, target: TargetRef, ref: string): Promise<string | undefined> {
  if (!hasPrefix(ref, ctx.config.prefix)) return undefined;
  try {
    const out = await ctx.clients(target.name).of(SecretsManagerClient).send(new DescribeSecretCommand({ SecretId: ref }));
    const tags = fromTagList(out.Tags);
    if (out.DeletedDate || guardProblem({ kind: 'secret', name: ref }, tags, { prefix: ctx.config.prefix, clone: ref })) return undefined;
    return tags[TAG.owner] ?? 'unknown';
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/**
 * snapclone delete <clone>... [--yes] [--no-wait]: guarded; every clone is resolved and checked before
 * anything is deleted; asks on a terminal unless --yes; waits until gone unless --no-wait.
 */
export async function run(options: DeleteOptions, ctx: Context): Promise<CommandResult> {
  if (options.clones.length === 0) throw new UsageError('Name at least one clone to delete');
  const refs = [...new Set(options.clones)];
  const resolutions: Resolution[] = [];
  for (const ref of refs) resolutions.push(...(await resolve(ctx, ref, options.target)));
  const resolved = resolutions.filter((r): r is Resolved => 'clone' in r);
  const leftovers = resolutions.filter((r): r is { ref: string; leftover: TargetRef; owner: string } => 'leftover' in r);
  const theirs = leftovers.find((l) => l.owner !== ctx.person);
  if (theirs && !options.force) {
    throw new RefusedError(
      `Refused to delete what is left of ${theirs.ref} (its secret): it belongs to ${theirs.owner}. Nothing was changed.`,
      'Pass --force to delete it anyway.',
    );
  }
  for (const l of leftovers) {
    // Its resources are gone already (an interrupted delete): only its secret remains, deleted under the guard.
    await deleteCloneSecret(where(ctx, l.leftover), { clone: l.ref });
    ctx.reporter.done(`${l.ref} is gone (its resources were already deleted; its secret is now too)`);
  }
  if (resolved.length === 0) {
    return {
      json: { deleted: leftovers.map((l) => ({ name: l.ref, target: l.leftover.name, engine: null, id: null, arn: null, status: 'deleted' })), cancelled: false },
      table: { columns: ['clone', 'target', 'status'], rows: leftovers.map((l) => [l.ref, l.leftover.name, 'deleted']) },
    };
  }
  const unique = resolved.filter((r, i) => resolved.findIndex((o) => o.clone.arn === r.clone.arn) === i);
  const names = unique.map((r) => r.clone.clone);
  // Another person's clone (or an unknown owner's) is refused before any question unless --force.
  const foreign = unique.filter((r) => !r.clone.tagged || r.clone.owner !== ctx.person);
  if (foreign.length > 0 && !options.force) await claimFor(ctx, foreign[0], 'delete', false);

  if (!options.yes) {
    if (!ctx.reporter.interactive) {
      throw new UsageError(
        `Deleting ${names.join(', ')} needs confirmation, and there is no terminal to ask on. Nothing was deleted.`,
        'Pass --yes to delete without a question.',
      );
    }
    const list = unique.map((r) => `${r.clone.clone} (${r.clone.source}, owner ${r.clone.owner}, ${r.clone.status})`).join(', ');
    const ok = await ctx.reporter.confirm(`Delete ${unique.length === 1 ? 'clone' : `${unique.length} clones`} ${list}?`);
    if (!ok) {
      return { json: { deleted: [], cancelled: true }, lines: ['Cancelled: nothing was deleted.'] };
    }
  }

  const fallback = ['delete', ...options.clones, '--yes', ...(options.target ? ['--target', options.target] : []), ...(options.force ? ['--force'] : [])];
  await allOrReport(
    ctx,
    names,
    unique.map(async (r) => {
      const clone = await claimFor(ctx, r, 'delete', options.force);
      const subject = r.clone.clone;
      try {
        await r.engine.delete(clone, ctx, { wait: options.wait, onProgress: (p) => ctx.reporter.progress({ ...p, subject }) });
      } catch (error) {
        ctx.reporter.done(undefined, subject);
        throw error;
      }
      ctx.reporter.done(options.wait ? `${subject} is gone` : `${subject} is being deleted`, subject);
    }),
  ).catch((error: unknown) => {
    throw carriedOnBy(error, rerunOf(ctx, fallback));
  });
  const status = options.wait ? 'deleted' : 'deleting';
  return {
    json: {
      deleted: unique.map((r) => ({
        name: r.clone.clone,
        target: r.clone.target,
        engine: r.clone.engine,
        id: r.clone.id,
        arn: r.clone.arn,
        status,
      })),
      cancelled: false,
    },
    table: {
      columns: ['clone', 'target', 'status'],
      rows: unique.map((r) => [r.clone.clone, r.clone.target, status]),
    },
  };
}
