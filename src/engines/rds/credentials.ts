import { SnapcloneError } from '../../core/errors.ts';
import { assertManaged } from '../../core/guard.ts';
import { fromTagList } from '../../core/tags.ts';
import type { Clone, ConnectionDetails } from '../types.ts';
import type { Where } from './aws.ts';
import { describeInstance, OWNER_TAG, RESOURCE_KIND } from './describe.ts';
import { notOwnSecret, secretOwnedBy } from '../shared/password-proof.ts';
import { readSecretPassword, replacedPasswordMode, secretName } from '../shared/secret.ts';

/**
 * Connection details of a clone, password included: endpoint and user from the clone's own instance
 * (never a source's), password from the clone's secret (generated) or RDS's managed secret.
 */
export async function readCredentials(w: Where, clone: Clone): Promise<ConnectionDetails> {
  const instance = await describeInstance(w, clone.id);
  if (!instance) throw new SnapcloneError(`Clone ${clone.clone} no longer exists (no DB instance ${clone.id}).`);
  const tags = fromTagList(instance.TagList);
  assertManaged({ kind: RESOURCE_KIND, name: clone.id, arn: instance.DBInstanceArn }, tags, {
    prefix: w.ctx.config.prefix,
    action: 'read the credentials of',
    clone: clone.clone,
  });
  const mode = replacedPasswordMode(tags, clone, Object.keys(w.ctx.config.targets).length);
  if (!instance.Endpoint?.Address || !instance.Endpoint.Port) {
    throw new SnapcloneError(`${clone.clone} has no endpoint yet (status ${instance.DBInstanceStatus}).`);
  }
  const secretId = mode === 'generated' ? secretName(clone) : instance.MasterUserSecret?.SecretArn;
  if (!secretId) throw new SnapcloneError(`${clone.clone} has no master user secret.`);
  // A secret RDS reports is the clone's only when RDS tied it to this instance (it can be the source's, inherited).
  if (mode === 'managed' && !(await secretOwnedBy(w, secretId, OWNER_TAG, instance.DBInstanceArn ?? clone.arn))) {
    throw notOwnSecret(clone, Object.keys(w.ctx.config.targets).length);
  }
  const value = await readSecretPassword(w, secretId, clone, mode === 'generated' ? { key: 'dbInstanceIdentifier', id: clone.id } : undefined);
  return {
    host: instance.Endpoint.Address,
    port: instance.Endpoint.Port,
    username: instance.MasterUsername ?? value.username ?? '',
    password: value.password,
    database: instance.DBName,
    engine: instance.Engine ?? 'unknown',
  };
}
