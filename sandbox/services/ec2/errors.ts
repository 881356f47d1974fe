import { AwsError } from '../../core/errors.ts';

/** EC2's error codes, as its API reference ("Error codes for the Amazon EC2 API") spells them. */
export const ec2Errors = {
  groupNotFound: (id: string) => new AwsError('InvalidGroup.NotFound', `The security group '${id}' does not exist`),
  vpcNotFound: (id: string) => new AwsError('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`),
  subnetNotFound: (id: string) => new AwsError('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`),
  invalidFilter: (name: string) => new AwsError('InvalidParameterValue', `The filter '${name}' is invalid`),
  invalidParameter: (message: string) => new AwsError('InvalidParameterValue', message),
  invalidCombination: (message: string) => new AwsError('InvalidParameterCombination', message),
  invalidToken: (token: string) => new AwsError('InvalidPaginationToken', `Invalid pagination token: ${token}`),
};
