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
  body: string;
}
