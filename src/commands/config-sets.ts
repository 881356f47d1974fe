import type { Context } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import { enginesIn } from '../engines/index.ts';
import { targetsToSearch, type Found } from './common.ts';

/** A set made by `create <config set>`: its name, whose it is, its clones. */
interface MadeSet {
  name: string;
  owners: string[];
  members: Found[];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The sets made from the config set `name` (`create checkout` makes `checkout-<YYYYMMDD>-<owner>`): sets named so,
 * whose clones are all of the config set's sources. Undefined when `name` is not a set of the config.
 */
async function madeFrom(ctx: Context, name: string, explicitTarget?: string): Promise<MadeSet[] | undefined> {
  if (!Object.hasOwn(ctx.config.sets, name)) return undefined;
  const sources = ctx.config.sets[name];
  const pattern = new RegExp(`^${escape(name)}-\\d{8}-`);
  const bySet = new Map<string, Found[]>();
  for (const target of targetsToSearch(ctx, explicitTarget)) {
    for (const engine of enginesIn(target)) {
      for (const clone of await engine.list(target, ctx)) {
        if (clone.set && pattern.test(clone.set)) bySet.set(clone.set, [...(bySet.get(clone.set) ?? []), { clone, engine, target }]);
      }
    }
  }
  return [...bySet.entries()]
    .filter(([, members]) => members.every((m) => sources.includes(m.clone.source)))
    .map(([set, members]) => ({
      name: set,
      owners: [...new Set(members.map((m) => m.clone.owner))],
      members: members.sort((a, b) => a.clone.clone.localeCompare(b.clone.clone)),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

const describeSet = (s: MadeSet) => `${s.name} (${s.owners.join(', ')}, ${s.members.length} clone${s.members.length === 1 ? '' : 's'})`;

/**
 * What `<command> <config set name>` acts on: the one set made from it that is the caller's, said before
 * anything happens (a delete's question then lists its clones). Several of the caller's, or only other
 * people's, or none: a UsageError naming the sets made from it, so that nothing beyond what was named is
 * touched. Undefined when `name` is not a set of the config.
 */
export async function membersOfConfigSet(ctx: Context, name: string, command: string, explicitTarget?: string): Promise<Found[] | undefined> {
  const made = await madeFrom(ctx, name, explicitTarget);
  if (made === undefined) return undefined;
  if (made.length === 0) {
    throw new UsageError(
      `${name} is a set of the config, and no set made from it exists now`,
      `snapclone create ${name} --date YYYY-MM-DD makes one; snapclone list shows the clones and sets there are.`,
    );
  }
  const mine = made.filter((s) => s.owners.length === 1 && s.owners[0] === ctx.person);
  if (mine.length === 1) {
    ctx.reporter.info(`${name} is a set of the config: ${command} acts on the set made from it that is yours, ${describeSet(mine[0])}.`);
    return mine[0].members;
  }
  throw new UsageError(
    `${name} is a set of the config, not a set of clones; ${mine.length > 1 ? 'several' : 'none'} of the sets made from it ${mine.length > 1 ? 'are' : 'is'} yours: ${made.map(describeSet).join(', ')}`,
    `Name the set: snapclone ${command} ${(mine[0] ?? made[0]).name}`,
  );
}
