import { SnapcloneError } from '../../core/errors.ts';
import { assertManaged } from '../../core/guard.ts';
import { TAG } from '../../core/tags.ts';
import type { Where } from '../shared/aws.ts';
import { readSecretPassword, secretName } from '../shared/secret.ts';
import type { Clone, ConnectionDetails } from '../types.ts';
import { GROUP_KIND } from './aws.ts';
import { describeGroup, endpointOf, readTags } from './describe.ts';

/** Connection details of a cache clone: its own endpoint, TLS on or off, and its new AUTH token (never the source's). */
export async function readCredentials(w: Where, clone: Clone): Promise<ConnectionDetails> {
  const group = await describeGroup(w, clone.id);
  if (!group?.ARN) throw new SnapcloneError(`Clone ${clone.clone} no longer exists (no replication group ${clone.id}).`);
  const tags = await readTags(w, group.ARN);
  assertManaged({ kind: GROUP_KIND, name: clone.id, arn: group.ARN }, tags, {
    prefix: w.ctx.config.prefix,
    action: 'read the credentials of',
    clone: clone.clone,
  });
  const endpoint = endpointOf(group);
  if (!endpoint) throw new SnapcloneError(`${clone.clone} has no endpoint yet (status ${group.Status}).`);
  const token = tags?.[TAG.password] === 'generated'
    ? (await readSecretPassword(w, secretName(clone), clone, { key: 'replicationGroupId', id: clone.id })).password
    : '';
  return {
    host: endpoint.host,
    port: endpoint.port,
    username: 'default',
    password: token,
    engine: group.Engine ?? 'redis',
    tls: group.TransitEncryptionEnabled === true,
  };
}
