import type { World } from '../../core/world.ts';
import type { DomainRecord } from './state.ts';

/**
 * Which domains' endpoints cannot be reached from where the client runs (a VPC domain seen from outside its
 * VPC): `blackhole` never answers (packets dropped: the client's timeout ends it), `refuse` drops each
 * connection at once. Rules match domain names by glob (`search-prod`, `snapclone-*`) and apply from the next
 * request on, to domains made later too.
 */
export type Reach = 'blackhole' | 'refuse';

const rules = new WeakMap<World, { pattern: RegExp; reach: Reach }[]>();

const glob = (text: string) => new RegExp(`^${text.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);

export function makeUnreachable(world: World, domainName: string, reach: Reach): void {
  rules.set(world, [...(rules.get(world) ?? []), { pattern: glob(domainName), reach }]);
}

/** Makes every domain reachable again. */
export function clearUnreachable(world: World): void {
  rules.delete(world);
}

export function reachOf(world: World, domain: DomainRecord): Reach | undefined {
  return rules.get(world)?.find((r) => r.pattern.test(domain.name))?.reach;
}
