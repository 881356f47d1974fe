/**
 * RESP2, the Redis wire protocol, as much as the sandbox needs: commands encoded as arrays of bulk strings, and
 * replies read back (simple strings, errors, integers, bulk strings, arrays).
 */

export type Reply = string | number | null | Reply[] | ReplyError;

export class ReplyError {
  constructor(readonly message: string) {}
}

export function encodeCommand(args: readonly string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
  return Buffer.from(parts.join(''));
}

/** Reads replies from a stream of bytes; `push` them in as they arrive, `take` the complete ones. */
export class ReplyReader {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
  }

  /** The complete replies received so far, in order. */
  take(): Reply[] {
    const replies: Reply[] = [];
    for (;;) {
      const parsed = parseReply(this.buffer, 0);
      if (!parsed) return replies;
      replies.push(parsed.reply);
      this.buffer = this.buffer.subarray(parsed.end);
    }
  }
}

function parseReply(buffer: Buffer, start: number): { reply: Reply; end: number } | undefined {
  const eol = buffer.indexOf('\r\n', start);
  if (eol < 0) return undefined;
  const line = buffer.toString('utf8', start + 1, eol);
  const next = eol + 2;
  switch (String.fromCharCode(buffer[start])) {
    case '+':
      return { reply: line, end: next };
    case '-':
      return { reply: new ReplyError(line), end: next };
    case ':':
      return { reply: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { reply: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { reply: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { reply: null, end: next };
      const items: Reply[] = [];
      let at = next;
      for (let n = 0; n < count; n++) {
        const item = parseReply(buffer, at);
        if (!item) return undefined;
        items.push(item.reply);
        at = item.end;
      }
      return { reply: items, end: at };
    }
    default:
      throw new Error(`RESP: unexpected reply type ${JSON.stringify(String.fromCharCode(buffer[start]))}`);
  }
}
