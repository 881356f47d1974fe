import type { Config } from '../config/schema.ts';
import { resolveTarget } from '../core/context.ts';
import { TAG } from '../core/tags.ts';
import { enginesIn } from '../engines/index.ts';
import type { Engine, TargetRef } from '../engines/types.ts';
import { connectDocumentArn } from '../connect/document.ts';
import { COMMAND_PERMISSIONS } from './commands.ts';
import { ENGINE_COMMANDS, partitionOf, secretArnPattern, type BackupTag, type Conditions, type Permission, type Scope, type ScopeWhere } from './declare.ts';
import { resourceTypeOf, supplies } from './reference.ts';

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

/** The customer-managed keys a source's storage is encrypted with (sources.<s>.kmsKeyArn). */
export const sourceKeyArns = (source: { kmsKeyArn?: string | string[] }): string[] =>
  source.kmsKeyArn === undefined ? [] : Array.isArray(source.kmsKeyArn) ? source.kmsKeyArn : [source.kmsKeyArn];

/** The ARNs of the scopes every engine shares. */
function sharedResources(scope: Scope, w: ScopeWhere): string[] {
  switch (scope) {
    case 'clone-secret':
      return [secretArnPattern(w, `${w.prefix}-*`)];
    case 'vault':
      return [...new Set(w.sources.map((s) => `arn:${w.partition}:backup:${w.region}:${w.account}:backup-vault:${s.config.backupVault}`))];
    case 'self':
      return w.target.config.access.roleArn ? [w.target.config.access.roleArn] : [];
    case 'source-key':
      return [...new Set(w.sources.flatMap((s) => sourceKeyArns(s.config)))];
    case 'source-backup':
      return [];
    case 'relay': {
      const relay = w.target.config.connect?.relay;
      return relay ? [`arn:${w.partition}:ec2:${w.region}:${w.account}:instance/${relay}`] : [];
    }
    case 'connect-document':
      return w.target.config.connect ? [connectDocumentArn(w.prefix, w.target.name, w.target.config)] : [];
    case 'own-session':
      // AWS names a session `<caller's name>-<random id>` (an assumed role's: its role session name), and snapclone's
      // role session name is also its SourceIdentity, `snapclone-<person>`: only the caller's own sessions match. A
      // session without SourceIdentity resolves to nothing here, so it can end none.
      return [`arn:${w.partition}:ssm:${w.region}:${w.account}:session/\${aws:SourceIdentity}-*`];
    case 'none':
      return ['*'];
    default:
      throw new Error(`No engine resolves the IAM scope '${scope}'`);
  }
}

export function resourcesOf(engine: Engine, scope: Scope, w: ScopeWhere): string[] {
  return engine.resources(scope, w) ?? sharedResources(scope, w);
}

/** The alias of the AWS managed key Secrets Manager encrypts with when no customer key is configured. */
export const SECRETS_MANAGER_KEY_ALIAS = 'alias/aws/secretsmanager';

function secretKeyAlias(engine: Engine, w: ScopeWhere): string {
  const kmsKeyId = (w.target.config[engine.name] as { kmsKeyId?: string } | undefined)?.kmsKeyId;
  return kmsKeyId && /(^|:)alias\//.test(kmsKeyId) ? kmsKeyId.replace(/^arn:[^/]*:alias\//, 'alias/') : SECRETS_MANAGER_KEY_ALIAS;
}

/** The conditions that bind a call, beyond its resource ARNs (one per grant): its binding, the service keys it requires, a backup's source tag. */
function conditionsOf(p: Permission, engine: Engine, w: ScopeWhere, resource: string, backupTag?: BackupTag): Conditions[] {
  const joined = p.joins !== undefined && resourceTypeOf(p.action, resource) === p.joins;
  return (joined ? [bindingOf({ ...p, bind: 'resource' }, engine, w)] : bindingsOf(p, engine, w)).map((binding) => {
    const out: Conditions = {};
    const add = (operator: string, key: string, values: string[]) => {
      out[operator] = { ...out[operator], [key]: values };
    };
    for (const [operator, keys] of Object.entries(binding)) for (const [key, v] of Object.entries(keys)) add(operator, key, v);
    for (const [operator, keys] of Object.entries(p.requires?.(w.target.config, w) ?? {})) for (const [key, v] of Object.entries(keys)) add(operator, key, v);
    // The key of managed secrets named by alias, or none configured (Secrets Manager's AWS managed key): any key
    // of the account, only if it carries that alias.
    if (p.on.includes('secret-key') && resource.endsWith(':key/*')) add('ForAnyValue:StringEquals', 'kms:ResourceAliases', [secretKeyAlias(engine, w)]);
    if (backupTag) add('StringEquals', `aws:ResourceTag/${backupTag.key}`, [backupTag.value]);
    return out;
  });
}

/** The tags every create must carry (what the guard and the janitor read): Null false, so omitting one is refused. */
const REQUIRED_AT_CREATION = [TAG.clone, TAG.owner, TAG.expiresAt];

/**
 * The owner a create records is the session's person: the session name (and source identity) is
 * `snapclone-<person>` (src/iam/trust.ts), so `aws:userid` (`<role id>:<session name>`) ends in it. Tag values
 * hold no `*` or `?` in RDS, ElastiCache, OpenSearch or Secrets Manager, so the variable is matched literally.
 */
export const OWNER_IS_SESSION = { StringLike: { 'aws:userid': [`*:snapclone-\${aws:RequestTag/${TAG.owner}}`] } };

/** A tag write that does not create: only on a clone, and never a new owner (the owner tag keeps its value). */
const afterCreation = (prefix: string): Conditions => ({
  StringEquals: { [`aws:ResourceTag/${TAG.managed}`]: ['true'], [`aws:RequestTag/${TAG.managed}`]: ['true'] },
  'ForAllValues:StringLike': { 'aws:TagKeys': ['snapclone:*'] },
  StringLike: { [`aws:ResourceTag/${TAG.clone}`]: [`${prefix}-*`] },
  StringEqualsIfExists: {
    [`aws:RequestTag/${TAG.owner}`]: [`\${aws:ResourceTag/${TAG.owner}}`],
    [`aws:RequestTag/${TAG.clone}`]: [`\${aws:ResourceTag/${TAG.clone}}`],
  },
});

/** A create (or the tag write AWS checks with it): marks the resource as a clone, with its name, owner (the session) and expiry. */
const atCreation = (tagWrite: boolean, prefix: string): Conditions => ({
  StringEquals: { [`aws:RequestTag/${TAG.managed}`]: ['true'] },
  StringLike: { ...OWNER_IS_SESSION.StringLike, [`aws:RequestTag/${TAG.clone}`]: [`${prefix}-*`] },
  'ForAllValues:StringLike': { 'aws:TagKeys': ['snapclone:*'] },
  Null: {
    ...Object.fromEntries(REQUIRED_AT_CREATION.map((k) => [`aws:RequestTag/${k}`, ['false']])),
    // AWS checks tag-on-create on a resource that has no tags yet: never on one already marked (either way).
    ...(tagWrite ? { [`aws:ResourceTag/${TAG.managed}`]: ['true'] } : {}),
  },
});

/** The conditions of a declaration: a tag write is two grants, at creation and afterwards (security M1). */
function bindingsOf(p: Permission, engine: Engine, w: ScopeWhere): Conditions[] {
  if (p.bind === 'request') return verbOf(p) === 'Tag' ? [atCreation(true, w.prefix), afterCreation(w.prefix)] : [atCreation(false, w.prefix)];
  return [bindingOf(p, engine, w)];
}

function bindingOf(p: Permission, engine: Engine, w: ScopeWhere): Conditions {
  switch (p.bind) {
    case 'resource':
      // A clone carries its prefixed name as a tag too: managed=true alone (anyone's tag) makes nothing a clone.
      return { StringEquals: { [`aws:ResourceTag/${TAG.managed}`]: ['true'] }, StringLike: { [`aws:ResourceTag/${TAG.clone}`]: [`${w.prefix}-*`] } };
    case 'passed-to-service': {
      if (!engine.passRoleService) throw new Error(`Engine ${engine.name} names no service to pass roles to`);
      return { StringEquals: { 'iam:PassedToService': [engine.passRoleService] } };
    }
    case 'owned-by-clone': {
      if (!engine.managedSecretOwnerTag) throw new Error(`Engine ${engine.name} names no owner tag for managed secrets`);
      return { StringLike: { [`aws:ResourceTag/${engine.managedSecretOwnerTag}`]: resourcesOf(engine, 'clone', w) } };
    }
    case 'created-for-clone': {
      // Whether RDS's calls carry the owner tag as a request tag is not documented: IfExists holds either way,
      // and an existing secret (production's) carries it, naming its own instance (security H3).
      if (!engine.managedSecretOwnerTag) throw new Error(`Engine ${engine.name} names no owner tag for managed secrets`);
      const clones = resourcesOf(engine, 'clone', w);
      return {
        StringLikeIfExists: {
          [`aws:ResourceTag/${engine.managedSecretOwnerTag}`]: clones,
          [`aws:RequestTag/${engine.managedSecretOwnerTag}`]: clones,
        },
        'ForAllValues:StringLike': { 'aws:TagKeys': ['aws:rds:*'] },
      };
    }
    case 'grant-for-aws-resource':
      return { Bool: { 'kms:GrantIsForAWSResource': ['true'] } };
    default:
      return {};
  }
}

/**
 * Only the keys AWS supplies when it authorizes the action on that resource's type (a positive condition on an
 * absent key never matches, so the resource would be denied): e.g. CreateReplicationGroup's request tags and
 * node type bind the replication group, not the parameter group or snapshot it also authorizes.
 */
function suppliedOnly(action: string, resource: string, conditions: Conditions): Conditions | undefined {
  const type = resourceTypeOf(action, resource);
  const out: Conditions = {};
  // A policy variable in a value must be supplied too (AWS cannot resolve it otherwise).
  const variables = (values: string[]) => values.flatMap((v) => [...v.matchAll(/\$\{([^}*?$]+)\}/g)].map((m) => m[1]));
  for (const [operator, keys] of Object.entries(conditions)) {
    const kept = Object.entries(keys).filter(([key, values]) => [key, ...variables(values)].every((k) => supplies(action, type, k)));
    if (kept.length > 0) out[operator] = Object.fromEntries(kept);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

const pascal = (text: string) => text.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());

function verbOf(p: Permission): string {
  if (p.bind === 'request') return /:(AddTags|Tag)/.test(p.action) ? 'Tag' : 'Create';
  if (p.bind === 'resource') return p.write ? 'ChangeManaged' : 'ReadManaged';
  if (p.bind === 'owned-by-clone') return 'ReadOwnedByClone';
  if (p.bind === 'created-for-clone') return 'WriteForClone';
  if (p.bind === 'passed-to-service') return 'PassToService';
  if (p.bind === 'grant-for-aws-resource') return 'GrantToService';
  return p.write ? 'WriteByName' : 'Read';
}

const RANK = ['Read', 'ReadManaged', 'ReadOwnedByClone', 'Create', 'Tag', 'PassToService', 'GrantToService', 'WriteForClone', 'WriteByName', 'ChangeManaged'];

/**
 * The ARNs of a scope, each with the source tag that binds it: the `source-backup` scope names the engine's
 * snapshot types (`snapshot:*`) once per distinct `backupTag` of the sources, and once unbound when a source
 * names none (the residual docs/iam.md and doctor state).
 */
function scopedResources(engine: Engine, scope: Scope, w: ScopeWhere): { resource: string; backupTag?: BackupTag }[] {
  if (scope !== 'source-backup') return resourcesOf(engine, scope, w).map((resource) => ({ resource }));
  const arns = engine.resources(scope, w) ?? [];
  const tags = new Map<string, BackupTag | undefined>(w.sources.map((s) => [JSON.stringify(s.config.backupTag ?? null), s.config.backupTag]));
  return [...tags.values()].flatMap((backupTag) => arns.map((resource) => ({ resource, backupTag })));
}

/** The sources whose manual snapshots and AWS Backup recovery points the role may restore unbound (no backupTag), per engine. */
export function unboundBackupSources(config: Config, target: TargetRef): { engine: string; sources: string[]; inputs: string[] }[] {
  return enginesIn(target).flatMap((engine) => {
    const w = scopeWhere(config, target, engine);
    const inputs = engine.resources('source-backup', w) ?? [];
    const sources = w.sources.filter((s) => !s.config.backupTag).map((s) => s.name);
    return inputs.length > 0 && sources.length > 0 ? [{ engine: engine.name, sources, inputs }] : [];
  });
}

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

/**
 * One declared grant as the policy must keep it: an action on some resources under one condition. A
 * declaration whose resources see different condition keys (request tags on the replication group only)
 * becomes several parts, one per condition.
 */
export interface StatementPart {
  engine: string;
  verb: string;
  scopes: Scope[];
  actions: string[];
  resources: string[];
  condition?: Conditions;
}

/** A statement of the policy and the declared parts it was merged from. */
export interface MergedStatement {
  statement: PolicyStatement;
  parts: StatementPart[];
}

/** The declared parts of a target's policy, each (action set, resource set, condition) as declared. */
export function declaredParts(config: Config, target: TargetRef): StatementPart[] {
  const parts = new Map<string, StatementPart>();
  for (const { engine, permission } of permissionsIn(config, target)) {
    const w = scopeWhere(config, target, engine);
    const verb = verbOf(permission);
    let tagged = false;
    for (const scope of permission.on) {
      for (const { resource, backupTag } of scopedResources(engine, scope, w)) {
        // Only ARNs of a type AWS authorizes the action on (the reference), or `*` for actions without resource types.
        if (resource !== '*' && resourceTypeOf(permission.action, resource) === undefined) continue;
        for (const conditions of conditionsOf(permission, engine, w, resource, backupTag)) {
          const condition = suppliedOnly(permission.action, resource, conditions);
          if (condition?.StringEquals?.[`aws:RequestTag/${TAG.managed}`]) tagged = true;
          const key = JSON.stringify([engine.name, permission.action, verb, condition]);
          const part = parts.get(key) ?? { engine: engine.name, verb, scopes: [], actions: [permission.action], resources: [], condition };
          if (!part.scopes.includes(scope)) part.scopes.push(scope);
          if (!part.resources.includes(resource)) part.resources.push(resource);
          parts.set(key, part);
        }
      }
    }
    if (permission.bind === 'request' && !tagged && permission.on.some((s) => resourcesOf(engine, s, w).length > 0)) {
      throw new Error(`${permission.action}: AWS supplies no request tags for any resource it is declared on; it would be bound by name only`);
    }
  }
  return [...parts.values()].map((p) => ({ ...p, resources: p.resources.includes('*') ? ['*'] : [...p.resources].sort() }));
}


/**
 * Merges parts into statements without granting more than the parts: only parts with the same condition,
 * and either the same resources (the union of their actions) or the same actions (the union of their
 * resources). A cross product of different actions and resources is never made.
 */
function merge(parts: StatementPart[]): { actions: string[]; resources: string[]; condition?: Conditions; parts: StatementPart[] }[] {
  let groups = parts.map((p) => ({ actions: [...p.actions].sort(), resources: p.resources, condition: p.condition, parts: [p] }));
  for (let changed = true; changed; ) {
    changed = false;
    for (const by of ['resources', 'actions'] as const) {
      const merged = new Map<string, (typeof groups)[number]>();
      for (const g of groups) {
        const key = JSON.stringify([g.condition ?? null, g[by]]);
        const into = merged.get(key);
        if (!into) {
          merged.set(key, { ...g, parts: [...g.parts] });
          continue;
        }
        const other = by === 'resources' ? 'actions' : 'resources';
        into[other] = [...new Set([...into[other], ...g[other]])].sort();
        into.parts.push(...g.parts);
        changed = true;
      }
      groups = [...merged.values()];
    }
  }
  return groups;
}

/** A statement id from its parts' verb and scopes, unique in the policy. */
function sidOf(parts: StatementPart[], taken: Set<string>): string {
  // Named after the strongest grant among its parts.
  const verb = [...new Set(parts.map((p) => p.verb))].sort((a, b) => RANK.indexOf(b) - RANK.indexOf(a))[0];
  const scopes = [...new Set(parts.flatMap((p) => p.scopes))];
  let sid = `${verb}${scopes.map(pascal).join('')}`;
  if (taken.has(sid)) sid += [...new Set(parts.map((p) => pascal(p.engine)))].join('');
  for (let n = 2; taken.has(sid); n++) sid = `${sid.replace(/\d+$/, '')}${n}`;
  taken.add(sid);
  return sid;
}

const one = (values: string[]) => (values.length === 1 ? values[0] : values);
const conditionOut = (c: Conditions): PolicyStatement['Condition'] =>
  Object.fromEntries(Object.entries(c).map(([op, keys]) => [op, Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, one(v)]))]));

/**
 * The Allow statements of a target's policy with the declared parts each was merged from, and an explicit
 * deny of every write on the configured sources, so that another policy on the same role cannot open them.
 */
export function mergedStatements(config: Config, targetName: string): MergedStatement[] {
  const target = resolveTarget(config, targetName);
  const groups = merge(declaredParts(config, target));
  const rank = (g: (typeof groups)[number]) => Math.min(...g.parts.map((p) => RANK.indexOf(p.verb)));
  const ordered = groups
    .map((g) => ({ g, order: JSON.stringify([g.parts.map((p) => p.verb + p.scopes.join()).sort(), g.actions, g.resources]) }))
    .sort((a, b) => rank(a.g) - rank(b.g) || a.order.localeCompare(b.order));
  const taken = new Set<string>();
  const out: MergedStatement[] = ordered.map(({ g }) => ({
    statement: {
      Sid: sidOf(g.parts, taken),
      Effect: 'Allow' as const,
      Action: one(g.actions),
      Resource: one(g.resources),
      ...(g.condition ? { Condition: conditionOut(g.condition) } : {}),
    },
    parts: g.parts,
  }));
  const deny = denyWritesToSources(config, target);
  if (deny) out.push({ statement: deny, parts: [] });
  return out;
}

function denyWritesToSources(config: Config, target: TargetRef): PolicyStatement | undefined {
  const sourceArns = new Set<string>();
  const sourceWrites = new Set<string>();
  for (const { engine, permission } of permissionsIn(config, target)) {
    for (const arn of resourcesOf(engine, 'source', scopeWhere(config, target, engine))) sourceArns.add(arn);
    // Writes on the sources' resource type (the clone scope), other than restores that read a source, and
    // tag-on-create (F25: whether AWS also authorizes a point-in-time restore's tags on the source it names is
    // unconfirmed; their Allow is bound to the prefix and a snapclone:managed=true request tag, so it never
    // reaches a source either way).
    const tagOnCreate = permission.bind === 'request' && /:(AddTags|TagResource)/.test(permission.action);
    if (permission.write && permission.on.includes('clone') && !permission.on.includes('source') && !tagOnCreate) sourceWrites.add(permission.action);
  }
  if (sourceArns.size === 0 || sourceWrites.size === 0) return undefined;
  return { Sid: 'DenyWritesToSources', Effect: 'Deny', Action: one([...sourceWrites].sort()), Resource: one([...sourceArns].sort()) };
}

/**
 * The least-privilege permissions policy of a target's role as one document, computed from the declarations
 * (split into managed policies that fit IAM's quotas by policiesFor, src/iam/split.ts).
 */
export function policyFor(config: Config, targetName: string): PolicyDocument {
  return { Version: '2012-10-17', Statement: mergedStatements(config, targetName).map((m) => m.statement) };
}
