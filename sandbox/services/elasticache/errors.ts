import { AwsError } from '../../core/errors.ts';
import type { ElastiCacheState } from './state.ts';

/**
 * ElastiCache errors with the awsQuery codes and HTTP statuses of the model (@aws-sdk/client-elasticache's
 * error schemas, botocore's service-2.json), which are not always the shape names: CacheClusterNotFoundFault
 * answers CacheClusterNotFound (404), ReplicationGroupNotFoundFault answers ReplicationGroupNotFoundFault (404),
 * CacheSubnetGroupNotFoundFault answers CacheSubnetGroupNotFoundFault with 400.
 */
export const ecErrors = {
  groupNotFound: (id: string) =>
    new AwsError('ReplicationGroupNotFoundFault', `Replication group ${id} not found.`, 404),
  groupExists: (id: string) =>
    new AwsError('ReplicationGroupAlreadyExists', `Replication group ${id} already exists.`, 400),
  groupState: (message: string) => new AwsError('InvalidReplicationGroupState', message, 400),
  clusterNotFound: (id: string) => new AwsError('CacheClusterNotFound', `Cache cluster ${id} not found.`, 404),
  clusterExists: (id: string) => new AwsError('CacheClusterAlreadyExists', `Cache cluster ${id} already exists.`, 400),
  snapshotNotFound: (name: string) => new AwsError('SnapshotNotFoundFault', `Snapshot ${name} not found.`, 404),
  snapshotExists: (name: string) =>
    new AwsError('SnapshotAlreadyExistsFault', `Snapshot ${name} already exists.`, 400),
  snapshotState: (name: string, status: string) =>
    new AwsError('InvalidSnapshotState', `Snapshot ${name} is not in available state (status: ${status}).`, 400),
  subnetGroupNotFound: (name: string) =>
    new AwsError('CacheSubnetGroupNotFoundFault', `Cache subnet group ${name} not found.`, 400),
  parameterGroupNotFound: (name: string) =>
    new AwsError('CacheParameterGroupNotFound', `CacheParameterGroup ${name} not found.`, 404),
  userGroupNotFound: (id: string) => new AwsError('UserGroupNotFound', `User group ${id} not found.`, 404),
  invalidArn: (arn: string) => new AwsError('InvalidARN', `ARN ${arn} is invalid.`, 400),
  tagQuota: () => new AwsError('TagQuotaPerResourceExceeded', 'A resource can have at most 50 tags.', 400),
  tagNotFound: (key: string) => new AwsError('TagNotFound', `The tag with key ${key} was not found on the resource.`, 404),
  invalidParameterValue: (message: string) => new AwsError('InvalidParameterValue', message, 400),
  invalidParameterCombination: (message: string) => new AwsError('InvalidParameterCombination', message, 400),
  /** ElastiCache reports a missing required parameter as InvalidParameterValue. */
  missingParameter: (name: string) =>
    new AwsError('InvalidParameterValue', `The parameter ${name} must be provided and must not be blank.`, 400),
  unsupported: (what: string) =>
    new AwsError('InvalidParameterValue', `The snapclone sandbox does not support ${what}.`, 400),
};

/**
 * A replication group id (1–40 characters) or a cluster id: letters, digits and hyphens, a letter first, no
 * trailing or double hyphen. Returned in lower case, as ElastiCache stores it.
 */
export function checkGroupId(parameter: string, value: string | undefined, maxLength = 40): string {
  if (value === undefined || value === '') throw ecErrors.missingParameter(parameter);
  if (
    value.length > maxLength ||
    !/^[A-Za-z][A-Za-z0-9-]*$/.test(value) ||
    value.endsWith('-') ||
    value.includes('--')
  ) {
    throw ecErrors.invalidParameterValue(
      `The parameter ${parameter} is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; must be at most ${maxLength} characters long; and must not end with a hyphen or contain two consecutive hyphens.`,
    );
  }
  return value.toLowerCase();
}

/** A snapshot name (1–255 characters, no spaces), stored in lower case. */
export function checkSnapshotName(parameter: string, value: string | undefined): string {
  if (value === undefined || value === '') throw ecErrors.missingParameter(parameter);
  if (value.length > 255 || /\s/.test(value)) {
    throw ecErrors.invalidParameterValue(`The parameter ${parameter} is not a valid snapshot name: ${value}.`);
  }
  return value.toLowerCase();
}

/**
 * The AUTH token rules of the model: 16 to 128 printable ASCII characters, of which the only special ones
 * allowed are ! & # $ ^ < > and - (so no spaces, quotes, slashes or @).
 */
export function checkAuthToken(token: string): void {
  if (token.length < 16 || token.length > 128 || !/^[A-Za-z0-9!&#$^<>-]+$/.test(token)) {
    throw ecErrors.invalidParameterValue(
      'Invalid AuthToken provided. It must be 16 to 128 printable ASCII characters; the only special characters allowed are !, &, #, $, ^, <, > and -.',
    );
  }
}

/** SnapshotRetentionLimit: a whole number of days from 0 (no automatic backups) to 35. */
export function checkRetentionLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 0 || limit > 35) {
    throw ecErrors.invalidParameterValue(`Invalid value ${limit} for SnapshotRetentionLimit. Must be between 0 and 35.`);
  }
}

/** SnapshotWindow: 'hh24:mi-hh24:mi' (UTC). */
export function checkSnapshotWindow(window: string): void {
  const m = /^(\d\d):(\d\d)-(\d\d):(\d\d)$/.exec(window);
  if (!m || Number(m[1]) > 23 || Number(m[3]) > 23 || Number(m[2]) > 59 || Number(m[4]) > 59) {
    throw ecErrors.invalidParameterValue(`Invalid snapshot window: ${window}. Use the format hh24:mi-hh24:mi (UTC).`);
  }
}

/** PreferredMaintenanceWindow: 'ddd:hh24:mi-ddd:hh24:mi' (UTC). */
export function checkMaintenanceWindow(window: string): void {
  if (!/^(sun|mon|tue|wed|thu|fri|sat):\d\d:\d\d-(sun|mon|tue|wed|thu|fri|sat):\d\d:\d\d$/i.test(window)) {
    throw ecErrors.invalidParameterValue(
      `Invalid maintenance window: ${window}. Use the format ddd:hh24:mi-ddd:hh24:mi (UTC).`,
    );
  }
}

/** A cache node type ElastiCache could know (cache.<family>.<size>). */
export function checkNodeType(nodeType: string): void {
  if (!/^cache\.[a-z0-9]+\.[a-z0-9]+$/.test(nodeType)) {
    throw ecErrors.invalidParameterValue(`Invalid Cache Node Type: ${nodeType}`);
  }
}

/** VPC security groups that exist, all in the VPC of the cache subnet group. */
export function checkSecurityGroups(state: ElastiCacheState, ids: string[], vpcId: string): void {
  for (const sg of ids) {
    const sgVpc = state.securityGroups.get(sg);
    if (!sgVpc) throw ecErrors.invalidParameterValue(`Some security group Id not recognized by EC2: ${sg}`);
    if (sgVpc !== vpcId) {
      throw ecErrors.invalidParameterValue(
        `The security group ${sg} is in ${sgVpc}, not in the VPC of the cache subnet group (${vpcId}).`,
      );
    }
  }
}
