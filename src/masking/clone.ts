import type { Context } from '../core/context.ts';
import { ExitCode, SnapcloneError } from '../core/errors.ts';
import { finishCommand } from '../core/finish.ts';
import { TAG } from '../core/tags.ts';
import type { Address } from '../connect/clients.ts';
import { directly, type Tunnel } from '../connect/forward.ts';
import type { Clone, ConnectionDetails, Engine, SourceRef, TargetRef } from '../engines/types.ts';
import { maskingRules } from './config.ts';
import { maskingState } from './gate.ts';
import type { MaskingRules, MaskingSession } from './model.ts';
import { maskData, MaskingStopped, type MaskingReport } from './run.ts';

/** Opens a masking session to a clone's data at `at` (its endpoint, or the local end of a tunnel to it). */
export type SessionOpener = (
  details: ConnectionDetails,
  at: Address,
  ctx: Context,
  target: TargetRef,
) => Promise<MaskingSession>;

export interface MaskTarget {
  clone: Clone;
  engine: Engine;
  source: SourceRef;
  target: TargetRef;
}

/** The tag value of a verified run: what it masked and proved, in the characters every service allows in tags. */
export const verifiedTag = (r: MaskingReport) =>
  `verified tables=${r.masked} rows=${r.rows} rules=${r.rules} checks=${r.checks}`;

/** A clone's endpoint as masking reaches it: through the target's relay when it has one, else directly. */
export async function reach(ctx: Context, details: ConnectionDetails, m: MaskTarget): Promise<Tunnel> {
  const endpoint = { host: details.host, port: details.port };
  if (!m.target.config.connect) return directly(endpoint);
  const { openRelay } = await import('../connect/relay.ts');
  return openRelay(ctx, m.target, endpoint, { env: process.env, reason: `snapclone masking ${m.clone.clone}` });
}

const UNREACHABLE = /ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|timeout/i;

/** A failure, the problems named one per line. */
function stoppedError(m: MaskTarget, error: MaskingStopped, left: string, ctx: Context): SnapcloneError {
  const lines = error.problems.map((p) => `  - ${p.message}`);
  const before =
    error.stage === 'refused'
      ? 'Masking refused to start (nothing in the clone was changed)'
      : 'Masking failed (its changes were rolled back where the engine allows it)';
  return new SnapcloneError(
    `${m.clone.clone}: ${before}; ${left}. No credentials are handed out.\n${lines.join('\n')}`,
    ExitCode.failed,
    `Fix the masking rules of ${m.source.name} in the config (snapclone masking plan ${m.source.name} shows them), then run: ${finishCommand(m.clone, Object.keys(ctx.config.targets).length)}`,
  );
}

/** What a failure leaves, as configured: the clone locked (its master password told to nobody) or deleted. */
async function leaveFailed(
  m: MaskTarget,
  masking: MaskingRules,
  session: MaskingSession | undefined,
  problems: number,
  ctx: Context,
): Promise<string> {
  if (masking.onFailure === 'delete') {
    await m.engine.tag(m.clone, { [TAG.masking]: `failed problems=${problems} deleted` }, ctx);
    await m.engine.delete(m.clone, ctx, { wait: false, onProgress: () => {} });
    return 'the clone is being deleted (onFailure: delete)';
  }
  let locked = false;
  if (session?.lock) {
    try {
      await session.lock();
      locked = true;
    } catch (error) {
      ctx.reporter.warn(
        `${m.clone.clone}: could not lock it (${(error as Error).message}); snapclone hands nothing out for it.`,
      );
    }
    if (locked) await m.engine.markLocked?.(m.clone, ctx);
  }
  await m.engine.tag(m.clone, { [TAG.masking]: `failed problems=${problems} ${locked ? 'locked' : 'refused'}` }, ctx);
  return locked
    ? 'the clone is locked: its master password was replaced by one nobody is told'
    : 'the clone is kept, and snapclone hands nothing out for it';
}

/**
 * Masks a ready clone whose source has masking rules, before anything of it is handed out: opens its data where
 * it is reachable, checks, masks, verifies and records the result on the clone (snapclone:masking). A clone
 * already verified is left as it is. Throws a SnapcloneError naming every problem when it is not masked.
 */
export async function maskClone(
  m: MaskTarget,
  ctx: Context,
  open: SessionOpener,
  onProgress: (phase: string) => void,
): Promise<Clone> {
  const masking = maskingRules(m.source.config);
  if (!masking) return m.clone;
  if (maskingState(m.clone, ctx.config).state === 'verified') return m.clone;
  await m.engine.tag(m.clone, { [TAG.masking]: 'required' }, ctx);
  const details = await m.engine.credentials(m.clone, ctx);
  let tunnel: Tunnel | undefined;
  let session: MaskingSession | undefined;
  try {
    tunnel = await reach(ctx, details, m);
    try {
      session = await open(details, tunnel.local, ctx, m.target);
    } catch (error) {
      const message = (error as Error).message;
      if (!UNREACHABLE.test(message) && !UNREACHABLE.test(String((error as NodeJS.ErrnoException).code ?? '')))
        throw error;
      throw new MaskingStopped('refused', [
        {
          collection: m.clone.clone,
          message: `the clone's ${details.engine} endpoint ${details.host}:${details.port} cannot be reached from here (${(error as NodeJS.ErrnoException).code ?? message}): masking runs where the clone is reachable, from a runner or machine in its VPC or through the target's connect.relay (docs/reaching-clones.md)`,
        },
      ]);
    }
    const report = await maskData(session, masking, { onProgress, restoreTime: m.clone.restoreTime });
    const tag = verifiedTag(report);
    await m.engine.tag(m.clone, { [TAG.masking]: tag }, ctx);
    ctx.reporter.info(
      `${m.clone.clone}: masked and verified: ${tag.slice('verified '.length)} (${report.store}${report.transactional ? ', one transaction' : ''}).`,
    );
    return { ...m.clone, masking: tag };
  } catch (error) {
    // Whatever stopped it (a check, a rule, a dropped connection, a refused GRANT), the clone is left as configured.
    const stopped =
      error instanceof MaskingStopped
        ? error
        : new MaskingStopped('failed', [{ collection: m.clone.clone, message: (error as Error).message }]);
    const left = await leaveFailed(m, masking, session, stopped.problems.length, ctx);
    throw stoppedError(m, stopped, left, ctx);
  } finally {
    await session?.close().catch(() => {});
    await tunnel?.close().catch(() => {});
  }
}
