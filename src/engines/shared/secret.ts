import { randomInt } from 'node:crypto';
import { CreateSecretCommand, DeleteSecretCommand, DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SnapcloneError, UsageError } from '../../core/errors.ts';
import { passwordNotReplaced } from '../../core/finish.ts';
import { rememberSecret } from '../../core/redact.ts';
import { guarded, guardProblem } from '../../core/guard.ts';
import { cloneTags, fromTagList, TAG, toTagList, type CloneTags } from '../../core/tags.ts';
import { isError, type Where } from './aws.ts';
import { lockedWhy } from './password-lock.ts';

/**
 * The Secrets Manager secret snapclone writes a clone's generated password (or token) to: named after the
 * clone, tagged like it, holding JSON in the shape AWS's rotation functions use, with the identifier of the
 * resource it belongs to under `identity.key` (dbInstanceIdentifier, dbClusterIdentifier, …).
 */
export const secretName = (clone: { clone: string }) => clone.clone;

export interface SecretIdentity {
  /** The JSON key that names the resource (dbInstanceIdentifier for RDS, dbClusterIdentifier for Aurora). */
  key: string;
  id: string;
}

/** A password every engine accepts: `length` (default 32) letters and digits (no '/', '@', '"' or spaces). */
export function newPassword(length = 32): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  let password = '';
  for (let i = 0; i < length; i++) password += alphabet[randomInt(alphabet.length)];
  rememberSecret(password);
  return password;
}

/**
 * The password (and user) a secret holds for a clone. The secret's text never reaches an error: JSON.parse
 * quotes the text it fails on. With `generatedFor`, the secret must name that resource (snapclone's own
 * secret); the service's managed secrets do not.
 */
export async function readSecretPassword(
  w: Where,
  secretId: string,
  clone: { clone: string },
  generatedFor?: SecretIdentity,
): Promise<{ password: string; username?: string }> {
  const out = await w.clients.of(SecretsManagerClient).send(new GetSecretValueCommand({ SecretId: secretId }));
  let value: Record<string, unknown> | null;
  try {
    value = JSON.parse(out.SecretString ?? '{}') as typeof value;
  } catch {
    throw new SnapcloneError(`The secret of ${clone.clone} is not the JSON snapclone wrote.`);
  }
  const password = value?.password;
  if (typeof password !== 'string' || !password || (generatedFor !== undefined && value?.[generatedFor.key] !== generatedFor.id)) {
    throw new SnapcloneError(`The secret ${secretId} does not hold the password of ${clone.clone}.`);
  }
  rememberSecret(password);
  return { password, username: typeof value?.username === 'string' ? value.username : undefined };
}

/**
 * A new clone's password secret is created by the clone's own run: a secret that already carries its name
 * (planted, or left from something else) would choose the clone's password, so the restore is refused first.
 */
export async function assertNoSecret(w: Where, tags: { clone: string }): Promise<void> {
  const name = secretName(tags);
  try {
    const out = await w.clients.of(SecretsManagerClient).send(new DescribeSecretCommand({ SecretId: name }));
    if (out.DeletedDate) return;
  } catch (error) {
    if (isError(error, 'ResourceNotFoundException')) return;
    throw error;
  }
  throw new UsageError(
    `A secret named ${name} already exists, and a new clone of that name would take its password from it. Nothing was created.`,
    'Choose another --name, or have the secret removed by whoever made it.',
  );
}

/**
 * The generated password of a clone: stored first in a secret named after the clone, tagged like it, so
 * that the secret is the one source of truth. A second run (resume, or a concurrent create) finds the
 * secret, checks it is this clone's, and applies the same password. `value` is the rest of the secret's JSON.
 */
export async function generatedPassword(
  w: Where,
  clone: CloneTags,
  identity: SecretIdentity,
  value: Record<string, unknown>,
  make: () => string = newPassword,
): Promise<string> {
  const name = secretName(clone);
  const password = make();
  rememberSecret(password);
  try {
    await w.clients.of(SecretsManagerClient).send(
      new CreateSecretCommand({
        Name: name,
        Description: `snapclone: master user password of clone ${clone.clone}`,
        SecretString: JSON.stringify({ ...value, password, [identity.key]: identity.id }),
        Tags: toTagList(cloneTags(clone)),
      }),
    );
    return password;
  } catch (error) {
    if (!isError(error, 'ResourceExistsException')) throw error;
  }
  // A secret of this name is this clone's only when its tags tie it to this very clone: its name, its owner,
  // its source and restore point — the same create, resumed after a crash (even one before the clone's
  // resource existed) or run twice at once. Anything else is not adopted.
  const described = await w.clients.of(SecretsManagerClient).send(new DescribeSecretCommand({ SecretId: name }));
  const tags = fromTagList(described.Tags);
  const mine = cloneTags(clone);
  const sameCreate = [TAG.owner, TAG.source, TAG.restorePoint].every((k) => tags[k] === mine[k]);
  if (!guardProblem({ kind: 'secret', name }, tags, { prefix: w.ctx.config.prefix, clone: clone.clone }) && sameCreate) {
    return (await readSecretPassword(w, name, clone, identity)).password;
  }
  throw new UsageError(
    `A secret named ${name} already exists and is not this clone's (owner ${tags[TAG.owner] ?? 'none'}, created ${tags[TAG.createdAt] ?? 'unknown'}), so snapclone does not use it as the clone's password. Nothing was changed.`,
    `Delete the clone and create it under another --name, or have the secret removed by whoever made it.`,
  );
}

/** The clone's generated-password secret, if there is one, with its tags. */
async function describeCloneSecret(w: Where, clone: { clone: string }) {
  try {
    const out = await w.clients.of(SecretsManagerClient).send(new DescribeSecretCommand({ SecretId: secretName(clone) }));
    return { arn: out.ARN, name: out.Name ?? secretName(clone), tags: fromTagList(out.Tags), deleted: out.DeletedDate !== undefined };
  } catch (error) {
    if (isError(error, 'ResourceNotFoundException')) return undefined;
    throw error;
  }
}

/** Deletes the clone's generated-password secret, guarded on its freshly read tags; one that is not the clone's is left alone (said). */
export async function deleteCloneSecret(w: Where, clone: { clone: string }): Promise<void> {
  const prefix = w.ctx.config.prefix;
  const secret = await describeCloneSecret(w, clone);
  if (!secret || secret.deleted) return;
  const subject = { kind: 'secret', name: secret.name, arn: secret.arn };
  const problem = guardProblem(subject, secret.tags, { prefix, clone: clone.clone });
  if (problem) {
    w.ctx.reporter.warn(`Left the secret ${secret.name} alone: ${problem}.`);
    return;
  }
  await guarded(
    subject,
    async () => (await describeCloneSecret(w, clone))?.tags,
    { prefix, action: 'delete', clone: clone.clone },
    () => w.clients.of(SecretsManagerClient).send(new DeleteSecretCommand({ SecretId: secret.arn ?? secret.name, ForceDeleteWithoutRecovery: true })),
  );
  w.ctx.reporter.info(`${clone.clone}: deleted its secret ${secret.name}.`);
}

/**
 * The password mode recorded on a clone (snapclone:password), or an error when its password has not been
 * replaced yet: snapclone never hands out a password that may still be its source's.
 */
export function replacedPasswordMode(tags: Record<string, string>, clone: Parameters<typeof passwordNotReplaced>[0], targets?: number): 'generated' | 'managed' {
  const mode = tags[TAG.password];
  if (mode === 'generated' || mode === 'managed') return mode;
  throw passwordNotReplaced(clone, targets, lockedWhy(tags));
}
