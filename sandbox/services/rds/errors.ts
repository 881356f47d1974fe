import { AwsError } from '../../core/errors.ts';
import type { InstanceConfig, RdsState } from './state.ts';

/** RDS errors with the awsQuery codes and HTTP statuses of the model (not the shape names). */
export const rdsErrors = {
  instanceNotFound: (id: string) => new AwsError('DBInstanceNotFound', `DBInstance ${id} not found.`, 404),
  instanceExists: (id: string) => new AwsError('DBInstanceAlreadyExists', `DB instance already exists: ${id}`, 400),
  snapshotNotFound: (id: string) => new AwsError('DBSnapshotNotFound', `DBSnapshot ${id} not found.`, 404),
  snapshotExists: (id: string) =>
    new AwsError(
      'DBSnapshotAlreadyExists',
      `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`,
      400,
    ),
  snapshotState: (id: string, status: string) =>
    new AwsError('InvalidDBSnapshotState', `DBSnapshot ${id} is not in available state (status: ${status}).`, 400),
  subnetGroupNotFound: (name: string) =>
    new AwsError('DBSubnetGroupNotFoundFault', `DBSubnetGroup ${name} not found.`, 404),
  parameterGroupNotFound: (name: string) =>
    new AwsError('DBParameterGroupNotFound', `DBParameterGroup not found: ${name}`, 404),
  automatedBackupNotFound: (id: string) =>
    new AwsError('DBInstanceAutomatedBackupNotFound', `No automated backup found for DB instance ${id}.`, 404),
  automatedBackupState: (message: string) => new AwsError('InvalidDBInstanceAutomatedBackupState', message, 400),
  invalidState: (message: string) => new AwsError('InvalidDBInstanceState', message, 400),
  invalidRestore: (message: string) => new AwsError('InvalidRestoreFault', message, 400),
  pitrNotEnabled: (id: string) =>
    new AwsError(
      'PointInTimeRestoreNotEnabled',
      `Point-in-time restore is not enabled for DB instance ${id}: its BackupRetentionPeriod is 0.`,
      400,
    ),
  invalidParameterValue: (message: string) => new AwsError('InvalidParameterValue', message, 400),
  invalidParameterCombination: (message: string) => new AwsError('InvalidParameterCombination', message, 400),
  missingParameter: (name: string) =>
    new AwsError('MissingParameter', `The request must contain the parameter ${name}`, 400),
  tagQuota: () => new AwsError('TagQuotaPerResourceExceeded', 'A resource can have at most 50 tags.', 400),
  // Aurora DB clusters: the awsQuery codes of the model are the shape names here.
  clusterNotFound: (id: string) => new AwsError('DBClusterNotFoundFault', `DBCluster ${id} not found.`, 404),
  clusterExists: (id: string) => new AwsError('DBClusterAlreadyExistsFault', `DB cluster already exists: ${id}`, 400),
  clusterSnapshotNotFound: (id: string) =>
    new AwsError('DBClusterSnapshotNotFoundFault', `DBClusterSnapshot ${id} not found.`, 404),
  clusterSnapshotExists: (id: string) =>
    new AwsError(
      'DBClusterSnapshotAlreadyExistsFault',
      `Cannot create the cluster snapshot because one with the identifier ${id} already exists.`,
      400,
    ),
  clusterSnapshotState: (id: string, status: string) =>
    new AwsError(
      'InvalidDBClusterSnapshotStateFault',
      `DBClusterSnapshot ${id} is not in available state (status: ${status}).`,
      400,
    ),
  clusterState: (message: string) => new AwsError('InvalidDBClusterStateFault', message, 400),
  clusterParameterGroupNotFound: (name: string) =>
    new AwsError('DBClusterParameterGroupNotFound', `DBClusterParameterGroup not found: ${name}`, 404),
};

/** 1–maxLength letters, digits and hyphens; a letter first; no trailing or double hyphen. */
export function validIdentifier(value: string, maxLength = 63): boolean {
  return (
    value.length >= 1 &&
    value.length <= maxLength &&
    /^[A-Za-z][A-Za-z0-9-]*$/.test(value) &&
    !value.endsWith('-') &&
    !value.includes('--')
  );
}

export function checkIdentifier(parameter: string, value: string | undefined, maxLength = 63): string {
  if (value === undefined || value === '') throw rdsErrors.missingParameter(parameter);
  if (!validIdentifier(value, maxLength)) {
    throw rdsErrors.invalidParameterValue(
      `The parameter ${parameter} is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.`,
    );
  }
  return value.toLowerCase();
}

/** A DB instance class RDS knows (db.<family>.<size>), for the engine of `config`. */
export function checkInstanceClass(instanceClass: string, config: InstanceConfig): void {
  if (!/^db\.[a-z0-9]+\.[a-z0-9]+$/.test(instanceClass)) {
    throw rdsErrors.invalidParameterCombination(
      `RDS does not support creating a DB instance with the following combination: DBInstanceClass=${instanceClass}, Engine=${config.engine}, EngineVersion=${config.engineVersion}, LicenseModel=${config.licenseModel}.`,
    );
  }
}

/** BackupRetentionPeriod: a whole number of days from 0 to 35. */
export function checkRetention(retention: number): void {
  if (!Number.isInteger(retention) || retention < 0 || retention > 35) {
    throw rdsErrors.invalidParameterValue(
      `Invalid value ${retention} for BackupRetentionPeriod. Must be between 0 and 35.`,
    );
  }
}

/** Security groups that exist, all in the DB instance's VPC. */
export function checkSecurityGroups(state: RdsState, ids: string[], vpcId: string | undefined): void {
  for (const sg of ids) {
    const sgVpc = state.securityGroups.get(sg);
    if (!sgVpc) throw rdsErrors.invalidParameterValue(`Invalid security group , groupId= ${sg}, groupName=.`);
    if (sgVpc !== vpcId) {
      throw rdsErrors.invalidParameterCombination(
        `The DB instance and EC2 security group are in different VPCs. The DB instance is in ${vpcId} and the EC2 security group is in ${sgVpc}`,
      );
    }
  }
}

/**
 * The longest master password of each engine, from the API reference (ModifyDBInstance MasterUserPassword,
 * "Length Constraints"); ModifyDBCluster says "Must contain from 8 to 41 characters" for every cluster.
 */
function maxPasswordLength(engine: string, cluster: boolean): number {
  if (cluster) return 41;
  if (engine === 'postgres' || engine.startsWith('sqlserver')) return 128;
  if (engine.startsWith('oracle')) return 30;
  if (engine.startsWith('db2')) return 255;
  return 41;
}

/**
 * A password change of ModifyDBInstance or ModifyDBCluster against the Secrets Manager rules: a password
 * and ManageMasterUserPassword=true exclude each other, turning management off needs a password, a managed
 * password cannot be set directly; and the password's own form (its engine's length; no '/', '"', '@', and
 * for Oracle no '&' or "'").
 */
export function checkPasswordChange(
  input: { MasterUserPassword?: string; ManageMasterUserPassword?: boolean },
  managed: boolean,
  engine: string,
  cluster = false,
): void {
  if (input.MasterUserPassword !== undefined && input.ManageMasterUserPassword === true) {
    throw rdsErrors.invalidParameterCombination(
      'You cannot specify MasterUserPassword when ManageMasterUserPassword is true.',
    );
  }
  if (input.ManageMasterUserPassword === false && managed && input.MasterUserPassword === undefined) {
    throw rdsErrors.invalidParameterCombination(
      'To turn off ManageMasterUserPassword, you must specify MasterUserPassword.',
    );
  }
  const password = input.MasterUserPassword;
  if (password === undefined) return;
  if (managed && input.ManageMasterUserPassword !== false) {
    throw rdsErrors.invalidParameterCombination(
      'The master user password is managed in Secrets Manager: turn ManageMasterUserPassword off to set MasterUserPassword.',
    );
  }
  const max = maxPasswordLength(engine, cluster);
  const forbidden = engine.startsWith('oracle') ? /[/"@ &']/ : /[/"@ ]/;
  if (password.length < 8 || password.length > max || forbidden.test(password)) {
    throw rdsErrors.invalidParameterValue(
      `The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides '/', '@', '"', ' ' may be used, and it must be 8 to ${max} characters long.`,
    );
  }
}
