import { UsageError } from './errors.ts';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION_RE = /^(\d{1,5})\s*([mhd])$/i;

/** Parses a duration such as 30m, 8h, 1d or 3d; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_RE.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2].toLowerCase() as keyof typeof UNIT_MS];
  return ms > 0 ? ms : undefined;
}

/** A duration as a person reads it: 30m, 8h, 3d, 1d12h. */
export function formatTtl(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : ''].join('') || '0m';
}

export interface Ttl {
  ms: number;
  text: string;
}

/**
 * The time to live of a clone: --ttl, else the target's defaultTtl; at least one minute and at most the
 * target's maxTtl, or a UsageError that names the maximum.
 */
export function resolveTtl(
  requested: string | undefined,
  target: { name: string; defaultTtl: string; maxTtl: string },
): Ttl {
  const max = parseDuration(target.maxTtl);
  if (max === undefined) throw new UsageError(`targets.${target.name}.maxTtl '${target.maxTtl}' is not a duration`);
  const text = requested ?? target.defaultTtl;
  const ms = parseDuration(text);
  if (ms === undefined) {
    throw new UsageError(
      requested === undefined
        ? `targets.${target.name}.defaultTtl '${text}' is not a duration`
        : `--ttl '${text}' is not a valid duration`,
      `Write a positive number of minutes, hours or days: 30m, 8h, 1d (at most ${target.maxTtl} on target ${target.name}).`,
    );
  }
  if (ms > max) {
    throw new UsageError(
      `${requested === undefined ? `The default TTL ${text}` : `--ttl ${text}`} is longer than the maximum TTL of target ${target.name} (${target.maxTtl})`,
      `Ask for at most ${target.maxTtl}; snapclone extend can lengthen it later within the same maximum.`,
    );
  }
  return { ms, text: formatTtl(ms) };
}
