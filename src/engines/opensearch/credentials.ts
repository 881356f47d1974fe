import { SnapcloneError } from '../../core/errors.ts';
import { assertManaged } from '../../core/guard.ts';
import { TAG } from '../../core/tags.ts';
import type { Where } from '../shared/aws.ts';
import { readSecretPassword, secretName } from '../shared/secret.ts';
import type { Clone, ConnectionDetails } from '../types.ts';
import { DOMAIN_KIND } from './aws.ts';
import { isLoopback } from './data.ts';
import { describeDomain, endpointOf, readTags } from './describe.ts';
import { MASTER_USER } from './restore.ts';

/** Connection details of a search clone: its endpoint (HTTPS) and, with fine-grained access control, its new master user. */
export async function readCredentials(w: Where, clone: Clone): Promise<ConnectionDetails> {
  const domain = await describeDomain(w, clone.id);
  if (!domain?.ARN) throw new SnapcloneError(`Clone ${clone.clone} no longer exists (no domain ${clone.id}).`);
  const tags = await readTags(w, domain.ARN);
  assertManaged({ kind: DOMAIN_KIND, name: clone.id, arn: domain.ARN }, tags, { prefix: w.ctx.config.prefix, action: 'read the credentials of', clone: clone.clone });
  const endpoint = endpointOf(domain);
  if (!endpoint) throw new SnapcloneError(`${clone.clone} has no endpoint yet (${domain.DomainProcessingStatus ?? 'creating'}).`);
  const [host, port] = endpoint.split(':');
  const generated = tags?.[TAG.password] === 'generated';
  const password = generated ? (await readSecretPassword(w, secretName(clone), clone, { key: 'domainName', id: clone.id })).password : '';
  return { host, port: port ? Number(port) : 443, username: generated ? MASTER_USER : '', password, engine: domain.EngineVersion ?? 'opensearch', tls: !isLoopback(endpoint) };
}
