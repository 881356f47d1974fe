import { explain } from '../cli/errors.ts';
import type { Context } from '../core/context.ts';
import { formatTime } from '../core/dates.ts';
import { Interrupted } from '../core/errors.ts';
import { guardProblem } from '../core/guard.ts';
import { readCloneTags, TAG, type CloneTags } from '../core/tags.ts';
import { formatTtl, parseDuration } from '../core/ttl.ts';
import type { AuditedResource, Engine, TargetRef } from '../engines/types.ts';
import type { Line } from './janitor.ts';

/**
 * The janitor's placement audit: what the cloud cannot refuse (AWS has no condition key for it, or the role
 * holder used the aws CLI), the janitor finds from AWS's own describe answers — not from tags, which the role
 * can write — and deletes when the resource is snapclone's (docs/iam.md, "What the janitor enforces").
 */

/** What the janitor tells the owner of a `<prefix>-*` resource it may not delete (no snapclone:managed=true). */
export const OUT_OF_REACH = "outside snapclone's reach: delete it by hand or tag it";

/**
 * The longest a clone may live: the target's maxTtl from its creation, plus maxTtl for each renewal `extend`
 * may grant (each moves the expiry at most maxTtl past the moment it is made).
 */
export function lifetimeOf(target: TargetRef): { ms: number; text: string } {
  const maxTtl = parseDuration(target.config.maxTtl) ?? 0;
  const renewals = target.config.maxRenewals ?? 0;
  const ms = maxTtl * (1 + renewals);
  return {
    ms,
    text:
      renewals > 0
        ? `${formatTtl(ms)} (maxTtl ${target.config.maxTtl} and ${renewals} renewal(s))`
        : `${target.config.maxTtl} (maxTtl)`,
  };
}

/**
 * Why a `<prefix>-*` resource must go by AWS's record (empty: nothing): how it breaks the placement, and an
 * age past the target's lifetime counted from the creation time the service reports. Only where the service
 * reports none (OpenSearch) is the clone's created-at tag used, and the reason says so.
 */
export function placementReasons(
  resource: AuditedResource,
  /** The clone's created-at tag, used only where the service reports no creation time. */
  taggedCreatedAt: Date | undefined,
  target: TargetRef,
  now: Date,
  zone: string,
): string[] {
  const reasons =
    resource.breaches.length > 0
      ? [`outside the placement (by AWS's own record): ${resource.breaches.join('; ')}`]
      : [];
  const tagged = taggedCreatedAt && taggedCreatedAt.getTime() > 0 ? taggedCreatedAt : undefined;
  const created = resource.createdAt ?? tagged;
  const lifetime = lifetimeOf(target);
  if (created && lifetime.ms > 0 && now.getTime() - created.getTime() > lifetime.ms) {
    const record = resource.createdAt ? 'by AWS' : `by its ${TAG.createdAt} tag: the service reports no creation time`;
    reasons.push(
      `created ${formatTime(created, zone)} (${record}), longer ago than target ${target.name} lets a clone live, ${lifetime.text}`,
    );
  }
  return reasons;
}

/** A clone the janitor's survey found, with the reasons the placement audit found to delete it whatever its expiry. */
export interface SurveyedClone {
  engine: Engine;
  line: Omit<Line, 'result' | 'detail'>;
  clone: CloneTags;
  reasons: string[];
}

/** What the survey found before the audit, which the audit completes. */
export interface Surveyed {
  /** The tags of everything snapclone tagged, by ARN (Tagging API). */
  taggedBy: Map<string, Record<string, string>>;
  /** Clones by the ARN of their main resource: the audit sets their reasons, and adds those the Tagging API has not listed yet. */
  clones: Map<string, SurveyedClone>;
  /** Lines of tagged resources the guard refuses: the audit adds its reasons to them. */
  skipped: Map<string, Line>;
  /** Untagged restores of snapclone's jobs (the orphan rule decides them). */
  orphans: Set<string>;
  lines: Line[];
  clonesHere: Set<string>;
}

/**
 * Runs each engine's audit in a target and folds it into the survey: reasons on the clones, a line for each
 * `<prefix>-*` resource that is not snapclone's (reported, never deleted), a failed line for an audit the
 * role could not make (the run then exits 1; expired clones are still deleted).
 */
export async function auditPlacement(ctx: Context, target: TargetRef, engines: Engine[], s: Surveyed): Promise<void> {
  const now = ctx.now();
  const zone = ctx.config.timezone;
  const { taggedBy, clones, skipped, orphans, lines, clonesHere } = s;
  for (const engine of engines) {
    let audited;
    try {
      audited = await engine.audit(target, ctx, (arn) => taggedBy.get(arn));
    } catch (error) {
      if (error instanceof Interrupted) throw error;
      // Said, and the run fails (exit 1), but the expired clones are still deleted.
      const detail = `could not audit the ${engine.name} placement: ${explain(error).message}`;
      lines.push({
        target: target.name,
        kind: `${engine.name} placement audit`,
        name: '-',
        arn: '',
        result: 'failed',
        detail,
      });
      continue;
    }
    for (const resource of audited) {
      if (resource.deleting || orphans.has(resource.arn)) continue;
      const known = clones.get(resource.arn);
      if (known) {
        known.reasons = placementReasons(resource, known.clone.createdAt, target, now, zone);
        continue;
      }
      const reasons = placementReasons(resource, undefined, target, now, zone);
      const listed = skipped.get(resource.arn);
      if (listed) {
        listed.detail = [listed.detail, ...reasons].join('; ');
        continue;
      }
      // Not among snapclone's tagged resources: read its tags now (the Tagging API may not have caught up with a new clone).
      const found = await engine.lookup(resource.arn, target, ctx);
      if (!found) continue;
      const problem = guardProblem({ kind: resource.kind, name: resource.id, arn: resource.arn }, found.tags, {
        prefix: ctx.config.prefix,
        clone: resource.id,
      });
      const clone = readCloneTags(found.tags);
      if (!problem && clone) {
        clonesHere.add(clone.clone);
        const line = { target: target.name, kind: `${engine.name} clone`, name: clone.clone, arn: resource.arn };
        clones.set(resource.arn, {
          engine,
          line,
          clone,
          reasons: placementReasons(resource, clone.createdAt, target, now, zone),
        });
        continue;
      }
      lines.push({
        target: target.name,
        kind: resource.kind,
        name: resource.id,
        arn: resource.arn,
        result: 'skipped',
        detail: [OUT_OF_REACH, problem, ...reasons].filter(Boolean).join('; '),
      });
    }
  }
}
