import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SnapcloneError } from '../../core/errors.ts';
import type { Where } from './aws.ts';

/** The name of the Secrets Manager secret that holds a clone's generated password. */
export const secretName = (clone: { clone: string }) => clone.clone;

/**
 * The password (and user) a secret holds for a clone. The secret's text never reaches an error: JSON.parse
 * quotes the text it fails on. With `generatedFor`, the secret must name that DB instance (snapclone's own
 * secret); RDS's managed secrets do not.
 */
export async function readSecretPassword(
  w: Where,
  secretId: string,
  clone: { clone: string },
  generatedFor?: string,
): Promise<{ password: string; username?: string }> {
  const out = await w.clients.secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  let value: { password?: string; username?: string; dbInstanceIdentifier?: string } | null;
  try {
    value = JSON.parse(out.SecretString ?? '{}') as typeof value;
  } catch {
    throw new SnapcloneError(`The secret of ${clone.clone} is not the JSON snapclone wrote.`);
  }
  if (!value?.password || (generatedFor !== undefined && value.dbInstanceIdentifier !== generatedFor)) {
    throw new SnapcloneError(`The secret ${secretId} does not hold the password of ${clone.clone}.`);
  }
  return { password: value.password, username: value.username };
}
