import { CreateDomainCommand, type DomainStatus, OpenSearchClient } from '@aws-sdk/client-opensearch';
import { cloneTags, packTags, readCloneTags, TAG, toTagList } from '../../core/tags.ts';
import { deniedByIam, isError, type Where } from '../shared/aws.ts';
import { attachConcurrent, resumeExisting } from '../shared/resume.ts';
import type { RestorePlan, RestoreResult } from '../types.ts';
import { partitionOf } from '../../iam/declare.ts';
import { domainArn, placementOf } from './aws.ts';
import { cloneFromDomain, cloneOf, describeDomain } from './describe.ts';
import { masterIdentity } from './identity.ts';

/**
 * Creates the clone's domain: the source's engine version, the placement's smaller instance type and count,
 * no dedicated masters, in the placement's subnets and security groups, encrypted at rest and node to node,
 * HTTPS only, tagged at creation. When the source has fine-grained access control, so has the clone, with the
 * role the session runs as for its master user (MasterUserARN, internal user database off): every REST call
 * snapclone makes is signed by that role, so no role mapping has to be made first and no password exists. The
 * access policy names the account, so the role's own IAM policy decides which paths it may call (docs/iam.md).
 * The indices are restored once it is active (wait).
 */
async function createDomain(w: Where, plan: RestorePlan): Promise<RestoreResult> {
  const placement = placementOf(plan.target);
  const name = plan.tags.clone;
  const source = await describeDomain(w, plan.source.config.id);
  const fgac = source?.AdvancedSecurityOptions?.Enabled !== false;
  const master = fgac ? await masterIdentity(w) : undefined;
  // No password: the clone is reached with SigV4 as the role (credentials.ts).
  const tags = { ...cloneTags(plan.tags), [TAG.password]: 'none' };
  const account = plan.target.config.account;
  let domain: DomainStatus | undefined;
  try {
    const out = await w.clients.of(OpenSearchClient).send(
      new CreateDomainCommand({
        DomainName: name,
        EngineVersion: source?.EngineVersion,
        ClusterConfig: {
          InstanceType: placement.instanceType as never,
          InstanceCount: placement.instanceCount,
          DedicatedMasterEnabled: false,
          ZoneAwarenessEnabled: false,
        },
        EBSOptions: { EBSEnabled: true, VolumeType: 'gp3', VolumeSize: placement.volumeGb },
        // One subnet: a single-AZ domain.
        VPCOptions: { SubnetIds: placement.subnetIds.slice(0, 1), SecurityGroupIds: placement.securityGroupIds },
        EncryptionAtRestOptions: { Enabled: true },
        NodeToNodeEncryptionOptions: { Enabled: true },
        DomainEndpointOptions: { EnforceHTTPS: true },
        ...(master ? { AdvancedSecurityOptions: { Enabled: true, InternalUserDatabaseEnabled: false, MasterUserOptions: { MasterUserARN: master } } } : {}),
        // The account's IAM policies decide who may call the domain's REST API and which paths (the role's:
        // reads, the repository registration and the restore). Signed requests only: no basic auth.
        AccessPolicies: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:${partitionOf(w.region)}:iam::${account}:root` }, Action: 'es:ESHttp*', Resource: `${domainArn(w.region, account, name)}/*` }],
        }),
        TagList: toTagList(packTags(tags)),
      }),
    );
    domain = out.DomainStatus;
  } catch (error) {
    const denied = deniedByIam(error);
    if (!denied && !isError(error, 'ResourceAlreadyExistsException')) throw error;
    const existing = await describeDomain(w, name);
    if (denied && !existing) throw error;
    return attachConcurrent(w, await cloneOf(w, name, existing), plan, 'OpenSearch domain');
  }
  w.ctx.reporter.info(
    `${name}: domain creation started (${placement.instanceCount} × ${placement.instanceType}${master ? `, fine-grained access control with ${master} as master user` : ''}); tagged. Snapshot ${plan.point.id} is restored once it is active.`,
  );
  domain ??= await describeDomain(w, name);
  const clone = domain
    ? cloneFromDomain(domain, readCloneTags(tags) ?? plan.tags, tags)
    : { ...plan.tags, engine: 'opensearch', arn: '', id: name, status: 'creating', tagged: true, credentials: 'pending' as const, details: {} };
  return { clone, resumed: false };
}

export async function restoreClone(w: Where, plan: RestorePlan): Promise<RestoreResult> {
  const domain = await describeDomain(w, plan.tags.clone);
  if (!domain) return createDomain(w, plan);
  return resumeExisting(w, await cloneOf(w, plan.tags.clone, domain), plan, 'OpenSearch domain');
}
