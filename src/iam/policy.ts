import type { Config } from '../config/schema.ts';
import { resolveTarget } from '../core/context.ts';
import { TAG } from '../core/tags.ts';
import { enginesIn } from '../engines/index.ts';
import type { Engine, TargetRef } from '../engines/types.ts';
import { COMMAND_PERMISSIONS } from './commands.ts';
import { ENGINE_COMMANDS, partitionOf, secretArnPattern, type Permission, type Scope, type ScopeWhere } from './declare.ts';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** Where an engine's scopes are resolved for a target: its account, region, prefix and cloneable sources. */
export function scopeWhere(config: Config, target: TargetRef, engine: Engine): ScopeWhere {
  const { account, region } = target.config;
  return {
    partition: partitionOf(region),
    region,
    account,
    prefix: config.prefix,
    target,
    sources: Object.entries(config.sources)
      .filter(([, s]) => s.engine === engine.name && s.account === account && s.region === region)
      .map(([name, s]) => ({ name, config: s })),
  };
}

/** The ARNs of the scopes every engine shares. */
function sharedResources(scope: Scope, w: ScopeWhere): string[] {
  switch (scope) {
    case 'clone-secret':
      return [secretArnPattern(w, `${w.prefix}-*`)];
    case 'vault':
      return [...new Set(w.sources.map((s) => `arn:${w.partition}:backup:${w.region}:${w.account}:backup-vault:${s.config.backupVault}`))];
    case 'self':
      return w.target.config.access.roleArn ? [w.target.config.access.roleArn] : [];
    case 'none':
      return ['*'];
    default:
      throw new Error(`No engine resolves the IAM scope '${scope}'`);
  }
}

export function resourcesOf(engine: Engine, scope: Scope, w: ScopeWhere): string[] {
  return engine.resources(scope, w) ?? sharedResources(scope, w);
}

/** The condition that binds a call, beyond its resource ARNs: its binding, and the service keys it requires. */
function conditionOf(p: Permission, engine: Engine, w: ScopeWhere): PolicyStatement['Condition'] {
  const bound = bindingOf(p, engine, w);
  const required = p.requires?.(w.target.config);
  if (!required) return bound;
  // IfExists: AWS puts a service's keys on the resources they describe (rds:DatabaseEngine on the new
  // DB instance), not on every resource of the call (its cluster, subnet group); the instance's own
  // evaluation always carries them.
  return { ...bound, StringLikeIfExists: required };
}

function bindingOf(p: Permission, engine: Engine, w: ScopeWhere): PolicyStatement['Condition'] {
  switch (p.bind) {
    case 'request':
      return {
        StringEquals: { [`aws:RequestTag/${TAG.managed}`]: 'true' },
        'ForAllValues:StringLike': { 'aws:TagKeys': ['snapclone:*'] },
        // A tag write never turns what someone marked snapclone:managed=false into a clone.
        ...(verbOf(p) === 'Tag' ? { StringEqualsIfExists: { [`aws:ResourceTag/${TAG.managed}`]: 'true' } } : {}),
      };
    case 'resource':
      return { StringEquals: { [`aws:ResourceTag/${TAG.managed}`]: 'true' } };
    case 'passed-to-service': {
      if (!engine.passRoleService) throw new Error(`Engine ${engine.name} names no service to pass roles to`);
      return { StringEquals: { 'iam:PassedToService': engine.passRoleService } };
    }
    case 'owned-by-clone': {
      if (!engine.managedSecretOwnerTag) throw new Error(`Engine ${engine.name} names no owner tag for managed secrets`);
      return { StringLike: { [`aws:ResourceTag/${engine.managedSecretOwnerTag}`]: resourcesOf(engine, 'clone', w) } };
    }
    default:
      return undefined;
  }
}

const pascal = (text: string) => text.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());

function verbOf(p: Permission): string {
  if (p.bind === 'request') return /:(AddTags|Tag)/.test(p.action) ? 'Tag' : 'Create';
  if (p.bind === 'resource') return p.write ? 'ChangeManaged' : 'ReadManaged';
  if (p.bind === 'owned-by-clone') return 'ReadOwnedByClone';
  if (p.bind === 'passed-to-service') return 'PassToService';
  return p.write ? 'WriteByName' : 'Read';
}

const RANK = ['Read', 'ReadManaged', 'ReadOwnedByClone', 'Create', 'Tag', 'PassToService', 'WriteByName', 'ChangeManaged'];

/** Every permission the commands need in a target, per engine (each filtered by its `when`). */
export function permissionsIn(config: Config, target: TargetRef): { engine: Engine; permission: Permission }[] {
  const out: { engine: Engine; permission: Permission }[] = [];
  for (const engine of enginesIn(target)) {
    const all = [...ENGINE_COMMANDS.flatMap((c) => engine.permissions[c]), ...Object.values(COMMAND_PERMISSIONS).flat()];
    for (const permission of all) {
      if (!permission.when || permission.when(target.config)) out.push({ engine, permission });
    }
  }
  return out;
}

const one = (values: string[]) => (values.length === 1 ? values[0] : values);

/**
 * The least-privilege permissions policy of a target's role, computed from the declarations: one statement
 * per (binding, scopes) with the ARNs the engines resolve, and an explicit deny of every write on the
 * configured sources, so that another policy on the same role cannot open them either.
 */
export function policyFor(config: Config, targetName: string): PolicyDocument {
  const target = resolveTarget(config, targetName);
  const groups = new Map<string, { verb: string; actions: Set<string>; resources: Set<string>; condition?: PolicyStatement['Condition'] }>();
  const sourceArns = new Set<string>();
  const sourceWrites = new Set<string>();
  for (const { engine, permission } of permissionsIn(config, target)) {
    const w = scopeWhere(config, target, engine);
    for (const arn of resourcesOf(engine, 'source', w)) sourceArns.add(arn);
    // Writes on the sources' resource type (the clone scope), other than restores that read a source.
    if (permission.write && permission.on.includes('clone') && !permission.on.includes('source')) sourceWrites.add(permission.action);
    const resources = permission.on.flatMap((scope) => resourcesOf(engine, scope, w));
    if (resources.length === 0) continue;
    const verb = verbOf(permission);
    const condition = conditionOf(permission, engine, w);
    // Engines share a statement where the binding is the same; one whose condition differs (the tag by
    // which a service ties its managed secret to a clone) gets its own, named after the engine.
    let sid = `${verb}${permission.on.map(pascal).join('')}`;
    if (groups.has(sid) && JSON.stringify(groups.get(sid)!.condition) !== JSON.stringify(condition)) sid += pascal(engine.name);
    let group = groups.get(sid);
    if (!group) {
      group = { verb, actions: new Set(), resources: new Set(), condition };
      groups.set(sid, group);
    }
    group.actions.add(permission.action);
    for (const r of resources) group.resources.add(r);
  }
  const statements: PolicyStatement[] = [...groups.entries()]
    .sort(([a, ga], [b, gb]) => RANK.indexOf(ga.verb) - RANK.indexOf(gb.verb) || a.localeCompare(b))
    .map(([sid, g]) => ({
      Sid: sid,
      Effect: 'Allow' as const,
      Action: one([...g.actions].sort()),
      Resource: one(g.resources.has('*') ? ['*'] : [...g.resources].sort()),
      ...(g.condition ? { Condition: g.condition } : {}),
    }));
  if (sourceArns.size > 0 && sourceWrites.size > 0) {
    statements.push({
      Sid: 'DenyWritesToSources',
      Effect: 'Deny',
      Action: one([...sourceWrites].sort()),
      Resource: one([...sourceArns].sort()),
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}
