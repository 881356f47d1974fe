import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as doctor from '../../src/commands/doctor.ts';
import type { Check } from '../../src/commands/doctor.ts';
import type { PolicyDocument } from '../../sandbox/core/iam.ts';
import { generatedOperatorPolicies } from '../../sandbox/scenario/iam.ts';
import { startCli, type TestCli } from './support.ts';

let cli: TestCli;
const operator = () => cli.sb.world.roles.get(cli.sb.scenario.roles.operator)!;

beforeAll(async () => {
  cli = await startCli();
});
afterAll(() => cli?.close());

async function checks(options: Parameters<typeof cli.context>[0] = {}) {
  const { ctx, calls } = cli.context(options);
  const result = await doctor.run({}, ctx);
  const json = result.json as { ok: boolean; checks: Check[] };
  return { result, json, calls, byName: (name: string) => json.checks.find((c) => c.check === name) };
}

describe('snapclone doctor', () => {
  it('passes every check against the role with the generated policy: exit 0, one line per check', async () => {
    const { result, json, calls, byName } = await checks();
    expect(json.checks.map((c) => `${c.check}:${c.ok}`)).toEqual([
      'config:true',
      'identity:true',
      'permissions:true',
      'sources protected:true',
      'policy size:true',
      'restore inputs (rds):true',
      'restore inputs (aurora):true',
      'restore inputs (elasticache):true',
      'placement (rds):true',
      'placement (aurora):true',
      'placement (elasticache):true',
      'placement (opensearch):true',
      'security groups (rds):true',
      'security groups (aurora):true',
      'security groups (elasticache):true',
      'security groups (opensearch):true',
      'opensearch service-linked role:true',
      'opensearch repository role trust:true',
      'opensearch repository role read-only:true',
      'source key (orders-db):true',
      'source key (billing-db):true',
      'source key (catalog-db):true',
    ]);
    expect(json.ok).toBe(true);
    expect(result.exitCode).toBe(0);
    expect(byName('identity')!.detail).toContain('assumed-role/snapclone-operator/snapclone-alice');
    expect(byName('permissions')!.detail).toMatch(/^\d+ declared calls allowed/);
    expect(byName('sources protected')!.detail).toContain('5 source(s)');
    expect(byName('placement (rds)')!.detail).toContain('vpc-0dev0000000000001');
    expect(byName('placement (elasticache)')!.detail).toContain('cache subnet group snapclone-dev-cache: vpc-0dev0000000000001');
    expect(byName('policy size')!.detail).toMatch(/^\d+ of at most 10 managed policies, the largest \d+ of 6144 characters$/);
    // The sources are encrypted with keys the config does not name: said as a warning (AWS managed keys need nothing).
    const key = json.checks.find((c) => c.check === 'source key (orders-db)')!;
    expect(key).toMatchObject({ ok: true, warning: true });
    expect(key.detail).toMatch(/^orders-db is encrypted with arn:aws:kms:.*:key\/.*, which sources\.orders-db\.kmsKeyArn does not name/);
    // The scenario names no backupTag: the manual snapshots and recovery points the role may restore unbound are
    // named, per engine, as warnings (docs/iam.md, residuals).
    expect(byName('restore inputs (rds)')).toMatchObject({ ok: true, warning: true });
    expect(byName('restore inputs (rds)')!.detail).toMatch(/^arn:aws:rds:ap-northeast-1:123456789012:snapshot:\* unbound: without sources\.<s>\.backupTag \(orders-db, billing-db\)/);
    expect(byName('restore inputs (aurora)')!.detail).toContain('cluster-snapshot:* unbound');
    expect(byName('restore inputs (elasticache)')!.detail).toContain('(sessions-cache)');
    expect(result.table!.rows).toHaveLength(22);
    expect(calls).toEqual(
      expect.arrayContaining(['sts:GetCallerIdentity', 'iam:SimulatePrincipalPolicy', 'rds:DescribeDBSubnetGroups', 'elasticache:DescribeCacheSubnetGroups', 'ec2:DescribeSecurityGroups']),
    );
  });

  it('names a declared call the role may not make, with the fix, and exits 1', async () => {
    operator().policies = generatedOperatorPolicies().map((d) => ({ ...d, Statement: d.Statement.filter((s) => s.Sid !== 'ChangeManagedClone') }));
    try {
      const { result, byName } = await checks();
      expect(result.exitCode).toBe(1);
      const permissions = byName('permissions')!;
      expect(permissions.ok).toBe(false);
      expect(permissions.detail).toContain('rds:DeleteDBInstance on arn:aws:rds:ap-northeast-1:123456789012:db:snapclone-doctor');
      expect(permissions.fix).toContain('snapclone iam policy --target dev');
    } finally {
      operator().policies = generatedOperatorPolicies();
    }
  });

  it('reports a policy that would let the role delete a source tagged as a clone', async () => {
    const loose: PolicyDocument['Statement'][number] = {
      Effect: 'Allow',
      Action: 'rds:DeleteDBInstance',
      Resource: '*',
      Condition: { StringEquals: { 'aws:ResourceTag/snapclone:managed': 'true' } },
    };
    operator().policies = [
      ...generatedOperatorPolicies().map((d) => ({ ...d, Statement: d.Statement.filter((s) => s.Effect === 'Allow') })),
      { Version: '2012-10-17', Statement: [loose] },
    ];
    try {
      const { result, byName } = await checks();
      expect(result.exitCode).toBe(1);
      expect(byName('sources protected')).toMatchObject({ ok: false });
      expect(byName('sources protected')!.detail).toContain('rds:DeleteDBInstance on arn:aws:rds:ap-northeast-1:123456789012:db:orders-prod');
    } finally {
      operator().policies = generatedOperatorPolicies();
    }
  });

  it('says when the role cannot be assumed (wrong external id) and stops there', async () => {
    const { result, json, byName } = await checks({
      config: (c) => ({ ...c, targets: { dev: { ...c.targets.dev, access: { ...c.targets.dev.access, externalId: 'wrong-id' } } } }),
    });
    expect(result.exitCode).toBe(1);
    expect(byName('identity')).toMatchObject({ ok: false });
    expect(byName('identity')!.detail).toMatch(/AccessDenied|not authorized/);
    expect(json.checks.map((c) => c.check)).toEqual(['config', 'identity']);
  });
});
