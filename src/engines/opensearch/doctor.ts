import { GetRoleCommand, IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import type { Context } from '../../core/context.ts';
import { partitionOf } from '../../iam/declare.ts';
import { isError, where } from '../shared/aws.ts';
import type { TargetRef } from '../types.ts';
import { domainArn } from './aws.ts';

export interface SearchCheck {
  check: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export const SERVICE_LINKED_ROLE = 'AWSServiceRoleForAmazonOpenSearchService';

type Values = string | string[] | undefined;
interface TrustStatement {
  Effect?: string;
  Principal?: { Service?: Values } | string;
  Action?: Values;
  Condition?: Record<string, Record<string, Values>>;
}

const list = (v: Values): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const like = (pattern: string, value: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(value);

/**
 * Whether a trust statement's conditions hold for OpenSearch Service assuming the role for a domain: only the
 * keys AWS documents for this (aws:SourceArn, aws:SourceAccount) with the string and ARN operators; any other
 * key or operator counts as not holding (doctor cannot tell, and says so).
 */
function conditionsHold(condition: TrustStatement['Condition'], context: Record<string, string>): boolean {
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    const op = operator.toLowerCase().replace(/ifexists$/, '');
    for (const [key, values] of Object.entries(keys)) {
      const actual = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
      if (actual === undefined) return false;
      const patterns = list(values);
      if (op === 'stringequals' || op === 'arnequals') {
        if (!patterns.includes(actual) && !(op === 'arnequals' && patterns.some((p) => like(p, actual)))) return false;
      } else if (op === 'stringlike' || op === 'arnlike') {
        if (!patterns.some((p) => like(p, actual))) return false;
      } else return false;
    }
  }
  return true;
}

/** Whether a trust policy lets es.amazonaws.com assume the role for this domain (aws:SourceArn) of this account. */
export function trustAdmits(trust: { Statement?: TrustStatement | TrustStatement[] }, domain: string, account: string): boolean {
  const statements = Array.isArray(trust.Statement) ? trust.Statement : trust.Statement ? [trust.Statement] : [];
  const context = { 'aws:SourceArn': domain, 'aws:SourceAccount': account };
  const allowed = statements.filter((s) => {
    if (s.Effect !== 'Allow' || typeof s.Principal !== 'object') return false;
    if (!list(s.Principal.Service).includes('es.amazonaws.com')) return false;
    if (!list(s.Action).some((a) => like(a, 'sts:AssumeRole'))) return false;
    return conditionsHold(s.Condition, context);
  });
  const denied = statements.some((s) => s.Effect === 'Deny' && conditionsHold(s.Condition, context));
  return allowed.length > 0 && !denied;
}

const roleName = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

/**
 * `doctor`'s OpenSearch checks for a target: the service-linked role exists (a VPC domain cannot be created
 * without it, and snapclone's role may not create it); each source's repository role trusts OpenSearch Service
 * for clone domains (`domain/<prefix>-*`, aws:SourceArn) and is read-only on its bucket (a clone can then never
 * write production's repository).
 */
export async function searchChecks(ctx: Context, target: TargetRef): Promise<SearchCheck[]> {
  const { account, region } = target.config;
  const iam = where(ctx, target).clients.of(IAMClient);
  const checks: SearchCheck[] = [];
  try {
    await iam.send(new GetRoleCommand({ RoleName: SERVICE_LINKED_ROLE }));
    checks.push({ check: 'opensearch service-linked role', ok: true, detail: `${SERVICE_LINKED_ROLE} exists` });
  } catch (error) {
    if (!isError(error, 'NoSuchEntity', 'NoSuchEntityException')) throw error;
    checks.push({
      check: 'opensearch service-linked role',
      ok: false,
      detail: `${SERVICE_LINKED_ROLE} does not exist, so OpenSearch Service cannot place a clone in the VPC`,
      fix: 'An administrator runs once: aws iam create-service-linked-role --aws-service-name opensearchservice.amazonaws.com',
    });
  }
  const sources = Object.entries(ctx.config.sources).filter(([, s]) => s.engine === 'opensearch' && s.account === account && s.region === region && s.snapshotRepository);
  const repositories = new Map(sources.map(([, s]) => [s.snapshotRepository!.roleArn, s.snapshotRepository!.bucket]));
  const clone = domainArn(region, account, `${ctx.config.prefix}-doctor`);
  for (const [roleArn, bucket] of repositories) {
    const role = (await iam.send(new GetRoleCommand({ RoleName: roleName(roleArn) }))).Role;
    const trust = JSON.parse(decodeURIComponent(role?.AssumeRolePolicyDocument ?? '%7B%7D')) as Parameters<typeof trustAdmits>[0];
    const pattern = domainArn(region, account, `${ctx.config.prefix}-*`);
    checks.push(
      trustAdmits(trust, clone, account)
        ? { check: 'opensearch repository role trust', ok: true, detail: `${roleArn} trusts es.amazonaws.com for ${pattern}` }
        : {
            check: 'opensearch repository role trust',
            ok: false,
            detail: `${roleArn} does not let es.amazonaws.com assume it for clone domains (${pattern}): registering the repository on a clone would fail`,
            fix: `Allow es.amazonaws.com with "ArnLike": {"aws:SourceArn": "${pattern}"} and "StringEquals": {"aws:SourceAccount": "${account}"} in its trust (docs/iam.md).`,
          },
    );
    const objects = `arn:${partitionOf(region)}:s3:::${bucket}/doctor`;
    const out = await iam.send(
      new SimulatePrincipalPolicyCommand({ PolicySourceArn: roleArn, ActionNames: ['s3:PutObject', 's3:DeleteObject', 's3:GetObject'], ResourceArns: [objects] }),
    );
    const decision = (action: string) => out.EvaluationResults?.find((r) => r.EvalActionName === action)?.EvalDecision;
    const writes = ['s3:PutObject', 's3:DeleteObject'].filter((a) => decision(a) === 'allowed');
    const reads = decision('s3:GetObject') === 'allowed';
    checks.push(
      writes.length === 0 && reads
        ? { check: 'opensearch repository role read-only', ok: true, detail: `${roleArn} may read ${bucket} and not write it` }
        : {
            check: 'opensearch repository role read-only',
            ok: false,
            detail: writes.length > 0 ? `${roleArn} may ${writes.join(' and ')} in ${bucket}: through a clone, production's repository could be written` : `${roleArn} may not read ${bucket}`,
            fix: `Give the sources' snapshotRepository.roleArn a dedicated role with only s3:ListBucket and s3:GetObject on ${bucket} (docs/iam.md), not the production domain's snapshot role.`,
          },
    );
  }
  return checks;
}
