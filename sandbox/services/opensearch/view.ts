import { processingStatus, type DomainRecord } from './state.ts';

/**
 * DomainStatus as DescribeDomain answers it. Created is false while the domain is being created; Processing
 * true while it is created (or deleted); Deleted true once deletion is requested; DomainProcessingStatus
 * Creating → Active, or Deleting. The endpoint (`Endpoints.vpc` for a VPC domain, `Endpoint` otherwise) appears
 * only once the domain is Active: `127.0.0.1:PORT`, the domain's own loopback listener (plain HTTP). The
 * master user's password is never part of it.
 */
export function domainStatus(domain: DomainRecord, now: number, endpoint?: string) {
  const status = processingStatus(domain, now);
  const ready = status === 'Active' && endpoint !== undefined;
  const softwareVersion = `${domain.engineVersion.replace('.', '_')}_R20250630-P1`;
  return {
    DomainId: domain.id,
    DomainName: domain.name,
    ARN: domain.arn,
    Created: status !== 'Creating',
    Deleted: status === 'Deleting',
    Processing: status !== 'Active',
    UpgradeProcessing: false,
    DomainProcessingStatus: status,
    Endpoint: ready && !domain.vpc ? endpoint : undefined,
    Endpoints: ready && domain.vpc ? { vpc: endpoint } : undefined,
    EngineVersion: domain.engineVersion,
    ClusterConfig: {
      ...domain.clusterConfig,
      ColdStorageOptions: { Enabled: false },
    },
    EBSOptions: domain.ebs,
    AccessPolicies: domain.accessPolicies ?? '',
    IPAddressType: 'ipv4',
    SnapshotOptions: {},
    VPCOptions: domain.vpc
      ? {
          VPCId: domain.vpc.vpcId,
          SubnetIds: domain.vpc.subnetIds,
          AvailabilityZones: domain.vpc.zones,
          SecurityGroupIds: domain.vpc.securityGroupIds,
        }
      : undefined,
    CognitoOptions: { Enabled: false },
    EncryptionAtRestOptions: domain.encryptionAtRest,
    NodeToNodeEncryptionOptions: { Enabled: domain.nodeToNode },
    AdvancedOptions: domain.advancedOptions,
    ServiceSoftwareOptions: {
      CurrentVersion: status === 'Creating' ? '' : softwareVersion,
      NewVersion: '',
      UpdateAvailable: false,
      Cancellable: false,
      UpdateStatus: 'COMPLETED',
      Description: 'There is no software update available for this domain.',
      AutomatedUpdateDate: new Date(0),
      OptionalDeployment: true,
    },
    DomainEndpointOptions: { ...domain.endpointOptions, CustomEndpointEnabled: false },
    AdvancedSecurityOptions: {
      Enabled: domain.advancedSecurity.Enabled,
      InternalUserDatabaseEnabled: domain.advancedSecurity.InternalUserDatabaseEnabled,
      AnonymousAuthEnabled: false,
    },
    ModifyingProperties: [],
  };
}

/**
 * DomainConfig as DescribeDomainConfig answers it: each option with its OptionStatus. The sandbox never changes
 * a domain's configuration after CreateDomain, so every option was created, and last updated, with the domain
 * (CreationDate = UpdateDate = its creation; UpdateVersion 1); State is Processing until the domain is Active.
 */
export function domainConfig(domain: DomainRecord, now: number) {
  const status = {
    CreationDate: new Date(domain.createdAt),
    UpdateDate: new Date(domain.createdAt),
    UpdateVersion: 1,
    State: processingStatus(domain, now) === 'Active' ? 'Active' : 'Processing',
    PendingDeletion: false,
  };
  const view = domainStatus(domain, now);
  const option = <T>(options: T) => ({ Options: options, Status: status });
  return {
    EngineVersion: option(view.EngineVersion),
    ClusterConfig: option(view.ClusterConfig),
    EBSOptions: option(view.EBSOptions),
    AccessPolicies: option(view.AccessPolicies),
    ...(view.VPCOptions ? { VPCOptions: option(view.VPCOptions) } : {}),
    EncryptionAtRestOptions: option(view.EncryptionAtRestOptions),
    NodeToNodeEncryptionOptions: option(view.NodeToNodeEncryptionOptions),
    AdvancedOptions: option(view.AdvancedOptions),
    DomainEndpointOptions: option(view.DomainEndpointOptions),
  };
}
