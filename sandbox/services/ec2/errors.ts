import { AwsError } from '../../core/errors.ts';
import type { IpPermission } from './state.ts';

/** EC2's error codes, as its API reference ("Error codes for the Amazon EC2 API") spells them. */
export const ec2Errors = {
  groupNotFound: (id: string) => new AwsError('InvalidGroup.NotFound', `The security group '${id}' does not exist`),
  vpcNotFound: (id: string) => new AwsError('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`),
  subnetNotFound: (id: string) => new AwsError('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`),
  invalidFilter: (name: string) => new AwsError('InvalidParameterValue', `The filter '${name}' is invalid`),
  invalidParameter: (message: string) => new AwsError('InvalidParameterValue', message),
  invalidCombination: (message: string) => new AwsError('InvalidParameterCombination', message),
  instanceNotFound: (id: string) => new AwsError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`),
  instanceMalformed: (id: string) => new AwsError('InvalidInstanceID.Malformed', `Invalid id: "${id}"`),
  missingParameter: (name: string) => new AwsError('MissingParameter', `The request must contain the parameter ${name}`),
  duplicatePermission: (groupId: string, p: IpPermission, source: string) =>
    new AwsError(
      'InvalidPermission.Duplicate',
      `the specified rule "peer: ${source}, ${p.IpProtocol === '-1' ? 'ALL' : p.IpProtocol.toUpperCase()}, from port: ${p.FromPort ?? 'ALL'}, to port: ${p.ToPort ?? 'ALL'}, ALLOW" already exists in ${groupId}`,
    ),
  invalidToken: (token: string) => new AwsError('InvalidPaginationToken', `Invalid pagination token: ${token}`),
};
