import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import { protocolOf, type Address } from '../connect/clients.ts';
import type { Context } from '../core/context.ts';
import { SnapcloneError, UsageError } from '../core/errors.ts';
import { where } from '../engines/shared/aws.ts';
import type { ConnectionDetails, TargetRef } from '../engines/types.ts';
import type { MaskingSession } from './model.ts';

/**
 * The CAs a TLS connection to a clone trusts when AWS_CA_BUNDLE is set: its certificates besides Node's own (a
 * connection's `ca` replaces Node's, and an ElastiCache certificate is signed by Amazon's public CA, which a
 * bundle made for a TLS-inspecting proxy does not hold); undefined when unset (Node's own).
 */
async function caBundle(ctx: Context): Promise<string[] | undefined> {
  if (!ctx.caBundle) return undefined;
  try {
    return [...rootCertificates, await readFile(ctx.caBundle, 'utf8')];
  } catch (error) {
    throw new UsageError(
      `AWS_CA_BUNDLE names ${ctx.caBundle}, which cannot be read (${(error as NodeJS.ErrnoException).code})`,
      'Point it at a PEM file of certificates, or unset it.',
    );
  }
}

/**
 * A masking session to a clone's data at `at`, as its master user, with the driver of its wire protocol
 * (each loaded only when a clone of that engine is masked).
 */
export async function openSession(
  details: ConnectionDetails,
  at: Address,
  ctx: Context,
  target: TargetRef,
): Promise<MaskingSession> {
  switch (protocolOf(details.engine)) {
    case 'postgresql':
      return (await import('./drivers/postgres.ts')).openPostgres(details, at);
    case 'mysql':
      return (await import('./drivers/mysql.ts')).openMysql(details, at);
    case 'redis': {
      const ca = await caBundle(ctx);
      return (await import('./drivers/redis.ts')).openRedis(details, at, { tls: ca ? { ca } : {} });
    }
    case 'opensearch':
      return (await import('./drivers/opensearch.ts')).openOpenSearch(details, at, where(ctx, target));
    default:
      throw new SnapcloneError(
        `snapclone cannot mask a ${details.engine} clone: it masks PostgreSQL, MySQL, Redis and OpenSearch data.`,
      );
  }
}
