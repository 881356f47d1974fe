import type { IncomingMessage } from 'node:http';

/** An HTTP request as the sandbox received it: raw path and query, lower-case headers. */
export interface RawRequest {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: Record<string, string | undefined>;
  body: Buffer;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** Text, or bytes (an S3 object's body). */
  body: string | Buffer;
}

/** Reads a whole request off a Node HTTP server: raw path and query, headers joined, body buffered. */
export async function readRequest(req: IncomingMessage): Promise<RawRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return {
    method: req.method ?? 'GET',
    rawPath: q < 0 ? url : url.slice(0, q),
    rawQuery: q < 0 ? '' : url.slice(q + 1),
    headers,
    body: Buffer.concat(chunks),
  };
}
