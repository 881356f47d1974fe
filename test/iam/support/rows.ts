// The rows both evaluators decide: each action the policy allows × resources of every type AWS authorizes it on
// (a clone's, outside the prefix, the configured sources and placement, unconfigured production) × resource tags ×
// request tags × the request parameters the policy conditions on. Each row's request context holds only the keys
// AWS supplies for that action and resource type (sar.ts), the way AWS would build it.
import type { Config } from '../../../src/config/schema.ts';
import type { PolicyDocument } from '../../../src/iam/policy.ts';
import { keyMatches, REQUEST_TAG_KEY, sarAction, sarResourceType, suppliedKeys } from './sar.ts';

export type Tags = Record<string, string>;
export type Context = Record<string, string | string[]>;

export interface Row {
  action: string;
  /** The SAR resource type (row) the resource is of; undefined for actions without resource-level permissions. */
  resourceType?: string;
  resource: string;
  /** What the resource is to the config: clone, outside, source, configured, unconfigured. */
  kind: string;
  /** Tags the resource carries (undefined: none, or it does not exist yet). */
  resourceTags?: Tags;
  /** Tags the request puts on what it creates or tags. */
  requestTags?: Tags;
  /** Request parameters AWS turns into service condition keys (rds:DatabaseClass, iam:PassedToService…). */
  params: Record<string, string>;
}

/** Where the rows' resources live and what the config names: its account, region, prefix, sources and placement. */
export interface World {
  account: string;
  region: string;
  prefix: string;
  /** `service/type` (lower case) → named resources: a bare name filled into the SAR's ARN format, or a full ARN. */
  names: Map<string, { kind: string; name: string }[]>;
}

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

export function worldOf(config: Config, targetName: string): World {
  const target = config.targets[targetName];
  const { account, region } = target;
  const prefix = config.prefix;
  const clone = `${prefix}-x`;
  const sources = Object.values(config.sources).filter((s) => s.account === account && s.region === region);
  const ids = (engine: string) => sources.filter((s) => s.engine === engine).slice(0, 2).map((s) => ({ kind: 'source', name: s.id.toLowerCase() }));
  const base = [
    { kind: 'clone', name: clone },
    { kind: 'outside', name: 'other-x' },
    { kind: 'unconfigured', name: 'prod-unlisted' },
  ];
  const arnsOf = (values: (string | undefined)[], kind: string) => [...new Set(values.filter((v): v is string => Boolean(v?.startsWith('arn:'))))].map((name) => ({ kind, name }));
  const repo = sources.find((s) => s.snapshotRepository)?.snapshotRepository?.name ?? 'snapshots';
  const domains = [...base, ...ids('opensearch')].flatMap((d) =>
    ['', `/_snapshot/${repo}`, `/_snapshot/${repo}/_all`, '/_cat/indices'].map((path) => ({ kind: d.kind, name: d.name + path })),
  );
  const placements = (names: (string | undefined)[]) => [...new Set(names.filter((n): n is string => Boolean(n)))].map((name) => ({ kind: 'configured', name: name.toLowerCase() }));
  const names = new Map<string, { kind: string; name: string }[]>([
    ['rds/db', [...base, { kind: 'clone', name: `${clone}-1` }, ...ids('rds')]],
    ['rds/cluster', [...base, ...ids('aurora')]],
    ['rds/subgrp', [...base, ...placements([target.rds?.subnetGroup, target.aurora?.subnetGroup])]],
    ['rds/snapshot', [...base, { kind: 'backup', name: 'awsbackup:job-0a1b2c3d' }]],
    ['rds/cluster-snapshot', [...base, { kind: 'backup', name: 'awsbackup:job-0a1b2c3d' }]],
    ['elasticache/replicationgroup', [...base, ...ids('elasticache')]],
    ['elasticache/cluster', [...base, ...ids('elasticache').map((s) => ({ ...s, name: `${s.name}-001` }))]],
    ['elasticache/subnetgroup', [...base, ...placements([target.elasticache?.subnetGroup])]],
    ['es/domain', domains],
    [
      'secretsmanager/secret',
      [
        { kind: 'clone', name: `${clone}-AbCdEf` },
        { kind: 'managed', name: 'rds!db-0a1b2c3d-AbCdEf' },
        { kind: 'managed', name: 'rds!cluster-0a1b2c3d-AbCdEf' },
        { kind: 'unconfigured', name: 'prod-api-key-AbCdEf' },
      ],
    ],
    ['backup/backupvault', [...placements(sources.map((s) => s.backupVault)), { kind: 'unconfigured', name: 'other-vault' }]],
    [
      'iam/role',
      [
        ...arnsOf([target.access.roleArn, target.backupRestoreRoleArn, ...sources.map((s) => s.snapshotRepository?.roleArn)], 'configured'),
        { kind: 'unconfigured', name: `arn:aws:iam::${account}:role/admin` },
      ],
    ],
    [
      'kms/key',
      [...arnsOf([target.rds?.kmsKeyId, target.aurora?.kmsKeyId], 'configured'), { kind: 'unconfigured', name: `arn:aws:kms:${region}:${account}:key/0a1b2c3d-0000-4000-8000-00000000ffff` }],
    ],
  ]);
  return { account, region, prefix, names };
}

/** An ARN of a SAR resource type in the world's account and region, with `name` in its name variables. */
export function arnOf(world: World, service: string, type: string, name: string): string | undefined {
  const format = sarResourceType(service, type)?.arn;
  return format
    ?.replace('${Partition}', 'aws')
    .replace('${Region}', world.region)
    .replace('${Account}', world.account)
    .replace(/\$\{[^}]+\}/g, name);
}

/** The resources of one SAR resource type the world names (or a clone's and an outside one), as ARNs. */
export function resourcesOf(world: World, service: string, type: string): { kind: string; arn: string }[] {
  if (!sarResourceType(service, type)) return [];
  const named = world.names.get(`${service}/${type.toLowerCase()}`) ?? [
    { kind: 'clone', name: `${world.prefix}-x` },
    { kind: 'outside', name: 'other-x' },
  ];
  return named.map((n) => ({ kind: n.kind, arn: n.name.startsWith('arn:') ? n.name : arnOf(world, service, type, n.name)! }));
}

/** Every condition (operator, key, values) of the policy's statements. */
function conditions(docs: PolicyDocument[]): { key: string; values: string[] }[] {
  return docs.flatMap((d) => list(d.Statement)).flatMap((s) => Object.values(s.Condition ?? {}).flatMap((block) => Object.entries(block).map(([key, v]) => ({ key, values: list(v).map(String) }))));
}

/** A value that matches a policy pattern (`aurora-*` → `aurora-x`), and one that does not. */
const matching = (pattern: string) => pattern.replace(/\*/g, 'x').replace(/\?/g, 'x');
const contrary = (value: string) => (value === 'true' ? 'false' : value === 'false' ? 'true' : `${value}-other`);

/** The tag sets a row's resource may carry: none, and each key the policy tests with a matching and a contrary value. */
export function resourceTagSets(docs: PolicyDocument[]): (Tags | undefined)[] {
  const sets: (Tags | undefined)[] = [undefined];
  const seen = new Set<string>();
  for (const { key, values } of conditions(docs)) {
    const m = /^aws:ResourceTag\/(.+)$/i.exec(key);
    if (!m) continue;
    for (const value of [...values.map(matching), contrary(matching(values[0]))]) {
      const id = `${m[1]}=${value}`;
      if (!seen.has(id)) sets.push({ [m[1]]: value });
      seen.add(id);
    }
  }
  return sets;
}

/** A snapclone create's tags, the same without snapclone:managed, and with a tag that is not snapclone's. */
export function requestTagSets(prefix: string): (Tags | undefined)[] {
  const clone = { 'snapclone:clone': `${prefix}-x` };
  return [undefined, { 'snapclone:managed': 'true', ...clone }, clone, { 'snapclone:managed': 'true', env: 'production' }];
}

/**
 * Request parameters for the service keys the policy conditions on: a baseline where each takes a value the
 * policy allows, then one key at a time set to a contrary value or left out.
 */
export function parameterSets(docs: PolicyDocument[]): Record<string, string>[] {
  const keys = new Map<string, string[]>();
  for (const { key, values } of conditions(docs)) {
    if (/^aws:/i.test(key)) continue;
    keys.set(key, [...new Set([...(keys.get(key) ?? []), ...values.map(matching)])]);
  }
  const baseline = Object.fromEntries([...keys].map(([k, v]) => [k, v[0]]));
  const sets = [baseline];
  for (const [key, values] of keys) {
    for (const value of [...values.slice(1), contrary(values[0])]) sets.push({ ...baseline, [key]: value });
    const { [key]: _dropped, ...without } = baseline;
    sets.push(without);
  }
  return sets;
}

/** The request context AWS builds for a row: only the keys it supplies for the action and resource type. */
export function contextOf(row: Row): Context {
  const patterns = suppliedKeys(row.action, row.resourceType);
  const supplied = (key: string) => patterns.some((p) => keyMatches(key, p));
  const context: Context = {};
  // Resource tags under every key pattern of the form `…/${TagKey}` (aws:ResourceTag, rds:db-tag…). The SAR
  // writes Secrets Manager's own one as the literal `secretsmanager:ResourceTag/tag-key`, which iam-simulate
  // does not know as a pattern: left out (the generated policy uses aws:ResourceTag).
  // iam-simulate does not evaluate S3's resource tags (aws:ResourceTag, s3:BucketTag), and the generated policy
  // puts no tag condition on S3 (the repositories are named): S3 rows carry none.
  for (const [key, value] of Object.entries(row.action.startsWith('s3:') ? {} : (row.resourceTags ?? {}))) {
    for (const p of patterns.filter((p) => !REQUEST_TAG_KEY.test(p) && p.endsWith('${TagKey}'))) context[p.replace('${TagKey}', key)] = value;
  }
  const requestTags = Object.entries(row.requestTags ?? {});
  if (requestTags.length > 0) {
    for (const [key, value] of requestTags) {
      for (const p of patterns.filter((p) => REQUEST_TAG_KEY.test(p) && p.endsWith('${TagKey}'))) context[p.replace('${TagKey}', key)] = value;
    }
    if (supplied('aws:TagKeys')) context['aws:TagKeys'] = requestTags.map(([k]) => k);
  }
  for (const [key, value] of Object.entries(row.params)) if (supplied(key)) context[key] = value;
  return context;
}

const glob = (pattern: string, value: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i').test(value);

/** The statements (Allow or Deny) that can apply to an action: only their conditions can change its decisions. */
export function statementsFor(docs: PolicyDocument[], action: string): PolicyDocument[] {
  return docs.map((d) => ({ ...d, Statement: list(d.Statement).filter((s) => list(s.Action).some((a) => glob(a, action))) }));
}

/**
 * Every row of a policy in a world, each distinct (action, resource, context) once. Tags and parameters vary only
 * where a statement that can apply to the action tests them: elsewhere no evaluator's decision can depend on them.
 */
export function rowsOf(docs: PolicyDocument[], world: World): { row: Row; context: Context }[] {
  const actions = [...new Set(docs.flatMap((d) => list(d.Statement)).filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action)))].sort();
  const out = new Map<string, { row: Row; context: Context }>();
  for (const action of actions) {
    const detail = sarAction(action);
    if (!detail) continue;
    const relevant = statementsFor(docs, action);
    const tagSets = resourceTagSets(relevant);
    const testsRequestTags = conditions(relevant).some(({ key }) => REQUEST_TAG_KEY.test(key));
    const requestSets = testsRequestTags ? requestTagSets(world.prefix) : [undefined];
    const paramSets = parameterSets(relevant);
    const service = action.split(':')[0];
    const resources =
      detail.resourceTypes.length === 0
        ? [{ type: undefined, kind: 'any', arn: '*' }]
        : detail.resourceTypes.flatMap((r) => resourcesOf(world, service, r.name).map((x) => ({ type: r.name, ...x })));
    const patterns = relevant.flatMap((d) => list(d.Statement)).flatMap((st) => list(st.Resource));
    for (const { type, kind, arn } of resources) {
      // A resource no statement names is denied whatever the context: one row says so.
      const named = patterns.some((p) => glob(p, arn));
      for (const resourceTags of named ? tagSets : [undefined]) {
        for (const requestTags of named ? requestSets : [undefined]) {
          for (const params of named ? paramSets : paramSets.slice(0, 1)) {
            const row: Row = { action, resourceType: type, resource: arn, kind, resourceTags, requestTags, params };
            const context = contextOf(row);
            const id = `${action} ${arn} ${JSON.stringify(Object.entries(context).sort())}`;
            if (!out.has(id)) out.set(id, { row, context });
          }
        }
      }
    }
  }
  return [...out.values()];
}
