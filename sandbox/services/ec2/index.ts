import * as schemas from '@aws-sdk/client-ec2';
import type { ServiceDef } from '../../core/service.ts';
import { authorizeSecurityGroupIngress, describeInstances, describeSecurityGroups, describeSubnets, describeVpcs } from './handlers.ts';
import { securityGroupArn } from './state.ts';

/**
 * Amazon EC2 (the ec2Query protocol, API version 2016-11-15): the network snapclone places clones in — VPCs,
 * subnets, security groups and instances, read; and a group's inbound rules, added (what doctor's fix line does).
 * None of the Describe calls has resource-level permissions in the Service Authorization Reference, so IAM
 * evaluates them against `*`; AuthorizeSecurityGroupIngress is authorized on the group.
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
    DescribeInstances: { handler: describeInstances },
    AuthorizeSecurityGroupIngress: {
      handler: authorizeSecurityGroupIngress,
      resources: (input: { GroupId?: string }, ctx) => [securityGroupArn(ctx.region, ctx.accountId, input.GroupId ?? '')],
    },
  },
};
