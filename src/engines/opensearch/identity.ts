import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SnapcloneError } from '../../core/errors.ts';
import type { Where } from '../shared/aws.ts';

/**
 * The IAM identity a clone's fine-grained access control makes its master user: the role the session runs as
 * (what OpenSearch sees for a signed request is the role's ARN, mapped as a backend role), or the IAM user.
 * An assumed-role ARN does not show the role's path: when the target names its role (access.roleArn) and it
 * is the same role, its ARN is taken as written there (path included).
 */
export async function masterIdentity(w: Where): Promise<string> {
  const me = await w.clients.of(STSClient).send(new GetCallerIdentityCommand({}));
  const arn = me.Arn ?? '';
  const session = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  if (session) {
    const [, partition, account, name] = session;
    const configured = w.target.config.access.roleArn;
    if (configured && configured.startsWith(`arn:${partition}:iam::${account}:role/`) && configured.endsWith(`/${name}`)) return configured;
    return `arn:${partition}:iam::${account}:role/${name}`;
  }
  if (/^arn:[\w-]+:iam::\d{12}:user\/.+$/.test(arn)) return arn;
  throw new SnapcloneError(
    `Cannot make ${arn || 'this identity'} the master user of an OpenSearch clone: it is neither an IAM role session nor an IAM user.`,
  );
}
