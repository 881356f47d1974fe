import {
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';

/**
 * Deploys the IAM resources of a CloudFormation template through IAM's API, as CloudFormation would (test
 * helper): AWS::IAM::OIDCProvider, AWS::IAM::Role (AssumeRolePolicyDocument, Policies, ManagedPolicyArns,
 * MaxSessionDuration, Path) and AWS::IAM::ManagedPolicy (PolicyDocument, Roles). A tiny resolver handles Ref
 * (a role's name, a policy's or provider's ARN, AWS::AccountId/Partition/Region) and Fn::GetAtt Role.Arn.
 * IAM's errors (LimitExceeded, MalformedPolicyDocument…) propagate as the SDK raises them.
 */
type Resource = { Type: string; Properties: Record<string, unknown> };
export interface Deployed {
  /** Logical id → physical id (role name, policy ARN, provider ARN). */
  refs: Record<string, string>;
  /** Logical id → role ARN. */
  arns: Record<string, string>;
}

export async function deployIamTemplate(iam: IAMClient, template: { Resources: Record<string, Resource> }, account: string): Promise<Deployed> {
  const refs: Record<string, string> = {};
  const arns: Record<string, string> = {};
  const pseudo: Record<string, string> = { 'AWS::AccountId': account, 'AWS::Partition': 'aws', 'AWS::Region': 'us-east-1' };
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (!value || typeof value !== 'object') return value;
    const object = value as Record<string, unknown>;
    if ('Ref' in object) return pseudo[object.Ref as string] ?? need(refs, object.Ref as string);
    if ('Fn::GetAtt' in object) {
      const [id, attribute] = object['Fn::GetAtt'] as [string, string];
      if (attribute !== 'Arn') throw new Error(`Fn::GetAtt ${id}.${attribute} is not supported by the test helper`);
      return need(arns, id);
    }
    if ('Fn::Sub' in object) return (object['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, (_m, name: string) => pseudo[name] ?? need(refs, name));
    return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, resolve(v)]));
  };
  const of = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
  const json = (document: unknown) => JSON.stringify(resolve(document));

  for (const [id, r] of of('AWS::IAM::OIDCProvider')) {
    const p = r.Properties;
    const out = await iam.send(
      new CreateOpenIDConnectProviderCommand({ Url: p.Url as string, ClientIDList: p.ClientIdList as string[], ThumbprintList: p.ThumbprintList as string[] }),
    );
    refs[id] = out.OpenIDConnectProviderArn!;
  }
  for (const [id, r] of of('AWS::IAM::Role')) {
    const p = r.Properties;
    const out = await iam.send(
      new CreateRoleCommand({
        RoleName: p.RoleName as string,
        Path: p.Path as string | undefined,
        AssumeRolePolicyDocument: json(p.AssumeRolePolicyDocument),
        MaxSessionDuration: p.MaxSessionDuration as number | undefined,
        Description: p.Description as string | undefined,
      }),
    );
    refs[id] = out.Role!.RoleName!;
    arns[id] = out.Role!.Arn!;
  }
  for (const [id, r] of of('AWS::IAM::ManagedPolicy')) {
    const p = r.Properties;
    const out = await iam.send(
      new CreatePolicyCommand({ PolicyName: (p.ManagedPolicyName as string | undefined) ?? id, Path: p.Path as string | undefined, PolicyDocument: json(p.PolicyDocument) }),
    );
    refs[id] = out.Policy!.Arn!;
    for (const role of (resolve(p.Roles ?? []) as string[])) await iam.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: refs[id] }));
  }
  for (const [id, r] of of('AWS::IAM::Role')) {
    const p = r.Properties;
    for (const inline of (p.Policies ?? []) as { PolicyName: string; PolicyDocument: unknown }[]) {
      await iam.send(new PutRolePolicyCommand({ RoleName: refs[id], PolicyName: inline.PolicyName, PolicyDocument: json(inline.PolicyDocument) }));
    }
    for (const arn of (resolve(p.ManagedPolicyArns ?? []) as string[])) await iam.send(new AttachRolePolicyCommand({ RoleName: refs[id], PolicyArn: arn }));
  }
  return { refs, arns };
}

function need(map: Record<string, string>, id: string): string {
  if (!(id in map)) throw new Error(`Ref/GetAtt to ${id}, which the test helper has not created (yet)`);
  return map[id];
}
