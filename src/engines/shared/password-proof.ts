import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ExitCode, SnapcloneError } from '../../core/errors.ts';
import { finishCommand, passwordNotReplaced } from '../../core/finish.ts';
import { fromTagList } from '../../core/tags.ts';
import { isError, type Where } from './aws.ts';

/**
 * Whether the master user secret RDS reports for a clone is the clone's own: RDS tags the secrets it manages
 * with the resource they belong to (aws:rds:primaryDBInstanceArn / aws:rds:primaryDBClusterArn). A restored
 * instance or cluster can report its source's secret, inherited from the snapshot's metadata, although RDS does
 * not manage its password (terraform-provider-aws #40538, #48901): such a field alone proves nothing. A secret
 * that is gone, or that the role may not describe (the policy lets it describe only secrets tied to clones), is
 * not the clone's.
 */
export async function secretOwnedBy(w: Where, secretArn: string | undefined, ownerTag: string, cloneArn: string): Promise<boolean> {
  if (!secretArn) return false;
  try {
    const out = await w.clients.of(SecretsManagerClient).send(new DescribeSecretCommand({ SecretId: secretArn }));
    return out.DeletedDate === undefined && fromTagList(out.Tags)[ownerTag] === cloneArn;
  } catch (error) {
    if (isError(error, 'ResourceNotFoundException', 'AccessDeniedException', 'AccessDenied')) return false;
    throw error;
  }
}

/**
 * The version of a managed secret that holds AWSCURRENT (DescribeSecret's VersionIdsToStages), or undefined: a
 * rotation of the master password (RotateMasterUserPassword) is done once another version holds it.
 */
export async function currentSecretVersion(w: Where, secretArn: string | undefined): Promise<string | undefined> {
  if (!secretArn) return undefined;
  const out = await w.clients.of(SecretsManagerClient).send(new DescribeSecretCommand({ SecretId: secretArn }));
  return Object.entries(out.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];
}

/** credentials of a clone whose reported secret is not its own: nothing is read, nothing handed out. */
export function notOwnSecret(clone: Parameters<typeof passwordNotReplaced>[0], targets?: number): SnapcloneError {
  return passwordNotReplaced(clone, targets, 'the master user secret RDS reports for it is not tied to it: it may be its source\'s');
}

/** RDS refused the password change itself: the clone stays pending (its password may still be its source's). */
export function refusedChange(clone: Parameters<typeof finishCommand>[0], error: unknown): SnapcloneError {
  return new SnapcloneError(
    `${clone.clone}: RDS refused to replace its master password (${(error as Error).message}), so the clone may still have its source's password; snapclone does not hand it out.`,
    ExitCode.failed,
    `Delete it (snapclone delete ${clone.clone}), or once the cause is fixed finish it: ${finishCommand(clone)}`,
  );
}

/** RDS took a password change but its answer never showed it done: the clone stays pending. */
export function notReplaced(clone: Parameters<typeof finishCommand>[0]): SnapcloneError {
  return new SnapcloneError(
    `${clone.clone}: RDS took the password change but does not report it done (no master user secret of the clone's own, or the old one still there), so the clone may still have its source's password; snapclone does not hand it out.`,
    ExitCode.failed,
    `Try again (this resumes the create and waits): ${finishCommand(clone)}; or delete the clone.`,
  );
}
