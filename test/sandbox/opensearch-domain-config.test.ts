import { DescribeDomainConfigCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROD_SEARCH } from '../../sandbox/scenario/index.ts';
import { opensearchState } from '../../sandbox/services/opensearch/state.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION } from '../../sandbox/scenario/constants.ts';
import { errorOf } from '../support/errors.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
let client: OpenSearchClient;

beforeAll(async () => {
  sb = await startTestSandbox();
  client = new OpenSearchClient(sb.config());
});
afterAll(async () => {
  client?.destroy();
  await sb?.close();
});

describe('OpenSearch DescribeDomainConfig (the real SDK client)', () => {
  it("answers each option with the domain's creation as its CreationDate (the only creation time OpenSearch reports)", async () => {
    const prod = PROD_SEARCH[0];
    const out = await client.send(new DescribeDomainConfigCommand({ DomainName: prod.id }));
    const created = opensearchState(sb.world, COMPANY_ACCOUNT, COMPANY_REGION).domains.get(prod.id)!.createdAt;
    const config = out.DomainConfig!;
    expect(config.EngineVersion?.Options).toBe(prod.engineVersion);
    expect(config.ClusterConfig?.Options?.InstanceType).toBe(prod.instanceType);
    expect(config.VPCOptions?.Options?.SubnetIds?.length).toBeGreaterThan(0);
    for (const option of [config.EngineVersion, config.ClusterConfig, config.EBSOptions, config.VPCOptions]) {
      expect(option?.Status?.CreationDate).toEqual(new Date(created));
      expect(option?.Status?.State).toBe('Active');
    }
  });

  it('answers ResourceNotFoundException for a domain that does not exist', async () => {
    const error = await errorOf(client.send(new DescribeDomainConfigCommand({ DomainName: 'no-such-domain' })));
    expect(error.name).toBe('ResourceNotFoundException');
  });
});
