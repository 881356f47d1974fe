// Generated requests, per action, as AWS authorizes them: every resource the call is authorized on (the created
// resource, restore inputs, placement, attached groups, the resource changed), the request tags and parameters.
// Each action's request is built from dimensions, each with values the guard accepts (`good`) and values that break
// one of its rules (`bad`): the property draws one dimension bad and the others good, so a counterexample shows one
// broken rule. The guard model (guard-model.ts), not these labels, decides what the guard refuses.
import fc from 'fast-check';
import { TAG } from '../../../src/core/tags.ts';
import type { GuardWorld, Kind, Request, Target } from './guard-model.ts';
import type { Tags } from './rows.ts';

export interface Dim {
  good: fc.Arbitrary<unknown>;
  bad?: fc.Arbitrary<unknown>;
}
export interface Spec {
  dims: Record<string, Dim>;
  build: (v: Record<string, unknown>) => Request;
}

/** Actions the guard never refuses (listings, descriptions, tag reads, doctor's simulations): not generated. */
export const PLAIN_READS = /^(rds:Describe|rds:ListTagsForResource|elasticache:Describe|elasticache:ListTagsForResource|es:Describe|es:ListTags|es:ListDomainNames|backup:List|tag:GetResources|sts:GetCallerIdentity|iam:GetRole|iam:SimulatePrincipalPolicy|kms:DescribeKey|ec2:Describe|secretsmanager:DescribeSecret|s3:ListBucket|s3:GetObject)/;

type InputForm = NonNullable<Target['input']>['form'];

const EXPIRES = '2030-01-01T00:00:00.000Z';
const BIG = { rds: 'db.r6i.32xlarge', cache: 'cache.r7g.16xlarge' };
const of = <T>(...values: T[]) => fc.constantFrom(...values);

export function specs(w: GuardWorld): Record<string, Spec> {
  const { account: A, region: R, prefix: P } = w;
  const rds = (type: string, name: string) => `arn:aws:rds:${R}:${A}:${type}:${name}`;
  const ec = (type: string, name: string) => `arn:aws:elasticache:${R}:${A}:${type}:${name}`;
  const es = (name: string, path = '') => `arn:aws:es:${R}:${A}:domain/${name}${path}`;
  const sm = (name: string) => `arn:aws:secretsmanager:${R}:${A}:secret:${name}`;
  const ids = (engine: string) => w.sources.filter((s) => s.engine === engine).map((s) => s.id);
  const cloneTags = (clone: string, extra: Tags = {}): Tags => ({ [TAG.managed]: 'true', [TAG.clone]: clone, [TAG.owner]: w.person, [TAG.expiresAt]: EXPIRES, ...extra });

  /** A resource that exists: a clone (tagged), or a resource named outside the prefix, a source, production. */
  const existing = (engine: string, typeArn: (name: string) => string, type: string, role: Target['role'], cloneName: string, prod: string) => {
    const at = (name: string, kind: Kind, tags: Tags | undefined): Target => ({ type, arn: typeArn(name), name, kind, tags, role });
    const badTags = of<Tags | undefined>(
      undefined,
      { [TAG.managed]: 'false' },
      { [TAG.managed]: 'true' },
      { team: 'platform' },
      { [TAG.managed]: 'false', 'snapclone:more1': `managed=true clone=${cloneName} owner=mallory` },
    );
    return {
      good: of(at(cloneName, 'clone', cloneTags(cloneName))),
      bad: fc.oneof(
        badTags.map((tags) => at(cloneName, 'clone', tags)),
        fc.tuple(of<[string, Kind]>(['other-x', 'outside'], [prod, 'unconfigured'], ...ids(engine).map((id): [string, Kind] => [id, 'source'])), of(undefined, cloneTags(cloneName))).map(
          ([[name, kind], tags]) => at(name, kind, tags),
        ),
      ),
    };
  };
  const created = (type: string, typeArn: (n: string) => string, cloneName: string, prod: string) => ({
    good: of<Target>({ type, arn: typeArn(cloneName), name: cloneName, kind: 'new', role: 'creates' }),
    bad: of<[string, Kind]>(['other-x', 'outside'], [prod, 'unconfigured']).map(([name, kind]): Target => ({ type, arn: typeArn(name), name, kind, role: 'creates' })),
  });
  const createTags = (clone: string) => ({
    good: of(cloneTags(clone)),
    bad: of<Tags | undefined>(
      undefined,
      { [TAG.managed]: 'true', [TAG.clone]: clone, [TAG.owner]: w.person },
      { [TAG.managed]: 'true', [TAG.clone]: clone, [TAG.expiresAt]: EXPIRES },
      { [TAG.clone]: clone, [TAG.owner]: w.person, [TAG.expiresAt]: EXPIRES },
      cloneTags(clone, { env: 'production' }),
      cloneTags(clone, { [TAG.owner]: 'mallory' }),
    ),
  });
  /** Restore inputs of a source (good) and of a database nobody configured (bad), in AWS's forms. */
  const inputs = (engine: string, type: string, typeArn: (n: string) => string, forms: [InputForm, (db: string) => string][], prod: string) => {
    const make = (db: string) => forms.map(([form, name]): Target => ({ type, arn: typeArn(name(db)), name: name(db), kind: db === prod ? 'unconfigured' : 'source', role: 'input', input: { of: db, form } }));
    const good = ids(engine).flatMap(make);
    return { good: good.length > 0 ? of(...good) : of(...make('no-source')), bad: of(...make(prod)) };
  };
  const snapshotForms = (auto: string): [InputForm, (db: string) => string][] => [
    ['automated', (db) => `${auto}${db}-2026-12-01-00-00`],
    ['backup', (db) => `awsbackup:job-${db}-0a1b2c3d`],
    ['manual', (db) => `${db}-before-migration`],
  ];
  const placementDim = (typeArn: (n: string) => string, type: string, good: string | undefined) => ({
    good: of<Target>({ type, arn: typeArn(good ?? 'none'), name: good ?? 'none', kind: 'placement', role: 'placement' }),
    bad: of('default', 'team-public').map((name): Target => ({ type, arn: typeArn(name), name, kind: 'other', role: 'placement' })),
  });
  const withs = (...targets: [string, string][]) => targets.map(([type, arn]): Target => ({ type, arn, name: arn.split(':').pop()!, kind: 'other', role: 'with' }));
  const param = <T extends string | undefined>(good: T, ...bad: (string | undefined)[]) => ({ good: of(good), bad: of(...bad) });
  const params = (v: Record<string, unknown>, names: Record<string, string>) =>
    Object.fromEntries(Object.entries(names).filter(([dim]) => v[dim] !== undefined).map(([dim, key]) => [key, v[dim] as string]));

  const out: Record<string, Spec> = {};
  const rdsRestore = (action: string, input: Dim) => {
    out[action] = {
      dims: {
        target: created('db', (n) => rds('db', n), `${P}-orders-db-x`, 'hr-prod'),
        input,
        subnet: placementDim((n) => rds('subgrp', n), 'subgrp', w.placement.rdsSubnet),
        tags: createTags(`${P}-orders-db-x`),
        public: param('false', 'true', undefined),
        cls: param(w.placement.rdsClass, BIG.rds, undefined),
      },
      build: (v) => ({
        action,
        resources: [v.target as Target, v.input as Target, v.subnet as Target, ...withs(['og', rds('og', 'default:postgres-16')], ['pg', rds('pg', 'default.postgres16')])],
        requestTags: v.tags as Tags | undefined,
        params: params(v, { public: 'rds:PubliclyAccessible', cls: 'rds:DatabaseClass' }),
        tagOnCreate: 'rds:AddTagsToResource',
      }),
    };
  };
  rdsRestore('rds:RestoreDBInstanceFromDBSnapshot', inputs('rds', 'snapshot', (n) => rds('snapshot', n), snapshotForms('rds:'), 'hr-prod'));
  rdsRestore(
    'rds:RestoreDBInstanceToPointInTime',
    (() => {
      const pitr = inputs('rds', 'db', (n) => rds('db', n), [['pitr', (db) => db]], 'hr-prod');
      const ab = inputs('rds', 'auto-backup', (n) => rds('auto-backup', n), [['auto-backup', (db) => `ab-${db}-0a1b2c3d4e5f`]], 'hr-prod');
      // snapclone restores to a point in time by the source's identifier only: an automated-backup ARN names no
      // source (security C2), so none is granted, a source's included.
      return { good: pitr.good, bad: fc.oneof(pitr.bad, ab.bad, ab.good) };
    })(),
  );
  const auroraRestore = (action: string, input: Dim) => {
    out[action] = {
      dims: {
        target: created('cluster', (n) => rds('cluster', n), `${P}-catalog-x`, 'payroll-prod'),
        input,
        subnet: placementDim((n) => rds('subgrp', n), 'subgrp', w.placement.auroraSubnet),
        tags: createTags(`${P}-catalog-x`),
      },
      build: (v) => ({
        action,
        resources: [v.target as Target, v.input as Target, v.subnet as Target, ...withs(['og', rds('og', 'default:aurora-postgresql-16')], ['cluster-pg', rds('cluster-pg', 'default.aurora-postgresql16')])],
        requestTags: v.tags as Tags | undefined,
        params: {},
        tagOnCreate: 'rds:AddTagsToResource',
      }),
    };
  };
  auroraRestore('rds:RestoreDBClusterFromSnapshot', inputs('aurora', 'cluster-snapshot', (n) => rds('cluster-snapshot', n), snapshotForms('rds:'), 'payroll-prod'));
  auroraRestore('rds:RestoreDBClusterToPointInTime', inputs('aurora', 'cluster', (n) => rds('cluster', n), [['pitr', (db) => db]], 'payroll-prod'));

  const writerCluster = existing('aurora', (n) => rds('cluster', n), 'cluster', 'attached', `${P}-catalog-x`, 'payroll-prod');
  out['rds:CreateDBInstance'] = {
    dims: {
      target: created('db', (n) => rds('db', n), `${P}-catalog-x-1`, 'payroll-prod-2'),
      // (an aurora-* instance without a cluster is refused by RDS itself: not generated)
      cluster: { good: writerCluster.good.map((t) => [t]), bad: writerCluster.bad.map((t) => [t]) },
      tags: createTags(`${P}-catalog-x`),
      engine: param('aurora-postgresql', 'postgres'),
      public: param('false', 'true', undefined),
      cls: param(w.placement.auroraClass, BIG.rds, undefined),
    },
    build: (v) => ({
      action: 'rds:CreateDBInstance',
      resources: [v.target as Target, ...(v.cluster as Target[]), ...withs(['og', rds('og', 'default:aurora-postgresql-16')], ['pg', rds('pg', 'default.aurora-postgresql16')])],
      requestTags: v.tags as Tags | undefined,
      params: params(v, { engine: 'rds:DatabaseEngine', public: 'rds:PubliclyAccessible', cls: 'rds:DatabaseClass' }),
      tagOnCreate: 'rds:AddTagsToResource',
    }),
  };

  out['elasticache:CreateReplicationGroup'] = {
    dims: {
      target: created('replicationgroup', (n) => ec('replicationgroup', n), `${P}-sessions-x`, 'hr-cache'),
      input: inputs('elasticache', 'snapshot', (n) => ec('snapshot', n), [['automated', (g) => `automatic.${g}-2026-12-01-00-00`], ['manual', (g) => `${g}-before-upgrade`]], 'hr-cache'),
      subnet: placementDim((n) => ec('subnetgroup', n), 'subnetgroup', w.placement.cacheSubnet),
      tags: createTags(`${P}-sessions-x`),
      node: param(w.placement.cacheNode, BIG.cache, undefined),
      tls: param('true', 'false', undefined),
      auth: param('true', 'false', undefined),
    },
    build: (v) => {
      const group = v.target as Target;
      const member: Target = { ...group, type: 'cluster', arn: ec('cluster', `${group.name}-001`), name: `${group.name}-001` };
      return {
        action: 'elasticache:CreateReplicationGroup',
        resources: [group, member, v.input as Target, v.subnet as Target, ...withs(['parametergroup', ec('parametergroup', 'default.valkey8')])],
        requestTags: v.tags as Tags | undefined,
        params: params(v, { node: 'elasticache:CacheNodeType', tls: 'elasticache:TransitEncryptionEnabled', auth: 'elasticache:AuthTokenEnabled' }),
        tagOnCreate: 'elasticache:AddTagsToResource',
      };
    },
  };

  out['es:CreateDomain'] = {
    dims: {
      target: created('domain', (n) => es(n), `${P}-search-x`, 'logs-prod'),
      tags: createTags(`${P}-search-x`),
      vpc: param('placement', 'none'),
    },
    build: (v) => ({ action: 'es:CreateDomain', resources: [v.target as Target], requestTags: v.tags as Tags | undefined, params: params(v, { vpc: 'request:VPCOptions' }), tagOnCreate: 'es:AddTags' }),
  };

  // Secrets: a clone's generated-password secret, and the secrets RDS manages (tied to an instance by RDS's own tag).
  const managedSecret = (tiedTo: string | undefined): Target => ({
    type: 'Secret',
    arn: sm(`rds!db-0a1b2c3d-${tiedTo ?? 'none'}-AbCdEf`),
    name: `rds!db-0a1b2c3d-${tiedTo ?? 'none'}`,
    kind: tiedTo?.startsWith(P) ? 'clone' : 'unconfigured',
    tags: tiedTo ? { 'aws:rds:primaryDBInstanceArn': rds('db', tiedTo) } : undefined,
    role: 'changes',
  });
  const secretName = `${P}-orders-db-x-AbCdEf`;
  const existingSecret = existing('rds', sm, 'Secret', 'changes', secretName, 'prod-api-key-AbCdEf');
  const secrets = (role: Target['role']) => ({
    good: fc.oneof(existingSecret.good, of(managedSecret(`${P}-orders-db-x`))).map((t) => ({ ...t, role })),
    bad: fc.oneof(existingSecret.bad, of(managedSecret('hr-prod'), managedSecret(undefined))).map((t) => ({ ...t, role })),
  });
  const secretCreate = fc.oneof(
    of({ target: { type: 'Secret', arn: sm(secretName), name: secretName, kind: 'new', role: 'creates' } as Target, tags: 'clone' }),
    of({ target: { ...managedSecret(undefined), name: 'rds!db-new', arn: sm('rds!db-new-AbCdEf'), tags: undefined, role: 'creates' } as Target, tags: { 'aws:rds:primaryDBInstanceArn': rds('db', `${P}-orders-db-x`) } }),
  );
  out['secretsmanager:CreateSecret'] = {
    dims: {
      target: {
        good: secretCreate,
        bad: of(
          { target: { type: 'Secret', arn: sm('prod-api-key'), name: 'prod-api-key', kind: 'unconfigured', role: 'creates' } as Target, tags: 'clone' },
          { target: { ...managedSecret(undefined), name: 'rds!db-new', arn: sm('rds!db-new-AbCdEf'), tags: undefined, role: 'creates' } as Target, tags: { 'aws:rds:primaryDBInstanceArn': rds('db', 'hr-prod') } },
          { target: { ...managedSecret(undefined), name: 'rds!db-new', arn: sm('rds!db-new-AbCdEf'), tags: undefined, role: 'creates' } as Target, tags: { env: 'dev' } },
        ),
      },
      tags: createTags(secretName.replace(/-AbCdEf$/, '')),
    },
    build: (v) => {
      const { target, tags } = v.target as { target: Target; tags: Tags | 'clone' };
      return { action: 'secretsmanager:CreateSecret', resources: [target], requestTags: tags === 'clone' ? (v.tags as Tags | undefined) : tags, params: {}, tagOnCreate: 'secretsmanager:TagResource' };
    },
  };
  out['secretsmanager:GetSecretValue'] = {
    dims: { target: secrets('reads') },
    build: (v) => ({ action: 'secretsmanager:GetSecretValue', resources: [v.target as Target], params: {} }),
  };
  out['secretsmanager:DeleteSecret'] = {
    dims: { target: { good: existingSecret.good, bad: existingSecret.bad } },
    build: (v) => ({ action: 'secretsmanager:DeleteSecret', resources: [v.target as Target], params: {} }),
  };

  // Changes and deletes of existing resources.
  const change = (action: string, target: Dim, extra: Record<string, Dim> = {}, more: (v: Record<string, unknown>) => Partial<Request> = () => ({})) => {
    out[action] = { dims: { target, ...extra }, build: (v) => ({ action, resources: [v.target as Target], params: {}, ...more(v) }) };
  };
  const db = existing('rds', (n) => rds('db', n), 'db', 'changes', `${P}-orders-db-x`, 'hr-prod');
  const cluster = existing('aurora', (n) => rds('cluster', n), 'cluster', 'changes', `${P}-catalog-x`, 'payroll-prod');
  const group = existing('elasticache', (n) => ec('replicationgroup', n), 'replicationgroup', 'changes', `${P}-sessions-x`, 'hr-cache');
  const domain = existing('opensearch', (n) => es(n), 'domain', 'changes', `${P}-search-x`, 'logs-prod');
  const modifyParams = { public: param(undefined, 'true'), cls: param(undefined, BIG.rds) };
  const modified = (v: Record<string, unknown>) => ({ params: params(v, { public: 'request:PubliclyAccessible', cls: 'request:DBInstanceClass' }) });
  change('rds:ModifyDBInstance', db, modifyParams, modified);
  change('rds:DeleteDBInstance', db);
  change('rds:ModifyDBCluster', cluster, { public: param(undefined, 'true') }, modified);
  change('rds:DeleteDBCluster', cluster, {}, (v) => ({
    resources: [v.target as Target, ...withs(['cluster-snapshot', rds('cluster-snapshot', `${(v.target as Target).name}-final`)])],
  }));
  change('elasticache:DeleteReplicationGroup', group);
  change('es:DeleteDomain', domain);

  // Tag writes after creation: only a clone's, only snapclone's keys, never its owner or clone name.
  const tagWrite = (action: string, target: Dim) => {
    const clone = (t: Target) => t.tags?.[TAG.clone] ?? t.name;
    out[action] = {
      dims: {
        target,
        tags: {
          good: of<(t: Target) => Tags>(
            (t) => ({ [TAG.managed]: 'true', [TAG.clone]: clone(t), [TAG.expiresAt]: EXPIRES }),
            () => ({ [TAG.managed]: 'true', [TAG.forcedBy]: w.person, [TAG.forcedAt]: EXPIRES }),
          ),
          bad: of<(t: Target) => Tags>(
            () => ({ [TAG.managed]: 'true', [TAG.owner]: 'mallory' }),
            () => ({ [TAG.managed]: 'true', env: 'dev' }),
            (t) => ({ [TAG.managed]: 'true', [TAG.clone]: `${clone(t)}-other` }),
          ),
        },
      },
      build: (v) => {
        const t = v.target as Target;
        return { action, resources: [t], requestTags: t.name.startsWith('rds!') ? { 'aws:rds:primaryDBInstanceArn': rds('db', `${P}-orders-db-x`) } : (v.tags as (t: Target) => Tags)(t), params: {} };
      },
    };
  };
  tagWrite('rds:AddTagsToResource', { good: fc.oneof(db.good, cluster.good), bad: fc.oneof(db.bad, cluster.bad) });
  const member = existing('elasticache', (n) => ec('cluster', n), 'cluster', 'changes', `${P}-sessions-x-001`, 'hr-cache-001');
  tagWrite('elasticache:AddTagsToResource', { good: fc.oneof(group.good, member.good), bad: fc.oneof(group.bad, member.bad) });
  tagWrite('es:AddTags', domain);
  tagWrite('secretsmanager:TagResource', { good: existingSecret.good, bad: fc.oneof(existingSecret.bad, of(managedSecret('hr-prod'), managedSecret(undefined))) });

  // OpenSearch REST calls: domain × path.
  const repo = w.sources.find((s) => s.repo)?.repo ?? 'snapshots';
  const rest = (action: string, domainDim: Dim, goodPaths: string[], badPaths: string[], role: Target['role']) => {
    out[action] = {
      dims: { domain: domainDim, path: { good: of(...goodPaths), bad: of(...badPaths) } },
      build: (v) => {
        const d = v.domain as Target;
        const path = v.path as string;
        return { action, resources: [{ ...d, arn: es(d.name, path), path, role }], params: {} };
      },
    };
  };
  const writes = [`/_snapshot/${repo}/daily-2099-01-01`, `/_snapshot/${repo}/_cleanup`, '/orders/_doc', `/_snapshot/other-repo`, `/_snapshot/${repo}/x/_restore/../../y`];
  rest('es:ESHttpPut', domain, [`/_snapshot/${repo}`], writes, 'changes');
  rest('es:ESHttpPost', domain, [`/_snapshot/${repo}/daily-2026-12-01/_restore`], [`/_snapshot/${repo}`, ...writes], 'changes');
  // A source domain's REST API is never called: its snapshots are read from its S3 repository (issue 22), so every
  // GET on a source domain is refused, whatever the path; on a clone any path may be read.
  const sourceDomains = ids('opensearch').map((id): Target => ({ type: 'domain', arn: es(id), name: id, kind: 'source', role: 'reads' }));
  out['es:ESHttpGet'] = {
    dims: {
      domain: { good: domain.good, bad: sourceDomains.length ? fc.oneof(domain.bad, of(...sourceDomains)) : domain.bad },
      path: { good: of(`/_snapshot/${repo}/_all`, '/_cat/indices', '/orders/_search') },
    },
    build: (v) => {
      const d = v.domain as Target;
      const path = v.path as string;
      return { action: 'es:ESHttpGet', resources: [{ ...d, arn: es(d.name, path), path, role: 'reads' }], params: {} };
    },
  };

  // Roles passed and keys used.
  const roles = w.roles.map((r): [Target, string] => [{ type: 'role', arn: r.arn, name: r.arn, kind: 'placement', role: 'passes' }, r.service]);
  out['iam:PassRole'] = {
    dims: {
      role: {
        good: roles.length ? of(...roles) : of<[Target, string]>([{ type: 'role', arn: `arn:aws:iam::${A}:role/none`, name: 'none', kind: 'other', role: 'passes' }, 'es.amazonaws.com']),
        bad: of<[Target, string]>(
          [{ type: 'role', arn: `arn:aws:iam::${A}:role/admin`, name: 'admin', kind: 'unconfigured', role: 'passes' }, 'es.amazonaws.com'],
          [{ type: 'role', arn: `arn:aws:iam::${A}:role/opensearch-snapshot-role`, name: 'opensearch-snapshot-role', kind: 'unconfigured', role: 'passes' }, 'es.amazonaws.com'],
        ),
      },
      service: param('as-configured', 'ec2.amazonaws.com', 'lambda.amazonaws.com'),
    },
    build: (v) => {
      const [role, service] = v.role as [Target, string];
      return { action: 'iam:PassRole', resources: [role], params: { 'iam:PassedToService': v.service === 'as-configured' ? service : (v.service as string) } };
    },
  };
  const keys = w.keys.map((arn): Target => ({ type: 'key', arn, name: arn, kind: 'placement', role: 'uses' }));
  for (const action of ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:CreateGrant']) {
    out[action] = {
      dims: {
        key: {
          good: keys.length ? of(...keys) : of<Target>({ type: 'key', arn: `arn:aws:kms:${R}:${A}:key/none`, name: 'none', kind: 'other', role: 'uses' }),
          bad: of<Target>({ type: 'key', arn: `arn:aws:kms:${R}:${A}:key/0a1b2c3d-0000-4000-8000-00000000ffff`, name: 'production key', kind: 'unconfigured', role: 'uses' }),
        },
        ...(action === 'kms:CreateGrant' ? { forAws: param('true', 'false', undefined) } : {}),
      },
      build: (v) => ({ action, resources: [v.key as Target], params: params(v, { forAws: 'kms:GrantIsForAWSResource' }) }),
    };
  }
  return out;
}

/** A request of a spec with dimension `bad` drawn from its bad values and every other from its good ones. */
export function requestWithBad(spec: Spec, bad: string): fc.Arbitrary<Request> {
  const parts = Object.fromEntries(Object.entries(spec.dims).map(([name, dim]) => [name, name === bad ? dim.bad! : dim.good]));
  return fc.record(parts).map((v) => spec.build(v));
}
