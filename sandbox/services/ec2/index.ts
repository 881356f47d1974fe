import * as schemas from '@aws-sdk/client-ec2';
import type { ServiceDef } from '../../core/service.ts';
import { describeSecurityGroups, describeSubnets, describeVpcs } from './handlers.ts';

/**
 * Amazon EC2 (the ec2Query protocol, API version 2016-11-15): the network snapclone places clones in — VPCs,
 * subnets and security groups, read-only. None of these Describe calls has resource-level permissions in the
 * Service Authorization Reference, so IAM evaluates them against `*`.
 */
export const ec2: ServiceDef = {
  signingName: 'ec2',
  iamPrefix: 'ec2',
  protocol: 'ec2Query',
  schemas,
  xmlNamespace: 'http://ec2.amazonaws.com/doc/2016-11-15/',
  operations: {
    DescribeSecurityGroups: { handler: describeSecurityGroups },
    DescribeVpcs: { handler: describeVpcs },
    DescribeSubnets: { handler: describeSubnets },
  },
};
