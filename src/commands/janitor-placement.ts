import { formatTime } from '../core/dates.ts';
import { TAG } from '../core/tags.ts';
import { formatTtl, parseDuration } from '../core/ttl.ts';
import type { AuditedResource, TargetRef } from '../engines/types.ts';

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
  return { ms, text: renewals > 0 ? `${formatTtl(ms)} (maxTtl ${target.config.maxTtl} and ${renewals} renewal(s))` : `${target.config.maxTtl} (maxTtl)` };
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
  const reasons = resource.breaches.length > 0 ? [`outside the placement (by AWS's own record): ${resource.breaches.join('; ')}`] : [];
  const tagged = taggedCreatedAt && taggedCreatedAt.getTime() > 0 ? taggedCreatedAt : undefined;
  const created = resource.createdAt ?? tagged;
  const lifetime = lifetimeOf(target);
  if (created && lifetime.ms > 0 && now.getTime() - created.getTime() > lifetime.ms) {
    const record = resource.createdAt ? 'by AWS' : `by its ${TAG.createdAt} tag: the service reports no creation time`;
    reasons.push(`created ${formatTime(created, zone)} (${record}), longer ago than target ${target.name} lets a clone live, ${lifetime.text}`);
  }
  return reasons;
}
