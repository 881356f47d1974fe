import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws';
import type { Where } from '../shared/aws.ts';
import { isLoopback } from './data.ts';

/**
 * The official client for a domain's endpoint. AWS endpoints are HTTPS; a loopback endpoint can only be the
 * local sandbox, which serves plain HTTP.
 */
export function restClient(w: Where, endpoint: string): Client {
  return new Client({
    ...AwsSigv4Signer({ region: w.region, service: 'es', getCredentials: () => w.clients.credentials() }),
    node: `${isLoopback(endpoint) ? 'http' : 'https'}://${endpoint}`,
    requestTimeout: 30_000,
    maxRetries: 3,
  });
}
