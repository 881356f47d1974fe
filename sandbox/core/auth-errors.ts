import { AwsError } from './errors.ts';
import type { ProtocolName } from './service.ts';

/** Why AWS's front end refuses a request before the service sees it. */
export type AuthFailure = 'invalid-token' | 'bad-signature' | 'expired-token' | 'missing-token' | 'incomplete-signature';

/**
 * The same refusal has two names: awsQuery services (STS, IAM, RDS, ElastiCache) answer the first, the JSON
 * services (Secrets Manager, Tagging, Backup, OpenSearch) the second — what the SDK surfaces as error.name.
 */
const NAMES: Record<AuthFailure, { query: string; json: string }> = {
  'invalid-token': { query: 'InvalidClientTokenId', json: 'UnrecognizedClientException' },
  'bad-signature': { query: 'SignatureDoesNotMatch', json: 'InvalidSignatureException' },
  'expired-token': { query: 'ExpiredToken', json: 'ExpiredTokenException' },
  'missing-token': { query: 'MissingAuthenticationToken', json: 'MissingAuthenticationTokenException' },
  'incomplete-signature': { query: 'IncompleteSignature', json: 'IncompleteSignatureException' },
};

export const AUTH_MESSAGES = {
  invalidToken: 'The security token included in the request is invalid.',
  badSignature:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  expiredToken: 'The security token included in the request is expired',
  missingToken: 'Request is missing Authentication Token',
};

/**
 * S3 (restXml) spells them its own way (S3 API Reference, "Error responses"): InvalidAccessKeyId 403,
 * SignatureDoesNotMatch 403, ExpiredToken 400, InvalidToken 400, and an unsigned request is AccessDenied 403.
 */
const S3_NAMES: Record<AuthFailure, [string, number]> = {
  'invalid-token': ['InvalidAccessKeyId', 403],
  'bad-signature': ['SignatureDoesNotMatch', 403],
  'expired-token': ['ExpiredToken', 400],
  'missing-token': ['AccessDenied', 403],
  'incomplete-signature': ['AuthorizationHeaderMalformed', 400],
};

/** An authentication refusal, carried as the awsQuery error until `as` names it for the service's protocol. */
export class AuthError extends AwsError {
  constructor(
    readonly failure: AuthFailure,
    message: string,
  ) {
    super(NAMES[failure].query, message, 403);
  }

  /**
   * The refusal as a service of `protocol` answers it. The awsJson1_1 services answer 400 (Secrets Manager's
   * UnrecognizedClientException and the "Signature expired" InvalidSignatureException are 400s in the wild);
   * restJson1 services answer 403, as the AWS front end does for them.
   */
  as(protocol: ProtocolName): AwsError {
    if (protocol === 'awsQuery') return this;
    // EC2 answers an unknown key and a bad signature alike with 401 AuthFailure ("AWS was not able to validate the
    // provided access credentials"); its other refusals keep the query names (the SDK treats ExpiredToken and
    // RequestExpired alike as an expired session, so either spelling renews it).
    if (protocol === 'ec2Query') {
      const failed = this.failure === 'invalid-token' || this.failure === 'bad-signature';
      return failed ? new AwsError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401) : this;
    }
    if (protocol === 'restXml') return new AwsError(S3_NAMES[this.failure][0], this.message, S3_NAMES[this.failure][1]);
    return new AwsError(NAMES[this.failure].json, this.message, protocol === 'awsJson1_1' ? 400 : 403);
  }
}
