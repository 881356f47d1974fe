import { SnapcloneError } from '../../core/errors.ts';
import { assertManaged } from '../../core/guard.ts';
import { TAG } from '../../core/tags.ts';
import type { Where } from '../shared/aws.ts';
import { readSecretPassword, secretName } from '../shared/secret.ts';
import type { Clone, ConnectionDetails } from '../types.ts';
import { DOMAIN_KIND } from './aws.ts';
import { isLoopback } from './data.ts';
import { describeDomain, endpointOf, readTags } from './describe.ts';
import { masterIdentity } from './identity.ts';

/** The internal master user of clones made before the role became their master user (their password: the clone's secret). */
const LEGACY_MASTER_USER = 'snapclone-admin';

/**
 * Connection details of a search clone: its endpoint (HTTPS) and how to sign in. A clone's fine-grained access
 * control has the role snapclone runs as for master user and its access policy admits signed requests only,
 * so there is no password: requests are signed with SigV4 (service `es`) with that role's credentials, and the
 * role's policy lets it read (GET) the clone (docs/iam.md). Older clones kept an internal master user.
 */
export async function readCredentials(w: Where, clone: Clone): Promise<ConnectionDetails> {
  const domain = await describeDomain(w, clone.id);
  if (!domain?.ARN) throw new SnapcloneError(`Clone ${clone.clone} no longer exists (no domain ${clone.id}).`);
  const tags = await readTags(w, domain.ARN);
  assertManaged({ kind: DOMAIN_KIND, name: clone.id, arn: domain.ARN }, tags, { prefix: w.ctx.config.prefix, action: 'read the credentials of', clone: clone.clone });
  const endpoint = endpointOf(domain);
  if (!endpoint) throw new SnapcloneError(`${clone.clone} has no endpoint yet (${domain.DomainProcessingStatus ?? 'creating'}).`);
  const [host, port] = endpoint.split(':');
  const common = { host, port: port ? Number(port) : 443, engine: domain.EngineVersion ?? 'opensearch', tls: !isLoopback(endpoint) };
  if (tags?.[TAG.password] === 'generated') {
    const { password } = await readSecretPassword(w, secretName(clone), clone, { key: 'domainName', id: clone.id });
    return { ...common, username: LEGACY_MASTER_USER, password };
  }
  const identity = await masterIdentity(w);
  const fgac = domain.AdvancedSecurityOptions?.Enabled === true;
  return {
    ...common,
    username: identity,
    password: '',
    auth: `SigV4 (service es, region ${w.region}) with the credentials of ${identity}${fgac ? ', the master user of its fine-grained access control' : ''}; no password`,
  };
}
