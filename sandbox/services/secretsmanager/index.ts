import * as schemas from '@aws-sdk/client-secrets-manager';
import type { RequestContext, ServiceDef } from '../../core/service.ts';
import {
  createSecret,
  deleteSecret,
  describeSecret,
  getSecretValue,
  listSecrets,
  putSecretValue,
  restoreSecret,
  tagResource,
  tagsOf,
  untagResource,
} from './handlers.ts';
import { findSecret, secretArnPrefix } from './store.ts';

/** The secret's ARN for IAM (or a name-based ARN when it does not exist, so the handler answers NotFound). */
const secretArn = (input: { SecretId?: string }, ctx: RequestContext): string[] => {
  const id = input.SecretId ?? '';
  const secret = findSecret(ctx.world, ctx.accountId, ctx.region, id);
  if (secret) return [secret.arn];
  return [id.startsWith('arn:') ? id : secretArnPrefix(ctx.region, ctx.accountId, id)];
};

const bySecretId = { resources: secretArn };

export const secretsmanager: ServiceDef = {
  signingName: 'secretsmanager',
  iamPrefix: 'secretsmanager',
  protocol: 'awsJson1_1',
  schemas,
  targetPrefix: 'secretsmanager',
  operations: {
    CreateSecret: {
      handler: createSecret,
      // The ARN's random suffix is unknown before creation; policies match it with `NAME-*` or `NAME*`.
      resources: (input: { Name?: string }, ctx) => [
        `${secretArnPrefix(ctx.region, ctx.accountId, input.Name ?? '')}-??????`,
      ],
      requestTags: (input: { Tags?: { Key?: string; Value?: string }[] }) => tagsOf(input.Tags),
    },
    GetSecretValue: { handler: getSecretValue, ...bySecretId },
    PutSecretValue: { handler: putSecretValue, ...bySecretId },
    DescribeSecret: { handler: describeSecret, ...bySecretId },
    DeleteSecret: { handler: deleteSecret, ...bySecretId },
    RestoreSecret: { handler: restoreSecret, ...bySecretId },
    TagResource: {
      handler: tagResource,
      ...bySecretId,
      requestTags: (input: { Tags?: { Key?: string; Value?: string }[] }) => tagsOf(input.Tags),
    },
    UntagResource: { handler: untagResource, ...bySecretId },
    ListSecrets: { handler: listSecrets },
  },
};
