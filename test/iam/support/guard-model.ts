// What snapclone's guard refuses, as a model of whole requests (src/core/guard.ts guardProblem and the safety rules
// of the product): writes only on `<prefix>-*` resources carrying snapclone:managed=true and a prefixed clone tag,
// creates only under the prefix with snapclone's tags (managed, clone, owner = the session's person, expires-at; no
// other keys), restores only from the configured sources' inputs into the placement (its subnet group and class or
// node type, never public, TLS and AUTH on caches), no owner rewrite after creation, no tag write that would make an
// untagged `<prefix>-*` resource a clone, no secret of production, keys and roles only the config names.
import type { Config } from '../../../src/config/schema.ts';
import { hasPrefix } from '../../../src/core/naming.ts';
import { TAG } from '../../../src/core/tags.ts';
import type { Tags } from './rows.ts';

export type Kind = 'clone' | 'outside' | 'source' | 'unconfigured' | 'placement' | 'other' | 'new';

/** One resource a call is authorized on, with what the guard knows of it. */
export interface Target {
  /** The SAR resource type (as the action's row names it). */
  type: string;
  arn: string;
  /** Its name in the service (for ES REST calls the domain name; the path is apart). */
  name: string;
  kind: Kind;
  /** Tags it carries now (undefined: none, or it is being created). */
  tags?: Tags;
  /** What the call does with it: the resource it creates, a restore input it reads, a resource it changes… */
  role: 'creates' | 'input' | 'placement' | 'attached' | 'changes' | 'reads' | 'passes' | 'uses' | 'with';
  /**
   * Restore inputs: the database whose data it holds, and how the input is named: `automated` (AWS's `rds:<db>-…`,
   * `automatic.<group>-…`), `backup` (AWS Backup's `awsbackup:job-…`), `manual`, an automated-backups ARN, or the
   * database itself (`pitr`). `with`: attached and read as given (option and parameter groups, final snapshot name).
   */
  input?: { of: string; form: 'automated' | 'backup' | 'manual' | 'auto-backup' | 'pitr' };
  /** ES REST calls: the path below the domain. */
  path?: string;
}

export interface Request {
  action: string;
  resources: Target[];
  requestTags?: Tags;
  /** Condition-key parameters (rds:DatabaseClass…) and, as `request:…`, parameters AWS offers no key for. */
  params: Record<string, string>;
  /** AWS's second authorization of tags given at creation, on the created resource (RDS, ElastiCache, ES, Secrets Manager). */
  tagOnCreate?: string;
}

/** The finding of the security review each rule answers. */
export const RULES = {
  'not-a-clone': 'writes only under the prefix, never on sources or production',
  unmanaged: 'H1/M1: writes only on resources tagged snapclone:managed=true with a prefixed clone tag',
  'tag-unmanaged': 'M1: no tag write that makes an untagged or unmanaged <prefix>-* resource a clone',
  'create-tags': 'H4: creates carry managed=true, a prefixed clone, owner and expires-at, and only snapclone:* keys',
  owner: 'M2: the owner is the session’s person at creation and is never rewritten',
  'restore-input': 'C2: restores only from the configured sources’ restore inputs',
  placement: 'H4: private, in the placement’s subnet group, of its class/node type, TLS and AUTH on caches',
  'production-secret': 'H3: no write or read of an rds!… secret not tied to a clone',
  'es-path': 'C1: REST writes only register the configured repository (PUT) and restore from it (POST …/_restore)',
  'es-read': 'reads of REST paths only on clones and the sources’ repository listing',
  'pass-role': 'iam:PassRole only of the configured roles, to their service',
  'kms-key': 'H2: KMS key use only on the configured keys, grants only for AWS resources',
  'aurora-writer': 'CreateDBInstance only as the Aurora writer of a clone cluster',
} as const;
export type Rule = keyof typeof RULES;

/** The config as the guard sees it for one target. */
export interface GuardWorld {
  account: string;
  region: string;
  prefix: string;
  person: string;
  sources: { engine: string; id: string; repo?: string; roleArn?: string; keys: string[]; backupTag?: { key: string; value: string } }[];
  placement: { rdsSubnet?: string; rdsClass?: string; auroraSubnet?: string; auroraClass?: string; cacheSubnet?: string; cacheNode?: string };
  /** Roles snapclone passes and the service each is passed to. */
  roles: { arn: string; service: string }[];
  /** KMS keys the config names (managed-secret keys and sources' storage keys). */
  keys: string[];
}

export function guardWorld(config: Config, targetName: string, person: string): GuardWorld {
  const t = config.targets[targetName];
  const sources = Object.values(config.sources)
    .filter((s) => s.account === t.account && s.region === t.region)
    .map((s) => ({
      engine: s.engine,
      id: s.id.toLowerCase(),
      repo: s.snapshotRepository?.name,
      roleArn: s.snapshotRepository?.roleArn,
      keys: [(s as { kmsKeyArn?: string | string[] }).kmsKeyArn ?? []].flat(),
      backupTag: s.backupTag,
    }));
  const keyOf = (id: string | undefined) =>
    id?.startsWith('arn:') ? [id] : id && !id.includes('alias/') ? [`arn:aws:kms:${t.region}:${t.account}:key/${id}`] : [];
  return {
    account: t.account,
    region: t.region,
    prefix: config.prefix,
    person,
    sources,
    placement: {
      rdsSubnet: t.rds?.subnetGroup.toLowerCase(),
      rdsClass: t.rds?.instanceClass,
      auroraSubnet: t.aurora?.subnetGroup.toLowerCase(),
      auroraClass: t.aurora?.instanceClass,
      cacheSubnet: t.elasticache?.subnetGroup.toLowerCase(),
      cacheNode: t.elasticache?.nodeType,
    },
    // The roles snapclone passes: the sources' repository roles, to OpenSearch Service.
    roles: sources.flatMap((s) => (s.roleArn ? [{ arn: s.roleArn, service: 'es.amazonaws.com' }] : [])),
    keys: [...keyOf(t.rds?.kmsKeyId), ...keyOf(t.aurora?.kmsKeyId), ...sources.flatMap((s) => s.keys)],
  };
}

const isClone = (t: Target, w: GuardWorld) =>
  hasPrefix(t.name, w.prefix) && t.tags?.[TAG.managed] === 'true' && hasPrefix(t.tags?.[TAG.clone], w.prefix);

/** The rules a request breaks (empty: the guard lets snapclone make it). */
export function guardRefusals(r: Request, w: GuardWorld): Rule[] {
  const out = new Set<Rule>();
  const [service, verb] = r.action.split(':');
  const isTagWrite = /^(AddTagsToResource|AddTags|TagResource)$/.test(verb);
  const tags = r.requestTags ?? {};
  const keys = Object.keys(tags);
  for (const t of r.resources) {
    const managedSecret = t.type.toLowerCase() === 'secret' && t.name.startsWith('rds!');
    if (managedSecret && ['creates', 'changes', 'reads'].includes(t.role)) {
      // RDS's own secret: only of a clone, as RDS's own tag (or, at creation, the tag RDS sends) says.
      const owner = (t.role === 'creates' ? tags : t.tags ?? {})[t.name.startsWith('rds!db') ? 'aws:rds:primaryDBInstanceArn' : 'aws:rds:primaryDBClusterArn'];
      const cloneArn = new RegExp(`^arn:aws:rds:${w.region}:${w.account}:(db|cluster):${w.prefix}-.+$`);
      if (!owner || !cloneArn.test(owner)) out.add('production-secret');
      if (keys.some((k) => !k.startsWith('aws:rds:'))) out.add('production-secret');
      continue;
    }
    switch (t.role) {
      case 'creates':
        if (!hasPrefix(t.name, w.prefix)) out.add('not-a-clone');
        break;
      case 'changes':
        if (!hasPrefix(t.name, w.prefix)) out.add('not-a-clone');
        else if (!isClone(t, w)) out.add(isTagWrite ? 'tag-unmanaged' : 'unmanaged');
        break;
      case 'reads': // reads that hand out data: secret values, REST paths
        if (t.type.toLowerCase() === 'secret') {
          if (!hasPrefix(t.name, w.prefix)) out.add('not-a-clone');
          else if (!isClone(t, w)) out.add('unmanaged');
        } else if (service === 'es') {
          const source = w.sources.find((s) => s.engine === 'opensearch' && s.id === t.name);
          const listing = source && (t.path === `/_snapshot/${source.repo}` || t.path?.startsWith(`/_snapshot/${source.repo}/`));
          if (!hasPrefix(t.name, w.prefix) && !listing) out.add('es-read');
        }
        break;
      case 'input':
        if (!w.sources.some((s) => s.id === t.input?.of) || t.input?.form === 'auto-backup') out.add('restore-input');
        break;
      case 'placement': {
        const p = w.placement;
        const allowed = service === 'elasticache' ? [p.cacheSubnet] : [p.rdsSubnet, p.auroraSubnet];
        if (!allowed.includes(t.name)) out.add('placement');
        break;
      }
      case 'passes': {
        const role = w.roles.find((x) => x.arn === t.arn);
        const to = r.params['iam:PassedToService'];
        if (!role || (to !== undefined && to !== role.service)) out.add('pass-role');
        break;
      }
      case 'uses':
        if (!w.keys.includes(t.arn) || (verb === 'CreateGrant' && r.params['kms:GrantIsForAWSResource'] !== 'true')) out.add('kms-key');
        break;
      case 'attached':
        if (verb === 'CreateDBInstance' && !isClone(t, w)) out.add('aurora-writer');
        break;
    }
    if (service === 'es' && t.role === 'changes' && verb.startsWith('ESHttp')) {
      const repos = w.sources.map((s) => s.repo).filter(Boolean);
      const ok =
        (verb === 'ESHttpPut' && repos.some((repo) => t.path === `/_snapshot/${repo}`)) ||
        (verb === 'ESHttpPost' && repos.some((repo) => new RegExp(`^/_snapshot/${repo}/[^/]+/_restore$`).test(t.path ?? '')));
      if (!ok) out.add('es-path');
    }
  }
  const creates = r.resources.find((t) => t.role === 'creates' && !t.name.startsWith('rds!'));
  if (creates) {
    if (tags[TAG.managed] !== 'true' || !hasPrefix(tags[TAG.clone], w.prefix) || !tags[TAG.expiresAt] || !tags[TAG.owner]) out.add('create-tags');
    if (keys.some((k) => !k.startsWith('snapclone:'))) out.add('create-tags');
    if (tags[TAG.owner] !== undefined && tags[TAG.owner] !== w.person) out.add('owner');
  }
  const changed = r.resources.find((t) => t.role === 'changes');
  if (isTagWrite && changed && !changed.name.startsWith('rds!')) {
    if (keys.some((k) => !k.startsWith('snapclone:'))) out.add('create-tags');
    if (tags[TAG.managed] !== undefined && tags[TAG.managed] !== 'true') out.add('create-tags');
    if (tags[TAG.clone] !== undefined && tags[TAG.clone] !== changed.tags?.[TAG.clone]) out.add('owner');
    if (tags[TAG.owner] !== undefined && tags[TAG.owner] !== changed.tags?.[TAG.owner]) out.add('owner');
  }
  for (const rule of placementParams(r, w)) out.add(rule);
  if (verb === 'CreateDBInstance' && r.params['rds:DatabaseEngine'] && !r.params['rds:DatabaseEngine'].startsWith('aurora')) out.add('aurora-writer');
  if (verb === 'CreateDBInstance' && !r.resources.some((t) => t.role === 'attached')) out.add('aurora-writer');
  return [...out];
}

/** Placement parameters: what a create or modify asks for, against the placement. */
function placementParams(r: Request, w: GuardWorld): Rule[] {
  const p = r.params;
  const verb = r.action.split(':')[1];
  const bad: boolean[] = [];
  if (/^RestoreDBInstance|^CreateDBInstance/.test(verb)) {
    const cls = verb === 'CreateDBInstance' ? w.placement.auroraClass : w.placement.rdsClass;
    bad.push(p['rds:PubliclyAccessible'] !== 'false', p['rds:DatabaseClass'] !== cls);
  }
  if (verb === 'ModifyDBInstance' || verb === 'ModifyDBCluster') {
    bad.push(p['request:PubliclyAccessible'] === 'true', p['request:DBInstanceClass'] !== undefined && p['request:DBInstanceClass'] !== w.placement.rdsClass);
  }
  if (verb === 'CreateReplicationGroup') {
    bad.push(p['elasticache:CacheNodeType'] !== w.placement.cacheNode, p['elasticache:TransitEncryptionEnabled'] !== 'true', p['elasticache:AuthTokenEnabled'] !== 'true');
  }
  if (verb === 'CreateDomain') bad.push(p['request:VPCOptions'] !== 'placement');
  return bad.some(Boolean) ? ['placement'] : [];
}
