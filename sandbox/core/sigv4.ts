import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AUTH_MESSAGES, AuthError } from './auth-errors.ts';
import type { IssuedCredentials } from './iam.ts';
import type { RawRequest } from './http.ts';
import type { World } from './world.ts';

export interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

/** Reads the credential scope of a SigV4 Authorization header; undefined when the request is unsigned. */
export function parseAuthorization(header: string | undefined): CredentialScope | undefined {
  if (!header) return undefined;
  const m = AUTH.exec(header.trim());
  if (!m) throw new AuthError('incomplete-signature', 'The Authorization header is not a valid AWS Signature Version 4 header.');
  return {
    accessKeyId: m[1],
    date: m[2],
    region: m[3],
    service: m[4],
    signedHeaders: m[5].split(';'),
    signature: m[6],
  };
}

function parseAmzDate(value: string | undefined): Date {
  const m = value && /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) throw new AuthError('incomplete-signature', 'The request has no valid X-Amz-Date header.');
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

const amzDate = (ms: number) => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');

/**
 * A signature is good for `minutes` either side of the time it was made: AWS compares X-Amz-Date with its own
 * (wall) time and words the refusal so that clients recognise a skewed clock and correct it.
 */
function checkSigningTime(signedAt: Date, wallNow: number, minutes: number): void {
  const signed = amzDate(signedAt.getTime());
  const window = minutes * 60_000;
  if (signedAt.getTime() < wallNow - window) {
    throw new AuthError(
      'bad-signature',
      `Signature expired: ${signed} is now earlier than ${amzDate(wallNow - window)} (${amzDate(wallNow)} - ${minutes} min.)`,
    );
  }
  if (signedAt.getTime() > wallNow + window) {
    throw new AuthError(
      'bad-signature',
      `Signature not yet current: ${signed} is still later than ${amzDate(wallNow + window)} (${amzDate(wallNow)} + ${minutes} min.)`,
    );
  }
}

/**
 * Recomputes the request's signature with the secret the sandbox issued for its key, as AWS does, and
 * answers the errors AWS answers: unknown key, a signing time more than `minutes` off the wall clock, wrong
 * signature, missing or expired session token (sessions expire on the sandbox clock).
 */
export async function verifySignature(
  request: RawRequest,
  scope: CredentialScope,
  issued: IssuedCredentials | undefined,
  world: World,
  minutes = 5,
): Promise<void> {
  if (!issued) throw new AuthError('invalid-token', AUTH_MESSAGES.invalidToken);
  const token = request.headers['x-amz-security-token'];
  // A session key needs its own token; a long-term key takes none.
  if (token !== issued.sessionToken) throw new AuthError('invalid-token', AUTH_MESSAGES.invalidToken);
  const headers: Record<string, string> = {};
  for (const name of scope.signedHeaders) {
    const value = request.headers[name];
    if (value !== undefined && name !== 'x-amz-date' && name !== 'authorization') headers[name] = value;
  }
  const signingDate = parseAmzDate(request.headers['x-amz-date']);
  checkSigningTime(signingDate, world.wallClock(), minutes);
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(request.rawQuery)) {
    const previous = query[key];
    query[key] = previous === undefined ? value : [...([] as string[]).concat(previous), value];
  }
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: issued.accessKeyId,
      secretAccessKey: issued.secretAccessKey,
      sessionToken: token,
    },
    region: scope.region,
    service: scope.service,
    sha256: Sha256,
    // S3 is the only service signed without double-encoding the path (its keys are sent encoded once).
    uriEscapePath: scope.service !== 's3',
    // Sign exactly the headers the client signed: botocore (the aws CLI) sends no x-amz-content-sha256.
    applyChecksum: false,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: request.method,
      protocol: 'http:',
      hostname: (request.headers.host ?? 'localhost').split(':')[0],
      path: request.rawPath,
      query,
      headers,
      body: request.body,
    }),
    {
      signingDate,
      signingRegion: scope.region,
      signingService: scope.service,
      signableHeaders: new Set(scope.signedHeaders),
    },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1] ?? '';
  // The signer takes a signed x-amz-content-sha256 at its word; AWS hashes the body it received (a body
  // changed on the way no longer matches what was signed).
  const claimedHash = headers['x-amz-content-sha256'];
  // S3 lets a client sign UNSIGNED-PAYLOAD instead of the body's hash (the signature then covers that word).
  const unsignedPayload = scope.service === 's3' && claimedHash === 'UNSIGNED-PAYLOAD';
  if (
    (claimedHash !== undefined && !unsignedPayload && claimedHash !== createHash('sha256').update(request.body).digest('hex')) ||
    expected.length !== scope.signature.length ||
    !timingSafeEqual(Buffer.from(expected), Buffer.from(scope.signature))
  ) {
    throw new AuthError('bad-signature', AUTH_MESSAGES.badSignature);
  }
  if (issued.expiration && issued.expiration.getTime() <= world.clock.nowMs()) {
    throw new AuthError('expired-token', AUTH_MESSAGES.expiredToken);
  }
}
