import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as doctor from '../../src/commands/doctor.ts';
import type { Check } from '../../src/commands/doctor.ts';
import type { PolicyDocument } from '../../sandbox/core/iam.ts';
import { generatedOperatorPolicy } from '../../sandbox/scenario/iam.ts';
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
      'placement (rds):true',
      'placement (aurora):true',
      'placement (elasticache):true',
      'placement (opensearch):true',
      'opensearch service-linked role:true',
      'opensearch repository role trust:true',
      'opensearch repository role read-only:true',
    ]);
    expect(json.ok).toBe(true);
    expect(result.exitCode).toBe(0);
    expect(byName('identity')!.detail).toContain('assumed-role/snapclone-operator/snapclone-alice');
    expect(byName('permissions')!.detail).toMatch(/^\d+ declared calls allowed/);
    expect(byName('sources protected')!.detail).toContain('5 source(s)');
    expect(byName('placement (rds)')!.detail).toContain('vpc-0dev0000000000001');
    expect(byName('placement (elasticache)')!.detail).toContain('cache subnet group snapclone-dev-cache: vpc-0dev0000000000001');
    expect(result.table!.rows).toHaveLength(11);
    expect(calls).toEqual(
      expect.arrayContaining(['sts:GetCallerIdentity', 'iam:SimulatePrincipalPolicy', 'rds:DescribeDBSubnetGroups', 'elasticache:DescribeCacheSubnetGroups']),
    );
  });

  it('names a declared call the role may not make, with the fix, and exits 1', async () => {
    const generated = generatedOperatorPolicy() as PolicyDocument;
    operator().policies = [{ ...generated, Statement: generated.Statement.filter((s) => s.Sid !== 'ChangeManagedClone') }];
    try {
      const { result, byName } = await checks();
      expect(result.exitCode).toBe(1);
      const permissions = byName('permissions')!;
      expect(permissions.ok).toBe(false);
      expect(permissions.detail).toContain('rds:DeleteDBInstance on arn:aws:rds:ap-northeast-1:123456789012:db:snapclone-doctor');
      expect(permissions.fix).toContain('snapclone iam policy --target dev');
    } finally {
      operator().policies = [generatedOperatorPolicy() as PolicyDocument];
    }
  });

  it('reports a policy that would let the role delete a source tagged as a clone', async () => {
    const generated = generatedOperatorPolicy() as PolicyDocument;
    const loose: PolicyDocument['Statement'][number] = {
      Effect: 'Allow',
      Action: 'rds:DeleteDBInstance',
      Resource: '*',
      Condition: { StringEquals: { 'aws:ResourceTag/snapclone:managed': 'true' } },
    };
    operator().policies = [{ ...generated, Statement: [...generated.Statement.filter((s) => s.Effect === 'Allow'), loose] }];
    try {
      const { result, byName } = await checks();
      expect(result.exitCode).toBe(1);
      expect(byName('sources protected')).toMatchObject({ ok: false });
      expect(byName('sources protected')!.detail).toContain('rds:DeleteDBInstance on arn:aws:rds:ap-northeast-1:123456789012:db:orders-prod');
    } finally {
      operator().policies = [generatedOperatorPolicy() as PolicyDocument];
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
