import type { Config } from '../config/schema.ts';
import { ExitCode, SnapcloneError } from '../core/errors.ts';
import { finishCommand } from '../core/finish.ts';
import type { CloneTags } from '../core/tags.ts';

/** Where a clone stands with masking, from its snapclone:masking tag and its source's rules in the config. */
export type MaskingState =
  | { state: 'not-masked' }
  | { state: 'pending'; why: string }
  | { state: 'verified'; detail: string }
  | { state: 'failed'; detail: string };

/** The words of a tag value, packed (OpenSearch: spaces became underscores) or not. */
const words = (value: string) => value.split(/[\s_]+/).filter(Boolean);

export function maskingState(
  clone: Pick<CloneTags, 'masking' | 'source'>,
  config: Pick<Config, 'sources'>,
): MaskingState {
  const tag = clone.masking;
  const known = Object.hasOwn(config.sources, clone.source);
  const ruled = known && config.sources[clone.source].masking !== undefined;
  if (tag === undefined || tag === '') {
    // A clone made before its source had rules (or by a run that did not know them): the config's rules now apply.
    if (!known)
      return {
        state: 'pending',
        why: `its source ${clone.source} is not in the config, so whether it has masking rules is unknown`,
      };
    return ruled
      ? { state: 'pending', why: 'its source has masking rules and the clone was never masked' }
      : { state: 'not-masked' };
  }
  const [head, ...rest] = words(tag);
  if (head === 'verified') return { state: 'verified', detail: rest.join(' ') };
  if (head === 'failed') return { state: 'failed', detail: rest.join(' ') };
  return { state: 'pending', why: 'masking has not finished' };
}

/** The one line `show` and `list` say of it. */
export function maskingText(state: MaskingState): string {
  switch (state.state) {
    case 'not-masked':
      return 'not masked (its source has no masking rules)';
    case 'pending':
      return `not verified yet: ${state.why}`;
    case 'verified':
      return `verified (${state.detail})`;
    case 'failed':
      return `FAILED (${state.detail}): nothing is handed out`;
  }
}

/**
 * Refuses (exit 1) to hand out anything that opens a clone — a password, a tunnel, a connection line — unless
 * its masking was verified, or neither the clone nor its source's config has masking.
 */
export function assertHandOut(
  clone: Parameters<typeof finishCommand>[0] & Pick<CloneTags, 'masking'>,
  config: Pick<Config, 'sources' | 'targets'>,
  what: string,
): void {
  const state = maskingState(clone, config);
  if (state.state === 'verified' || state.state === 'not-masked') return;
  const targets = Object.keys(config.targets).length;
  const detail =
    state.state === 'failed'
      ? `its masking failed (${state.detail})`
      : `its masking is ${state.why === 'masking has not finished' ? 'not verified yet' : `not done: ${state.why}`}`;
  throw new SnapcloneError(
    `${clone.clone}: ${detail}, so snapclone does not ${what}.`,
    ExitCode.failed,
    state.state === 'failed'
      ? `Fix the masking rules of ${clone.source} (the failed run listed each problem; snapclone masking plan ${clone.source} shows the rules), then run: ${finishCommand(clone, targets)}; or delete the clone.`
      : `Finish it (this masks and verifies it): ${finishCommand(clone, targets)}`,
  );
}
