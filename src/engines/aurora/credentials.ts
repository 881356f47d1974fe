import { SnapcloneError } from '../../core/errors.ts';
import { assertManaged } from '../../core/guard.ts';
import { fromTagList } from '../../core/tags.ts';
import type { Where } from '../shared/aws.ts';
import { readSecretPassword, replacedPasswordMode, secretName } from '../shared/secret.ts';
import type { Clone, ConnectionDetails } from '../types.ts';
import { CLUSTER_KIND } from './aws.ts';
import { CLUSTER_OWNER_TAG, describeCluster } from './describe.ts';
import { notOwnSecret, secretOwnedBy } from '../shared/password-proof.ts';

/**
 * Connection details of an Aurora clone: the cluster (writer) endpoint and user of the clone's own cluster,
 * the password from the clone's secret (generated) or the secret RDS manages for the cluster.
 */
export async function readCredentials(w: Where, clone: Clone): Promise<ConnectionDetails> {
  const cluster = await describeCluster(w, clone.id);
  if (!cluster) throw new SnapcloneError(`Clone ${clone.clone} no longer exists (no DB cluster ${clone.id}).`);
  const tags = fromTagList(cluster.TagList);
  assertManaged({ kind: CLUSTER_KIND, name: clone.id, arn: cluster.DBClusterArn }, tags, {
    prefix: w.ctx.config.prefix,
    action: 'read the credentials of',
    clone: clone.clone,
  });
  const mode = replacedPasswordMode(tags, clone, Object.keys(w.ctx.config.targets).length);
  if (!cluster.Endpoint || !cluster.Port) throw new SnapcloneError(`${clone.clone} has no endpoint yet (status ${cluster.Status}).`);
  const secretId = mode === 'generated' ? secretName(clone) : cluster.MasterUserSecret?.SecretArn;
  if (!secretId) throw new SnapcloneError(`${clone.clone} has no master user secret.`);
  // A secret RDS reports is the clone's only when RDS tied it to this cluster (it can be the source's, inherited).
  if (mode === 'managed' && !(await secretOwnedBy(w, secretId, CLUSTER_OWNER_TAG, cluster.DBClusterArn ?? clone.arn))) {
    throw notOwnSecret(clone, Object.keys(w.ctx.config.targets).length);
  }
  const value = await readSecretPassword(w, secretId, clone, mode === 'generated' ? { key: 'dbClusterIdentifier', id: clone.id } : undefined);
  return {
    host: cluster.Endpoint,
    port: cluster.Port,
    username: cluster.MasterUsername ?? value.username ?? '',
    password: value.password,
    database: cluster.DatabaseName,
    engine: cluster.Engine ?? 'unknown',
  };
}
