// A create whose masking did not pass ends with one error per clone (src/masking/clone.ts, stoppedError):
// `<clone>: Masking refused to start (…); <what it left>. No credentials are handed out.` and one `  - <problem>`
// line per problem. The Action reads it back to tell the requester, in the summary, that nothing was handed out
// and why (test/action/masking.test.ts runs it on a real refusal, so a changed wording fails there).

export interface MaskingStop {
  clone: string;
  /** refused: stopped by the check before anything changed; failed: stopped after masking started. */
  stage: 'refused' | 'failed';
  /** What the failure left, as configured (onFailure), or kept when the clone could not be locked. */
  left: 'locked' | 'deleted' | 'kept';
  problems: string[];
}

const HEAD = /^(\S+): Masking (refused to start|failed) \([^)]*\); (.*?)\. No credentials are handed out\./;

export function maskingStopOf(message: string): MaskingStop | undefined {
  const [first, ...rest] = message.split('\n');
  const head = HEAD.exec(first);
  if (!head) return undefined;
  const left = /\blocked\b/.test(head[3]) ? 'locked' : /\bdeleted\b/.test(head[3]) ? 'deleted' : 'kept';
  return {
    clone: head[1],
    stage: head[2] === 'failed' ? 'failed' : 'refused',
    left,
    problems: rest.flatMap((line) => /^\s+- (.+)$/.exec(line)?.[1] ?? []),
  };
}
